import Crypto
import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// 区界: the district boundaries of `data/districts/`, loaded into `hotline.district_boundaries` (sql/0015) by
/// `hotline migrate`, by `serve` when it migrates, and by `demo-data`; and the demo's approximate street areas.
///
/// The files are the source's bytes: one GeoJSON `MultiPolygon` per district named by its code (`110105.geojson`),
/// longitude/latitude in GCJ-02 (Amap's datum). Each is converted to WGS84 here (``Datum``) and stored with the
/// SHA-256 of its bytes, so a load with unchanged files reads them, compares, and writes nothing.
public enum DistrictBoundaries {
    public struct Failure: Error, CustomStringConvertible {
        public let errors: [String]
        public var description: String { errors.joined(separator: "\n") }
    }

    /// One district's file as read (converted only when it has to be written).
    public struct File: Sendable {
        public var code: String
        public var fileName: String
        public var sha256: String
        var bytes: Data
    }

    /// Where the files are when nothing else is said: `data/districts` beside the migrations folder (`sql`).
    public static func defaultDirectory(sqlDirectory: String) -> String {
        URL(fileURLWithPath: sqlDirectory, isDirectory: true).deletingLastPathComponent()
            .appendingPathComponent("data/districts").path
    }

    /// The `NNNNNN.geojson` files of a folder, with their checksums (not converted yet).
    public static func read(directory: String) throws -> [File] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw Failure(errors: ["district boundaries folder not found: \(directory) (set HOTLINE_DISTRICTS_DIR or --districts-dir)"])
        }
        var files: [File] = []
        for name in names.sorted() where name.hasSuffix(".geojson") {
            let code = String(name.dropLast(".geojson".count))
            guard let district = DistrictCode(code) else { continue }  // 110000.geojson (the city) and others: not ours
            guard let bytes = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw Failure(errors: ["cannot read \(directory)/\(name)"])
            }
            files.append(File(code: district.rawValue, fileName: name, sha256: SHA256.hash(data: bytes).lowercaseHex, bytes: bytes))
        }
        return files
    }

    struct Geometry: Codable {
        var type: String
        var coordinates: [[[[Double]]]]
        var properties: [String: String]?
    }

    /// The file's MultiPolygon converted from GCJ-02 to WGS84, as GeoJSON text.
    static func convert(_ file: File) throws -> String {
        guard let geometry = try? JSONDecoder().decode(Geometry.self, from: file.bytes), geometry.type == "MultiPolygon"
        else { throw Failure(errors: ["\(file.fileName): not a GeoJSON MultiPolygon geometry"]) }
        if let adcode = geometry.properties?["adcode"], adcode != file.code {
            throw Failure(errors: ["\(file.fileName): properties.adcode is \(adcode)"])
        }
        let converted = Geometry(type: "MultiPolygon", coordinates: Datum.wgs84(fromGCJ02: geometry.coordinates), properties: nil)
        return String(decoding: try JSONEncoder().encode(converted), as: UTF8.self)
    }

    /// Loads the folder's files on an owner connection, in one transaction: every district of `hotline.districts`
    /// must have its file; files whose checksum is already stored are skipped. Returns how many were written.
    @discardableResult
    public static func load(directory: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let files = try read(directory: directory)
        return try await AccountMaintenance.inTransaction(connection, logger: logger) {
            var districts: [String] = []
            for try await code in try await connection.query(
                "SELECT code FROM hotline.districts ORDER BY code", logger: logger
            ).decode(String.self) { districts.append(code) }
            let missing = Set(districts).subtracting(files.map(\.code))
            guard missing.isEmpty else {
                throw Failure(errors: ["\(directory) has no boundary for district(s) \(missing.sorted().joined(separator: ", "))"])
            }
            var stored: [String: String] = [:]
            for try await (code, sha) in try await connection.query(
                "SELECT district_code, source_sha256 FROM hotline.district_boundaries", logger: logger
            ).decode((String, String).self) { stored[code] = sha }
            var written = 0
            for file in files where districts.contains(file.code) && stored[file.code] != file.sha256 {
                let geometry = try convert(file)
                var valid = false
                for try await ok in try await connection.query(
                    "SELECT public.ST_IsValid(public.ST_GeomFromGeoJSON(\(geometry)))", logger: logger
                ).decode(Bool.self) { valid = ok }
                guard valid else { throw Failure(errors: ["\(file.fileName): the polygon is not valid after conversion to WGS84"]) }
                let source = "\(file.fileName) (GCJ-02, converted to WGS84)"
                try await connection.query(
                    """
                    INSERT INTO hotline.district_boundaries (district_code, geom, source, source_sha256)
                    VALUES (\(file.code), public.ST_Multi(public.ST_SetSRID(public.ST_GeomFromGeoJSON(\(geometry)), 4326)),
                            \(source), \(file.sha256))
                    ON CONFLICT (district_code) DO UPDATE
                    SET geom = excluded.geom, source = excluded.source, source_sha256 = excluded.source_sha256,
                        loaded_at = now()
                    """, logger: logger)
                written += 1
            }
            return written
        }
    }

    /// Demo only: approximate street areas inside every district without a real street boundary
    /// (`hotline.derive_approximate_streets`, sql/0015), replacing earlier approximate ones. Returns how many streets
    /// have an area.
    @discardableResult
    public static func deriveApproximateStreets(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await AccountMaintenance.inTransaction(connection, logger: logger) {
            try await connection.first(Int.self, "SELECT hotline.derive_approximate_streets()", logger: logger) ?? 0
        }
    }
}
