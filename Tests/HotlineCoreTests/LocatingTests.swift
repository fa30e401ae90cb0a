import Foundation
import HotlineCore
import Testing

/// GCJ-02 ⇄ WGS84 on published pairs, and the inverse against the forward formula.
@Suite struct DatumTests {
    /// (WGS84 lat, lon, GCJ-02 lat, lon): the test points of the widely used public implementation of the formula
    /// (eviltransform): Tiananmen's west side in Beijing, Pudong in Shanghai, Nanshan in Shenzhen.
    static let pairs: [(Double, Double, Double, Double)] = [
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    ]

    @Test func forwardMatchesThePublishedPairs() {
        for (wLat, wLon, gLat, gLon) in Self.pairs {
            let g = Datum.gcj02(fromWGS84: wLat, lon: wLon)
            #expect(abs(g.lat - gLat) < 1e-9 && abs(g.lon - gLon) < 1e-9, "\(wLat), \(wLon) → \(g)")
        }
    }

    @Test func inverseRecoversTheWGS84Point() {
        for (wLat, wLon, gLat, gLon) in Self.pairs {
            let w = Datum.wgs84(fromGCJ02: gLat, lon: gLon)
            // 1e-8 degrees is about a millimetre.
            #expect(abs(w.lat - wLat) < 1e-8 && abs(w.lon - wLon) < 1e-8, "\(gLat), \(gLon) → \(w)")
        }
    }

    /// Over all of Beijing: the inverse undoes the forward formula, and the offset (510–600 m) is larger than the
    /// 500 m tolerance: comparing WGS84 points with unconverted boundaries would misplace points along every border.
    @Test func roundTripsAcrossBeijingAndTheOffsetIsHundredsOfMetres() {
        var largest = 0.0, smallest = Double.infinity
        for lat in stride(from: 39.45, through: 41.05, by: 0.1) {
            for lon in stride(from: 115.45, through: 117.5, by: 0.1) {
                let g = Datum.gcj02(fromWGS84: lat, lon: lon)
                let back = Datum.wgs84(fromGCJ02: g.lat, lon: g.lon)
                #expect(abs(back.lat - lat) < 1e-9 && abs(back.lon - lon) < 1e-9)
                let metres = hypot((g.lat - lat) * 111_320, (g.lon - lon) * 111_320 * cos(lat * .pi / 180))
                largest = max(largest, metres)
                smallest = min(smallest, metres)
            }
        }
        #expect(smallest > 500 && largest < 610, "offset \(smallest)…\(largest) m")
    }

    /// Rings keep their shape and GeoJSON's [lon, lat] order; an altitude rides along.
    @Test func convertsAMultiPolygonPositionByPosition() {
        let (wLat, wLon, gLat, gLon) = Self.pairs[0]
        let converted = Datum.wgs84(fromGCJ02: [[[[gLon, gLat], [gLon, gLat, 42]]], [[[gLon, gLat]]]])
        #expect(converted.count == 2 && converted[0][0].count == 2 && converted[1][0].count == 1)
        #expect(abs(converted[0][0][0][0] - wLon) < 1e-8 && abs(converted[0][0][0][1] - wLat) < 1e-8)
        #expect(converted[0][0][1].count == 3 && converted[0][0][1][2] == 42)
    }
}

/// Which district a point places its request in, and when it is refused.
@Suite struct LocatingPolicyTests {
    let chaoyang = DistrictCode("110105")!
    let haidian = DistrictCode("110108")!

    @Test func theProjectDefaultIs500Metres() {
        #expect(LocatingPolicy.defaultToleranceMetres == 500)
        #expect(LocatingPolicy().toleranceMetres == 500)
    }

    @Test func aStatedDistrictHoldsUpToTheToleranceOutsideIt() throws {
        let policy = LocatingPolicy()
        for distance in [0.0, 300, 499.9, 500] {
            let finding = LocatingPolicy.Finding(pointDistrict: haidian, distanceToStatedMetres: distance)
            #expect(try policy.district(stated: chaoyang, finding: finding) == chaoyang, "\(distance) m")
        }
        // No boundary to check against: the intake's district check decides.
        #expect(try policy.district(stated: chaoyang, finding: .init(pointDistrict: nil, distanceToStatedMetres: nil)) == chaoyang)
    }

    @Test func beyondTheToleranceBothDistrictsAreNamed() {
        let policy = LocatingPolicy()
        #expect(throws: LocatingError.outsideStatedDistrict(stated: chaoyang, pointDistrict: haidian, distanceMetres: 500.5, toleranceMetres: 500)) {
            try policy.district(stated: chaoyang, finding: .init(pointDistrict: haidian, distanceToStatedMetres: 500.5))
        }
        #expect(throws: LocatingError.outsideStatedDistrict(stated: chaoyang, pointDistrict: nil, distanceMetres: 12_000, toleranceMetres: 500)) {
            try policy.district(stated: chaoyang, finding: .init(pointDistrict: nil, distanceToStatedMetres: 12_000))
        }
    }

    @Test func theToleranceIsConfigurable() throws {
        let finding = LocatingPolicy.Finding(pointDistrict: haidian, distanceToStatedMetres: 800)
        #expect(try LocatingPolicy(toleranceMetres: 1000).district(stated: chaoyang, finding: finding) == chaoyang)
        #expect(throws: LocatingError.self) { try LocatingPolicy(toleranceMetres: 100).district(stated: chaoyang, finding: finding) }
    }

    @Test func withoutADistrictThePointDecides() throws {
        let policy = LocatingPolicy()
        #expect(try policy.district(stated: nil, finding: .init(pointDistrict: haidian, distanceToStatedMetres: nil)) == haidian)
        #expect(throws: LocatingError.outsideBeijing(toleranceMetres: 500)) {
            try policy.district(stated: nil, finding: .init(pointDistrict: nil, distanceToStatedMetres: nil))
        }
    }
}
