import HotlineCore
import HotlineStore
import Logging
import PostgresNIO
import Testing

/// Runs `body` on one connection of `client` inside a transaction that is always rolled back, with `identity` set
/// the way the server sets it (nil: no identity). The policy tests' way to try a statement as a caller.
public func withRolledBackTransaction<T: Sendable>(
    _ client: PostgresClient, as identity: Identity?, logger: Logger = TestEnvironment.logger,
    _ body: (PostgresConnection) async throws -> T
) async throws -> T {
    try await client.withConnection { connection in
        try await connection.query("BEGIN", logger: logger)
        do {
            if let identity { try await connection.setIdentity(identity, logger: logger) }
            let result = try await body(connection)
            try await connection.query("ROLLBACK", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// Expects `body` to fail with SQLSTATE `state` (42501 for a row-level-security or guard-trigger refusal).
public func expectSQLState(
    _ state: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected SQLSTATE \(state)", sourceLocation: sourceLocation)
    } catch let error as PSQLError {
        #expect(error.sqlState == state, "\(String(reflecting: error))", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}
