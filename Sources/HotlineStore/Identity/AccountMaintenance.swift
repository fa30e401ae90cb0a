import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// Account maintenance for the `hotline user …` and `hotline client …` commands and the demo data. Runs on an
/// owner connection (the operator of the machine, not an API caller), inside one transaction per call.
public enum AccountMaintenance {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        case notFound(String)
        case exists(String)

        public var description: String {
            switch self {
            case .invalid(let m): m
            case .notFound(let m): m
            case .exists(let m): m
            }
        }
    }

    /// Checks a role/district/unit combination against the units table; nil when it fits.
    public static func scopeProblem(
        role: Role, districtCode: DistrictCode?, unitID: String?, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        var unitKind: UnitKind?
        var unitDistrict: DistrictCode?
        // A code of the right shape may still name no district (110103 was merged away): refuse it here, not with
        // the foreign key's error.
        if let districtCode, try await connection.query(
            "SELECT 1 FROM hotline.districts WHERE code = \(districtCode.rawValue)", logger: logger).collect().isEmpty {
            return "no district \(districtCode)"
        }
        if let unitID {
            let rows = try await connection.query(
                "SELECT kind, district_code FROM hotline.units WHERE id = \(unitID) AND active", logger: logger)
            for try await (kind, district) in rows.decode((String, String?).self) {
                unitKind = UnitKind(rawValue: kind)
                unitDistrict = district.flatMap(DistrictCode.init)
            }
            if unitKind == nil { return "no active unit \(unitID)" }
        }
        return AccountRules.scopeProblem(
            role: role, districtCode: districtCode, unitID: unitID, unitKind: unitKind, unitDistrict: unitDistrict)
    }

    /// Adds an account, or with `replace` resets an existing one's role, scope, name and password (demo data).
    @discardableResult
    public static func addUser(
        username: String, displayName: String, password: String, role: Role, districtCode: DistrictCode?,
        unitID: String?, replace: Bool = false, hasher: PasswordHasher, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> UUID {
        if let problem = AccountRules.usernameProblem(username) { throw Failure.invalid("username \(problem)") }
        if let problem = AccountRules.passwordProblem(password) { throw Failure.invalid("password \(problem)") }
        if let problem = try await scopeProblem(
            role: role, districtCode: districtCode, unitID: unitID, on: connection, logger: logger)
        {
            throw Failure.invalid(problem)
        }
        let hash = try await hasher.hash(password)
        let rows = try await connection.query(
            """
            INSERT INTO hotline.users (username, display_name, role, district_code, unit_id, password_hash)
            VALUES (\(username), \(displayName), \(role.rawValue), \(districtCode?.rawValue), \(unitID), \(hash))
            ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                district_code = excluded.district_code, unit_id = excluded.unit_id,
                password_hash = excluded.password_hash, disabled_at = NULL, updated_at = now()
                WHERE \(replace)
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        throw Failure.exists("user \(username) exists")
    }

    /// Disables an account (its sessions are revoked by the database's trigger).
    public static func disableUser(username: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            UPDATE hotline.users SET disabled_at = coalesce(disabled_at, now()), updated_at = now()
            WHERE username = \(username) RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return }
        throw Failure.notFound("no user \(username)")
    }

    /// Adds a machine client; returns its API key, which is stored only as a hash and cannot be shown again.
    public static func addClient(
        name: String, role: Role, on connection: PostgresConnection, logger: Logger
    ) async throws -> (id: UUID, key: String) {
        if let problem = AccountRules.usernameProblem(name) { throw Failure.invalid("client name \(problem)") }
        guard !role.needsDistrict, role.unitKinds == nil else {
            throw Failure.invalid("a machine client has a city-level role, not \(role.rawValue)")
        }
        let key = Tokens.random(prefix: Tokens.apiKeyPrefix)
        do {
            let rows = try await connection.query(
                """
                INSERT INTO hotline.api_clients (name, role, key_hash, key_prefix)
                VALUES (\(name), \(role.rawValue), \(Tokens.hash(key)), \(String(key.prefix(10))))
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { return (id, key) }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Failure.exists("a live client named \(name) exists; revoke it first")
        }
        throw Failure.invalid("client not created")
    }

    /// Revokes a client's key; false when there was no live client of that name.
    @discardableResult
    public static func revokeClient(name: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE hotline.api_clients SET revoked_at = now() WHERE name = \(name) AND revoked_at IS NULL RETURNING id",
            logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Whether `key` is the live API key of client `name`.
    public static func isLiveKey(_ key: String, ofClient name: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT count(*) FROM hotline.api_clients
            WHERE name = \(name) AND revoked_at IS NULL AND key_hash = \(Tokens.hash(key))
            """, logger: logger)
        for try await n in rows.decode(Int.self) { return n == 1 }
        return false
    }

    /// Runs `body` in a transaction on an owner connection.
    public static func inTransaction<T: Sendable>(
        _ connection: PostgresConnection, logger: Logger, _ body: () async throws -> T
    ) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let result = try await body()
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
