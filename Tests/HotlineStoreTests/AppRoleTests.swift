import HotlineStore
import HotlineTestSupport
import PostgresNIO
import Testing

/// The server's login role: owns nothing, is no superuser, cannot bypass row-level security or create objects.
@Suite struct AppRoleTests {
    let logger = TestEnvironment.logger

    @Test func roleAttributes() async throws {
        try await withTestDatabase { config in
            try await withAppClient(config) { client in
                let rows = try await client.query(
                    """
                    SELECT current_user::text, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication
                    FROM pg_roles WHERE rolname = current_user
                    """, logger: logger)
                var seen = false
                for try await (user, superuser, bypass, createdb, createrole, replication) in rows.decode(
                    (String, Bool, Bool, Bool, Bool, Bool).self
                ) {
                    seen = true
                    #expect(user == "hotline_app")
                    #expect(!superuser)
                    #expect(!bypass)
                    #expect(!createdb)
                    #expect(!createrole)
                    #expect(!replication)
                }
                #expect(seen)
                // It owns no relation, function, type or schema.
                let owned = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
                         + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
                         + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
                         + (SELECT count(*) FROM pg_type WHERE typowner = r.oid)
                    FROM pg_roles r WHERE r.rolname = current_user
                    """, logger: logger)
                for try await n in owned.decode(Int.self) { #expect(n == 0) }
            }
        }
    }

    @Test(arguments: [
        "CREATE TABLE hotline.sneaky (x int)",
        "CREATE TABLE public.sneaky (x int)",
        "CREATE TEMPORARY TABLE sneaky (x int)",
        "CREATE SCHEMA sneaky",
        "INSERT INTO hotline.districts (code, name_zh, name_pinyin, sort_order) VALUES ('110199', 'x', 'x', 99)",
        "DELETE FROM hotline.units",
        "INSERT INTO hotline.schema_migrations (version, name, checksum, duration_ms) VALUES (999, 'x', 'x', 0)",
    ])
    func cannotCreateOrWrite(_ statement: String) async throws {
        try await withTestDatabase { config in
            try await withAppClient(config) { client in
                do {
                    try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    Issue.record("the app role could run: \(statement)")
                } catch let error as PSQLError {
                    #expect(error.sqlState == "42501", "\(statement): \(String(reflecting: error))")
                }
            }
        }
    }

    @Test func canReadReferenceData() async throws {
        try await withTestDatabase { config in
            try await withAppClient(config) { client in
                for try await n in try await client.query("SELECT count(*) FROM hotline.districts", logger: logger).decode(Int.self) {
                    #expect(n == 16)
                }
            }
        }
    }
}
