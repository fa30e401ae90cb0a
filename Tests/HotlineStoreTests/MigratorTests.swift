import Foundation
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Migrations against a real PostgreSQL: from empty, re-run, edited files, failures, concurrency.
@Suite struct MigratorTests {
    let logger = TestEnvironment.logger

    func projectMigrator() throws -> Migrator { try Migrator(directory: TestEnvironment.sqlDirectory) }

    func appliedVersions(_ config: DatabaseConfiguration) async throws -> [Int] {
        try await config.withOwnerConnection(logger: logger) { connection in
            var versions: [Int] = []
            for try await v in try await connection.query(
                "SELECT version FROM hotline.schema_migrations ORDER BY version", logger: logger
            ).decode(Int.self) { versions.append(v) }
            return versions
        }
    }

    @Test func appliesFromEmptyThenRerunIsANoOp() async throws {
        try await withTestDatabase(migrated: false) { config in
            let migrator = try projectMigrator()
            #expect(migrator.migrations.count >= 3)
            let first = try await config.withOwnerConnection(logger: logger) { try await migrator.migrate(on: $0, logger: logger) }
            #expect(first.map(\.version) == migrator.migrations.map(\.version))
            let second = try await config.withOwnerConnection(logger: logger) { try await migrator.migrate(on: $0, logger: logger) }
            #expect(second.isEmpty)
            #expect(try await appliedVersions(config) == migrator.migrations.map(\.version))
            let districts = try await config.withOwnerConnection(logger: logger) { connection in
                var n = 0
                for try await c in try await connection.query("SELECT count(*) FROM hotline.districts", logger: logger).decode(Int.self) { n = c }
                return n
            }
            #expect(districts == 16)
        }
    }

    @Test func anEditedAppliedFileIsRefused() async throws {
        try await withTestDatabase { config in
            let original = try projectMigrator()
            let edited = Migrator(migrations: original.migrations.map {
                $0.version == 2 ? Migration(version: 2, name: $0.name, sql: $0.sql + "\n-- edited\n") : $0
            })
            await #expect(throws: MigrationError.checksumMismatch(version: 2, name: "reference")) {
                try await config.withOwnerConnection(logger: logger) { try await edited.migrate(on: $0, logger: logger) }
            }
            // Readiness sees the same problem without changing anything.
            let status = try await config.withOwnerConnection(logger: logger) { try await edited.status(on: $0, logger: logger) }
            #expect(!status.isCurrent)
            #expect(status.problems == [.checksumMismatch(version: 2, name: "reference")])
        }
    }

    @Test func aDatabaseNewerThanTheCodeIsRefused() async throws {
        try await withTestDatabase { config in
            let older = Migrator(migrations: try projectMigrator().migrations.filter { $0.version < 3 })
            await #expect(throws: MigrationError.self) {
                try await config.withOwnerConnection(logger: logger) { try await older.migrate(on: $0, logger: logger) }
            }
        }
    }

    @Test func aFailingFileLeavesNothingBehind() async throws {
        try await withTestDatabase(migrated: false) { config in
            let migrator = Migrator(migrations: [
                Migration(version: 1, name: "ok", sql: "CREATE SCHEMA IF NOT EXISTS hotline; CREATE TABLE hotline.a (x int);"),
                Migration(version: 2, name: "bad", sql: "CREATE TABLE hotline.b (x int);\nSELECT 1 / 0;"),
            ])
            do {
                try await config.withOwnerConnection(logger: logger) { try await migrator.migrate(on: $0, logger: logger) }
                Issue.record("expected the second migration to fail")
            } catch let error as MigrationError {
                guard case .failed(let version, _, let statement, let reason) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(version == 2)
                #expect(statement == 2)
                #expect(reason.contains("22012"))
            }
            #expect(try await appliedVersions(config) == [1])
            let tables = try await config.withOwnerConnection(logger: logger) { connection in
                var names: [String] = []
                for try await n in try await connection.query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'hotline' ORDER BY 1", logger: logger
                ).decode(String.self) { names.append(n) }
                return names
            }
            #expect(tables == ["a", "schema_migrations"])
        }
    }

    @Test func dollarQuotedFunctionsApplyAndRun() async throws {
        try await withTestDatabase(migrated: false) { config in
            let sql = """
                -- A function whose body holds semicolons, quotes and a nested dollar quote.
                CREATE SCHEMA IF NOT EXISTS hotline;
                CREATE FUNCTION hotline.tricky(x int) RETURNS text LANGUAGE plpgsql AS $fn$
                DECLARE
                    s text := 'a;b';  /* comment; */
                BEGIN
                    -- semicolon; in a comment
                    EXECUTE $q$SELECT 'it''s;'$q$ INTO s;
                    RETURN s || ';' || x::text;
                END
                $fn$;
                COMMENT ON FUNCTION hotline.tricky(int) IS 'returns ''it''''s;'' and x';
                """
            let migrator = Migrator(migrations: [Migration(version: 1, name: "tricky", sql: sql)])
            try await config.withOwnerConnection(logger: logger) { try await migrator.migrate(on: $0, logger: logger) }
            let value = try await config.withOwnerConnection(logger: logger) { connection in
                var result = ""
                for try await s in try await connection.query("SELECT hotline.tricky(7)", logger: logger).decode(String.self) { result = s }
                return result
            }
            #expect(value == "it's;;7")
        }
    }

    @Test func twoMigratorsAtOnceApplyEachFileOnce() async throws {
        try await withTestDatabase(migrated: false) { config in
            let migrator = try projectMigrator()
            let results = try await withThrowingTaskGroup(of: [Migration].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await config.withOwnerConnection(logger: logger) { try await migrator.migrate(on: $0, logger: logger) }
                    }
                }
                var all: [[Migration]] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(results.map(\.count).sorted() == [0, migrator.migrations.count])
            #expect(try await appliedVersions(config) == migrator.migrations.map(\.version))
        }
    }

    @Test func misnamedFilesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "SELECT 1".write(to: dir.appendingPathComponent("1_short.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("1_short.sql")) { try Migrator(directory: dir.path) }
    }
}
