import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Publications of the monthly assessment (sql/0014) are history: only a city admin records one, as themselves; no
/// one changes or removes one; a revision's snapshot rows are sealed once the revision is recorded.
@Suite struct AssessmentPublicationPolicyTests {
    let logger = TestEnvironment.logger

    func insertPublication(period: String, revision: Int32, by: String, reason: String?) -> PostgresQuery {
        """
        INSERT INTO hotline.assessment_publications (period, revision, published_at, published_by, reason, weight_response,
            weight_resolution, weight_satisfaction, basically_satisfied_value)
        VALUES (\(period), \(revision), now(), \(by), \(reason), 0.2, 0.4, 0.4, 0.5)
        """
    }

    func insertSnapshotRow(period: String, revision: Int32) -> PostgresQuery {
        """
        INSERT INTO hotline.assessment_snapshots (period, revision, level, unit_id, dispatched, responded_in_time,
            called_back, resolved, satisfaction_points)
        VALUES (\(period), \(revision), 'street', '110105001', 1, 1, 1, 1, 1)
        """
    }

    @Test func onlyACityAdminRecordsAPublicationAsThemselvesAndNoneChanges() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let admin = Fixtures.identity("admin", ids: ids)
            try await withAppClient(config) { client in
                // Allowed: the city admin, in order, revision 1 without a reason and 2 with one.
                try await withRolledBackTransaction(client, as: admin) { c in
                    try await c.query("INSERT INTO hotline.assessment_periods (period) VALUES ('2026-10')", logger: logger)
                    try await c.query(insertSnapshotRow(period: "2026-10", revision: 1), logger: logger)
                    try await c.query(insertPublication(period: "2026-10", revision: 1, by: admin.id, reason: nil), logger: logger)
                    try await c.query(insertPublication(period: "2026-10", revision: 2, by: admin.id, reason: "late exemptions"), logger: logger)
                    var seen = 0
                    for try await n in try await c.query("SELECT count(*)::int FROM hotline.assessment_publications", logger: logger).decode(Int.self) { seen = n }
                    #expect(seen == 2)
                }
                // Denied: another role; a city admin writing someone else's name.
                for (who, by) in [("analyst", ids["analyst"]!.uuidString.lowercased()), ("admin", "someone-else")] {
                    await expectSQLState("42501") {
                        try await withRolledBackTransaction(client, as: Fixtures.identity(who, ids: ids)) { c in
                            try await c.query("INSERT INTO hotline.assessment_periods (period) VALUES ('2026-10')", logger: logger)
                            try await c.query(insertPublication(period: "2026-10", revision: 1, by: by, reason: nil), logger: logger)
                        }
                    }
                }
                // Denied: a revision out of order; a first publication with a reason, a correction without one.
                for (revision, reason, state) in [(Int32(2), "r" as String?, "23514"), (1, "r", "23514")] {
                    await expectSQLState(state) {
                        try await withRolledBackTransaction(client, as: admin) { c in
                            try await c.query("INSERT INTO hotline.assessment_periods (period) VALUES ('2026-10')", logger: logger)
                            try await c.query(insertPublication(period: "2026-10", revision: revision, by: admin.id, reason: reason), logger: logger)
                        }
                    }
                }
                await expectSQLState("23514") {
                    try await withRolledBackTransaction(client, as: admin) { c in
                        try await c.query("INSERT INTO hotline.assessment_periods (period) VALUES ('2026-10')", logger: logger)
                        try await c.query(insertPublication(period: "2026-10", revision: 1, by: admin.id, reason: nil), logger: logger)
                        try await c.query(insertPublication(period: "2026-10", revision: 2, by: admin.id, reason: nil), logger: logger)
                    }
                }
            }
            // Even the owner cannot change or remove a publication, nor add rows to a sealed revision.
            try await config.withOwnerConnection(logger: logger) { c in
                try await c.query("INSERT INTO hotline.assessment_periods (period, published_at) VALUES ('2026-09', now())", logger: logger)
                try await c.query(insertPublication(period: "2026-09", revision: 1, by: admin.id, reason: nil), logger: logger)
                await expectSQLState("42501") {
                    try await c.query("UPDATE hotline.assessment_publications SET reason = 'x' WHERE period = '2026-09'", logger: logger)
                }
                await expectSQLState("42501") {
                    try await c.query("DELETE FROM hotline.assessment_publications WHERE period = '2026-09'", logger: logger)
                }
                await expectSQLState("42501") { try await c.query(insertSnapshotRow(period: "2026-09", revision: 1), logger: logger) }
                // The next revision is still open until it is recorded; none beyond it.
                await expectSQLState("42501") { try await c.query(insertSnapshotRow(period: "2026-09", revision: 3), logger: logger) }
                try await c.query(insertSnapshotRow(period: "2026-09", revision: 2), logger: logger)
            }
        }
    }
}
