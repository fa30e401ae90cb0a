import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, returns it as `X-Request-Id` and puts it in the request's log metadata.
///
/// A caller's own `X-Request-Id` is kept when it is 1–64 characters of `[A-Za-z0-9._-]` (so a proxy's id follows
/// the request through); anything else is replaced by a random one.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = HotlineRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: HotlineRequestContext,
        next: (Request, HotlineRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let incoming = request.headers[.xRequestID]
        let id = incoming.flatMap { Self.isAcceptable($0) ? $0 : nil } ?? Self.generate()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.xRequestID] = id
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
            }
    }

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(high, radix: 16).leftPad(16) + String(low, radix: 16).leftPad(16)
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
