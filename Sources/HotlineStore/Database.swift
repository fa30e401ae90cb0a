import HotlineCore
import Logging
import Metrics
import PostgresNIO

/// The server's connection pool, as the app role, with pool-use metrics.
///
/// Every query of a request goes through here, so the gauge `hotline_db_pool_leased` tells how many connections
/// are in use and `hotline_db_pool_size` how many there may be.
public final class Database: Sendable {
    public let client: PostgresClient
    public let configuration: DatabaseConfiguration
    private let leased: Meter
    private let waits: Timer

    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.client = PostgresClient(configuration: configuration.appClientConfiguration(), backgroundLogger: logger)
        self.leased = Meter(label: "hotline_db_pool_leased")
        self.waits = Timer(label: "hotline_db_pool_wait_seconds", preferredDisplayUnit: .seconds)
        Gauge(label: "hotline_db_pool_size").record(configuration.poolSize)
    }

    /// Leases one connection for `body` (which must not keep it).
    @discardableResult
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        return try await client.withConnection { connection in
            waits.recordInterval(since: asked)
            leased.increment()
            defer { leased.decrement() }
            return try await body(connection)
        }
    }

    /// Runs `body` in one transaction; a thrown error rolls it back and is rethrown unwrapped (not as
    /// `PostgresTransactionError`), so an HTTP error thrown inside keeps its status.
    public func withTransaction<T: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            do {
                return try await connection.withTransaction(logger: logger) { try await body($0) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.beginError ?? error.commitError ?? error
            }
        }
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

extension Database {
    /// Runs `body` in one transaction that first sets the caller's identity transaction-locally
    /// (`hotline.set_identity`, i.e. `SET LOCAL`), so row-level security sees this caller and nobody else's
    /// identity can leak through the pooled connection. Every request's data access goes through here.
    public func withIdentity<T: Sendable>(
        _ identity: Identity, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withTransaction(logger: logger) { connection in
            try await connection.setIdentity(identity, logger: logger)
            return try await body(connection)
        }
    }
}

extension PostgresConnection {
    /// `SELECT hotline.set_identity(kind, id, role, district, unit)`: values travel as bound parameters, through a
    /// named prepared statement (every request runs it).
    public func setIdentity(_ identity: Identity, logger: Logger) async throws {
        // Consume the result: an error raised by the function arrives with the rows.
        for try await _ in try await execute(SetIdentity(identity: identity), logger: logger) {}
    }
}

extension PostgresConnection {
    /// The first column of the first row, decoded; nil without a row.
    public func first<T: PostgresDecodable & Sendable>(_ type: T.Type, _ query: PostgresQuery, logger: Logger) async throws -> T? {
        for try await value in try await self.query(query, logger: logger).decode(T.self) { return value }
        return nil
    }
}

extension Database {
    /// Runs the pool while `body` runs, then stops it: for one-shot commands (the server runs the pool as a service).
    public func whileRunning<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await self.client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

/// `hotline.set_identity(...)` as a named prepared statement.
struct SetIdentity: PostgresPreparedStatement {
    static let sql = "SELECT hotline.set_identity($1, $2, $3, $4, $5)"
    typealias Row = PostgresRow

    var identity: Identity

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(identity.kind.rawValue)
        bindings.append(identity.id)
        bindings.append(identity.role.rawValue)
        bindings.append(identity.districtCode?.rawValue)
        bindings.append(identity.unitID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
