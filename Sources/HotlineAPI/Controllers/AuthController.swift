import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// Logging in and out, and who am I.
///
/// | method | path                  | who          | answer                                                   |
/// |--------|-----------------------|--------------|----------------------------------------------------------|
/// | POST   | /api/v1/auth/login    | anyone       | `{token, expiresAt, user}`; 401 wrong; 429 throttled     |
/// | POST   | /api/v1/auth/logout   | a logged-in user | 204; the token is revoked                            |
/// | GET    | /api/v1/me            | any caller   | the caller's account (users) or client (API keys)        |
struct AuthController {
    let auth: AuthStore
    let users: UserStore
    let hasher: PasswordHasher
    let clock: WallClock
    let tokenLifetime: Duration
    let throttle: LoginThrottle

    func addPublicRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.post("/auth/login", use: login)
    }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("/auth/logout", use: logout)
        group.get("/me", use: me)
    }

    struct LoginRequest: Decodable {
        var username: String
        var password: String
    }

    struct LoginResponse: ResponseEncodable {
        var token: String
        var expiresAt: String
        var user: UsersController.UserBody
    }

    @Sendable func login(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let username = body.username.trimmingCharacters(in: .whitespaces).lowercased()
        guard !username.isEmpty, username.utf8.count <= 200, !body.password.isEmpty, body.password.utf8.count <= 200 else {
            throw Problem.validation([.init(field: "username", message: "username and password are required")])
        }
        let now = clock.now
        let attempt: AuthStore.Attempt
        switch try await auth.beginLogin(username: username, now: now, throttle: throttle, logger: context.logger) {
        case .throttled(let wait):
            context.logger.notice("login refused: throttled", metadata: ["username": "\(username)", "retry_after": "\(wait)"])
            throw Problem(
                .tooManyRequests, type: "/problems/too-many-attempts", title: "Too many failed logins",
                detail: "Too many failed attempts for this username. Try again in \(wait) seconds.",
                headers: [.retryAfter: "\(wait)"])
        case .attempt(let begun):
            attempt = begun
        }
        // Verify even when there is no such account (against a decoy hash), so both cases take as long.
        let matches = try await hasher.verify(body.password, hash: attempt.passwordHash)
        let failed = Problem(
            .unauthorized, type: "/problems/invalid-credentials", title: "Login failed",
            detail: "The username or password is wrong.")
        guard attempt.userID != nil, matches, !attempt.disabled else {
            let reason = attempt.userID == nil ? "unknown user" : (matches ? "disabled" : "wrong password")
            context.logger.notice("login failed", metadata: ["username": "\(username)", "reason": "\(reason)"])
            throw failed
        }
        let token = Tokens.random(prefix: Tokens.sessionPrefix)
        let expiresAt = now.addingTimeInterval(Double(tokenLifetime.components.seconds))
        guard let account = try await auth.completeLogin(
            attemptID: attempt.id, tokenHash: Tokens.hash(token), now: now, expiresAt: expiresAt, logger: context.logger)
        else {
            context.logger.notice("login failed", metadata: ["username": "\(username)", "reason": "disabled meanwhile"])
            throw failed
        }
        context.logger.info("login succeeded", metadata: ["username": "\(username)", "user_id": "\(account.id)"])
        let response = LoginResponse(token: token, expiresAt: expiresAt.iso8601, user: .init(account))
        var result = try response.response(from: request, context: context)
        result.headers[.cacheControl] = "no-store"
        return result
    }

    @Sendable func logout(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        guard context.identity.kind == .user else {
            throw Problem(
                .badRequest, type: "/problems/not-a-session", title: "Not a login session",
                detail: "API keys are revoked with `hotline client revoke`, not by logging out.")
        }
        _ = try await auth.revokeSession(tokenHash: context.tokenHash, now: clock.now, logger: context.logger)
        context.logger.info("logout", metadata: ["user_id": "\(context.identity.id)"])
        return Response(status: .noContent)
    }

    struct MeBody: ResponseEncodable {
        var kind: String
        var id: String
        var username: String
        var displayName: String?
        var role: String
        var districtCode: String?
        var unitId: String?
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> MeBody {
        let identity = context.identity
        if identity.kind == .user, let id = UUID(uuidString: identity.id),
           let account = try await users.get(as: identity, id: id, logger: context.logger)
        {
            return MeBody(
                kind: "user", id: identity.id, username: account.username, displayName: account.displayName,
                role: account.role.rawValue, districtCode: account.districtCode?.rawValue, unitId: account.unitID)
        }
        return MeBody(
            kind: identity.kind.rawValue, id: identity.id, username: identity.name, displayName: nil,
            role: identity.role.rawValue, districtCode: identity.districtCode?.rawValue, unitId: identity.unitID)
    }
}
