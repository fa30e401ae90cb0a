import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// An account as the API shows it (never its password hash).
public struct UserAccount: Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var displayName: String
    public var role: Role
    public var districtCode: DistrictCode?
    public var unitID: String?
    public var disabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

/// What may change on an account; nil leaves a field as it is.
public struct UserChanges: Sendable {
    public var displayName: String?
    public var passwordHash: String?
    public var role: Role?
    /// `.some(nil)` clears the district.
    public var districtCode: DistrictCode??
    /// `.some(nil)` clears the unit.
    public var unitID: String??
    public var disabled: Bool?

    public init(
        displayName: String? = nil, passwordHash: String? = nil, role: Role? = nil,
        districtCode: DistrictCode?? = nil, unitID: String?? = nil, disabled: Bool? = nil
    ) {
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.districtCode = districtCode
        self.unitID = unitID
        self.disabled = disabled
    }
}

/// Why an account could not be written.
public enum UserStoreError: Error, Equatable {
    /// The username is in use (anywhere in the city; the answer does not say where).
    case usernameTaken
}

/// Accounts, read and written as the caller: every query runs under the caller's identity, so row-level security
/// decides which accounts exist for them.
public struct UserStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "id, username, display_name, role, district_code, unit_id, disabled_at IS NOT NULL, created_at, updated_at"

    /// Decodes rows of ``columns``' shape.
    public static func decode(_ rows: PostgresRowSequence) async throws -> [UserAccount] {
        var result: [UserAccount] = []
        for try await (id, username, name, role, district, unit, disabled, created, updated) in rows.decode(
            (UUID, String, String, String, String?, String?, Bool, Date, Date).self
        ) {
            guard let role = Role(rawValue: role) else { continue }
            result.append(UserAccount(
                id: id, username: username, displayName: name, role: role,
                districtCode: district.flatMap(DistrictCode.init), unitID: unit, disabled: disabled,
                createdAt: created, updatedAt: updated))
        }
        return result
    }

    /// Accounts visible to the caller, by username, after `after` (keyset paging), at most `limit`.
    public func list(
        as identity: Identity, role: Role?, districtCode: DistrictCode?, after: String?, limit: Int, logger: Logger
    ) async throws -> [UserAccount] {
        try await database.withIdentity(identity, logger: logger) { connection in
            try await Self.decode(connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM hotline.user_directory
                WHERE (\(role?.rawValue)::text IS NULL OR role = \(role?.rawValue))
                  AND (\(districtCode?.rawValue)::text IS NULL OR district_code = \(districtCode?.rawValue))
                  AND (\(after)::text IS NULL OR username > \(after))
                ORDER BY username LIMIT \(limit)
                """, logger: logger))
        }
    }

    /// One account, if the caller may see it.
    public func get(as identity: Identity, id: UUID, logger: Logger) async throws -> UserAccount? {
        try await database.withIdentity(identity, logger: logger) { connection in
            try await Self.fetch(id: id, on: connection, logger: logger)
        }
    }

    /// One account as the connection's current identity sees it.
    public static func fetch(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UserAccount? {
        try await decode(connection.query(
            "SELECT \(unescaped: columns) FROM hotline.user_directory WHERE id = \(id)", logger: logger)).first
    }

    /// Creates an account as the caller. Row-level security refuses (42501) what the caller may not create.
    public func create(
        as identity: Identity?, username: String, displayName: String, passwordHash: String, role: Role,
        districtCode: DistrictCode?, unitID: String?, on connection: PostgresConnection? = nil, logger: Logger
    ) async throws -> UUID {
        let insert: (PostgresConnection) async throws -> UUID = { connection in
            do {
                let rows = try await connection.query(
                    """
                    INSERT INTO hotline.users (username, display_name, role, district_code, unit_id, password_hash)
                    VALUES (\(username), \(displayName), \(role.rawValue), \(districtCode?.rawValue), \(unitID), \(passwordHash))
                    RETURNING id
                    """, logger: logger)
                for try await id in rows.decode(UUID.self) { return id }
                throw PostgresError.protocol("INSERT returned no id")
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw UserStoreError.usernameTaken
            }
        }
        if let connection { return try await insert(connection) }
        guard let identity else { throw PostgresError.protocol("no identity") }
        return try await database.withIdentity(identity, logger: logger) { try await insert($0) }
    }

    /// Applies `changes` to an account as the caller after `authorize` approved the account as it is and as it
    /// would become (in the same transaction, so a refusal changes nothing). nil when the caller cannot see it.
    public func update(
        as identity: Identity, id: UUID, changes: UserChanges,
        authorize: @Sendable (UserAccount, UserAccount, PostgresConnection) async throws -> Void, logger: Logger
    ) async throws -> UserAccount? {
        try await database.withIdentity(identity, logger: logger) { connection in
            guard let current = try await Self.fetch(id: id, on: connection, logger: logger) else { return nil }
            var next = current
            if let name = changes.displayName { next.displayName = name }
            if let role = changes.role { next.role = role }
            if let district = changes.districtCode { next.districtCode = district }
            if let unit = changes.unitID { next.unitID = unit }
            if let disabled = changes.disabled { next.disabled = disabled }
            try await authorize(current, next, connection)
            let disabledChange: String? = changes.disabled.map { $0 ? "disable" : "enable" }
            try await connection.query(
                """
                UPDATE hotline.users SET
                    display_name = \(next.displayName), role = \(next.role.rawValue),
                    district_code = \(next.districtCode?.rawValue), unit_id = \(next.unitID),
                    disabled_at = CASE \(disabledChange)::text
                        WHEN 'disable' THEN coalesce(disabled_at, now())
                        WHEN 'enable' THEN NULL
                        ELSE disabled_at END,
                    updated_at = now()
                WHERE id = \(id)
                """, logger: logger)
            // A separate statement: the app role may write the hash but not read it (no `coalesce(…, password_hash)`).
            if let hash = changes.passwordHash {
                try await connection.query("UPDATE hotline.users SET password_hash = \(hash) WHERE id = \(id)", logger: logger)
            }
            return try await Self.fetch(id: id, on: connection, logger: logger)
        }
    }
}
