import Foundation
import HotlineAPI
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Request bodies: malformed JSON, wrong shapes and media types become problem+json with stable types.
@Suite struct ProblemTests {
    struct Sample: Decodable {
        var name: String
        var count: Int
        var nested: Nested
        struct Nested: Decodable { var flag: Bool }
    }

    /// The real router and middleware, plus one JSON route that uses the API's body decoder.
    func withEchoRouter(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        try await withTestDatabase { config in
            let database = Database(configuration: config, logger: TestEnvironment.logger)
            let router = try buildRouter(
                database: database, migrator: try Migrator(directory: TestEnvironment.sqlDirectory),
                configuration: try makeTestConfiguration(config))
            router.post("/echo") { request, context -> String in
                let sample = try await request.decodeJSON(as: Sample.self, context: context)
                return "\(sample.name) \(sample.count) \(sample.nested.flag)"
            }
            let app = Application(router: router, services: [database.client], logger: TestEnvironment.logger)
            try await app.test(.router) { client in try await body(client) }
        }
    }

    @Test func malformedJSONIs400() async throws {
        try await withEchoRouter { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{\"name\": ")) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json()["type"] as? String == "/problems/malformed-request")
            }
        }
    }

    @Test func wrongShapeIs422WithTheField() async throws {
        try await withEchoRouter { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"name":"a","count":"two","nested":{"flag":true}}"#)) { response in
                #expect(response.status == .unprocessableContent)
                let body = response.json()
                #expect(body["type"] as? String == "/problems/validation")
                #expect((body["errors"] as? [[String: Any]])?.first?["field"] as? String == "count")
            }
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"name":"a","count":2,"nested":{}}"#)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = response.json()["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "nested.flag")
            }
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"name":"a","count":2,"nested":{"flag":false}}"#)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "a 2 false")
            }
        }
    }

    @Test func otherMediaTypesAre415() async throws {
        try await withEchoRouter { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "hi")) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.json()["type"] as? String == "/problems/unsupported-media-type")
            }
        }
    }

    @Test func wrongMethodIsAProblem() async throws {
        try await withEchoRouter { client in
            try await client.execute(uri: "/echo", method: .get) { response in
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect([.notFound, .methodNotAllowed].contains(response.status))
            }
        }
    }
}
