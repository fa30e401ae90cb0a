import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// The assessment functions (two-stage since sql/0012) against the plain formulation of the rules (sql/0007's first
/// version: every dispatch joined to its unit, points summed per row), on a generated week of the demo model with
/// returns, assists, whistles and callbacks: the same rows, level by level, from the per-level and the all-levels
/// function.
@Suite struct AssessmentQueryTests {
    @Test func twoStageFunctionsGiveThePlainRulesRows() async throws {
        try await withTestDatabase { config in
            let logger = TestEnvironment.logger
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            try await config.withOwnerConnection(logger: logger) { c in _ = try await UnitImport.upsert(units, on: c, logger: logger) }
            let from = CivilDate("2026-03-01")!.start, to = CivilDate("2026-04-01")!.start
            let generator = HistoryGenerator(
                model: DemoHistory(seed: 11, from: from, to: CivilDate("2026-03-08")!.start, ticketsPerYear: 0),
                tickets: 3_000, creator: "generate")
            _ = try await generator.run(
                configuration: config, writers: 1, cipher: PersonalDataCipher(keyData: Data(repeating: 4, count: 32)), logger: logger)
            try await config.withOwnerConnection(logger: logger) { c in
                // Some exempted tickets too (as the exemption action leaves their dispatches).
                _ = try await c.query("""
                    UPDATE hotline.dispatches SET exempt = true
                    WHERE ticket_id IN (SELECT id FROM hotline.tickets ORDER BY number LIMIT 150)
                    """, logger: logger).collect()
                for level in ["district", "street", "department", "enterprise"] {
                    let plain = """
                        SELECT CASE WHEN '\(level)' = 'district' THEN d.district_code ELSE d.unit_id END AS unit_id,
                               min(CASE WHEN '\(level)' = 'district' THEN d.district_code ELSE u.district_code END) AS district_code,
                               count(*) AS dispatched, count(*) FILTER (WHERE d.responded_in_time) AS responded_in_time,
                               count(d.callback_at) AS called_back, count(*) FILTER (WHERE d.callback_resolved) AS resolved,
                               coalesce(sum(CASE d.callback_satisfaction WHEN 'satisfied' THEN 1 WHEN 'basically_satisfied' THEN 0.6
                                            ELSE 0 END) FILTER (WHERE d.callback_at IS NOT NULL), 0) AS satisfaction_points
                        FROM hotline.dispatches d JOIN hotline.units u ON u.id = d.unit_id
                        WHERE d.dispatched_at >= $1 AND d.dispatched_at < $2
                          AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
                          AND CASE WHEN '\(level)' = 'district' THEN d.role = 'lead' ELSE u.kind = '\(level)' END
                        GROUP BY 1
                        """
                    let single = "SELECT * FROM hotline.assessment_rows($1, $2, '\(level)', 0.6)"
                    let all = """
                        SELECT unit_id, district_code, dispatched, responded_in_time, called_back, resolved, satisfaction_points
                        FROM hotline.assessment_rows_all($1, $2, 0.6) WHERE level = '\(level)'
                        """
                    for candidate in [single, all] {
                        var bindings = PostgresBindings()
                        bindings.append(from)
                        bindings.append(to)
                        let differ = try await c.first(Int.self, PostgresQuery(unsafeSQL: """
                            SELECT count(*)::int FROM (
                                (SELECT * FROM (\(plain)) p EXCEPT ALL SELECT * FROM (\(candidate)) c)
                                UNION ALL
                                (SELECT * FROM (\(candidate)) c EXCEPT ALL SELECT * FROM (\(plain)) p)) x
                            """, binds: bindings), logger: logger)
                        #expect(differ == 0, "\(level): \(candidate)")
                    }
                    var bindings = PostgresBindings()
                    bindings.append(from)
                    bindings.append(to)
                    let rows = try await c.first(Int.self, PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM (\(plain)) p", binds: bindings), logger: logger)
                    #expect((rows ?? 0) > (level == "district" ? 10 : 0), "\(level) has rows to compare")
                }
            }
        }
    }
}
