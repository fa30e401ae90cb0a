import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Where the database is and who connects to it.
///
/// The server connects as the app role (`hotline_app`: owns nothing, no BYPASSRLS); migrations connect as the owner
/// role (`hotline_owner`). Both use the same host, port and database.
public struct DatabaseConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    public var ownerUser: String
    public var ownerPassword: String?
    /// Upper bound of the app pool's connections.
    public var poolSize: Int
    /// Require TLS to the database server (off for a local cluster on loopback).
    public var requireTLS: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 54329, database: String = "hotline",
        user: String = "hotline_app", password: String? = nil,
        ownerUser: String = "hotline_owner", ownerPassword: String? = nil,
        poolSize: Int = 10, requireTLS: Bool = false
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.ownerUser = ownerUser
        self.ownerPassword = ownerPassword
        self.poolSize = poolSize
        self.requireTLS = requireTLS
    }

    private var tls: PostgresClient.Configuration.TLS {
        requireTLS ? .require(.makeClientConfiguration()) : .disable
    }

    /// The pooled client the server uses, as the app role, with `search_path` set to the project's schema.
    public func appClientConfiguration() -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls
        )
        config.options.maximumConnections = poolSize
        config.options.minimumConnections = 0
        config.options.additionalStartupParameters = [("search_path", "hotline"), ("application_name", "hotline")]
        return config
    }

    /// A single connection as the owner role, for migrations and data loads.
    public func ownerConnectionConfiguration() throws -> PostgresConnection.Configuration {
        var config = PostgresConnection.Configuration(
            host: host, port: port, username: ownerUser, password: ownerPassword, database: database,
            tls: requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        )
        config.options.additionalStartupParameters = [("search_path", "hotline"), ("application_name", "hotline-owner")]
        return config
    }

    /// Opens one connection as the owner, runs `body`, and closes it (releasing any session-level lock).
    @discardableResult
    public func withOwnerConnection<T: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await PostgresConnection.withConnection(configuration: try ownerConnectionConfiguration(), logger: logger, body)
    }

    /// `count` owner connections, all open while `body` runs.
    public func withOwnerConnections<T: Sendable>(
        _ count: Int, logger: Logger, opened: [PostgresConnection] = [], _ body: ([PostgresConnection]) async throws -> T
    ) async throws -> T {
        if opened.count >= count { return try await body(opened) }
        return try await withOwnerConnection(logger: logger) { connection in
            try await withOwnerConnections(count, logger: logger, opened: opened + [connection], body)
        }
    }
}

extension PostgresConnection {
    /// Opens a single connection (outside any pool), runs `body`, and closes it whatever happens.
    @discardableResult
    public static func withConnection<T: Sendable>(
        configuration: PostgresConnection.Configuration, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
