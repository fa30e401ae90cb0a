import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// Resolves `Authorization: Bearer <secret>` (a login token or an API key) to an identity, and refuses requests
/// without one: every route behind it needs a caller.
///
/// No header, or a secret that names no live session or key: 401 with `WWW-Authenticate: Bearer`
/// (`error="invalid_token"` for the latter).
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = HotlineRequestContext
    let store: AuthStore
    let clock: WallClock

    public func handle(
        _ request: Request, context: HotlineRequestContext,
        next: (Request, HotlineRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Problem.unauthenticated() }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw Problem.unauthenticated(invalidToken: true) }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard !secret.isEmpty, secret.count <= 200 else { throw Problem.unauthenticated(invalidToken: true) }
        let hash = Tokens.hash(secret)
        guard let identity = try await store.resolve(tokenHash: hash, now: clock.now, logger: context.logger) else {
            throw Problem.unauthenticated(invalidToken: true)
        }
        var context = context
        context.identity = identity
        context.tokenHash = hash
        context.logger[metadataKey: "caller"] = .string("\(identity.kind.rawValue):\(identity.id)")
        context.logger[metadataKey: "role"] = .string(identity.role.rawValue)
        return try await next(request, context)
    }
}
