import Foundation

/// 坐标系: the two datums a point in China comes in, and the public conversion between them.
///
/// Clients (GPS, Open311 apps) send WGS84 (`EPSG:4326`). Chinese map providers publish GCJ-02 (火星坐标), WGS84 moved
/// by a published, smooth offset of a few hundred metres (510–600 m across Beijing); the district boundaries in
/// `data/districts/` come from Amap (高德) in GCJ-02. They are converted once, when they are loaded, and stored in
/// WGS84, so every comparison in the database is between WGS84 points and WGS84 polygons.
public enum Datum {
    /// Semi-major axis (Krasovsky 1940) and first eccentricity squared of the published GCJ-02 formula.
    static let a = 6_378_245.0
    static let ee = 0.006_693_421_622_965_943_23

    /// WGS84 → GCJ-02: the forward formula as published (defined for China; the project only uses it on Beijing).
    public static func gcj02(fromWGS84 lat: Double, lon: Double) -> (lat: Double, lon: Double) {
        let (dLat, dLon) = offset(lat: lat, lon: lon)
        return (lat + dLat, lon + dLon)
    }

    /// GCJ-02 → WGS84: the inverse of ``gcj02(fromWGS84:lon:)``, by fixed-point iteration (the offset changes slowly,
    /// so each step gains about three digits; it stops below 1e-10 degrees, about 0.01 mm, in four or five steps).
    public static func wgs84(fromGCJ02 lat: Double, lon: Double) -> (lat: Double, lon: Double) {
        var wgs = (lat: lat, lon: lon)
        for _ in 0..<30 {
            let (dLat, dLon) = offset(lat: wgs.lat, lon: wgs.lon)
            let next = (lat: lat - dLat, lon: lon - dLon)
            let moved = max(abs(next.lat - wgs.lat), abs(next.lon - wgs.lon))
            wgs = next
            if moved < 1e-10 { break }
        }
        return wgs
    }

    /// GCJ-02 minus WGS84 at a WGS84 point, in degrees.
    static func offset(lat: Double, lon: Double) -> (lat: Double, lon: Double) {
        let x = lon - 105, y = lat - 35
        let common = (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x)) + common
        dLat += (20 * sin(y * .pi) + 40 * sin(y / 3 * .pi)) * 2 / 3
        dLat += (160 * sin(y / 12 * .pi) + 320 * sin(y * .pi / 30)) * 2 / 3
        var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x)) + common
        dLon += (20 * sin(x * .pi) + 40 * sin(x / 3 * .pi)) * 2 / 3
        dLon += (150 * sin(x / 12 * .pi) + 300 * sin(x / 30 * .pi)) * 2 / 3
        let radLat = lat / 180 * .pi
        let magic = 1 - ee * sin(radLat) * sin(radLat)
        let sqrtMagic = sqrt(magic)
        return (dLat * 180 / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi),
                dLon * 180 / (a / sqrtMagic * cos(radLat) * .pi))
    }

    /// Every position of a GeoJSON MultiPolygon's `coordinates` (`[lon, lat]` pairs, polygons of rings), GCJ-02 to
    /// WGS84. Anything after the second number of a position (an altitude) is kept as it is.
    public static func wgs84(fromGCJ02 multiPolygon: [[[[Double]]]]) -> [[[[Double]]]] {
        multiPolygon.map { polygon in
            polygon.map { ring in
                ring.map { position in
                    guard position.count >= 2 else { return position }
                    let (lat, lon) = wgs84(fromGCJ02: position[1], lon: position[0])
                    return [lon, lat] + position.dropFirst(2)
                }
            }
        }
    }
}

/// 定位: how a request's point (WGS84) places it, given what the district boundaries say about the point.
///
/// A point with no district gets the district whose boundary covers it; a point with a district must lie inside
/// that district or at most `toleranceMetres` outside its boundary (addresses on a border street, a GPS fix a few
/// metres off, the generalisation of the boundary itself), otherwise the request is refused with both districts named.
public struct LocatingPolicy: Sendable, Equatable {
    /// Project default: how far outside its stated district a point may lie, in metres (the one place it is kept;
    /// `hotline serve --point-tolerance-metres` overrides it).
    public static let defaultToleranceMetres = 500.0

    public var toleranceMetres: Double

    public init(toleranceMetres: Double = LocatingPolicy.defaultToleranceMetres) {
        self.toleranceMetres = toleranceMetres
    }

    /// What the boundaries say about one point.
    public struct Finding: Sendable, Equatable {
        /// The district whose boundary covers the point, else the nearest one no farther than the tolerance; nil
        /// when the point is farther than that from all of Beijing.
        public var pointDistrict: DistrictCode?
        /// Metres from the point to the stated district's boundary (0 inside it); nil when no district was stated or
        /// the stated one has no boundary loaded.
        public var distanceToStatedMetres: Double?

        public init(pointDistrict: DistrictCode?, distanceToStatedMetres: Double?) {
            self.pointDistrict = pointDistrict
            self.distanceToStatedMetres = distanceToStatedMetres
        }
    }

    /// The district the request belongs to: the stated one when the point lies in it or within the tolerance of it
    /// (or when there is no boundary to check it against: the district check of intake then decides), else the
    /// point's district when none was stated.
    public func district(stated: DistrictCode?, finding: Finding) throws(LocatingError) -> DistrictCode {
        if let stated {
            guard let distance = finding.distanceToStatedMetres, distance > toleranceMetres else { return stated }
            throw .outsideStatedDistrict(
                stated: stated, pointDistrict: finding.pointDistrict, distanceMetres: distance,
                toleranceMetres: toleranceMetres)
        }
        guard let found = finding.pointDistrict else { throw .outsideBeijing(toleranceMetres: toleranceMetres) }
        return found
    }
}

/// Why a point cannot place its request.
public enum LocatingError: Error, Equatable, Sendable {
    /// The point lies farther than the tolerance outside the stated district: in `pointDistrict`, or outside Beijing
    /// when that is nil.
    case outsideStatedDistrict(stated: DistrictCode, pointDistrict: DistrictCode?, distanceMetres: Double, toleranceMetres: Double)
    /// No district was stated and the point lies farther than the tolerance from every district of Beijing.
    case outsideBeijing(toleranceMetres: Double)
}
