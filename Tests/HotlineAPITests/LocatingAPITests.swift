import Foundation
import HTTPTypes
import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// 定位 over HTTP: a request's point against the real district boundaries (loaded with the migrations, WGS84) and the
/// demo's approximate street areas (docs/locating.md).
@Suite struct LocatingAPITests {
    typealias JSON = [String: Any]
    typealias Desk = TicketAPITests.Desk

    /// Zhongguancun (中关村), Haidian, WGS84.
    static let zhongguancun = (lat: 39.983, lon: 116.316)
    /// Jizhou (蓟州), Tianjin: inside Beijing's bounding box, in none of its districts.
    static let tianjin = (lat: 40.045, lon: 117.408)

    static func body(district: String?, lat: Double, lon: Double, category: String = "0601") -> String {
        let district = district.map { #""districtCode":"\#($0)","# } ?? ""
        return #"{"type":"complaint","categoryCode":"\#(category)","title":"Noise","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{\#(district)"address":"路口","lat":\#(lat),"lon":\#(lon)},"urgent":false,"channel":"app"}"#
    }

    /// The seeded streets (two in Chaoyang, two in Haidian) given approximate areas, as `demo-data` does.
    static func deriveStreets(_ app: SeededApp) async throws -> Int {
        try await app.database.withOwnerConnection(logger: TestEnvironment.logger) {
            try await DistrictBoundaries.deriveApproximateStreets(on: $0, logger: TestEnvironment.logger)
        }
    }

    @Test func aPointOutsideItsStatedDistrictIs422NamingBoth() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let (status, problem) = try await desk.post(
                "operator", "/api/v1/tickets", Self.body(district: "110105", lat: Self.zhongguancun.lat, lon: Self.zhongguancun.lon))
            #expect(status == 422, "\(problem)")
            #expect(problem["type"] as? String == "/problems/point-outside-district")
            #expect(problem["statedDistrictCode"] as? String == "110105")
            #expect(problem["pointDistrictCode"] as? String == "110108")
            #expect((problem["distanceMetres"] as? Int).map { (3_000...6_000).contains($0) } == true, "\(problem)")
            #expect(problem["toleranceMetres"] as? Int == 500)
            let detail = problem["detail"] as? String ?? ""
            #expect(detail.contains("110105 (朝阳区)") && detail.contains("110108 (海淀区)"), "\(detail)")
            #expect((problem["errors"] as? [JSON])?.first?["field"] as? String == "location.districtCode")
        }
    }

    @Test func aPointWithoutADistrictFindsItsDistrictAndStreet() async throws {
        try await withSeededApp { app in
            #expect(try await Self.deriveStreets(app) == 4)
            let desk = try await Desk(app, accounts: ["operator"])
            let (status, ticket) = try await desk.post(
                "operator", "/api/v1/tickets", Self.body(district: nil, lat: Self.zhongguancun.lat, lon: Self.zhongguancun.lon))
            #expect(status == 201, "\(ticket)")
            #expect(ticket["districtCode"] as? String == "110108")
            let street = ticket["streetCode"] as? String
            #expect(["110108001", "110108002"].contains(street), "\(ticket)")
            // Noise goes straight to the street (直派街乡).
            #expect(TicketAPITests.dispatches(ticket).first?["unitId"] as? String == street)
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(TicketAPITests.id(ticket))/events")
            let received = (events["items"] as? [JSON])?.first?["data"] as? [String: String] ?? [:]
            #expect(received["districtFrom"] == "point")
            #expect(received["streetFrom"] == "approximate street area")
        }
    }

    /// A point moved `metres` from Chaoyang's boundary towards Dongcheng's centre, by PostGIS on the stored boundaries,
    /// with its distance from Chaoyang.
    static func pointOutsideChaoyang(_ app: SeededApp, metres: Double) async throws -> (lat: Double, lon: Double, distance: Double) {
        try await app.database.withOwnerConnection(logger: TestEnvironment.logger) { c in
            var found: (Double, Double, Double, Bool)?
            for try await row in try await c.query(
                """
                WITH cy AS (SELECT geom FROM hotline.district_boundaries WHERE district_code = '110105'),
                     dc AS (SELECT geom FROM hotline.district_boundaries WHERE district_code = '110101'),
                     edge AS (SELECT public.ST_ClosestPoint(public.ST_Boundary(cy.geom), public.ST_Centroid(dc.geom)) AS p,
                                     public.ST_Centroid(dc.geom) AS toward FROM cy, dc),
                     moved AS (SELECT public.ST_Project(p::public.geography, \(metres), public.ST_Azimuth(p, toward))::public.geometry AS q
                               FROM edge)
                SELECT public.ST_Y(q), public.ST_X(q), public.ST_Distance(cy.geom::public.geography, q::public.geography),
                       public.ST_Covers(dc.geom, q)
                FROM moved, cy, dc
                """, logger: TestEnvironment.logger
            ).decode((Double, Double, Double, Bool).self) { found = row }
            let (lat, lon, distance, inDongcheng) = try #require(found)
            #expect(inDongcheng, "the point must lie outside Chaoyang, in Dongcheng")
            return (lat, lon, distance)
        }
    }

    /// Points moved from Chaoyang's edge into Dongcheng by 300 m and by 1 km, worked out by PostGIS on the stored
    /// boundaries: the first is within the tolerance (accepted, in Chaoyang, to its government: no Chaoyang street
    /// covers it), the second is not (422 naming both), unless the tolerance is raised.
    @Test func aPointJustOutsideItsDistrictIsAcceptedWithinTheTolerance() async throws {
        try await withSeededApp { app in
            _ = try await Self.deriveStreets(app)
            let desk = try await Desk(app, accounts: ["operator"])
            let near = try await Self.pointOutsideChaoyang(app, metres: 300)
            #expect((250...450).contains(near.distance), "\(near)")
            let (accepted, ticket) = try await desk.post("operator", "/api/v1/tickets", Self.body(district: "110105", lat: near.lat, lon: near.lon))
            #expect(accepted == 201, "\(ticket)")
            #expect(ticket["districtCode"] as? String == "110105")
            #expect(ticket["streetCode"] == nil)
            #expect(TicketAPITests.dispatches(ticket).first?["unitId"] as? String == "gov.110105")

            let far = try await Self.pointOutsideChaoyang(app, metres: 1000)
            #expect((800...1200).contains(far.distance), "\(far)")
            let (refused, problem) = try await desk.post("operator", "/api/v1/tickets", Self.body(district: "110105", lat: far.lat, lon: far.lon))
            #expect(refused == 422)
            #expect(problem["type"] as? String == "/problems/point-outside-district")
            #expect(problem["statedDistrictCode"] as? String == "110105")
            #expect(problem["pointDistrictCode"] as? String == "110101")
        }
        // The tolerance is configuration: at 1.5 km the same far point is accepted.
        try await withSeededApp(configure: { $0.locatingPolicy = LocatingPolicy(toleranceMetres: 1500) }) { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let far = try await Self.pointOutsideChaoyang(app, metres: 1000)
            #expect(try await desk.post("operator", "/api/v1/tickets", Self.body(district: "110105", lat: far.lat, lon: far.lon)).0 == 201)
        }
    }

    @Test func aPointOutsideBeijingIs422() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let (status, problem) = try await desk.post(
                "operator", "/api/v1/tickets", Self.body(district: nil, lat: Self.tianjin.lat, lon: Self.tianjin.lon))
            #expect(status == 422, "\(problem)")
            #expect(problem["type"] as? String == "/problems/point-outside-beijing")
            #expect(problem["pointDistrictCode"] == nil)
            // With a district (Pinggu, its neighbour), the point is outside that district and outside Beijing.
            let (stated, outside) = try await desk.post(
                "operator", "/api/v1/tickets", Self.body(district: "110117", lat: Self.tianjin.lat, lon: Self.tianjin.lon))
            #expect(stated == 422)
            #expect(outside["type"] as? String == "/problems/point-outside-district")
            #expect(outside["statedDistrictCode"] as? String == "110117")
            #expect(outside["pointDistrictCode"] == nil)
            #expect((outside["detail"] as? String)?.contains("outside Beijing") == true, "\(outside)")
            // Neither a district nor a point: the district is asked for.
            let (neither, missing) = try await desk.post("operator", "/api/v1/tickets",
                #"{"type":"complaint","categoryCode":"0601","title":"Noise","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{"address":"路口"},"urgent":false,"channel":"app"}"#)
            #expect(neither == 422)
            #expect((missing["errors"] as? [JSON])?.first?["field"] as? String == "location.districtCode")
        }
    }

    /// Open311 places a point by the same boundaries: Zhongguancun lands in Haidian whatever the address says, on a
    /// Haidian street; a point in Tianjin is a 400.
    @Test func open311PlacesAPointByTheDistrictBoundaries() async throws {
        try await withSeededApp { app in
            _ = try await Self.deriveStreets(app)
            let key = try await Open311Tests.apiKey(app)
            let posted = try await Open311Tests.post(app, "json", [
                ("api_key", key), ("service_code", "0601"), ("lat", "\(Self.zhongguancun.lat)"), ("long", "\(Self.zhongguancun.lon)"),
                ("address_string", "朝阳区某处"), ("phone", "13812345678"),
            ])
            #expect(posted.status == 201, "\(posted.text)")
            let id = try #require(posted.jsonArray.first?["service_request_id"] as? String)
            let operatorToken = try await app.login("operator")
            let ticket = try await app.client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: bearer(operatorToken)) { $0.json() }
            #expect(ticket["districtCode"] as? String == "110108")
            #expect((ticket["streetCode"] as? String)?.hasPrefix("110108") == true, "\(ticket)")

            let tianjin = try await Open311Tests.post(app, "json", [
                ("api_key", key), ("service_code", "0601"), ("lat", "\(Self.tianjin.lat)"), ("long", "\(Self.tianjin.lon)"),
                ("phone", "13812345678"),
            ])
            #expect(tianjin.status == 400)
            #expect(tianjin.text.contains("none of Beijing's 16 districts"), "\(tianjin.text)")
        }
    }
}
