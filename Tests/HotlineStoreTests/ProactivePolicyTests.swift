import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Proactive tasks and their ledger in SQL: the database itself scopes rows by district and assigned unit, and
/// keeps the ledger's rules whoever writes.
@Suite struct ProactivePolicyTests {
    let logger = TestEnvironment.logger
    let policy = TicketPolicyTests()

    /// A once-task in Chaoyang for street 110105001, made through the store as the Chaoyang admin.
    func seedTask(_ config: DatabaseConfiguration, ids: [String: UUID]) async throws -> ProactiveTask {
        try await Database(configuration: config, logger: logger).whileRunning { database in
            try await ProactiveTaskStore(database: database).create(
                ProactiveTaskInput(
                    districtCode: DistrictCode("110105")!, title: "巡查", categoryCode: "0601", streetCodes: ["110105001"],
                    mode: .area, schedule: TaskSchedule(kind: .once, start: CivilDate("2026-11-01")!)),
                as: Fixtures.identity("chaoyang", ids: ids), now: Date(timeIntervalSince1970: 1_795_000_000), logger: TestEnvironment.logger).0
        }
    }

    @Test func rowsAreScopedByDistrictAndAssignedUnit() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let task = try await seedTask(config, ids: ids)
            try await withAppClient(config) { client in
                for (who, visible) in [("chaoyang", 1), ("chaoyang-street", 1), ("analyst", 1), ("planner", 1), ("admin", 1),
                                       ("haidian", 0), ("haidian-street", 0), ("housing", 0), ("operator", 0)] {
                    let n = try await policy.inTransaction(client, Fixtures.identity(who, ids: ids)) { c in
                        try await policy.count(c, "SELECT count(*)::int FROM hotline.proactive_tasks WHERE id = \(task.id)")
                            + policy.count(c, "SELECT count(*)::int FROM hotline.proactive_occurrences WHERE task_id = \(task.id)")
                    }
                    #expect(n == visible * 2, "\(who)")
                }
                // Writes outside one's scope touch nothing.
                for who in ["haidian", "haidian-street", "analyst"] {
                    let changed = try await policy.inTransaction(client, Fixtures.identity(who, ids: ids)) { c in
                        try await c.query("UPDATE hotline.proactive_occurrences SET status = 'done', completed_at = now(), completed_by = 'x', report = 'x' WHERE task_id = \(task.id) RETURNING n", logger: logger).collect().count
                    }
                    #expect(changed == 0, "\(who)")
                }
                // A district admin cannot plan in another district.
                await policy.expectSQLState("42501") {
                    _ = try await policy.inTransaction(client, Fixtures.identity("haidian", ids: ids)) { c in
                        try await c.query(
                            """
                            INSERT INTO hotline.proactive_tasks (district_code, title, category_code, mode, schedule_kind,
                                schedule_start, occurrence_total, status, created_by, created_at, updated_at)
                            VALUES ('110105', 't', '0601', 'area', 'once', '2026-12-01', 1, 'planned', 'x', now(), now())
                            """, logger: logger)
                    }
                }
                // The assigned street closes its entry out, but neither cancels nor reschedules it, nor edits the task.
                await policy.expectSQLState("42501") {
                    _ = try await policy.inTransaction(client, Fixtures.identity("chaoyang-street", ids: ids)) { c in
                        try await c.query("UPDATE hotline.proactive_occurrences SET status = 'cancelled' WHERE task_id = \(task.id)", logger: logger)
                    }
                }
                await policy.expectSQLState("42501") {
                    _ = try await policy.inTransaction(client, Fixtures.identity("chaoyang-street", ids: ids)) { c in
                        try await c.query("UPDATE hotline.proactive_occurrences SET due_on = due_on + 30 WHERE task_id = \(task.id)", logger: logger)
                    }
                }
                await policy.expectSQLState("42501") {
                    _ = try await policy.inTransaction(client, Fixtures.identity("chaoyang-street", ids: ids)) { c in
                        try await c.query("UPDATE hotline.proactive_tasks SET title = 'mine' WHERE id = \(task.id)", logger: logger)
                    }
                }
                // Partitions are no way around.
                await policy.expectSQLState("42501") {
                    _ = try await policy.inTransaction(client, Fixtures.identity("haidian", ids: ids)) { c in
                        try await c.query("SELECT * FROM hotline.proactive_tasks_110105", logger: logger).collect()
                    }
                }
            }
            // A closed entry stays closed, for the owner too.
            try await config.withOwnerConnection(logger: logger) { c in
                try await c.query(
                    "UPDATE hotline.proactive_occurrences SET status = 'done', completed_at = now(), completed_by = 'x', report = 'ok' WHERE task_id = \(task.id)",
                    logger: logger)
                await policy.expectSQLState("42501") {
                    try await c.query("UPDATE hotline.proactive_occurrences SET report = 'rewritten' WHERE task_id = \(task.id)", logger: logger)
                }
            }
        }
    }
}
