import Foundation
import HotlineAPI
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore

/// One personal-data key for the test process.
let testPersonalDataKey = PersonalDataCipher.generateKey()

/// Builds the real application (TLS included) on a throwaway database.
func makeTestConfiguration(_ database: DatabaseConfiguration, migrate: Bool = false, metricsToken: String? = nil) throws -> AppConfiguration {
    let certs = try TestEnvironment.certificateDirectory()
    var configuration = AppConfiguration(
        host: "127.0.0.1", port: 0,
        certificatePath: certs + "/server.pem", privateKeyPath: certs + "/server-key.pem",
        database: database, sqlDirectory: TestEnvironment.sqlDirectory, migrateOnStart: migrate,
        metricsToken: metricsToken)
    configuration.bcryptCost = 10
    configuration.personalDataKey = testPersonalDataKey
    configuration.openAPIPath = TestEnvironment.projectRoot + "/docs/openapi.yaml"
    return configuration
}

/// A running test application with the seeded accounts (``Fixtures``) and a clock the test controls.
struct SeededApp: Sendable {
    let client: any TestClientProtocol
    let ids: [String: UUID]
    let clock: TestClock
    let database: DatabaseConfiguration

    /// Logs a seeded account in; returns its bearer token.
    func login(_ username: String, password: String = Fixtures.password) async throws -> String {
        try await client.execute(
            uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ) { response in
            guard response.status == .ok, let token = response.json()["token"] as? String else {
                throw LoginFailed(status: response.status.code)
            }
            return token
        }
    }

    struct LoginFailed: Error { let status: Int }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

/// Runs `body` against an application on a fresh database with the seeded accounts.
func withSeededApp<T: Sendable>(
    _ setup: TestingSetup = .router,
    configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
    _ body: @Sendable @escaping (SeededApp) async throws -> T
) async throws -> T {
    try await withTestDatabase { database in
        let ids = try await Fixtures.seedAccounts(database)
        let clock = TestClock()
        var configuration = try makeTestConfiguration(database)
        configuration.clock = clock.wallClock
        configure(&configuration)
        let app = try await buildApplication(configuration, logger: TestEnvironment.logger)
        return try await app.test(setup) { client in
            try await body(SeededApp(client: client, ids: ids, clock: clock, database: database))
        }
    }
}

/// Runs `body` against a fresh migrated database and an application in front of it.
func withTestApp<T: Sendable>(
    migrated: Bool = true, metricsToken: String? = nil,
    _ setup: TestingSetup = .router,
    _ body: @Sendable @escaping (any TestClientProtocol) async throws -> T
) async throws -> T {
    try await withTestDatabase(migrated: migrated) { database in
        let app = try await buildApplication(
            makeTestConfiguration(database, metricsToken: metricsToken), logger: TestEnvironment.logger)
        return try await app.test(setup) { client in try await body(client) }
    }
}

extension TestResponse {
    /// The body as a JSON object; empty when it is not one (the assertions on its fields then fail).
    func json() -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
}
