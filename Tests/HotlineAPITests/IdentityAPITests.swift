import Foundation
import HTTPTypes
import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Logins, tokens, API keys and account management over HTTP: one token per role, status and problem type.
@Suite struct IdentityAPITests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func loginStatus(_ app: SeededApp, _ username: String, _ password: String) async throws -> (Int, String?, String?) {
        try await app.client.execute(
            uri: "/api/v1/auth/login", method: .post, headers: Self.json,
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ) { response in
            (Int(response.status.code), response.json()["type"] as? String, response.headers[.retryAfter])
        }
    }

    @Test func loginReturnsATokenThatIdentifiesTheCaller() async throws {
        try await withSeededApp { app in
            try await app.client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: Self.json,
                body: ByteBuffer(string: #"{"username":"Chaoyang-Street","password":"\#(Fixtures.password)"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = response.json()
                let token = body["token"] as? String ?? ""
                #expect(token.hasPrefix("hts_") && token.count >= 40)
                #expect(body["expiresAt"] as? String == Date(timeInterval: 12 * 3600, since: app.clock.now).formatted(.iso8601))
                let user = body["user"] as? [String: Any] ?? [:]
                #expect(user["username"] as? String == "chaoyang-street")
                #expect(user["role"] as? String == "street_handler")
                #expect(user["districtCode"] as? String == "110105")
                #expect(user["unitId"] as? String == "110105001")
                #expect(user["id"] as? String == app.ids["chaoyang-street"]?.uuidString.lowercased())
                #expect(user["passwordHash"] == nil)
            }
            let token = try await app.login("housing")
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token)) { response in
                let me = response.json()
                #expect(me["kind"] as? String == "user")
                #expect(me["role"] as? String == "department_handler")
                #expect(me["unitId"] as? String == "dept.housing")
            }
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        try await withSeededApp { app in
            let wrong = try await loginStatus(app, "admin", "not-the-password")
            let unknown = try await loginStatus(app, "nobody-here", "not-the-password")
            #expect(wrong.0 == 401 && unknown.0 == 401)
            #expect(wrong.1 == "/problems/invalid-credentials" && unknown.1 == wrong.1)
        }
    }

    @Test func everyProtectedEndpointWantsABearerToken() async throws {
        try await withSeededApp { app in
            let routes = try await protectedRoutes(app)
            #expect(routes.count >= 8)
            for (method, path) in routes {
                let uri = path.replacingOccurrences(of: "{id}", with: UUID().uuidString)
                try await app.client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .unauthorized, "\(method) \(path)")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(method) \(path)")
                    #expect(response.json()["type"] as? String == "/problems/unauthenticated")
                }
                try await app.client.execute(uri: uri, method: method, headers: bearer("hts_forged-token")) { response in
                    #expect(response.status == .unauthorized, "\(method) \(path)")
                    #expect(response.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
                }
            }
        }
    }

    /// Every /api/v1 route except the login, read from the real router.
    func protectedRoutes(_ app: SeededApp) async throws -> [(HTTPRequest.Method, String)] {
        let database = Database(configuration: app.database, logger: TestEnvironment.logger)
        let router = try buildRouter(
            database: database, migrator: try Migrator(directory: TestEnvironment.sqlDirectory),
            configuration: try makeTestConfiguration(app.database))
        return router.routes
            .map { ($0.method, $0.path.description) }
            .filter { $0.1.hasPrefix("/api/v1") && $0.1 != "/api/v1/auth/login" }
    }

    @Test func rolesWithoutTheRightGet403() async throws {
        try await withSeededApp { app in
            for username in ["operator", "supervisor", "chaoyang-street", "housing", "planner", "analyst"] {
                let token = try await app.login(username)
                try await app.client.execute(uri: "/api/v1/users", method: .get, headers: bearer(token)) { response in
                    #expect(response.status == .forbidden, "\(username)")
                    #expect(response.json()["type"] as? String == "/problems/forbidden")
                }
                try await app.client.execute(
                    uri: "/api/v1/users", method: .post, headers: bearer(token).merging(Self.json),
                    body: ByteBuffer(string: #"{"username":"x-new","displayName":"x","password":"long-enough-pw","role":"analyst"}"#)
                ) { response in
                    #expect(response.status == .forbidden, "\(username)")
                }
            }
        }
    }

    @Test func districtAdminsSeeAndManageOnlyTheirDistrict() async throws {
        try await withSeededApp { app in
            let token = try await app.login("chaoyang")
            let auth = bearer(token)
            try await app.client.execute(uri: "/api/v1/users", method: .get, headers: auth) { response in
                let names = (response.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }
                #expect(names == ["chaoyang", "chaoyang-street"])
            }
            // Another district's account does not exist for them.
            let haidian = app.ids["haidian-street"]!.uuidString.lowercased()
            try await app.client.execute(uri: "/api/v1/users/\(haidian)", method: .get, headers: auth) { response in
                #expect(response.status == .notFound)
                #expect(response.json()["type"] as? String == "/problems/not-found")
            }
            try await app.client.execute(
                uri: "/api/v1/users/\(haidian)", method: .patch, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"displayName":"taken over"}"#)
            ) { response in
                #expect(response.status == .notFound)
            }
            // Creating in another district, or a city role: 403, and nothing is created.
            try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"username":"hd-new","displayName":"x","password":"long-enough-pw","role":"street_handler","districtCode":"110108","unitId":"110108002"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"username":"op-new","displayName":"x","password":"long-enough-pw","role":"centre_operator"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
            // A street handler of their own district: 201.
            let created = try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"username":"cy-new","displayName":"Chaowai handler","password":"long-enough-pw","role":"street_handler","districtCode":"110105","unitId":"110105002"}"#)
            ) { response in
                #expect(response.status == .created)
                let body = response.json()
                #expect(body["unitId"] as? String == "110105002")
                #expect(response.headers[.location] == "/api/v1/users/\(body["id"] as? String ?? "")")
                return body["id"] as? String ?? ""
            }
            // …who can log in at once.
            _ = try await app.login("cy-new", password: "long-enough-pw")
            // Moving it into Haidian is refused and changes nothing.
            try await app.client.execute(
                uri: "/api/v1/users/\(created)", method: .patch, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"districtCode":"110108","unitId":"110108002"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await app.client.execute(uri: "/api/v1/users/\(created)", method: .get, headers: auth) { response in
                #expect(response.json()["districtCode"] as? String == "110105")
            }
            // The same username again: 409 that says nothing of where the name is used.
            try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth.merging(Self.json),
                body: ByteBuffer(string: #"{"username":"haidian-street","displayName":"x","password":"long-enough-pw","role":"street_handler","districtCode":"110105","unitId":"110105002"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(response.json()["type"] as? String == "/problems/username-taken")
                #expect(!(response.json()["detail"] as? String ?? "").contains("110108"))
            }
        }
    }

    @Test func invalidAccountsAre422WithTheirFields() async throws {
        try await withSeededApp { app in
            let auth = bearer(try await app.login("admin")).merging(Self.json)
            try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"username":"A","displayName":"","password":"short","role":"wizard"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let fields = Set((response.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                #expect(fields == ["username", "password", "displayName", "role"])
            }
            // A street handler whose unit is in another district.
            try await app.client.execute(
                uri: "/api/v1/users", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"username":"mixed","displayName":"x","password":"long-enough-pw","role":"street_handler","districtCode":"110105","unitId":"110108001"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await app.client.execute(uri: "/api/v1/users", method: .post, headers: auth, body: ByteBuffer(string: "{nope")) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func lockoutAfterFiveFailuresThenRecovery() async throws {
        try await withSeededApp { app in
            for _ in 0..<5 {
                #expect(try await loginStatus(app, "haidian", "wrong-password").0 == 401)
            }
            let locked = try await loginStatus(app, "haidian", Fixtures.password)
            #expect(locked.0 == 429)
            #expect(locked.1 == "/problems/too-many-attempts")
            #expect(Int(locked.2 ?? "") == 15 * 60)
            // Another account is not affected; an unknown name is throttled the same way.
            _ = try await app.login("chaoyang")
            for _ in 0..<5 { _ = try await loginStatus(app, "ghost", "wrong-password") }
            #expect(try await loginStatus(app, "ghost", "wrong-password").0 == 429)
            app.clock.advance(by: 10 * 60)
            let stillLocked = try await loginStatus(app, "haidian", Fixtures.password)
            #expect(stillLocked.0 == 429)
            #expect(Int(stillLocked.2 ?? "") == 5 * 60)
            app.clock.advance(by: 5 * 60)
            #expect(try await loginStatus(app, "haidian", Fixtures.password).0 == 200)
        }
    }

    @Test func parallelGuessesAllCount() async throws {
        try await withSeededApp { app in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await loginStatus(app, "supervisor", "wrong-password").0 } }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            // Attempts on one name are serialised and recorded before bcrypt runs: five get to guess, the rest wait.
            #expect(statuses.filter { $0 == 401 }.count == 5)
            #expect(statuses.filter { $0 == 429 }.count == 3)
        }
    }

    @Test func logoutRevokesTheToken() async throws {
        try await withSeededApp { app in
            let token = try await app.login("planner")
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token)) { #expect($0.status == .ok) }
            try await app.client.execute(uri: "/api/v1/auth/logout", method: .post, headers: bearer(token)) { #expect($0.status == .noContent) }
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token)) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func disablingAUserRevokesTheirTokens() async throws {
        try await withSeededApp { app in
            let victim = try await app.login("chaoyang-street")
            let admin = try await app.login("chaoyang")
            let id = app.ids["chaoyang-street"]!.uuidString.lowercased()
            try await app.client.execute(
                uri: "/api/v1/users/\(id)", method: .patch, headers: bearer(admin).merging(Self.json),
                body: ByteBuffer(string: #"{"disabled":true}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json()["disabled"] as? Bool == true)
            }
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(victim)) { #expect($0.status == .unauthorized) }
            let again = try await loginStatus(app, "chaoyang-street", Fixtures.password)
            #expect(again.0 == 401)
            // Enabling the account again does not bring the old token back: it was revoked, not just paused.
            try await app.client.execute(
                uri: "/api/v1/users/\(id)", method: .patch, headers: bearer(admin).merging(Self.json),
                body: ByteBuffer(string: #"{"disabled":false}"#)
            ) { #expect($0.status == .ok) }
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(victim)) { #expect($0.status == .unauthorized) }
            #expect(try await loginStatus(app, "chaoyang-street", Fixtures.password).0 == 200)
        }
    }

    @Test func tokensExpire() async throws {
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(3600) }) { app in
            let token = try await app.login("analyst")
            app.clock.advance(by: 3599)
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token)) { #expect($0.status == .ok) }
            app.clock.advance(by: 2)
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            }
        }
    }

    @Test func apiKeysWorkUntilRevoked() async throws {
        try await withSeededApp { app in
            let logger = TestEnvironment.logger
            let key = try await app.database.withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.addClient(name: "centre-intake", role: .centreOperator, on: connection, logger: logger).key
            }
            #expect(key.hasPrefix("hlk_"))
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(key)) { response in
                #expect(response.status == .ok)
                #expect(response.json()["kind"] as? String == "client")
                #expect(response.json()["role"] as? String == "centre_operator")
            }
            try await app.client.execute(uri: "/api/v1/districts", method: .get, headers: bearer(key)) { #expect($0.status == .ok) }
            try await app.client.execute(uri: "/api/v1/auth/logout", method: .post, headers: bearer(key)) { #expect($0.status == .badRequest) }
            try await app.database.withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.revokeClient(name: "centre-intake", on: connection, logger: logger)
            }
            try await app.client.execute(uri: "/api/v1/me", method: .get, headers: bearer(key)) { #expect($0.status == .unauthorized) }
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var result = self
        for field in other { result.append(field) }
        return result
    }
}
