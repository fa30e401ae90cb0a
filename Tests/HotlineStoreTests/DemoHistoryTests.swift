import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// The demo history: deterministic for a seed, seasonal, consistent with the workflow's rules.
@Suite struct DemoHistoryTests {
    let logger = TestEnvironment.logger
    let cipher = PersonalDataCipher(keyData: Data(repeating: 3, count: 32))

    /// One year at 1/2500 of Beijing's volume (10,000 tickets a year), loaded into a fresh database.
    func load(seed: UInt64, _ body: (PostgresConnection, DemoHistory.Summary) async throws -> Void) async throws {
        try await withTestDatabase { config in
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            let end = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
            let history = DemoHistory(seed: seed, from: end.addingTimeInterval(-365 * 86_400), to: end, ticketsPerYear: 10_000)
            try await config.withOwnerConnection(logger: logger) { c in
                _ = try await UnitImport.upsert(units, on: c, logger: logger)
                let summary = try await history.load(on: c, cipher: cipher, logger: logger)
                let again = try await history.load(on: c, cipher: cipher, logger: logger)
                #expect(again == DemoHistory.Summary(), "a second load adds nothing")
                try await body(c, summary)
            }
        }
    }

    func scalar<T: PostgresDecodable & Sendable>(_ c: PostgresConnection, _ sql: PostgresQuery, as: T.Type) async throws -> T? {
        for try await v in try await c.query(sql, logger: logger).decode(T.self) { return v }
        return nil
    }

    @Test func aYearOfHistoryIsPlausibleAndDeterministic() async throws {
        var fingerprints: [String] = []
        for _ in 0..<2 {
            try await load(seed: 7) { c, summary in
                #expect((9_000...11_000).contains(summary.tickets))
                #expect(summary.events > summary.tickets * 4)
                // Heating complaints crowd November; flooding July.
                let heatingNov = try await scalar(c, """
                    SELECT (100.0 * count(*) FILTER (WHERE category_code LIKE '01%') / count(*))::float8 FROM hotline.tickets
                    WHERE extract(month FROM created_at AT TIME ZONE 'Asia/Shanghai') = 11
                    """, as: Double.self) ?? 0
                let heatingJul = try await scalar(c, """
                    SELECT (100.0 * count(*) FILTER (WHERE category_code LIKE '01%') / count(*))::float8 FROM hotline.tickets
                    WHERE extract(month FROM created_at AT TIME ZONE 'Asia/Shanghai') = 7
                    """, as: Double.self) ?? 0
                #expect(heatingNov > 5 * heatingJul)
                // Chaoyang carries several times Yanqing's volume.
                let ratio = try await scalar(c, """
                    SELECT (count(*) FILTER (WHERE district_code = '110105'))::float8
                         / greatest(count(*) FILTER (WHERE district_code = '110119'), 1) FROM hotline.tickets
                    """, as: Double.self) ?? 0
                #expect(ratio > 5)
                // Mostly good outcomes, as in Beijing (about 97% satisfaction overall).
                let satisfied = try await scalar(c, """
                    SELECT (100.0 * count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basically_satisfied'))
                            / count(*) FILTER (WHERE reached))::float8 FROM hotline.callbacks
                    """, as: Double.self) ?? 0
                #expect((80...99).contains(satisfied))
                // Consistency: every closed ticket has a reached callback or an answer; every live lead is unique.
                let inconsistent = try await scalar(c, """
                    SELECT count(*) FROM hotline.tickets t
                    WHERE t.status = 'closed' AND NOT EXISTS (SELECT 1 FROM hotline.callbacks cb WHERE cb.ticket_id = t.id AND cb.reached)
                      AND NOT EXISTS (SELECT 1 FROM hotline.ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'answered')
                    """, as: Int.self)
                #expect(inconsistent == 0)
                let fingerprint = try await scalar(c, """
                    SELECT md5(string_agg(id::text || status || category_code || created_at::text, ',' ORDER BY id)) FROM hotline.tickets
                    """, as: String.self) ?? ""
                fingerprints.append(fingerprint)
            }
        }
        #expect(fingerprints.count == 2 && fingerprints[0] == fingerprints[1])
    }
}

/// `hotline generate`'s writer: exactly the tickets asked for, with two writers, and a second run adds nothing.
@Suite struct HistoryGeneratorTests {
    @Test func writesExactlyWhatWasAskedAndResumesToNothing() async throws {
        try await withTestDatabase { config in
            let logger = TestEnvironment.logger
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            try await config.withOwnerConnection(logger: logger) { c in _ = try await UnitImport.upsert(units, on: c, logger: logger) }
            let from = CivilDate("2026-03-01")!.start, to = CivilDate("2026-03-08")!.start
            let generator = HistoryGenerator(
                model: DemoHistory(seed: 5, from: from, to: to, ticketsPerYear: 0), tickets: 2_500, creator: "generate")
            let cipher = PersonalDataCipher(keyData: Data(repeating: 9, count: 32))
            let first = try await generator.run(configuration: config, writers: 2, cipher: cipher, logger: logger)
            #expect(first.tickets == 2_500)
            #expect(first.events > first.tickets * 4)
            let again = try await generator.run(configuration: config, writers: 2, cipher: cipher, logger: logger)
            #expect(again == DemoHistory.Summary())
            try await config.withOwnerConnection(logger: logger) { c in
                var counts: [Int] = []
                for try await (n, numbers, outside) in try await c.query("""
                    SELECT count(*)::int, count(DISTINCT number)::int,
                           count(*) FILTER (WHERE created_at < \(from) OR created_at >= \(to))::int
                    FROM hotline.tickets WHERE created_by = 'generate'
                    """, logger: logger).decode((Int, Int, Int).self) { counts = [n, numbers, outside] }
                #expect(counts == [2_500, 2_500, 0])
                // Every dispatch carries its ticket's latest reached callback, as the trigger would have set it.
                let mismatched = try await c.first(Int.self, """
                    SELECT count(*)::int FROM hotline.dispatches d
                    JOIN LATERAL (SELECT at FROM hotline.callbacks cb WHERE cb.ticket_id = d.ticket_id AND cb.reached
                                  ORDER BY at DESC LIMIT 1) cb ON true
                    WHERE d.dispatched_at <= cb.at AND d.callback_at IS DISTINCT FROM cb.at
                    """, logger: logger)
                #expect(mismatched == 0)
            }
        }
    }
}

/// Generated tickets have points, inside their district and (where the street has an area) inside their street.
@Suite struct HistoryPointTests {
    @Test func generatedPointsLieInTheirDistrictAndStreet() async throws {
        try await withTestDatabase { config in
            let logger = TestEnvironment.logger
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            try await config.withOwnerConnection(logger: logger) { c in
                _ = try await UnitImport.upsert(units, on: c, logger: logger)
                // Haidian's streets get approximate areas; the other districts have none, so their tickets take a
                // point of the district.
                _ = try await DistrictBoundaries.deriveApproximateStreets(on: c, logger: logger)
                try await c.query("DELETE FROM hotline.street_boundaries WHERE district_code <> '110108'", logger: logger)
            }
            let from = CivilDate("2026-03-01")!.start, to = CivilDate("2026-03-04")!.start
            let generator = HistoryGenerator(
                model: DemoHistory(seed: 11, from: from, to: to, ticketsPerYear: 0), tickets: 1_500, creator: "generate")
            let cipher = PersonalDataCipher(keyData: Data(repeating: 4, count: 32))
            #expect(try await generator.run(configuration: config, writers: 2, cipher: cipher, logger: logger).tickets == 1_500)
            try await config.withOwnerConnection(logger: logger) { c in
                var counts: [Int] = []
                for try await (all, noPoint, outsideDistrict, onStreets, outsideStreet, distinct) in try await c.query("""
                    SELECT count(*)::int, count(*) FILTER (WHERE t.lat IS NULL OR t.lon IS NULL)::int,
                           count(*) FILTER (WHERE NOT public.ST_Covers(b.geom, public.ST_SetSRID(public.ST_MakePoint(t.lon, t.lat), 4326)))::int,
                           count(s.geom)::int,
                           count(*) FILTER (WHERE NOT public.ST_Covers(s.geom, public.ST_SetSRID(public.ST_MakePoint(t.lon, t.lat), 4326)))::int,
                           count(DISTINCT (t.lat, t.lon))::int
                    FROM hotline.tickets t
                    JOIN hotline.district_boundaries b ON b.district_code = t.district_code
                    LEFT JOIN hotline.street_boundaries s ON s.street_code = t.street_code
                    """, logger: logger).decode((Int, Int, Int, Int, Int, Int).self) {
                    counts = [all, noPoint, outsideDistrict, outsideStreet]
                    #expect(onStreets > 100, "Haidian's tickets with a street are placed in it")
                    #expect(distinct > all * 9 / 10, "points are spread, not stacked")
                }
                #expect(counts == [1_500, 0, 0, 0])
            }
        }
    }
}
