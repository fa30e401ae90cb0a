import Foundation
import HotlineStore
import Logging
import NIOPosix
import PostgresNIO

/// What `scripts/test` hands the tests through the environment.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run the tests with scripts/test, which starts their PostgreSQL")
        }
        return value
    }

    /// The cluster's connection settings (database name to be replaced per test).
    public static func baseConfiguration() throws -> DatabaseConfiguration {
        DatabaseConfiguration(
            host: try value("HOTLINE_DB_HOST"), port: Int(try value("HOTLINE_DB_PORT")) ?? 54339,
            database: "postgres", user: try value("HOTLINE_DB_USER"), password: try value("HOTLINE_DB_PASSWORD"),
            ownerUser: try value("HOTLINE_DB_OWNER_USER"), ownerPassword: try value("HOTLINE_DB_OWNER_PASSWORD"),
            poolSize: 4)
    }

    /// The project's `sql/` folder.
    public static var sqlDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["HOTLINE_SQL_DIR"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql").path
    }

    /// The project's `data/districts` folder (district boundaries).
    public static var districtsDirectory: String {
        DistrictBoundaries.defaultDirectory(sqlDirectory: sqlDirectory)
    }

    /// The project's root folder.
    public static var projectRoot: String {
        URL(fileURLWithPath: sqlDirectory).deletingLastPathComponent().path
    }

    /// Folder with `ca.pem`, `server.pem`, `server-key.pem` made by scripts/dev-cert.
    public static func certificateDirectory() throws -> String { try value("HOTLINE_TEST_CERT_DIR") }

    public static let logger: Logger = {
        var logger = Logger(label: "hotline.test")
        logger.logLevel = .warning
        return logger
    }()
}

/// Throwaway databases on the test cluster: empty ones, or clones of a template migrated once per test process.
///
/// Each test gets its own database, so tests run in parallel without seeing each other's rows.
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var template: String?
    private var counter = 0
    private let prefix = "t\(ProcessInfo.processInfo.processIdentifier)"

    /// A superuser connection over the cluster's unix socket, for CREATE/DROP DATABASE.
    @discardableResult
    private nonisolated func withAdmin<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let socket = try TestEnvironment.value("HOTLINE_DB_ADMIN_SOCKET")
        let config = PostgresConnection.Configuration(unixSocketPath: socket, username: "postgres", password: nil, database: "postgres")
        return try await PostgresConnection.withConnection(configuration: config, logger: TestEnvironment.logger, body)
    }

    private func nextName() -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    /// A new empty database owned by the owner role (no migrations applied).
    public func makeEmpty() async throws -> DatabaseConfiguration {
        let name = nextName()
        try await withAdmin { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER hotline_owner"), logger: TestEnvironment.logger)
        }
        var config = try TestEnvironment.baseConfiguration()
        config.database = name
        return config
    }

    /// A new database with every migration applied (a clone of this process's migrated template).
    public func makeMigrated() async throws -> DatabaseConfiguration {
        let template = try await self.migratedTemplate()
        let name = nextName()
        try await withAdmin { admin in
            try await admin.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template) OWNER hotline_owner STRATEGY FILE_COPY"),
                logger: TestEnvironment.logger)
            // Database-level privileges are not copied from a template: apply what 0001_roles.sql sets.
            try await admin.query(PostgresQuery(unsafeSQL: "REVOKE ALL ON DATABASE \(name) FROM PUBLIC"), logger: TestEnvironment.logger)
            try await admin.query(PostgresQuery(unsafeSQL: "GRANT CONNECT ON DATABASE \(name) TO hotline_app"), logger: TestEnvironment.logger)
        }
        var config = try TestEnvironment.baseConfiguration()
        config.database = name
        return config
    }

    private func migratedTemplate() async throws -> String {
        if let template { return template }
        let config = try await makeEmpty()
        let migrator = try Migrator(directory: TestEnvironment.sqlDirectory)
        try await config.withOwnerConnection(logger: TestEnvironment.logger) { connection in
            try await migrator.migrate(on: connection, logger: TestEnvironment.logger)
            // As `hotline migrate` does: the district boundaries come with the schema.
            try await DistrictBoundaries.load(
                directory: TestEnvironment.districtsDirectory, on: connection, logger: TestEnvironment.logger)
        }
        template = config.database
        return config.database
    }

    /// Drops a test database, closing whatever still uses it.
    public func drop(_ config: DatabaseConfiguration) async {
        _ = try? await withAdmin { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(config.database) WITH (FORCE)"), logger: TestEnvironment.logger)
        }
    }
}

/// Runs `body` with a fresh migrated database (or an empty one), dropped afterwards.
public func withTestDatabase<T: Sendable>(
    migrated: Bool = true, _ body: (DatabaseConfiguration) async throws -> T
) async throws -> T {
    let config = migrated ? try await TestDatabases.shared.makeMigrated() : try await TestDatabases.shared.makeEmpty()
    do {
        let result = try await body(config)
        await TestDatabases.shared.drop(config)
        return result
    } catch {
        await TestDatabases.shared.drop(config)
        throw error
    }
}

/// Runs `body` with a client connected as the app role (`hotline_app`) to `config`'s database.
public func withAppClient<T: Sendable>(
    _ config: DatabaseConfiguration, _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: config.appClientConfiguration(), backgroundLogger: TestEnvironment.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

extension PSQLError {
    /// The SQLSTATE the server sent, e.g. `42501`.
    public var sqlState: String? { serverInfo?[.sqlState] }
}
