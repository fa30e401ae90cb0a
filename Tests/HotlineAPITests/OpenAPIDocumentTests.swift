import Foundation
@testable import HotlineAPI
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// docs/openapi.yaml is the contract: it names every route the router has and no other, and the server serves it.
/// (That every answer conforms to it is checked against the live server by scripts/contract-test.)
@Suite struct OpenAPIDocumentTests {
    static func document() throws -> String {
        try String(contentsOfFile: TestEnvironment.projectRoot + "/docs/openapi.yaml", encoding: .utf8)
    }

    @Test func documentAndRouterListTheSameRoutes() async throws {
        try await withTestDatabase { database in
            let router = try buildRouter(
                database: Database(configuration: database, logger: TestEnvironment.logger),
                migrator: try Migrator(directory: TestEnvironment.sqlDirectory),
                configuration: try makeTestConfiguration(database))
            let routed = Set(router.routes.map { "\($0.method) \($0.path)" })
            let operations = OpenAPIController.operations(try Self.document())
            let documented = Set(operations.map { "\($0.method.uppercased()) \($0.path)" })
            #expect(routed.count >= 53)
            #expect(routed.subtracting(documented).isEmpty, "routes missing from docs/openapi.yaml: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "docs/openapi.yaml names routes that do not exist: \(documented.subtracting(routed).sorted())")
            #expect(documented.count == operations.count, "no operation twice")
            #expect(operations.allSatisfy { !$0.summary.isEmpty }, "every operation has a summary: \(operations.filter { $0.summary.isEmpty }.map(\.path))")
        }
    }

    @Test func theServerServesTheDocumentAndAPage() async throws {
        try await withTestApp { client in
            let document = try Self.document()
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
                #expect(String(buffer: response.body) == document)
            }
            try await client.execute(uri: "/docs", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: response.body)
                #expect(page.contains("<code>/api/v1/tickets/{id}/dispatches</code>"))
                #expect(page.contains("<code>/open311/v2/requests.xml</code>"))
                #expect(page.contains("派单"), "summaries shown")
                #expect(!page.contains("<script"), "a static page")
            }
        }
    }

    @Test func operationsAreReadOffBothStyles() {
        let yaml = """
            openapi: 3.1.0
            paths:
              /a/{id}:
                parameters:
                  - {name: id, in: path}
                get:
                  tags: [x]
                  summary: "Read: one"
                post: {tags: [x], summary: Make one., security: []}
            components:
              schemas:
                  /not-a-path:
                    get: {summary: no}
            """
        let ops = OpenAPIController.operations(yaml)
        #expect(ops.map { "\($0.method) \($0.path) \($0.summary)" } == ["get /a/{id} Read: one", "post /a/{id} Make one."])
    }
}
