import Foundation
import HotlineAPI
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import Logging

/// Builds the real application (TLS included) on a throwaway database.
func makeTestConfiguration(_ database: DatabaseConfiguration, migrate: Bool = false, metricsToken: String? = nil) throws -> AppConfiguration {
    let certs = try TestEnvironment.certificateDirectory()
    return AppConfiguration(
        host: "127.0.0.1", port: 0,
        certificatePath: certs + "/server.pem", privateKeyPath: certs + "/server-key.pem",
        database: database, sqlDirectory: TestEnvironment.sqlDirectory, migrateOnStart: migrate,
        metricsToken: metricsToken)
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
