import HotlineCore
import Hummingbird
import NIOCore

/// The context of a request whose caller is authenticated: the identity is not optional here, so a handler on an
/// authenticated route cannot forget to check it.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let identity: Identity
    /// SHA-256 of the bearer secret used (to revoke it on logout).
    public let tokenHash: String
    public let requestID: String

    public init(context: HotlineRequestContext) throws {
        guard let identity = context.identity, let tokenHash = context.tokenHash else {
            throw Problem.unauthenticated()
        }
        self.coreContext = context.coreContext
        self.identity = identity
        self.tokenHash = tokenHash
        self.requestID = context.requestID
    }

    /// Throws 403 unless the caller has one of `roles`.
    public func require(_ roles: Set<Role>) throws {
        guard roles.contains(identity.role) else { throw Problem.forbidden() }
    }
}

extension Problem {
    /// 401 with `WWW-Authenticate: Bearer` (RFC 6750).
    public static func unauthenticated(invalidToken: Bool = false) -> Problem {
        Problem(
            .unauthorized, type: "/problems/unauthenticated", title: "Authentication required",
            detail: invalidToken
                ? "The bearer token is unknown, expired or revoked."
                : "Send Authorization: Bearer <token or API key>.",
            headers: [.wwwAuthenticate: invalidToken ? #"Bearer realm="hotline", error="invalid_token""# : #"Bearer realm="hotline""#])
    }

    public static func forbidden(_ detail: String = "Your role may not do this.") -> Problem {
        Problem(.forbidden, type: "/problems/forbidden", title: "Forbidden", detail: detail)
    }
}
