import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import PostgresNIO

/// Accounts. A city admin manages every account; a district admin the district admins and street handlers of their
/// own district. Row-level security enforces the same scope underneath: an account outside it answers 404.
///
/// | method | path                | who                        | answer                                  |
/// |--------|---------------------|----------------------------|-----------------------------------------|
/// | GET    | /api/v1/users       | city_admin, district_admin | `{items, nextCursor}` by username       |
/// | POST   | /api/v1/users       | city_admin, district_admin | 201 the account; 409 username taken     |
/// | GET    | /api/v1/users/{id}  | city_admin, district_admin | the account, or 404                     |
/// | PATCH  | /api/v1/users/{id}  | city_admin, district_admin | the changed account, or 404             |
struct UsersController {
    let users: UserStore
    let hasher: PasswordHasher
    let database: Database

    static let managers: Set<Role> = [.cityAdmin, .districtAdmin]

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("/users", use: list)
        group.post("/users", use: create)
        group.get("/users/{id}", use: get)
        group.patch("/users/{id}", use: update)
    }

    struct UserBody: ResponseEncodable {
        var id: String
        var username: String
        var displayName: String
        var role: String
        var districtCode: String?
        var unitId: String?
        var disabled: Bool
        var createdAt: String
        var updatedAt: String

        init(_ account: UserAccount) {
            id = account.id.uuidString.lowercased()
            username = account.username
            displayName = account.displayName
            role = account.role.rawValue
            districtCode = account.districtCode?.rawValue
            unitId = account.unitID
            disabled = account.disabled
            createdAt = account.createdAt.iso8601
            updatedAt = account.updatedAt.iso8601
        }
    }

    struct Page: ResponseEncodable {
        var items: [UserBody]
        var nextCursor: String?
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page {
        try context.require(Self.managers)
        let query = request.uri.queryParameters
        var role: Role?
        if let raw = query["role"].map(String.init) {
            guard let value = Role(rawValue: raw) else { throw Problem.invalidParameter("role", "unknown role") }
            role = value
        }
        var district: DistrictCode?
        if let raw = query["districtCode"].map(String.init) {
            guard let value = DistrictCode(raw) else { throw Problem.invalidParameter("districtCode", "not a district code") }
            district = value
        }
        var limit = 50
        if let raw = query["limit"].map(String.init) {
            guard let value = Int(raw), (1...200).contains(value) else { throw Problem.invalidParameter("limit", "must be 1 to 200") }
            limit = value
        }
        let after = query["cursor"].map(String.init)
        let accounts = try await users.list(
            as: context.identity, role: role, districtCode: district, after: after, limit: limit + 1, logger: context.logger)
        let page = accounts.prefix(limit)
        return Page(items: page.map(UserBody.init), nextCursor: accounts.count > limit ? page.last?.username : nil)
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> UserBody {
        try context.require(Self.managers)
        let id = try Self.userID(context)
        guard let account = try await users.get(as: context.identity, id: id, logger: context.logger) else {
            throw Problem.notFound("No such user.")
        }
        return UserBody(account)
    }

    struct CreateRequest: Decodable {
        var username: String
        var displayName: String
        var password: String
        var role: String
        var districtCode: String?
        var unitId: String?
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<UserBody> {
        try context.require(Self.managers)
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        var errors: [Problem.FieldError] = []
        if let p = AccountRules.usernameProblem(body.username) { errors.append(.init(field: "username", message: p)) }
        if let p = AccountRules.passwordProblem(body.password) { errors.append(.init(field: "password", message: p)) }
        let name = body.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.unicodeScalars.count > 100 { errors.append(.init(field: "displayName", message: "must be 1 to 100 characters")) }
        let role = Role(rawValue: body.role)
        if role == nil { errors.append(.init(field: "role", message: "unknown role")) }
        var district: DistrictCode?
        if let raw = body.districtCode {
            district = DistrictCode(raw)
            if district == nil { errors.append(.init(field: "districtCode", message: "not a district code")) }
        }
        guard errors.isEmpty, let role else { throw Problem.validation(errors) }
        guard AccountRules.mayManage(actor: context.identity, role: role, districtCode: district) else {
            throw Problem.forbidden("You may not create a \(role.rawValue) account here.")
        }
        let unitID = body.unitId
        let hash = try await hasher.hash(body.password)
        let identity = context.identity
        let account: UserAccount = try await database.withIdentity(identity, logger: context.logger) { connection in
            if let problem = try await AccountMaintenance.scopeProblem(
                role: role, districtCode: district, unitID: unitID, on: connection, logger: context.logger)
            {
                throw Problem.validation([.init(field: role.unitKinds != nil ? "unitId" : "districtCode", message: problem)])
            }
            do {
                let id = try await users.create(
                    as: nil, username: body.username, displayName: name, passwordHash: hash, role: role,
                    districtCode: district, unitID: unitID, on: connection, logger: context.logger)
                guard let account = try await UserStore.fetch(id: id, on: connection, logger: context.logger) else {
                    throw Problem.internalError(requestID: context.requestID)
                }
                return account
            } catch UserStoreError.usernameTaken {
                throw Problem(
                    .conflict, type: "/problems/username-taken", title: "Username taken",
                    detail: "Choose another username.")
            }
        }
        context.logger.info("user created", metadata: ["user_id": "\(account.id)", "role": "\(role.rawValue)"])
        return EditedResponse(status: .created, headers: [.location: "/api/v1/users/\(UserBody(account).id)"], response: UserBody(account))
    }

    /// PATCH body: absent fields stay; `districtCode`/`unitId` may be null to clear them.
    struct UpdateRequest: Decodable {
        var displayName: String?
        var password: String?
        var role: String?
        var districtCode: String??
        var unitId: String??
        var disabled: Bool?

        enum CodingKeys: String, CodingKey { case displayName, password, role, districtCode, unitId, disabled }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
            password = try c.decodeIfPresent(String.self, forKey: .password)
            role = try c.decodeIfPresent(String.self, forKey: .role)
            if c.contains(.districtCode) { districtCode = .some(try c.decodeIfPresent(String.self, forKey: .districtCode)) }
            if c.contains(.unitId) { unitId = .some(try c.decodeIfPresent(String.self, forKey: .unitId)) }
            disabled = try c.decodeIfPresent(Bool.self, forKey: .disabled)
        }
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> UserBody {
        try context.require(Self.managers)
        let id = try Self.userID(context)
        let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
        var errors: [Problem.FieldError] = []
        var changes = UserChanges()
        if let name = body.displayName?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if name.isEmpty || name.unicodeScalars.count > 100 { errors.append(.init(field: "displayName", message: "must be 1 to 100 characters")) }
            changes.displayName = name
        }
        if let raw = body.role {
            changes.role = Role(rawValue: raw)
            if changes.role == nil { errors.append(.init(field: "role", message: "unknown role")) }
        }
        if let raw = body.districtCode {
            if let raw {
                guard let code = DistrictCode(raw) else {
                    throw Problem.validation(errors + [.init(field: "districtCode", message: "not a district code")])
                }
                changes.districtCode = .some(code)
            } else {
                changes.districtCode = .some(nil)
            }
        }
        if let unit = body.unitId { changes.unitID = .some(unit) }
        changes.disabled = body.disabled
        if let password = body.password {
            if let p = AccountRules.passwordProblem(password) { errors.append(.init(field: "password", message: p)) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        if let password = body.password { changes.passwordHash = try await hasher.hash(password) }

        let actor = context.identity
        let logger = context.logger
        guard let account = try await users.update(
            as: actor, id: id, changes: changes,
            authorize: { current, next, connection in
                guard AccountRules.mayManage(actor: actor, role: current.role, districtCode: current.districtCode) else {
                    // Visible (e.g. their own account) but not theirs to manage.
                    throw Problem.forbidden("You may not change this account.")
                }
                guard AccountRules.mayManage(actor: actor, role: next.role, districtCode: next.districtCode) else {
                    throw Problem.forbidden("You may not give an account this role or district.")
                }
                if let problem = try await AccountMaintenance.scopeProblem(
                    role: next.role, districtCode: next.districtCode, unitID: next.unitID, on: connection, logger: logger)
                {
                    throw Problem.validation([.init(field: next.role.unitKinds != nil ? "unitId" : "districtCode", message: problem)])
                }
            }, logger: logger)
        else {
            throw Problem.notFound("No such user.")
        }
        logger.info("user changed", metadata: ["user_id": "\(account.id)"])
        return UserBody(account)
    }

    static func userID(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id")
    }
}
