import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Row-level security on accounts, checked in SQL as the app role with the identity set in a rolled-back
/// transaction: per role, an allowed and a denied case for each verb.
@Suite struct UserPolicyTests {
    let logger = TestEnvironment.logger

    /// Runs `body` as the app role inside a transaction that is always rolled back; `identity` nil sets none.
    func asCaller<T: Sendable>(
        _ client: PostgresClient, _ identity: Identity?, _ body: (PostgresConnection) async throws -> T
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

    func usernames(_ connection: PostgresConnection, _ sql: PostgresQuery) async throws -> [String] {
        var names: [String] = []
        for try await name in try await connection.query(sql, logger: logger).decode(String.self) { names.append(name) }
        return names.sorted()
    }

    /// The number of rows an UPDATE touched.
    func updated(_ connection: PostgresConnection, _ sql: PostgresQuery) async throws -> Int {
        var n = 0
        for try await _ in try await connection.query(sql, logger: logger).decode(UUID.self) { n += 1 }
        return n
    }

    func expectDenied(_ sqlState: String = "42501", _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected SQLSTATE \(sqlState)")
        } catch let error as PSQLError {
            #expect(error.sqlState == sqlState, "\(String(reflecting: error))")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    func insertSQL(_ username: String, role: String, district: String?, unit: String? = nil) -> PostgresQuery {
        """
        INSERT INTO hotline.users (username, display_name, role, district_code, unit_id, password_hash)
        VALUES (\(username), \(username), \(role), \(district), \(unit), '$2b$10$abcdefghijklmnopqrstuv')
        """
    }

    @Test func districtAdminIsConfinedToTheirDistrict() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let chaoyang = Fixtures.identity("chaoyang", ids: ids)
            let haidianID = ids["haidian"]!
            let haidianStreetID = ids["haidian-street"]!
            let chaoyangStreetID = ids["chaoyang-street"]!
            try await withAppClient(config) { client in
                // SELECT: own district only, even by primary key, and through the view.
                try await asCaller(client, chaoyang) { c in
                    let r72 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r72 == ["chaoyang", "chaoyang-street"])
                    let r73 = try await usernames(c, "SELECT username FROM hotline.users WHERE id = \(haidianID)")
                    #expect(r73.isEmpty)
                    let r74 = try await usernames(c, "SELECT username FROM hotline.user_directory WHERE id = \(haidianStreetID)")
                    #expect(r74.isEmpty)
                    let r75 = try await usernames(c, "SELECT username FROM hotline.user_directory WHERE district_code = '110108'")
                    #expect(r75.isEmpty)
                }
                // INSERT: a street handler of their own district, yes; into 110108, or a city role, no.
                try await asCaller(client, chaoyang) { c in
                    _ = try await c.query(insertSQL("cy-new", role: "street_handler", district: "110105", unit: "110105002"), logger: logger)
                }
                await expectDenied {
                    try await asCaller(client, chaoyang) { c in
                        _ = try await c.query(insertSQL("hd-new", role: "street_handler", district: "110108", unit: "110108002"), logger: logger)
                    }
                }
                await expectDenied {
                    try await asCaller(client, chaoyang) { c in
                        _ = try await c.query(insertSQL("op-new", role: "centre_operator", district: nil), logger: logger)
                    }
                }
                // UPDATE: own district's row, yes; another district's row is invisible (0 rows); moving a row
                // into 110108 is refused by WITH CHECK.
                try await asCaller(client, chaoyang) { c in
                    let r94 = try await updated(c, "UPDATE hotline.users SET display_name = 'x' WHERE id = \(chaoyangStreetID) RETURNING id")
                    #expect(r94 == 1)
                    let r95 = try await updated(c, "UPDATE hotline.users SET display_name = 'x' WHERE id = \(haidianID) RETURNING id")
                    #expect(r95 == 0)
                }
                await expectDenied {
                    try await asCaller(client, chaoyang) { c in
                        _ = try await updated(c, """
                            UPDATE hotline.users SET district_code = '110108', unit_id = '110108002'
                            WHERE id = \(chaoyangStreetID) RETURNING id
                            """)
                    }
                }
                // Nor may they make an account of their district a city role.
                await expectDenied {
                    try await asCaller(client, chaoyang) { c in
                        _ = try await updated(c, """
                            UPDATE hotline.users SET role = 'city_admin', district_code = NULL, unit_id = NULL
                            WHERE id = \(chaoyangStreetID) RETURNING id
                            """)
                    }
                }
                // DELETE: nobody (no grant).
                await expectDenied {
                    try await asCaller(client, chaoyang) { c in
                        _ = try await c.query("DELETE FROM hotline.users WHERE id = \(chaoyangStreetID)", logger: logger)
                    }
                }
            }
        }
    }

    @Test func cityAdminReachesEveryDistrict() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let admin = Fixtures.identity("admin", ids: ids)
            try await withAppClient(config) { client in
                try await asCaller(client, admin) { c in
                    let r121 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r121.count == Fixtures.accounts.count)
                    _ = try await c.query(insertSQL("hd-new", role: "street_handler", district: "110108", unit: "110108002"), logger: logger)
                    _ = try await c.query(insertSQL("op-new", role: "centre_operator", district: nil), logger: logger)
                    #expect(try await updated(c, "UPDATE hotline.users SET display_name = 'x' WHERE id = \(ids["haidian"]!) RETURNING id") == 1)
                }
                // Its scope shape is still checked by the table (a street handler's unit must be in its district).
                await expectDenied("23514") {
                    try await asCaller(client, admin) { c in
                        _ = try await c.query(insertSQL("bad", role: "street_handler", district: "110105", unit: "110108002"), logger: logger)
                    }
                }
                await expectDenied {
                    try await asCaller(client, admin) { c in
                        _ = try await c.query("DELETE FROM hotline.users WHERE id = \(ids["haidian"]!)", logger: logger)
                    }
                }
            }
        }
    }

    @Test(arguments: ["operator", "supervisor", "chaoyang-street", "housing", "planner", "analyst"])
    func otherRolesSeeOnlyThemselvesAndChangeNothing(_ username: String) async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let me = Fixtures.identity(username, ids: ids)
            try await withAppClient(config) { client in
                try await asCaller(client, me) { c in
                    let r148 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r148 == [username])
                    #expect(try await usernames(c, "SELECT username FROM hotline.users WHERE id = \(ids["admin"]!)").isEmpty)
                    // Not even their own account can they change through the table.
                    let r151 = try await updated(c, "UPDATE hotline.users SET display_name = 'x' WHERE id = \(ids[username]!) RETURNING id")
                    #expect(r151 == 0)
                }
                await expectDenied {
                    try await asCaller(client, me) { c in
                        _ = try await c.query(insertSQL("someone", role: "analyst", district: nil), logger: logger)
                    }
                }
            }
        }
    }

    @Test func withoutIdentityNothingIsVisible() async throws {
        try await withTestDatabase { config in
            try await Fixtures.seedAccounts(config)
            try await withAppClient(config) { client in
                try await asCaller(client, nil) { c in
                    let r167 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r167.isEmpty)
                    let r168 = try await usernames(c, "SELECT username FROM hotline.user_directory")
                    #expect(r168.isEmpty)
                }
                await expectDenied {
                    try await asCaller(client, nil) { c in
                        _ = try await c.query(insertSQL("someone", role: "analyst", district: nil), logger: logger)
                    }
                }
            }
        }
    }

    @Test func identityDoesNotOutliveItsTransaction() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            var small = config
            small.poolSize = 1
            try await withAppClient(small) { client in
                try await asCaller(client, Fixtures.identity("admin", ids: ids)) { c in
                    let r186 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r186.count == Fixtures.accounts.count)
                }
                // The same (only) pooled connection, next transaction: no identity left behind.
                try await asCaller(client, nil) { c in
                    let r190 = try await usernames(c, "SELECT username FROM hotline.users")
                    #expect(r190.isEmpty)
                    let r191 = try await usernames(c, "SELECT coalesce(current_setting('hotline.role', true), '')")
                    #expect(r191 == [""])
                }
            }
        }
    }

    @Test(arguments: [
        "SELECT password_hash FROM hotline.users",
        "SELECT * FROM hotline.users",
        "SELECT token_hash FROM hotline.sessions",
        "SELECT key_hash FROM hotline.api_clients",
        "SELECT username FROM hotline.login_attempts",
        "UPDATE hotline.sessions SET revoked_at = NULL",
    ])
    func secretsAreOutOfReach(_ sql: String) async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            try await withAppClient(config) { client in
                await expectDenied {
                    try await asCaller(client, Fixtures.identity("admin", ids: ids)) { c in
                        _ = try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                    }
                }
            }
        }
    }

    @Test func setIdentityRefusesUnknownRoles() async throws {
        try await withTestDatabase { config in
            try await withAppClient(config) { client in
                await expectDenied("22023") {
                    try await asCaller(client, nil) { c in
                        _ = try await c.query("SELECT hotline.set_identity('user', 'x', 'superuser', NULL, NULL)", logger: logger).collect()
                    }
                }
            }
        }
    }

    /// Tables whose rows break the isolation rules: a table with a `district_code` column (other than the city-wide
    /// reference tables) without forced row-level security, a table that enables RLS without forcing it, or a
    /// partition the app role can query directly without RLS of its own.
    func isolationViolations(_ connection: PostgresConnection, schema: String) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT cl.relname::text,
                   cl.relrowsecurity, cl.relforcerowsecurity, cl.relispartition,
                   has_table_privilege('hotline_app', cl.oid, 'SELECT,INSERT,UPDATE,DELETE'),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = cl.oid AND a.attname = 'district_code'
                           AND NOT a.attisdropped)
            FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
            WHERE n.nspname = \(schema) AND cl.relkind IN ('r', 'p')
            """, logger: logger)
        var violations: [String] = []
        let referenceTables: Set<String> = ["districts", "units", "street_boundaries", "district_boundaries"]
        for try await (name, rls, forced, isPartition, appHasAccess, hasDistrict) in rows.decode(
            (String, Bool, Bool, Bool, Bool, Bool).self
        ) {
            if rls && !forced { violations.append("\(name): RLS enabled but not forced") }
            if hasDistrict && !referenceTables.contains(name) && !(rls && forced) {
                violations.append("\(name): holds district_code without forced RLS")
            }
            if isPartition && appHasAccess && !rls { violations.append("\(name): partition open to the app role") }
        }
        return violations.sorted()
    }

    @Test func theSchemaKeepsTheIsolationRules() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                let violations = try await isolationViolations(c, schema: "hotline")
                #expect(violations == [])
            }
        }
    }

    /// The check above can fail: a schema built to break each rule is reported on each count.
    @Test func theIsolationCheckCatchesBrokenTables() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                for sql in [
                    "CREATE SCHEMA broken",
                    "GRANT USAGE ON SCHEMA broken TO hotline_app",
                    "CREATE TABLE broken.open_rows (id int, district_code text)",
                    "CREATE TABLE broken.unforced (id int)",
                    "ALTER TABLE broken.unforced ENABLE ROW LEVEL SECURITY",
                    "CREATE TABLE broken.parted (id int, district_code text NOT NULL) PARTITION BY LIST (district_code)",
                    "ALTER TABLE broken.parted ENABLE ROW LEVEL SECURITY",
                    "ALTER TABLE broken.parted FORCE ROW LEVEL SECURITY",
                    "CREATE TABLE broken.parted_110105 PARTITION OF broken.parted FOR VALUES IN ('110105')",
                    "GRANT SELECT ON broken.parted_110105 TO hotline_app",
                ] {
                    try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                }
                let found = try await isolationViolations(c, schema: "broken")
                #expect(found == [
                    "open_rows: holds district_code without forced RLS",
                    "parted_110105: holds district_code without forced RLS",
                    "parted_110105: partition open to the app role",
                    "unforced: RLS enabled but not forced",
                ])
            }
        }
    }

    @Test func noFunctionIsExecutableByPublic() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                var open: [String] = []
                var all = 0
                for try await (name, publicMayRun) in try await c.query(
                    """
                    SELECT p.proname::text, has_function_privilege('public', p.oid, 'EXECUTE')
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'hotline'
                    """, logger: logger
                ).decode((String, Bool).self) {
                    all += 1
                    if publicMayRun { open.append(name) }
                }
                #expect(all >= 6)
                #expect(open == [])
            }
        }
    }
}
