import Foundation
import HotlineCore
import HotlineStore
import Logging
import PostgresNIO

/// Tickets written straight into the database (as the owner) with a known pattern, for the analyses that read a
/// year or more of history: each row becomes `count` closed tickets of a class in a place on a day, each with a
/// lead dispatch to the district government and a reached callback, the first `resolved` of them resolved.
public enum PlantedTickets {
    public struct Row: Sendable {
        public var districtCode: String
        public var streetCode: String?
        public var categoryCode: String
        public var at: Date
        public var count: Int
        public var resolved: Int

        public init(_ districtCode: String, street: String? = nil, _ categoryCode: String, at: Date, count: Int, resolved: Int? = nil) {
            self.districtCode = districtCode
            self.streetCode = street
            self.categoryCode = categoryCode
            self.at = at
            self.count = count
            self.resolved = resolved ?? count
        }
    }

    /// 10:00 in Beijing on a day.
    public static func at(_ year: Int, _ month: Int, _ day: Int = 10) -> Date {
        CivilDate(year: year, month: month, day: day)!.start.addingTimeInterval(10 * 3600)
    }

    /// Writes the rows; `batch` keeps ticket numbers unique across calls.
    public static func plant(_ rows: [Row], batch: String, into config: DatabaseConfiguration) async throws {
        let logger = TestEnvironment.logger
        try await config.withOwnerConnection(logger: logger) { c in
            _ = try await c.query(
                """
                INSERT INTO hotline.tickets (district_code, number, status, type, category_code, tier, title, description,
                    requester_name_enc, requester_phone_enc, requester_phone_hash, requester_name_masked,
                    requester_phone_masked, street_code, address, urgent, channel, created_by, created_at, updated_at, closed_at)
                SELECT r.district, 'PL' || \(batch) || '-' || r.i || '-' || g, 'closed', 'complaint', r.category, '7d',
                       'planted', CASE WHEN g <= r.resolved THEN 'resolved' ELSE 'unresolved' END,
                       '\\x00'::bytea, '\\x00'::bytea, repeat('0', 64), '*', '*', nullif(r.street, ''), 'planted', false,
                       'phone', 'planted', r.at + g * interval '1 minute', r.at, r.at
                FROM unnest(\(rows.map(\.districtCode))::text[], \(rows.map { $0.streetCode ?? "" })::text[],
                            \(rows.map(\.categoryCode))::text[], \(rows.map(\.at))::timestamptz[], \(rows.map(\.count))::int[],
                            \(rows.map(\.resolved))::int[], \(Array(rows.indices))::int[])
                     AS r(district, street, category, at, n, resolved, i)
                CROSS JOIN LATERAL generate_series(1, r.n) g
                """, logger: logger).collect()
            _ = try await c.query(
                """
                INSERT INTO hotline.dispatches (district_code, ticket_id, unit_id, role, status, dispatched_at, dispatched_by,
                                                sign_by, respond_by, handle_by, replied_at, reply_outcome)
                SELECT t.district_code, t.id, 'gov.' || t.district_code, 'lead', 'replied', t.created_at, 'planted',
                       t.created_at, t.created_at, t.created_at, t.created_at, 'resolved'
                FROM hotline.tickets t
                WHERE t.created_by = 'planted' AND t.number LIKE 'PL' || \(batch) || '-%'
                """, logger: logger).collect()
            _ = try await c.query(
                """
                INSERT INTO hotline.callbacks (district_code, ticket_id, at, reached, resolved, satisfaction, by_id)
                SELECT t.district_code, t.id, t.created_at + interval '1 day', true, t.description = 'resolved',
                       'satisfied', 'planted'
                FROM hotline.tickets t
                WHERE t.created_by = 'planted' AND t.number LIKE 'PL' || \(batch) || '-%'
                """, logger: logger).collect()
        }
    }

    /// Street units the planted rows may name (beyond the ones ``Fixtures`` seeds).
    public static func addStreets(_ ids: [String], into config: DatabaseConfiguration) async throws {
        let units = ids.map {
            Unit(id: $0, kind: .street, nameZh: "街道\($0.suffix(3))", nameEn: "Street \($0.suffix(3))",
                 districtCode: DistrictCode(String($0.prefix(6))), streetType: .subdistrict)
        }
        try await config.withOwnerConnection(logger: TestEnvironment.logger) { c in
            _ = try await UnitImport.upsert(units, on: c, logger: TestEnvironment.logger)
        }
    }
}
