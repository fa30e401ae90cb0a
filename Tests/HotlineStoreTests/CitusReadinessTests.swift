import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Where each table goes when a city outgrows one PostgreSQL and runs Hotline on Citus, distributed by district code
/// (docs/scaling.md). The district tables are not listed: they are found in the catalog (every table with a
/// `district_code` column that is not named below), so a new one is checked the day it lands.
enum CitusPlacement {
    /// Tables that carry a `district_code` column but are not distributed by it, and why. Anything else with that
    /// column is a district table and must follow the district-table rules below.
    static let notDistributed: [String: String] = [
        "hotline.units": "reference table: city-wide catalogue of who receives orders; departments have no district",
        "hotline.street_boundaries": "reference table: 343 street polygons read by locate_point() at intake",
        "hotline.district_boundaries": "reference table: 16 district polygons read by locate_point() at intake",
        "hotline.users": "on the coordinator: city roles have no district (NULL) and usernames are unique city-wide",
        "hotline.idempotency_keys": "on the coordinator: keyed by caller; district_code only points at the ticket",
        "hotline.assessment_snapshots": "on the coordinator: city-wide published results; departments have no district",
    ]

    /// Replicated to every node (`create_reference_table`): district tables may reference these.
    static let referenceTables: [String] = [
        "hotline.districts", "hotline.units", "hotline.categories", "hotline.street_boundaries",
        "hotline.district_boundaries", "hotline.themes",
    ]
}

/// One thing that would stop the schema from being distributed by district code.
struct CitusViolation: Sendable, Hashable, CustomStringConvertible {
    /// The table it is about (a partition's problems are reported against its root).
    var table: String
    /// The index, constraint, policy or column at fault.
    var object: String
    var problem: String

    var description: String { "\(table) \(object): \(problem)" }
}

/// Catalog queries that find what Citus would refuse. Run as the owner on a migrated database; they look at every
/// schema but the system's and every table but those an extension owns (PostGIS's).
enum CitusReadiness {
    /// The tables of the application: ordinary and partitioned, partitions folded into their root.
    static let tables = """
        ours AS (
            SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend e
                              WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
        ), district AS (
            SELECT o.oid, o.name FROM ours o
            WHERE EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = o.oid AND a.attname = 'district_code' AND a.attnum > 0 AND NOT a.attisdropped)
              AND o.name <> ALL ($1::text[])
        )
        """

    static func rows(
        _ connection: PostgresConnection, _ sql: String, notDistributed: [String], reference: [String] = [],
        logger: Logger
    ) async throws -> [CitusViolation] {
        var binds = PostgresBindings()
        binds.append(notDistributed)
        binds.append(reference)
        var found: [CitusViolation] = []
        for try await (table, object, problem) in try await connection.query(
            PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger
        ).decode((String, String, String).self) {
            found.append(CitusViolation(table: table, object: object, problem: problem))
        }
        return found
    }

    /// The district tables: every application table with a `district_code` column but those in `notDistributed`.
    static func districtTables(
        _ connection: PostgresConnection, notDistributed: [String] = Array(CitusPlacement.notDistributed.keys),
        logger: Logger
    ) async throws -> [String] {
        try await rows(
            connection,
            "WITH \(tables) SELECT name, '', '' FROM district ORDER BY name",
            notDistributed: notDistributed, logger: logger
        ).map(\.table)
    }

    /// (a) Citus enforces a primary key or unique index only within a shard, so it refuses any that does not
    /// include the distribution column; and a row must have a value for it. Partitions' own indexes count too.
    static func keyViolations(
        _ connection: PostgresConnection, notDistributed: [String] = Array(CitusPlacement.notDistributed.keys),
        logger: Logger
    ) async throws -> [CitusViolation] {
        try await rows(connection, """
            WITH \(tables)
            SELECT d.name, i.relname::text,
                   CASE WHEN x.indisprimary THEN 'primary key'
                        WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'u')
                            THEN 'unique constraint'
                        ELSE 'unique index' END
                   || CASE WHEN t.oid <> d.oid THEN ' on partition ' || t.relname ELSE '' END
                   || ' without district_code as a key column: ' || pg_get_indexdef(x.indexrelid)
            FROM district d
            JOIN pg_class t ON t.oid = d.oid OR (t.relispartition AND pg_partition_root(t.oid) = d.oid)
            JOIN pg_index x ON x.indrelid = t.oid AND x.indisunique
            JOIN pg_class i ON i.oid = x.indexrelid AND NOT i.relispartition
            WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                              WHERE a.attrelid = t.oid AND a.attname = 'district_code'
                                AND a.attnum = ANY ((x.indkey::int2[])[0:x.indnkeyatts - 1]))
            UNION ALL
            SELECT d.name, 'district_code', 'may be NULL: a distribution column must be NOT NULL'
            FROM district d JOIN pg_attribute a ON a.attrelid = d.oid AND a.attname = 'district_code'
            WHERE NOT a.attnotnull
            ORDER BY 1, 2
            """, notDistributed: notDistributed, logger: logger)
    }

    /// (b) Row-level-security policies must be plain expressions over the row's own columns and the identity
    /// settings. Flagged, in the stored expression tree of every policy (USING and WITH CHECK) on every application
    /// table and partition:
    /// - any subquery (SubLink: `(SELECT …)`, `EXISTS`, `IN (SELECT …)`, `ANY (SELECT …)`, `ARRAY(SELECT …)`):
    ///   Citus refuses the policy on a distributed table;
    /// - any call of a function that is not built in (not in `pg_catalog`), directly or through an operator: ours,
    ///   an extension's, whatever the language. A function that reads a table is a lookup, and a policy calling one
    ///   makes every query on a distributed table fail (NOTES.md); whether a SQL or PL/pgSQL body reads a table
    ///   cannot be told reliably from the catalog (dynamic EXECUTE, bodies kept as text), and none of our policies
    ///   needs a helper, so the rule is the simple one: write the expression inline (`nullif(current_setting(…),
    ///   '')`, `= ANY`, `@>`, casts and every other built-in stay allowed).
    static func policyViolations(
        _ connection: PostgresConnection, notDistributed: [String] = Array(CitusPlacement.notDistributed.keys),
        logger: Logger
    ) async throws -> [CitusViolation] {
        try await rows(connection, """
            WITH \(tables), policy AS (
                SELECT format('%I.%I', n.nspname, c.relname) AS tbl, p.polrelid, p.polname::text AS polname,
                       q.clause, q.expr
                FROM pg_policy p
                JOIN pg_class c ON c.oid = p.polrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                CROSS JOIN LATERAL (VALUES ('USING', p.polqual), ('WITH CHECK', p.polwithcheck)) q(clause, expr)
                WHERE q.expr IS NOT NULL
                  AND coalesce(pg_partition_root(c.oid), c.oid) IN (SELECT oid FROM ours)
            )
            SELECT tbl, 'policy ' || polname, clause || ' has a subquery: ' || pg_get_expr(expr, polrelid)
            FROM policy WHERE expr::text LIKE '%{SUBLINK %'
            UNION
            SELECT p.tbl, 'policy ' || p.polname,
                   format('%s calls %I.%I(%s), which is not built in', p.clause, fn.nspname, f.proname,
                          pg_get_function_identity_arguments(f.oid))
            FROM policy p
            CROSS JOIN LATERAL regexp_matches(p.expr::text,
                ':(?:funcid|opfuncid|hashfuncid|negfuncid|aggfnoid|winfnoid) ([0-9]+)', 'g') m
            JOIN pg_proc f ON f.oid = m[1]::oid
            JOIN pg_namespace fn ON fn.oid = f.pronamespace
            WHERE fn.nspname <> 'pg_catalog'
            ORDER BY 1, 2, 3
            """, notDistributed: notDistributed, logger: logger)
    }

    /// (c) Foreign keys: between district tables they must pair `district_code` with `district_code` (the rows are
    /// then always in colocated shards); from a district table they may also point at a reference table; nothing
    /// else may point at a district table (Citus has no foreign keys from reference or coordinator tables into
    /// distributed ones); and a reference table may point only at reference tables (it is copied to every node).
    static func foreignKeyViolations(
        _ connection: PostgresConnection, notDistributed: [String] = Array(CitusPlacement.notDistributed.keys),
        reference: [String] = CitusPlacement.referenceTables, logger: Logger
    ) async throws -> [CitusViolation] {
        try await rows(connection, """
            WITH \(tables), fk AS (
                SELECT k.oid, k.conname::text AS conname, k.conrelid, k.confrelid, k.conkey, k.confkey,
                       s.name AS src, r.name AS dst,
                       s.oid IN (SELECT oid FROM district) AS src_district,
                       r.oid IN (SELECT oid FROM district) AS dst_district,
                       s.name = ANY ($2::text[]) AS src_reference,
                       r.name = ANY ($2::text[]) AS dst_reference
                FROM pg_constraint k
                JOIN ours s ON s.oid = coalesce(pg_partition_root(k.conrelid), k.conrelid)
                JOIN ours r ON r.oid = coalesce(pg_partition_root(k.confrelid), k.confrelid)
                WHERE k.contype = 'f' AND k.conparentid = 0
            )
            SELECT src, 'foreign key ' || conname,
                   CASE
                       WHEN src_district AND dst_district THEN
                           'references district table ' || dst || ' without pairing district_code with district_code: '
                       WHEN src_district THEN
                           'references ' || dst || ', which is neither a district table nor a reference table: '
                       WHEN dst_district THEN
                           'references district table ' || dst || ' from a table that is not one: '
                       ELSE
                           'a reference table references ' || dst || ', which is not a reference table: '
                   END || pg_get_constraintdef(oid)
            FROM fk
            WHERE CASE
                WHEN src_district AND dst_district THEN NOT EXISTS (
                    SELECT 1 FROM generate_subscripts(conkey, 1) g
                    WHERE conkey[g] = (SELECT attnum FROM pg_attribute WHERE attrelid = conrelid AND attname = 'district_code')
                      AND confkey[g] = (SELECT attnum FROM pg_attribute WHERE attrelid = confrelid AND attname = 'district_code'))
                WHEN src_district THEN NOT dst_reference
                WHEN dst_district THEN true
                WHEN src_reference THEN NOT dst_reference
                ELSE false
            END
            ORDER BY 1, 2
            """, notDistributed: notDistributed, reference: reference, logger: logger)
    }

    /// Every policy the rule (b) looked at, as `table.policy` (to show it did not look at nothing).
    static func policiesChecked(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await rows(connection, """
            WITH \(tables)
            SELECT format('%I.%I', n.nspname, c.relname), p.polname::text, ''
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE coalesce(pg_partition_root(c.oid), c.oid) IN (SELECT oid FROM ours)
            ORDER BY 1, 2
            """, notDistributed: [], logger: logger
        ).map { "\($0.table).\($0.object)" }
    }
}

/// The schema keeps Citus possible (docs/scaling.md): checked against the migrated catalog, so tables added by later
/// migrations are covered without being named here.
@Suite struct CitusReadinessTests {
    let logger = TestEnvironment.logger

    func report(_ violations: [CitusViolation]) -> Comment {
        Comment(rawValue: "\n" + violations.map { "  - \($0)" }.joined(separator: "\n"))
    }

    @Test func districtTablesComeFromTheCatalog() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                let district = try await CitusReadiness.districtTables(c, logger: logger)
                // Not vacuous: the tables of the ticket workflow are found, and none of the exceptions is among them.
                for table in ["hotline.tickets", "hotline.dispatches", "hotline.callbacks", "hotline.ticket_events"] {
                    #expect(district.contains(table), "\(table) not found among the district tables \(district)")
                }
                #expect(Set(district).isDisjoint(with: CitusPlacement.notDistributed.keys))
                // Every table partitioned by district code is a district table (it cannot be excused).
                var partitionedByDistrict: [String] = []
                for try await name in try await c.query(
                    """
                    SELECT format('%I.%I', n.nspname, c.relname)
                    FROM pg_partitioned_table p
                    JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'district_code'
                    WHERE a.attnum = ANY (p.partattrs::int2[]) AND NOT c.relispartition
                    """, logger: logger
                ).decode(String.self) { partitionedByDistrict.append(name) }
                #expect(partitionedByDistrict.contains("hotline.tickets"))
                #expect(Set(partitionedByDistrict).isSubset(of: district),
                        "partitioned by district_code but not a district table: \(Set(partitionedByDistrict).subtracting(district))")
                // The exceptions and the reference tables name tables that exist (a renamed table does not leave a
                // stale exception behind); every exception has the column it is excused for.
                let everything = try await CitusReadiness.districtTables(c, notDistributed: [], logger: logger)
                for table in CitusPlacement.notDistributed.keys.sorted() {
                    #expect(everything.contains(table), "\(table) is excused but has no district_code column (or is gone)")
                }
                for table in CitusPlacement.referenceTables {
                    let exists = try await c.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger)
                        .collect().first?.decode(Bool.self) ?? false
                    #expect(exists, "reference table \(table) does not exist")
                }
            }
        }
    }

    @Test func everyKeyOfADistrictTableIncludesTheDistrictCode() async throws {
        try await withTestDatabase { config in
            let violations = try await config.withOwnerConnection(logger: logger) { c in
                try await CitusReadiness.keyViolations(c, logger: logger)
            }
            #expect(violations.isEmpty, report(violations))
        }
    }

    @Test func policiesAreLookupFree() async throws {
        try await withTestDatabase { config in
            let (checked, violations) = try await config.withOwnerConnection(logger: logger) { c in
                (try await CitusReadiness.policiesChecked(c, logger: logger),
                 try await CitusReadiness.policyViolations(c, logger: logger))
            }
            #expect(checked.contains("hotline.tickets.tickets_select"), "policies checked: \(checked)")
            #expect(checked.contains("hotline.users.users_select"), "policies checked: \(checked)")
            #expect(violations.isEmpty, report(violations))
        }
    }

    @Test func foreignKeysKeepDistrictsColocated() async throws {
        try await withTestDatabase { config in
            let violations = try await config.withOwnerConnection(logger: logger) { c in
                try await CitusReadiness.foreignKeyViolations(c, logger: logger)
            }
            #expect(violations.isEmpty, report(violations))
        }
    }

    /// The detectors see what they are meant to: a throwaway district table with every fault, made and rolled back in
    /// one transaction, is flagged for each fault and for nothing else.
    @Test func theDetectorsCatchEachFault() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                try await c.query("BEGIN", logger: logger)
                do {
                    for statement in [
                        // A lookup function, and an operator whose function is one.
                        """
                        CREATE FUNCTION hotline.citus_probe_known(p_code text) RETURNS boolean LANGUAGE sql STABLE
                        AS $$ SELECT EXISTS (SELECT 1 FROM hotline.districts WHERE code = p_code) $$
                        """,
                        """
                        CREATE FUNCTION hotline.citus_probe_same(a text, b text) RETURNS boolean LANGUAGE sql STABLE
                        AS $$ SELECT EXISTS (SELECT 1 FROM hotline.districts WHERE code = a AND code = b) $$
                        """,
                        "CREATE OPERATOR hotline.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = hotline.citus_probe_same)",
                        """
                        CREATE TABLE hotline.citus_probe (
                            district_code   text,
                            id              uuid NOT NULL,
                            code            text NOT NULL,
                            ticket_district text NOT NULL,
                            ticket_id       uuid NOT NULL,
                            user_id         uuid,
                            CONSTRAINT citus_probe_pkey PRIMARY KEY (id),
                            CONSTRAINT citus_probe_code_key UNIQUE (code),
                            CONSTRAINT citus_probe_ticket_fkey FOREIGN KEY (ticket_district, ticket_id)
                                REFERENCES hotline.tickets (district_code, id),
                            CONSTRAINT citus_probe_user_fkey FOREIGN KEY (user_id) REFERENCES hotline.users (id)
                        )
                        """,
                        // district_code only as an INCLUDE column does not make a key distributable.
                        "CREATE UNIQUE INDEX citus_probe_code_incl_idx ON hotline.citus_probe (code) INCLUDE (district_code)",
                        // A partition's own unique index counts against its root.
                        "CREATE UNIQUE INDEX citus_probe_partition_idx ON hotline.tickets_110105 (number)",
                        // A non-district table pointing into a district table.
                        """
                        CREATE TABLE hotline.citus_probe_note (
                            ticket_district text NOT NULL, ticket_id uuid NOT NULL,
                            CONSTRAINT citus_probe_note_fkey FOREIGN KEY (ticket_district, ticket_id)
                                REFERENCES hotline.tickets (district_code, id))
                        """,
                        // A would-be reference table pointing at a coordinator table.
                        """
                        CREATE TABLE hotline.citus_probe_ref (
                            code text PRIMARY KEY,
                            user_id uuid CONSTRAINT citus_probe_ref_fkey REFERENCES hotline.users (id))
                        """,
                        "ALTER TABLE hotline.citus_probe ENABLE ROW LEVEL SECURITY",
                        """
                        CREATE POLICY citus_probe_in ON hotline.citus_probe FOR SELECT TO hotline_app
                        USING (district_code IN (SELECT code FROM hotline.districts))
                        """,
                        """
                        CREATE POLICY citus_probe_exists ON hotline.citus_probe FOR INSERT TO hotline_app
                        WITH CHECK (EXISTS (SELECT 1 FROM hotline.districts d WHERE d.code = district_code))
                        """,
                        """
                        CREATE POLICY citus_probe_function ON hotline.citus_probe FOR UPDATE TO hotline_app
                        USING (hotline.citus_probe_known(district_code)) WITH CHECK (true)
                        """,
                        """
                        CREATE POLICY citus_probe_operator ON hotline.citus_probe FOR DELETE TO hotline_app
                        USING (district_code OPERATOR(hotline.===) nullif(current_setting('hotline.district', true), ''))
                        """,
                        // Allowed: what our own policies use.
                        """
                        CREATE POLICY citus_probe_plain ON hotline.citus_probe FOR SELECT TO hotline_app
                        USING (district_code = nullif(current_setting('hotline.district', true), '')
                               OR code = ANY (string_to_array(current_setting('hotline.unit', true), ','))
                               OR ARRAY[code] <@ ARRAY[nullif(current_setting('hotline.unit', true), '')]::text[])
                        """,
                        // A subquery on a partition's own policy is reported too.
                        """
                        CREATE POLICY citus_probe_partition ON hotline.tickets_110105 FOR SELECT TO hotline_app
                        USING (EXISTS (SELECT 1))
                        """,
                    ] {
                        try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }

                    let district = try await CitusReadiness.districtTables(c, logger: logger)
                    #expect(district.contains("hotline.citus_probe"))
                    #expect(!district.contains("hotline.citus_probe_note"))

                    let keys = try await CitusReadiness.keyViolations(c, logger: logger)
                    #expect(Set(keys.map { "\($0.table) \($0.object)" }) == [
                        "hotline.citus_probe citus_probe_pkey", "hotline.citus_probe citus_probe_code_key",
                        "hotline.citus_probe citus_probe_code_incl_idx", "hotline.citus_probe district_code",
                        "hotline.tickets citus_probe_partition_idx",
                    ], report(keys))

                    let policies = try await CitusReadiness.policyViolations(c, logger: logger)
                    #expect(Set(policies.map { "\($0.table) \($0.object)" }) == [
                        "hotline.citus_probe policy citus_probe_in", "hotline.citus_probe policy citus_probe_exists",
                        "hotline.citus_probe policy citus_probe_function", "hotline.citus_probe policy citus_probe_operator",
                        "hotline.tickets_110105 policy citus_probe_partition",
                    ], report(policies))
                    #expect(policies.contains { $0.problem.contains("hotline.citus_probe_known(p_code text)") }, report(policies))
                    #expect(policies.contains { $0.problem.contains("hotline.citus_probe_same(a text, b text)") }, report(policies))

                    let keysOut = try await CitusReadiness.foreignKeyViolations(
                        c, reference: CitusPlacement.referenceTables + ["hotline.citus_probe_ref"], logger: logger)
                    #expect(Set(keysOut.map { "\($0.table) \($0.object)" }) == [
                        "hotline.citus_probe foreign key citus_probe_ticket_fkey",
                        "hotline.citus_probe foreign key citus_probe_user_fkey",
                        "hotline.citus_probe_note foreign key citus_probe_note_fkey",
                        "hotline.citus_probe_ref foreign key citus_probe_ref_fkey",
                    ], report(keysOut))
                } catch {
                    _ = try? await c.query("ROLLBACK", logger: logger)
                    throw error
                }
                try await c.query("ROLLBACK", logger: logger)
            }
        }
    }
}
