import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// Authentication's database side: everything before an identity exists, through the `auth_*` SECURITY DEFINER
/// functions (the app role has no grant on sessions, clients or login attempts).
public struct AuthStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A login attempt that the throttle let through, already recorded as a failure.
    public struct Attempt: Sendable {
        public var id: Int64
        /// The account the username names, if any.
        public var userID: UUID?
        public var passwordHash: String?
        public var disabled: Bool
    }

    /// Either wait `retryAfter` seconds, or go on with a recorded attempt.
    public enum LoginStart: Sendable {
        case throttled(retryAfter: Int)
        case attempt(Attempt)
    }

    /// Starts a login: under a per-username lock, asks `throttle` about the recent failures and, if it allows,
    /// records the attempt as a failure (so parallel guesses all count) and returns the account's bcrypt hash.
    public func beginLogin(username: String, now: Date, throttle: LoginThrottle, logger: Logger) async throws -> LoginStart {
        let since = now.addingTimeInterval(-Double(throttle.window.components.seconds))
        return try await database.withTransaction(logger: logger) { connection in
            var failures: [Double] = []
            for try await at in try await connection.query(
                "SELECT * FROM hotline.auth_recent_failures(\(username), \(since), \(throttle.maxFailures)::int)", logger: logger
            ).decode(Date.self) { failures.append(at.timeIntervalSince1970) }
            if let wait = throttle.retryAfter(recentFailures: failures, now: now.timeIntervalSince1970) {
                return .throttled(retryAfter: wait)
            }
            let rows = try await connection.query(
                "SELECT * FROM hotline.auth_begin_attempt(\(username), \(now))", logger: logger)
            for try await (id, userID, hash, disabled) in rows.decode((Int64, UUID?, String?, Bool?).self) {
                return .attempt(Attempt(id: id, userID: userID, passwordHash: hash, disabled: disabled ?? false))
            }
            throw PostgresError.protocol("auth_begin_attempt returned no row")
        }
    }

    /// Completes a begun attempt whose password matched: marks it a success and opens a session for its account.
    /// nil when the account was disabled meanwhile (nothing is written then).
    public func completeLogin(
        attemptID: Int64, tokenHash: String, now: Date, expiresAt: Date, logger: Logger
    ) async throws -> UserAccount? {
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT id, username, display_name, role, district_code, unit_id, false, created_at, updated_at
                    FROM hotline.auth_complete_login(\(attemptID), \(tokenHash), \(now), \(expiresAt))
                    """, logger: logger)
                return try await UserStore.decode(rows).first
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "P0001" {
            return nil
        }
    }

    /// The identity a bearer secret stands for at `now`, or nil (unknown, expired, revoked, disabled).
    public func resolve(tokenHash: String, now: Date, logger: Logger) async throws -> Identity? {
        try await database.withConnection { connection in
            for try await (kind, id, name, role, district, unit) in try await connection.execute(
                ResolveBearer(tokenHash: tokenHash, now: now), logger: logger
            ) {
                guard let kind = Identity.Kind(rawValue: kind), let role = Role(rawValue: role) else { return nil }
                return Identity(
                    kind: kind, id: id, name: name, role: role, districtCode: district.flatMap(DistrictCode.init),
                    unitID: unit)
            }
            return nil
        }
    }

    /// Revokes a login session; false when there was no live session with that token.
    public func revokeSession(tokenHash: String, now: Date, logger: Logger) async throws -> Bool {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT hotline.auth_revoke_session(\(tokenHash), \(now))", logger: logger)
            for try await revoked in rows.decode(Bool.self) { return revoked }
            return false
        }
    }
}

/// `hotline.auth_resolve(token hash, now)` as a named prepared statement: every authenticated request runs it.
struct ResolveBearer: PostgresPreparedStatement {
    static let sql = "SELECT kind, id, name, role, district_code, unit_id FROM hotline.auth_resolve($1, $2)"
    typealias Row = (String, String, String, String, String?, String?)

    var tokenHash: String
    var now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tokenHash)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
