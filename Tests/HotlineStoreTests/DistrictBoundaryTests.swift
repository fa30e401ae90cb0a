import Crypto
import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Logging
import PostgresNIO
import Testing

/// 区界: the district boundaries loaded with the migrations (WGS84, once per file's checksum), the demo's approximate
/// street areas, and `hotline.locate_point` as the app role sees it.
@Suite struct DistrictBoundaryTests {
    let logger = TestEnvironment.logger

    @Test func boundariesAreLoadedOnceAndConvertedToWGS84() async throws {
        try await withTestDatabase { config in
            try await config.withOwnerConnection(logger: logger) { c in
                // The template was built by the migrator and the loader: all 16, each with its file's checksum.
                var stored: [String: String] = [:]
                for try await (code, sha) in try await c.query(
                    "SELECT district_code, source_sha256 FROM hotline.district_boundaries", logger: logger
                ).decode((String, String).self) { stored[code] = sha }
                #expect(stored.count == 16)
                let file = TestEnvironment.districtsDirectory + "/110105.geojson"
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(stored["110105"] == SHA256.hash(data: bytes).lowercaseHex)
                #expect(try await DistrictBoundaries.load(directory: TestEnvironment.districtsDirectory, on: c, logger: logger) == 0)

                // Stored in WGS84: the file's GCJ-02 polygon lies 0.5–0.6 km away (north-east) from the stored one.
                let raw = String(decoding: bytes, as: UTF8.self)
                let shift = try await c.first(Double.self, """
                    SELECT public.ST_Distance(public.ST_Centroid(b.geom)::public.geography,
                                             public.ST_Centroid(public.ST_SetSRID(public.ST_GeomFromGeoJSON(\(raw)), 4326))::public.geography)
                    FROM hotline.district_boundaries b WHERE b.district_code = '110105'
                    """, logger: logger) ?? 0
                #expect((450...650).contains(shift), "shift \(shift) m")
                // Zhongguancun (WGS84) is in Haidian; no two districts overlap.
                let zhongguancun = try await c.first(String.self, """
                    SELECT district_code FROM hotline.district_boundaries
                    WHERE public.ST_Covers(geom, public.ST_SetSRID(public.ST_MakePoint(116.316, 39.983), 4326))
                    """, logger: logger)
                #expect(zhongguancun == "110108")
                let overlaps = try await c.first(Int.self, """
                    SELECT count(*)::int FROM hotline.district_boundaries a JOIN hotline.district_boundaries b
                      ON a.district_code < b.district_code AND public.ST_Overlaps(a.geom, b.geom)
                    """, logger: logger)
                #expect(overlaps == 0)
            }
        }
    }

    @Test func aChangedFileIsReloadedAndAMissingOneRefused() async throws {
        try await withTestDatabase { config in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("districts-\(UUID().uuidString)")
            try FileManager.default.copyItem(atPath: TestEnvironment.districtsDirectory, toPath: folder.path)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await config.withOwnerConnection(logger: logger) { c in
                // Same polygon, other bytes (a trailing newline): written again, and only that one.
                let file = folder.appendingPathComponent("110119.geojson")
                try (Data(contentsOf: file) + Data("\n".utf8)).write(to: file)
                #expect(try await DistrictBoundaries.load(directory: folder.path, on: c, logger: logger) == 1)
                #expect(try await DistrictBoundaries.load(directory: folder.path, on: c, logger: logger) == 0)
                try FileManager.default.removeItem(at: folder.appendingPathComponent("110101.geojson"))
                await #expect(throws: DistrictBoundaries.Failure.self) {
                    try await DistrictBoundaries.load(directory: folder.path, on: c, logger: logger)
                }
            }
        }
    }

    /// Every demo street gets an approximate area inside its district; together they tile it without overlaps; a
    /// real street file replaces a district's approximate areas, and deriving again leaves that district alone.
    @Test func approximateStreetsTileEachDistrictUntilRealOnesArrive() async throws {
        try await withTestDatabase { config in
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            try await config.withOwnerConnection(logger: logger) { c in
                _ = try await UnitImport.upsert(units, on: c, logger: logger)
                #expect(try await DistrictBoundaries.deriveApproximateStreets(on: c, logger: logger) == 343)
                var bad: [String] = []
                for try await (district, streets, outside, gap, overlap) in try await c.query(
                    """
                    SELECT b.district_code, count(*)::int,
                           count(*) FILTER (WHERE NOT public.ST_CoveredBy(s.geom, public.ST_Buffer(b.geom, 1e-9)) OR NOT s.approximate)::int,
                           abs(public.ST_Area(b.geom) - public.ST_Area(public.ST_Union(s.geom))) / public.ST_Area(b.geom),
                           (sum(public.ST_Area(s.geom)) - public.ST_Area(public.ST_Union(s.geom))) / public.ST_Area(b.geom)
                    FROM hotline.district_boundaries b JOIN hotline.street_boundaries s USING (district_code)
                    GROUP BY b.district_code, b.geom ORDER BY 1
                    """, logger: logger
                ).decode((String, Int, Int, Double, Double).self) {
                    if outside > 0 || gap > 1e-6 || overlap > 1e-6 { bad.append("\(district): \(streets) \(outside) \(gap) \(overlap)") }
                }
                #expect(bad == [])

                let file = TestEnvironment.projectRoot + "/Tests/HotlineAPITests/Fixtures/jianwai.geojson"
                let real = try BoundaryImport.parse(try Data(contentsOf: URL(fileURLWithPath: file))).get()
                #expect(try await BoundaryImport.upsert(real, on: c, logger: logger) == 1)
                #expect(try await DistrictBoundaries.deriveApproximateStreets(on: c, logger: logger) == 343 - 43)
                var chaoyang: [String] = []
                for try await (code, approximate) in try await c.query(
                    "SELECT street_code, approximate FROM hotline.street_boundaries WHERE district_code = '110105'", logger: logger
                ).decode((String, Bool).self) { chaoyang.append("\(code) \(approximate)") }
                #expect(chaoyang == ["110105001 false"])
            }
        }
    }

    /// The app role reaches boundaries through locate_point only.
    @Test func theAppRoleLocatesThroughTheFunctionOnly() async throws {
        try await withTestDatabase { config in
            try await withAppClient(config) { client in
                let rows = try await client.query(
                    """
                    SELECT boundaries_loaded, located_district, located_district_name, stated_district_name, stated_distance_m
                    FROM hotline.locate_point(39.983, 116.316, '110105', 500)
                    """, logger: logger)
                var found: (Bool, String?, String?, String?, Double?)?
                for try await row in rows.decode((Bool, String?, String?, String?, Double?).self) { found = row }
                let (loaded, district, name, statedName, distance) = try #require(found)
                #expect(loaded && district == "110108" && name == "海淀区" && statedName == "朝阳区")
                #expect((3_000...6_000).contains(distance ?? 0), "\(String(describing: distance))")
                do {
                    _ = try await client.query("SELECT count(*) FROM hotline.district_boundaries", logger: logger).collect()
                    Issue.record("the app role read district_boundaries")
                } catch let error as PSQLError {
                    #expect(error.sqlState == "42501")
                }
            }
        }
    }
}
