import HTTPTypes
import Hummingbird
import Synchronization

/// The routes' path patterns and their methods, filled in once the router has all its routes.
public final class RouteTable: Sendable {
    private let patterns = Mutex<[(segments: [Substring], methods: [String])]>([])

    public init() {}

    /// Records the router's routes (`{id}`, `{code}.json` and `prefix.{x}` segments match any value).
    public func load<Context>(_ router: Router<Context>) {
        var byPath: [String: [String]] = [:]
        for route in router.routes { byPath["\(route.path)", default: []].append(route.method.rawValue) }
        let loaded = byPath.map { (path, methods) in
            (segments: path.split(separator: "/"), methods: methods.sorted())
        }
        patterns.withLock { $0 = loaded }
    }

    /// The methods a path has, or none when no route has this path. Like the router, the most specific pattern
    /// wins (a literal segment before a capture, segment by segment): `/themes/suggestions` has GET only, even
    /// though `/themes/{id}` would also match it with PATCH.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return patterns.withLock { patterns in
            let matching = patterns.filter { p in
                p.segments.count == segments.count && zip(p.segments, segments).allSatisfy(Self.matches)
            }
            guard let best = matching.map({ Self.specificity($0.segments) }).min(by: { $0.lexicographicallyPrecedes($1) })
            else { return [] }
            return matching.filter { Self.specificity($0.segments) == best }.flatMap(\.methods)
        }
    }

    /// Per segment: 0 for a literal, 1 for a capture with a prefix or suffix, 2 for a bare capture.
    static func specificity(_ segments: [Substring]) -> [Int] {
        segments.map { s in
            guard s.contains("{") else { return 0 }
            return s.first == "{" && s.last == "}" ? 2 : 1
        }
    }

    static func matches(_ pattern: Substring, _ value: Substring) -> Bool {
        if pattern.first == "{", let close = pattern.firstIndex(of: "}") {
            let suffix = pattern[pattern.index(after: close)...]
            return value.count > suffix.count && value.hasSuffix(suffix)
        }
        if pattern.last == "}", let open = pattern.lastIndex(of: "{") {
            let prefix = pattern[..<open]
            return value.count > prefix.count && value.hasPrefix(prefix)
        }
        return pattern == value
    }
}

/// 405 with `Allow` for a path that exists but not with this method (the router alone answers 404 for both).
public struct MethodNotAllowedMiddleware: RouterMiddleware {
    public typealias Context = HotlineRequestContext
    let routes: RouteTable

    public func handle(
        _ request: Request, context: HotlineRequestContext,
        next: (Request, HotlineRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = Set(routes.methods(for: request.uri.path))
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            let list = allowed.sorted().joined(separator: ", ")
            throw Problem(
                .methodNotAllowed, type: "/problems/method-not-allowed", title: "Method not allowed",
                detail: "\(request.uri.path) answers \(list).", headers: [.allow: list])
        }
    }
}
