import Crypto
import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// One numbered SQL file of `sql/`: `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).lowercaseHex
    }
}

/// Why migrating stopped. Nothing of a failed file stays applied: each file runs in one transaction.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case noDirectory(String)
    case badFileName(String)
    case duplicateVersion(Int)
    /// An applied file was edited afterwards; add a new migration instead of changing history.
    case checksumMismatch(version: Int, name: String)
    /// The database has a migration this build does not know (it is newer than the code).
    case unknownApplied(version: Int, name: String)
    case failed(version: Int, name: String, statement: Int, reason: String)

    public var description: String {
        switch self {
        case .noDirectory(let path):
            "migrations folder not found: \(path) (set HOTLINE_SQL_DIR or --sql-dir)"
        case .badFileName(let file):
            "migration file \(file) is not named NNNN_name.sql"
        case .duplicateVersion(let version):
            "two migration files have version \(version)"
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied; applied files must not be edited, add a new migration instead"
        case .unknownApplied(let version, let name):
            "the database has migration \(version) (\(name)) that this build does not have; it is newer than the code"
        case .failed(let version, let name, let statement, let reason):
            "migration \(version) (\(name)) failed at statement \(statement): \(reason); nothing of it was applied"
        }
    }
}

/// What the database has against what the files say.
public struct MigrationStatus: Sendable {
    public var applied: [Int]
    public var pending: [Migration]
    public var problems: [MigrationError]
    public var isCurrent: Bool { pending.isEmpty && problems.isEmpty }
}

/// Applies `sql/NNNN_*.sql` in order as the owner role, recording each with its checksum in
/// `hotline.schema_migrations`.
///
/// Each file runs in its own transaction, split into statements by ``SQLScript`` (PostgresNIO sends one statement
/// per query). A session-level advisory lock serialises concurrent migrators (two servers starting at once): the
/// second waits, then finds nothing left to do.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock key: "hotline" in ASCII, as a number.
    static let lockKey: Int64 = 0x686f_746c_696e_65

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Reads every `NNNN_name.sql` file of a folder.
    public init(directory: String) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw MigrationError.noDirectory(directory)
        }
        var migrations: [Migration] = []
        var seen: Set<Int> = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                  let version = Int(stem[..<underscore]), version > 0,
                  stem[..<underscore].count == 4,
                  stem.index(after: underscore) < stem.endIndex
            else { throw MigrationError.badFileName(file) }
            guard seen.insert(version).inserted else { throw MigrationError.duplicateVersion(version) }
            let sql = try String(contentsOf: url.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        self.init(migrations: migrations)
    }

    /// Applies what is pending; returns the migrations it applied (empty when the database was current).
    @discardableResult
    public func migrate(on connection: PostgresConnection, logger: Logger) async throws -> [Migration] {
        _ = try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger).collect()
        do {
            let applied = try await self.applyPending(on: connection, logger: logger)
            _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger).collect()
            throw error
        }
    }

    private func applyPending(on connection: PostgresConnection, logger: Logger) async throws -> [Migration] {
        try await connection.query("CREATE SCHEMA IF NOT EXISTS hotline", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS hotline.schema_migrations (
                version     int PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms int NOT NULL
            )
            """, logger: logger)
        let status = try await self.status(on: connection, logger: logger)
        if let problem = status.problems.first { throw problem }
        var done: [Migration] = []
        for migration in status.pending {
            let started = ContinuousClock.now
            try await connection.query("BEGIN", logger: logger)
            do {
                for (index, statement) in SQLScript.split(migration.sql).enumerated() {
                    do {
                        // Consume the rows: an error raised while producing them arrives with them.
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    } catch {
                        throw MigrationError.failed(
                            version: migration.version, name: migration.name, statement: index + 1,
                            reason: Self.reason(error))
                    }
                }
                let elapsed = ContinuousClock.now - started
                let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                try await connection.query(
                    """
                    INSERT INTO hotline.schema_migrations (version, name, checksum, duration_ms)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(ms))
                    """, logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            done.append(migration)
        }
        return done
    }

    /// Compares the database's record with the files, without changing anything. Works for the app role too
    /// (it may read `hotline.schema_migrations`), which is how `/ready` knows the schema is current.
    public func status(on connection: PostgresConnection, logger: Logger) async throws -> MigrationStatus {
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM hotline.schema_migrations ORDER BY version", logger: logger)
        var applied: [(Int, String, String)] = []
        for try await row in rows.decode((Int, String, String).self) { applied.append(row) }
        return self.compare(applied: applied)
    }

    /// The pure part of ``status(on:logger:)``.
    public func compare(applied: [(version: Int, name: String, checksum: String)]) -> MigrationStatus {
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var problems: [MigrationError] = []
        for row in applied {
            guard let file = files[row.version] else {
                problems.append(.unknownApplied(version: row.version, name: row.name))
                continue
            }
            if file.checksum != row.checksum {
                problems.append(.checksumMismatch(version: row.version, name: row.name))
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return MigrationStatus(
            applied: applied.map(\.version),
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            problems: problems)
    }

    static func reason(_ error: any Error) -> String {
        if let psql = error as? PSQLError, let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState] ?? "?"
            return "\(message) (SQLSTATE \(state))"
        }
        return String(reflecting: error)
    }
}
