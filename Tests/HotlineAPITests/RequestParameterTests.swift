import Foundation
import HTTPTypes
@testable import HotlineAPI
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Path and query parameters are checked before anything is looked up: a malformed id is a 400, not a "no such
/// ticket", and a query parameter an operation does not take is a 400, not silently ignored (a misspelt filter
/// would otherwise widen a list without a word).
@Suite struct RequestParameterTests {
    typealias JSON = [String: Any]
    typealias Desk = TicketAPITests.Desk

    /// Every route under /api/v1 with a path id, with a malformed value in it.
    static let malformedIDs: [(HTTPRequest.Method, String, String)] = [
        (.get, "/api/v1/tickets/not-a-uuid", "id"),
        (.get, "/api/v1/tickets/not-a-uuid/events", "id"),
        (.post, "/api/v1/tickets/not-a-uuid/reopen", "id"),
        (.post, "/api/v1/tickets/123/supervise", "id"),
        (.post, "/api/v1/dispatches/not-a-uuid/accept", "id"),
        (.get, "/api/v1/users/not-a-uuid", "id"),
        (.patch, "/api/v1/users/not-a-uuid", "id"),
        (.get, "/api/v1/themes/not-a-uuid", "id"),
        (.get, "/api/v1/proactive-tasks/not-a-uuid", "id"),
        (.get, "/api/v1/proactive-tasks/not-a-uuid/effect", "id"),
        (.post, "/api/v1/proactive-tasks/\(UUID().uuidString)/occurrences/first/complete", "n"),
        (.post, "/api/v1/proactive-tasks/\(UUID().uuidString)/occurrences/0/complete", "n"),
        (.get, "/api/v1/assessments/2026-13/parameters", "period"),
        (.get, "/api/v1/assessments/2026-11/units/not%20a%20unit", "unitId"),
    ]

    @Test func aMalformedPathIdIsABadRequestNotANotFound() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["admin", "operator", "planner"])
            for (method, path, name) in Self.malformedIDs {
                let who = path.contains("/users/") || path.contains("/assessments/") ? "admin"
                    : path.contains("/themes/") || path.contains("/proactive-tasks/") ? "planner" : "operator"
                let (status, problem) = try await desk.send(who, method, path, method == .get ? nil : "{}")
                #expect(status == 400, "\(method) \(path): \(problem)")
                #expect(problem["type"] as? String == "/problems/invalid-parameter", "\(path)")
                #expect((problem["errors"] as? [JSON])?.first?["field"] as? String == name, "\(path)")
            }
            // A well-formed id that names nothing is still a 404.
            #expect(try await desk.get("operator", "/api/v1/tickets/\(UUID().uuidString)").0 == 404)
            #expect(try await desk.get("admin", "/api/v1/assessments/2026-11/units/110105999").0 == 404)
        }
    }

    @Test func anUnknownQueryParameterIsABadRequestOnEveryRoute() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["admin", "operator", "planner"])
            let cases: [(String, String)] = [
                ("operator", "/api/v1/tickets?statu=closed"),
                ("operator", "/api/v1/tickets?status=closed&sort=asc"),
                ("operator", "/api/v1/tickets/\(UUID().uuidString)?expand=events"),
                ("operator", "/api/v1/me?x=1"),
                ("operator", "/api/v1/districts?kind=street"),
                ("admin", "/api/v1/users?page=2"),
                ("admin", "/api/v1/assessments?period=2026-11&level=street&unit=110105001"),
                ("planner", "/api/v1/proactive-tasks?district=110105"),
                ("planner", "/api/v1/themes/suggestions?year=2025"),
            ]
            for (who, path) in cases {
                let (status, problem) = try await desk.get(who, path)
                #expect(status == 400, "\(path): \(problem)")
                #expect(problem["type"] as? String == "/problems/invalid-parameter", "\(path)")
                #expect((problem["detail"] as? String)?.hasPrefix("Unknown query parameter") == true, "\(path): \(problem)")
            }
            // The detail names the parameter and what the operation takes.
            let (_, problem) = try await desk.get("operator", "/api/v1/tickets?statu=closed")
            #expect((problem["errors"] as? [JSON])?.map { $0["field"] as? String } == ["statu"])
            #expect((problem["detail"] as? String)?.contains("status") == true)
            // Known parameters still work, an empty value counts as absent, and the login (no caller yet) is checked too.
            #expect(try await desk.get("operator", "/api/v1/tickets?status=&limit=5").0 == 200)
            #expect(try await desk.get("operator", "/api/v1/me").0 == 200)
            let login = try await app.client.execute(
                uri: "/api/v1/auth/login?debug=1", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"operator","password":"\#(Fixtures.password)"}"#)
            ) { Int($0.status.code) }
            #expect(login == 400)
        }
    }

    /// The table the middleware checks is the one `docs/openapi.yaml` documents, operation by operation: a
    /// parameter added to one and not the other fails here (and schemathesis would meet a 400 for a documented one).
    @Test func theAllowedQueryParametersAreTheDocumentedOnes() throws {
        let documented = Self.documentedQueryParameters(try OpenAPIDocumentTests.document())
        let allowed = QueryParameterMiddleware<HotlineRequestContext>.allowed
        let routes = Set(documented.keys).union(allowed.keys)
        #expect(routes.count > 5)
        for route in routes.sorted() {
            #expect((allowed[route] ?? []) == (documented[route] ?? []), "\(route)")
        }
    }

    /// `METHOD /path` → the names of its `in: query` parameters, for the /api/v1 operations that have any (the
    /// document writes each parameter on one line, `- {name: …, in: query, …}`).
    static func documentedQueryParameters(_ document: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        var path: String?
        var method: String?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
                method = nil
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      ["get:", "post:", "patch:", "put:", "delete:"].contains(line.trimmingCharacters(in: .whitespaces)) {
                method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
            } else if line.hasPrefix("components:") {
                break
            } else if let path, path.hasPrefix("/api/v1"), let method, line.contains("in: query"),
                      let start = line.range(of: "{name: ") {
                let name = line[start.upperBound...].prefix { $0 != "," }
                result["\(method) \(path)", default: []].insert(String(name))
            }
        }
        return result
    }
}
