import HotlineCore
import Logging
import PostgresNIO

/// Imports units from CSV: `hotline import-units FILE` and `hotline demo-data` use it.
///
/// The file's header is `id,kind,name_zh,name_en,district_code,street_type` (RFC 4180 quoting allowed). Every line
/// is checked before anything is written; then all rows are upserted by id in one transaction, so a bad file
/// changes nothing.
public enum UnitImport {
    public static let header = ["id", "kind", "name_zh", "name_en", "district_code", "street_type"]

    /// One problem with one line of the file (line 1 is the header).
    public struct LineError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let errors: [LineError]
        public var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// Parses and validates the whole file; returns the units or every line error.
    public static func parse(_ text: String) -> Result<[Unit], Failure> {
        let records = CSV.parse(text)
        guard let head = records.first, head.map({ $0.trimmingWhitespace() }) == header else {
            return .failure(Failure(errors: [LineError(line: 1, message: "header must be \(header.joined(separator: ","))")]))
        }
        var units: [Unit] = []
        var errors: [LineError] = []
        var seen: Set<String> = []
        for (index, fields) in records.enumerated().dropFirst() {
            let line = index + 1
            if fields.count == 1 && fields[0].trimmingWhitespace().isEmpty { continue }
            guard fields.count == header.count else {
                errors.append(LineError(line: line, message: "expected \(header.count) fields, found \(fields.count)"))
                continue
            }
            let f = fields.map { $0.trimmingWhitespace() }
            guard let kind = UnitKind(rawValue: f[1]) else {
                errors.append(LineError(line: line, message: "unknown kind '\(f[1])'"))
                continue
            }
            var district: DistrictCode?
            if !f[4].isEmpty {
                guard let code = DistrictCode(f[4]) else {
                    errors.append(LineError(line: line, message: "'\(f[4])' is not a Beijing district code"))
                    continue
                }
                district = code
            }
            var streetType: StreetType?
            if !f[5].isEmpty {
                guard let type = StreetType(rawValue: f[5]) else {
                    errors.append(LineError(line: line, message: "unknown street type '\(f[5])'"))
                    continue
                }
                streetType = type
            }
            if f[2].isEmpty || f[3].isEmpty {
                errors.append(LineError(line: line, message: "name_zh and name_en are required"))
                continue
            }
            if let problem = UnitID.validate(id: f[0], kind: kind, districtCode: district, streetType: streetType) {
                errors.append(LineError(line: line, message: problem))
                continue
            }
            guard seen.insert(f[0]).inserted else {
                errors.append(LineError(line: line, message: "unit \(f[0]) appears twice"))
                continue
            }
            units.append(Unit(id: f[0], kind: kind, nameZh: f[2], nameEn: f[3], districtCode: district, streetType: streetType))
        }
        return errors.isEmpty ? .success(units) : .failure(Failure(errors: errors))
    }

    /// Upserts units by id in one transaction on an owner connection; returns (inserted, updated).
    public static func upsert(_ units: [Unit], on connection: PostgresConnection, logger: Logger) async throws -> (inserted: Int, updated: Int) {
        var inserted = 0
        var updated = 0
        try await connection.query("BEGIN", logger: logger)
        do {
            for unit in units {
                let rows = try await connection.query(
                    """
                    INSERT INTO hotline.units (id, kind, name_zh, name_en, district_code, street_type)
                    VALUES (\(unit.id), \(unit.kind.rawValue), \(unit.nameZh), \(unit.nameEn),
                            \(unit.districtCode?.rawValue), \(unit.streetType?.rawValue))
                    ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name_zh = excluded.name_zh,
                        name_en = excluded.name_en, district_code = excluded.district_code,
                        street_type = excluded.street_type, active = true
                    RETURNING (xmax = 0)
                    """, logger: logger)
                for try await isInsert in rows.decode(Bool.self) {
                    if isInsert { inserted += 1 } else { updated += 1 }
                }
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        return (inserted, updated)
    }
}

/// A small RFC 4180 reader: fields separated by commas, optionally in double quotes (`""` inside for a quote),
/// records by LF or CRLF.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let c = pending {
            pending = iterator.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = iterator.next() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",": record.append(field); field = ""
            case "\r" where pending == "\n": continue
            case "\n", "\r":
                record.append(field); records.append(record); record = []; field = ""
            case "\u{FEFF}" where records.isEmpty && record.isEmpty && field.isEmpty: continue
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
