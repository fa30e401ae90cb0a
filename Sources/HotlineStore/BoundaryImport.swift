import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// Imports street boundaries from GeoJSON: `hotline import-boundaries FILE.geojson`.
///
/// The file is a FeatureCollection; each feature's `properties.code` (or `street_code`) names a street-level unit
/// and its geometry is a Polygon or MultiPolygon in WGS84. Every feature is checked first (the unit exists and is a
/// street, the geometry is valid); then all are written in one transaction, so a bad file changes nothing. Real
/// boundaries replace approximate ones: the demo's approximate street areas (sql/0015) of every district the file
/// touches are removed, and the imported rows are `approximate = false`.
public enum BoundaryImport {
    public struct Failure: Error, CustomStringConvertible {
        public let errors: [String]
        public var description: String { errors.joined(separator: "\n") }
    }

    /// (street code, geometry as GeoJSON text) per feature, or every problem found in the file's shape.
    public static func parse(_ data: Data) -> Result<[(code: String, geometry: String)], Failure> {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              root["type"] as? String == "FeatureCollection", let features = root["features"] as? [[String: Any]]
        else { return .failure(Failure(errors: ["not a GeoJSON FeatureCollection"])) }
        var result: [(String, String)] = []
        var errors: [String] = []
        var seen: Set<String> = []
        for (i, feature) in features.enumerated() {
            let properties = feature["properties"] as? [String: Any] ?? [:]
            guard let code = (properties["code"] ?? properties["street_code"]) as? String, code.count == 9,
                  code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber)
            else { errors.append("feature \(i): properties.code must be a 9-digit street code"); continue }
            guard let geometry = feature["geometry"] as? [String: Any],
                  let type = geometry["type"] as? String, type == "Polygon" || type == "MultiPolygon",
                  let text = try? JSONSerialization.data(withJSONObject: geometry)
            else { errors.append("feature \(i) (\(code)): geometry must be a Polygon or MultiPolygon"); continue }
            guard seen.insert(code).inserted else { errors.append("feature \(i): \(code) appears twice"); continue }
            result.append((code, String(decoding: text, as: UTF8.self)))
        }
        return errors.isEmpty ? .success(result) : .failure(Failure(errors: errors))
    }

    /// Upserts the boundaries on an owner connection, in one transaction; returns how many were written.
    public static func upsert(_ boundaries: [(code: String, geometry: String)], on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await AccountMaintenance.inTransaction(connection, logger: logger) {
            var errors: [String] = []
            for (code, geometry) in boundaries {
                // Check before writing, to name the feature in the error.
                let rows = try await connection.query(
                    """
                    SELECT (SELECT kind FROM hotline.units WHERE id = \(code)),
                           public.ST_IsValid(public.ST_GeomFromGeoJSON(\(geometry)))
                    """, logger: logger)
                for try await (kind, valid) in rows.decode((String?, Bool).self) {
                    if kind != "street" { errors.append("\(code): no street-level unit with this code") }
                    if !valid { errors.append("\(code): the geometry is not valid (self-intersecting?)") }
                }
            }
            guard errors.isEmpty else { throw Failure(errors: errors) }
            let districts = Array(Set(boundaries.map { String($0.code.prefix(6)) }))
            try await connection.query(
                "DELETE FROM hotline.street_boundaries WHERE approximate AND district_code = ANY(\(districts))", logger: logger)
            for (code, geometry) in boundaries {
                try await connection.query(
                    """
                    INSERT INTO hotline.street_boundaries (street_code, district_code, geom, approximate)
                    VALUES (\(code), left(\(code), 6),
                            public.ST_Multi(public.ST_SetSRID(public.ST_GeomFromGeoJSON(\(geometry)), 4326)), false)
                    ON CONFLICT (street_code) DO UPDATE SET geom = excluded.geom, approximate = false, imported_at = now()
                    """, logger: logger)
            }
            return boundaries.count
        }
    }
}
