import Foundation
import HotlineCore
import HTTPTypes
import Hummingbird

/// Path and query parameters, read one way everywhere.
///
/// - A path id that is not of its shape (`/tickets/not-a-uuid`) is a 400 `/problems/invalid-parameter`, not a 404:
///   nothing was looked up, and the caller's mistake is in the request.
/// - Under `/api/v1`, a query parameter the operation does not take is a 400 too
///   (``QueryParameterMiddleware``), so a misspelt filter never silently widens a list. The names each operation
///   takes are ``QueryParameterMiddleware/allowed``, the same as `docs/openapi.yaml` lists (a test compares them).
/// - An empty query value (`?status=`) counts as absent.

extension Problem {
    /// 400 for a path or query parameter that is not of its shape.
    public static func invalidParameter(_ name: String, _ message: String) -> Problem {
        Problem(
            .badRequest, type: "/problems/invalid-parameter", title: "Invalid parameter",
            detail: "\(name): \(message).", errors: [FieldError(field: name, message: message)])
    }
}

extension Parameters {
    /// A UUID path parameter (`{id}`); anything else is a 400.
    func uuid(_ name: String) throws -> UUID {
        guard let raw = get(name), let id = UUID(uuidString: raw) else {
            throw Problem.invalidParameter(name, "a UUID such as 0b7e4c9a-3f1d-4c2e-9a57-2d1f0e6b8c44")
        }
        return id
    }

    /// A positive integer path parameter (`{n}`); anything else is a 400.
    func positiveInt(_ name: String) throws -> Int {
        guard let raw = get(name), let n = Int(raw), n >= 1 else {
            throw Problem.invalidParameter(name, "a whole number, 1 or more")
        }
        return n
    }
}

extension Request {
    /// A query parameter's value; an empty value counts as absent.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters[Substring(name)], !value.isEmpty else { return nil }
        return String(value)
    }
}

/// 400 for a query parameter that the `/api/v1` operation does not take.
struct QueryParameterMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The query parameters of each `/api/v1` operation that takes any, by method and route pattern. Every other
    /// operation takes none.
    static var allowed: [String: Set<String>] {
        [
            "GET /api/v1/users": ["role", "districtCode", "limit", "cursor"],
            "GET /api/v1/units": ["districtCode", "kind"],
            "GET /api/v1/tickets": [
                "status", "districtCode", "streetCode", "unitId", "categoryCode", "type", "overdue", "supervised", "from",
                "to", "q", "limit", "cursor",
            ],
            "GET /api/v1/assessments": ["period", "revision", "from", "to", "level", "districtCode", "format"],
            "GET /api/v1/themes": ["year"],
            "GET /api/v1/themes/suggestions": ["basisYear", "limit"],
            "GET /api/v1/proactive-tasks": [
                "districtCode", "unitId", "status", "mode", "categoryCode", "themeId", "dueFrom", "dueTo", "limit", "cursor",
            ],
            "GET /api/v1/proactive-tasks/suggestions": ["month", "districtCode"],
            "GET /api/v1/proactive-tasks/{id}/effect": ["days"],
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let names = request.uri.queryParameters.map { String($0.key) }
        guard !names.isEmpty else { return try await next(request, context) }
        let route = "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)"
        let allowed = Self.allowed[route] ?? []
        let unknown = Set(names).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            let takes = allowed.isEmpty ? "takes no query parameters" : "takes \(allowed.sorted().joined(separator: ", "))"
            throw Problem(
                .badRequest, type: "/problems/invalid-parameter", title: "Invalid parameter",
                detail: "Unknown query parameter \(unknown.joined(separator: ", ")): this operation \(takes).",
                errors: unknown.map { .init(field: $0, message: "not a parameter of this operation") })
        }
        return try await next(request, context)
    }
}
