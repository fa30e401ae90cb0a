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

    /// What a login needs to know about the account a username names.
    public struct LoginCandidate: Sendable {
        public var userID: UUID
        public var passwordHash: String
        public var displayName: String
        public var role: Role
        public var districtCode: DistrictCode?
        public var unitID: String?
        public var disabled: Bool
    }

    public func loginCandidate(username: String, logger: Logger) async throws -> LoginCandidate? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT * FROM hotline.auth_login_candidate(\(username))", logger: logger)
            for try await (id, hash, name, role, district, unit, disabled) in rows.decode(
                (UUID, String, String, String, String?, String?, Bool).self
            ) {
                guard let role = Role(rawValue: role) else { return nil }
                return LoginCandidate(
                    userID: id, passwordHash: hash, displayName: name, role: role,
                    districtCode: district.flatMap(DistrictCode.init), unitID: unit, disabled: disabled)
            }
            return nil
        }
    }

    /// Failure times for a username since `since`, after its last success.
    public func recentFailures(username: String, since: Date, logger: Logger) async throws -> [Date] {
        try await database.withConnection { connection in
            var result: [Date] = []
            let rows = try await connection.query(
                "SELECT * FROM hotline.auth_recent_failures(\(username), \(since))", logger: logger)
            for try await at in rows.decode(Date.self) { result.append(at) }
            return result
        }
    }

    public func recordAttempt(username: String, at: Date, succeeded: Bool, userID: UUID?, logger: Logger) async throws {
        try await database.withConnection { connection in
            try await connection.query(
                "SELECT hotline.auth_record_attempt(\(username), \(at), \(succeeded), \(userID))", logger: logger).collect()
        }
    }

    public func createSession(tokenHash: String, userID: UUID, now: Date, expiresAt: Date, logger: Logger) async throws {
        try await database.withConnection { connection in
            try await connection.query(
                "SELECT hotline.auth_create_session(\(tokenHash), \(userID), \(now), \(expiresAt))", logger: logger).collect()
        }
    }

    /// The identity a bearer secret stands for at `now`, or nil (unknown, expired, revoked, disabled).
    public func resolve(tokenHash: String, now: Date, logger: Logger) async throws -> Identity? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT kind, id, name, role, district_code, unit_id FROM hotline.auth_resolve(\(tokenHash), \(now))",
                logger: logger)
            for try await (kind, id, name, role, district, unit) in rows.decode(
                (String, String, String, String, String?, String?).self
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
