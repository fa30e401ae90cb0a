import Foundation
import HTTPTypes
import HotlineAPI
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Server bugs that schemathesis found against docs/openapi.yaml (scripts/contract-test), each pinned by a test.
@Suite struct ContractFindingsTests {
    /// A district code of the right shape that names none of the 16 districts (110103, 崇文, merged in 2010) was a
    /// 500: no partition of tickets takes it, and the users' foreign key refused it. Now 422 with the field.
    @Test func aDistrictCodeThatNamesNoDistrictIs422() async throws {
        try await withSeededApp { app in
            let operatorToken = try await app.login("operator")
            let intake = try await app.client.execute(
                uri: "/api/v1/tickets", method: .post, headers: bearer(operatorToken).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"type":"help","categoryCode":"0601","title":"t","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{"districtCode":"110103","address":"x"},"urgent":false,"channel":"phone"}"#)
            ) { ($0.status, $0.json()) }
            #expect(intake.0 == .unprocessableContent)
            #expect((intake.1["errors"] as? [[String: Any]])?.first?["field"] as? String == "location.districtCode")

            let admin = try await app.login("admin")
            let user = try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: bearer(admin).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"username":"chongwen","displayName":"崇文","password":"a-long-password-123","role":"district_admin","districtCode":"110103"}"#)
            ) { ($0.status, $0.json()) }
            #expect(user.0 == .unprocessableContent)
            #expect((user.1["errors"] as? [[String: Any]])?.first?["message"] as? String == "no district 110103")
            let patch = try await app.client.execute(
                uri: "/api/v1/users/\(app.ids["chaoyang"]!.uuidString.lowercased())", method: .patch,
                headers: bearer(admin).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"districtCode":"110103"}"#)
            ) { $0.status }
            #expect(patch == .unprocessableContent)
        }
    }

    /// A NUL character in a query parameter or a body field reached PostgreSQL, which cannot store it: a 500. Now 400
    /// (problem+json under /api/v1, the errors list under /open311).
    @Test func aNulCharacterIs400() async throws {
        try await withSeededApp { app in
            let admin = try await app.login("admin")
            let list = try await app.client.execute(uri: "/api/v1/users?cursor=a%00b", method: .get, headers: bearer(admin)) { $0 }
            #expect(list.status == .badRequest)
            #expect(list.json()["type"] as? String == "/problems/malformed-request")
            let login = try await app.client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"ad\u0000min","password":"whatever-123"}"#)) { $0.status }
            #expect(login == .badRequest)
            let operatorToken = try await app.login("operator")
            let intake = try await app.client.execute(
                uri: "/api/v1/tickets", method: .post, headers: bearer(operatorToken).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"type":"help","categoryCode":"0601","title":"a\u0000b","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{"districtCode":"110105","address":"x"},"urgent":false,"channel":"phone"}"#)
            ) { $0.status }
            #expect(intake == .badRequest)
            let token = try await app.client.execute(uri: "/open311/v2/requests.json?service_code=01%0001", method: .get) { $0 }
            #expect(token.status == .badRequest)
            #expect(String(buffer: token.body).contains(#""code":400"#))
        }
    }

    /// A method a path does not have was a 404, as if the path did not exist; now 405 with `Allow`. A literal path
    /// that a pattern with a capture also matches (`/themes/suggestions`, `/themes/{id}`) has only its own methods,
    /// as the router resolves it: PATCH there was a 404.
    @Test func anUnknownMethodOnAKnownPathIs405WithAllow() async throws {
        try await withSeededApp { app in
            let token = try await app.login("operator")
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.init("TRACE")!, "/api/v1/me", "GET"),
                (.post, "/api/v1/me", "GET"),
                (.get, "/api/v1/auth/login", "POST"),
                (.delete, "/api/v1/tickets", "GET, POST"),
                (.put, "/api/v1/users/\(UUID().uuidString)", "GET, PATCH"),
                (.delete, "/open311/v2/services/0101.json", "GET"),
                (.put, "/open311/v2/requests.xml", "GET, POST"),
                (.patch, "/api/v1/themes/suggestions", "GET"),
                (.patch, "/api/v1/proactive-tasks/suggestions", "GET"),
                (.delete, "/api/v1/proactive-tasks/\(UUID().uuidString)", "GET, PATCH"),
            ]
            for (method, path, allow) in cases {
                try await app.client.execute(uri: path, method: method, headers: bearer(token)) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == allow, "\(method) \(path)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(response.json()["type"] as? String == "/problems/method-not-allowed")
                }
            }
            // A path that does not exist stays 404, whatever the method.
            for method in [HTTPRequest.Method.get, .delete] {
                let status = try await app.client.execute(uri: "/api/v1/nothing-here", method: method, headers: bearer(token)) { $0.status }
                #expect(status == .notFound)
            }
            #expect(try await app.client.execute(uri: "/open311/v2/services.csv", method: .get) { $0.status } == .notFound)
        }
    }
}
