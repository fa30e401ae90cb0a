import HotlineCore
import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the caller's address and our request id.
public struct HotlineRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address (nil in in-process router tests).
    public let remoteAddress: SocketAddress?
    /// `X-Request-Id`: the caller's when it sent a sane one, else ours. Set by ``RequestIDMiddleware``.
    public var requestID: String
    /// The authenticated caller, set by ``AuthMiddleware``; nil for anonymous requests.
    public var identity: Identity?
    /// SHA-256 of the bearer secret the caller used.
    public var tokenHash: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.requestID = ""
    }

    /// Whether the caller is on this machine (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
