import Foundation
import HTTPTypes
import HotlineAPI
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Health, readiness, reference data, problem+json and request ids, through the real router.
@Suite struct FoundationAPITests {
    @Test func healthAndReady() async throws {
        try await withTestApp { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json()["status"] as? String == "ok")
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = response.json()
                #expect(body["status"] as? String == "ready")
                let migrations = body["migrations"] as? [String: Any]
                #expect(migrations?["applied"] as? Int == migrations?["expected"] as? Int)
            }
        }
    }

    @Test func notReadyUntilMigrated() async throws {
        try await withTestApp(migrated: false) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json()["type"] as? String == "/problems/unavailable")
            }
        }
    }

    @Test func districtsAreTheSixteen() async throws {
        try await withSeededApp { app in
            let client = app.client
            let auth = bearer(try await app.login("analyst"))
            try await client.execute(uri: "/api/v1/districts", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                let items = response.json()["items"] as? [[String: Any]] ?? []
                #expect(items.count == 16)
                #expect(items.first?["code"] as? String == "110101")
                #expect(items.contains { $0["code"] as? String == "110105" && $0["nameZh"] as? String == "朝阳区" && $0["namePinyin"] as? String == "Chaoyang" })
            }
        }
    }

    @Test func unitsFilterByDistrictAndKind() async throws {
        try await withSeededApp { app in
            let client = app.client
            let auth = bearer(try await app.login("analyst"))
            try await client.execute(uri: "/api/v1/units?districtCode=110105", method: .get, headers: auth) { response in
                let items = response.json()["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["id"] as? String } == ["110105001", "110105002", "gov.110105"])
            }
            try await client.execute(uri: "/api/v1/units?districtCode=110105&kind=street", method: .get, headers: auth) { response in
                let items = response.json()["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["id"] as? String } == ["110105001", "110105002"])
            }
            try await client.execute(uri: "/api/v1/units?kind=department", method: .get, headers: auth) { response in
                let items = response.json()["items"] as? [[String: Any]] ?? []
                #expect(items.count >= 10)
                #expect(items.allSatisfy { $0["kind"] as? String == "department" && $0["districtCode"] == nil })
            }
            try await client.execute(uri: "/api/v1/units?districtCode=999999", method: .get, headers: auth) { response in
                #expect(response.status == .badRequest)
                let body = response.json()
                #expect(body["type"] as? String == "/problems/invalid-parameter")
                #expect((body["errors"] as? [[String: Any]])?.first?["field"] as? String == "districtCode")
            }
        }
    }

    @Test func categoriesCarryDirectionAndTier() async throws {
        try await withSeededApp { app in
            let client = app.client
            let auth = bearer(try await app.login("analyst"))
            try await client.execute(uri: "/api/v1/categories", method: .get, headers: auth) { response in
                let items = response.json()["items"] as? [[String: Any]] ?? []
                let classes = items.filter { $0["parentCode"] != nil }
                #expect(classes.count >= 40)
                #expect(classes.allSatisfy { ["2h", "24h", "7d", "15d"].contains($0["tier"] as? String ?? "") })
            }
        }
    }

    @Test func unknownRouteIsAProblemWithARequestID() async throws {
        try await withTestApp { client in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = response.json()
                #expect(body["type"] as? String == "/problems/not-found")
                #expect(body["status"] as? Int == 404)
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                #expect(body["requestId"] as? String == id)
                #expect(id.count == 32)
            }
        }
    }

    @Test func aSaneIncomingRequestIDIsKeptAndAnInsaneOneReplaced() async throws {
        try await withTestApp { client in
            let name = HTTPField.Name("X-Request-Id")!
            try await client.execute(uri: "/health", method: .get, headers: [name: "proxy-abc.123"]) { response in
                #expect(response.headers[name] == "proxy-abc.123")
            }
            try await client.execute(uri: "/health", method: .get, headers: [name: "bad id\u{7f}<script>"]) { response in
                let id = response.headers[name] ?? ""
                #expect(id != "bad id\u{7f}<script>")
                #expect(id.count == 32)
            }
        }
    }

    @Test func metricsNeedLoopbackOrToken() async throws {
        // In-process router tests have no peer address, so only the token opens /metrics.
        try await withSeededApp(configure: { $0.metricsToken = "s3cret-metrics-token" }) { app in
            let client = app.client
            let auth = bearer(try await app.login("analyst"))
            try await client.execute(uri: "/api/v1/districts", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer s3cret-metrics-token"]) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#"hb_requests{http_route="/api/v1/districts",http_request_method="GET",http_response_status_code="200"}"#))
                #expect(text.contains("http_server_request_duration_bucket"))
                #expect(text.contains("hotline_db_pool_size"))
            }
        }
    }
}
