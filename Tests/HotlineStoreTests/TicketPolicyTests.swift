import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// Tickets, dispatches and the timeline in SQL: partitions closed, the timeline append-only, rows scoped by district
/// and unit.
@Suite struct TicketPolicyTests {
    let logger = TestEnvironment.logger

    /// A ticket in 110105 sent to street 110105001, made through the store as the operator.
    func seedTicket(_ config: DatabaseConfiguration, ids: [String: UUID]) async throws -> Ticket {
        let database = Database(configuration: config, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            let store = TicketStore(database: database, cipher: PersonalDataCipher(keyData: Data(repeating: 7, count: 32)))
            let input = IntakeInput(
                type: .complaint, categoryCode: "0601", title: "Noise", description: "", requesterName: "张三",
                requesterPhone: "13812345678",
                location: IntakeLocation(districtCode: DistrictCode("110105")!, streetCode: "110105001", address: "x", lat: nil, lon: nil),
                urgent: false, channel: .phone, autoDispatch: true, answer: nil)
            return try await store.intake(
                input, as: Fixtures.identity("operator", ids: ids), idempotencyKey: nil, requestHash: "h", now: Date(),
                logger: logger).ticket
        }
    }

    func count(_ c: PostgresConnection, _ sql: PostgresQuery) async throws -> Int {
        var n = 0
        for try await v in try await c.query(sql, logger: logger).decode(Int.self) { n = v }
        return n
    }

    func inTransaction<T: Sendable>(_ client: PostgresClient, _ identity: Identity?, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { c in
            try await c.query("BEGIN", logger: logger)
            do {
                if let identity { try await c.setIdentity(identity, logger: logger) }
                let result = try await body(c)
                try await c.query("ROLLBACK", logger: logger)
                return result
            } catch {
                _ = try? await c.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    func expectSQLState(_ state: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected SQLSTATE \(state)")
        } catch let error as PSQLError {
            #expect(error.sqlState == state, "\(String(reflecting: error))")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rowsAreScopedByDistrictAndUnit() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)
            try await withAppClient(config) { client in
                for (who, visible) in [("chaoyang", 1), ("chaoyang-street", 1), ("analyst", 1), ("operator", 1),
                                       ("haidian", 0), ("haidian-street", 0), ("housing", 0)] {
                    let n = try await inTransaction(client, Fixtures.identity(who, ids: ids)) { c in
                        try await count(c, "SELECT count(*)::int FROM hotline.tickets WHERE id = \(ticket.id)")
                            + count(c, "SELECT count(*)::int FROM hotline.dispatches WHERE ticket_id = \(ticket.id)")
                            + count(c, "SELECT (count(*) > 0)::int FROM hotline.ticket_events WHERE ticket_id = \(ticket.id)")
                    }
                    #expect(n == visible * 3, "\(who)")
                }
                // No identity: nothing.
                let none = try await inTransaction(client, nil) { c in try await count(c, "SELECT count(*)::int FROM hotline.tickets") }
                #expect(none == 0)
                // A district admin cannot write a ticket into another district, nor move one there.
                await expectSQLState("42501") {
                    _ = try await inTransaction(client, Fixtures.identity("chaoyang", ids: ids)) { c in
                        try await c.query("UPDATE hotline.tickets SET district_code = '110108', street_code = NULL WHERE id = \(ticket.id)", logger: logger)
                    }
                }
                // Only the centre takes requests in.
                await expectSQLState("42501") {
                    _ = try await inTransaction(client, Fixtures.identity("chaoyang", ids: ids)) { c in
                        try await c.query(
                            """
                            INSERT INTO hotline.tickets (district_code, number, status, type, category_code, tier, title,
                                description, requester_name_enc, requester_phone_enc, requester_phone_hash,
                                requester_name_masked, requester_phone_masked, address, urgent, channel, created_by,
                                created_at, updated_at)
                            VALUES ('110105', 'X1', 'received', 'help', '0601', '7d', 't', '', '\\x00', '\\x00',
                                    repeat('a', 64), 'x', 'x', 'x', false, 'phone', 'x', now(), now())
                            """, logger: logger)
                    }
                }
            }
        }
    }

    @Test func partitionsAreNoWayAround() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            _ = try await seedTicket(config, ids: ids)
            try await withAppClient(config) { client in
                for table in ["tickets_110105", "dispatches_110105", "ticket_events_110105", "callbacks_110105", "tickets_110108"] {
                    await expectSQLState("42501") {
                        _ = try await inTransaction(client, Fixtures.identity("haidian", ids: ids)) { c in
                            try await c.query(PostgresQuery(unsafeSQL: "SELECT * FROM hotline.\(table)"), logger: logger).collect()
                        }
                    }
                }
            }
            // Even the owner reads nothing through a partition: RLS is forced there and has no policy.
            let n = try await config.withOwnerConnection(logger: logger) { c in
                try await count(c, "SELECT count(*)::int FROM hotline.tickets_110105")
            }
            #expect(n == 0)
        }
    }

    @Test func theTimelineIsAppendOnly() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)
            try await withAppClient(config) { client in
                for sql in ["UPDATE hotline.ticket_events SET note = 'rewritten'", "DELETE FROM hotline.ticket_events"] {
                    await expectSQLState("42501") {
                        _ = try await inTransaction(client, Fixtures.identity("operator", ids: ids)) { c in
                            try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                        }
                    }
                }
                // Events are written as oneself only: the writer's identity replaces whatever the row names.
                let actor = try await inTransaction(client, Fixtures.identity("operator", ids: ids)) { c in
                    var found = ""
                    for try await id in try await c.query(
                        """
                        INSERT INTO hotline.ticket_events (district_code, ticket_id, at, kind, actor_kind, actor_id,
                            actor_name, actor_role, unit_ids)
                        VALUES ('110105', \(ticket.id), now(), 'replied', 'user', 'somebody-else', 'x', 'street_handler', '{}')
                        RETURNING actor_id
                        """, logger: logger
                    ).decode(String.self) { found = id }
                    return found
                }
                #expect(actor == ids["operator"]!.uuidString.lowercased())
            }
            // The owner is refused by the trigger too, for content; only the visibility list may grow.
            try await config.withOwnerConnection(logger: logger) { c in
                for sql in ["UPDATE hotline.ticket_events SET note = 'rewritten'", "DELETE FROM hotline.ticket_events",
                            "TRUNCATE hotline.ticket_events", "UPDATE hotline.ticket_events SET unit_ids = '{}'"] {
                    await expectSQLState("42501") {
                        try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                    }
                }
                _ = try await c.query(
                    "UPDATE hotline.ticket_events SET unit_ids = unit_ids || '{dept.housing}'::text[] WHERE ticket_id = \(ticket.id)",
                    logger: logger).collect()
            }
        }
    }

    @Test func handlersCannotAttachRowsToTicketsThatAreNotTheirs() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)  // Chaoyang, street 110105001
            try await withAppClient(config) { client in
                // A Haidian street names itself on a whistle dispatch of a Chaoyang ticket: refused.
                await expectSQLState("42501") {
                    _ = try await inTransaction(client, Fixtures.identity("haidian-street", ids: ids)) { c in
                        try await c.query(
                            """
                            INSERT INTO hotline.dispatches (district_code, ticket_id, unit_id, role, whistle, status,
                                dispatched_at, dispatched_by, sign_by, respond_by, handle_by, unit_ids)
                            VALUES ('110105', \(ticket.id), 'dept.housing', 'assist', true, 'pending', now(), 'x',
                                    now(), now(), now(), '{110108001}')
                            """, logger: logger)
                    }
                }
                // Nor an event on its timeline.
                await expectSQLState("42501") {
                    _ = try await inTransaction(client, Fixtures.identity("haidian-street", ids: ids)) { c in
                        try await c.query(
                            """
                            INSERT INTO hotline.ticket_events (district_code, ticket_id, at, kind, actor_kind, actor_id,
                                actor_name, actor_role, unit_ids)
                            VALUES ('110105', \(ticket.id), now(), 'replied', 'user', \(ids["haidian-street"]!.uuidString.lowercased()),
                                    'x', 'street_handler', '{110108001}')
                            """, logger: logger)
                    }
                }
                // The street on the ticket cannot widen its unit list to a unit without a dispatch, nor shrink it,
                // nor rewrite who the ticket is about.
                for sql in [
                    "UPDATE hotline.tickets SET unit_ids = unit_ids || '{110108001}'::text[] WHERE id = '\(ticket.id)'",
                    "UPDATE hotline.tickets SET unit_ids = '{}' WHERE id = '\(ticket.id)'",
                    "UPDATE hotline.tickets SET requester_phone_masked = 'x' WHERE id = '\(ticket.id)'",
                    "UPDATE hotline.dispatches SET ticket_id = gen_random_uuid() WHERE ticket_id = '\(ticket.id)'",
                ] {
                    await expectSQLState("42501") {
                        _ = try await inTransaction(client, Fixtures.identity("chaoyang-street", ids: ids)) { c in
                            try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                        }
                    }
                }
                // An event is stamped with its writer, whatever the row says.
                let stamped = try await inTransaction(client, Fixtures.identity("chaoyang-street", ids: ids)) { c in
                    var actor = ""
                    for try await (id, role) in try await c.query(
                        """
                        INSERT INTO hotline.ticket_events (district_code, ticket_id, at, kind, actor_kind, actor_id,
                            actor_name, actor_role, unit_ids)
                        VALUES ('110105', \(ticket.id), now(), 'contacted', 'user', 'someone-else', 'x', 'city_admin', '{}')
                        RETURNING actor_id, actor_role
                        """, logger: logger
                    ).decode((String, String).self) { actor = id + "/" + role }
                    return actor
                }
                #expect(stamped == ids["chaoyang-street"]!.uuidString.lowercased() + "/street_handler")
            }
        }
    }

    @Test func onlyTheSupervisorOrCityAdminExemptsAndPublishedSnapshotsStayClosed() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)
            try await withAppClient(config) { client in
                for who in ["operator", "chaoyang", "chaoyang-street"] {
                    await expectSQLState("42501") {
                        _ = try await inTransaction(client, Fixtures.identity(who, ids: ids)) { c in
                            try await c.query("UPDATE hotline.tickets SET exempted_at = now(), exemption_reason = 'x' WHERE id = \(ticket.id)", logger: logger)
                        }
                    }
                }
                let n = try await inTransaction(client, Fixtures.identity("supervisor", ids: ids)) { c in
                    try await c.query("UPDATE hotline.tickets SET exempted_at = now(), exemption_reason = 'x' WHERE id = \(ticket.id) RETURNING id", logger: logger).collect().count
                }
                #expect(n == 1)
                // A published period takes no more snapshot rows, not even from a city admin.
                await expectSQLState("42501") {
                    _ = try await inTransaction(client, Fixtures.identity("admin", ids: ids)) { c in
                        try await c.query("INSERT INTO hotline.assessment_periods (period, published_at) VALUES ('2026-01', NULL)", logger: logger)
                        try await c.query("UPDATE hotline.assessment_periods SET published_at = now() WHERE period = '2026-01'", logger: logger)
                        try await c.query(
                            """
                            INSERT INTO hotline.assessment_snapshots (period, level, unit_id, dispatched, responded_in_time,
                                called_back, resolved, satisfaction_points)
                            VALUES ('2026-01', 'street', '110105001', 1, 1, 1, 1, 1)
                            """, logger: logger)
                    }
                }
            }
        }
    }

    @Test func aUnitAddedLaterSeesTheWholeHistory() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)
            try await withAppClient(config) { client in
                let before = try await inTransaction(client, Fixtures.identity("housing", ids: ids)) { c in
                    try await count(c, "SELECT count(*)::int FROM hotline.ticket_events WHERE ticket_id = \(ticket.id)")
                }
                #expect(before == 0)
                // The centre adds the housing department; the sync trigger extends every row's unit_ids.
                try await client.withConnection { c in
                    try await c.query("BEGIN", logger: logger)
                    try await c.setIdentity(Fixtures.identity("operator", ids: ids), logger: logger)
                    try await c.query(
                        """
                        INSERT INTO hotline.dispatches (district_code, ticket_id, unit_id, role, status, dispatched_at,
                            dispatched_by, sign_by, respond_by, handle_by)
                        VALUES ('110105', \(ticket.id), 'dept.housing', 'assist', 'pending', now(), 'x', now(), now(), now())
                        """, logger: logger)
                    try await c.query(
                        "UPDATE hotline.tickets SET unit_ids = unit_ids || '{dept.housing}'::text[] WHERE id = \(ticket.id)",
                        logger: logger)
                    try await c.query("COMMIT", logger: logger)
                }
                let after = try await inTransaction(client, Fixtures.identity("housing", ids: ids)) { c in
                    try await count(c, "SELECT count(*)::int FROM hotline.ticket_events WHERE ticket_id = \(ticket.id)")
                        + count(c, "SELECT count(*)::int FROM hotline.dispatches WHERE ticket_id = \(ticket.id)")
                }
                #expect(after == 4)  // received + dispatched events, the street's dispatch and its own
            }
        }
    }

    @Test func personalDataIsCiphertextAtRestAndHiddenFromNonCentreRoles() async throws {
        try await withTestDatabase { config in
            let ids = try await Fixtures.seedAccounts(config)
            let ticket = try await seedTicket(config, ids: ids)
            // The stored bytes hold neither the name nor the phone number, in any encoding of them.
            let stored = try await config.withOwnerConnection(logger: logger) { c in
                var bytes: [UInt8] = []
                for try await (name, phone) in try await c.query(
                    "SELECT requester_name_enc, requester_phone_enc FROM hotline.tickets WHERE id = \(ticket.id)",
                    logger: logger
                ).decode((ByteBuffer, ByteBuffer).self) { bytes = Array(buffer: name) + [0] + Array(buffer: phone) }
                return bytes
            }
            func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
                guard haystack.count >= needle.count else { return false }
                return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
            }
            #expect(stored.count > 2 * 28)  // nonce + tag each, plus the text
            #expect(!contains(stored, Array("张三".utf8)))
            #expect(!contains(stored, Array("13812345678".utf8)))

            try await withAppClient(config) { client in
                for (who, centre) in [("operator", true), ("supervisor", true), ("analyst", false), ("chaoyang", false), ("admin", false)] {
                    let n = try await inTransaction(client, Fixtures.identity(who, ids: ids)) { c in
                        try await count(c, "SELECT count(requester_phone_enc)::int FROM hotline.ticket_view WHERE id = \(ticket.id)")
                    }
                    #expect(n == (centre ? 1 : 0), "\(who)")
                }
            }
        }
    }
}
