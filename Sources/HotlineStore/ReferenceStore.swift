import HotlineCore
import Logging
import PostgresNIO

/// Reads the city's reference data: districts, units, the dispatch catalogue.
public struct ReferenceStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func districts(logger: Logger) async throws -> [District] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT code, name_zh, name_pinyin FROM hotline.districts ORDER BY sort_order", logger: logger)
            var result: [District] = []
            for try await (code, nameZh, pinyin) in rows.decode((String, String, String).self) {
                guard let code = DistrictCode(code) else { continue }
                result.append(District(code: code, nameZh: nameZh, namePinyin: pinyin))
            }
            return result
        }
    }

    /// Units, optionally of one district (its streets and government) and/or one kind, ordered by id.
    public func units(districtCode: DistrictCode?, kind: UnitKind?, logger: Logger) async throws -> [Unit] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, kind, name_zh, name_en, district_code, street_type, active
                FROM hotline.units
                WHERE (\(districtCode?.rawValue)::text IS NULL OR district_code = \(districtCode?.rawValue))
                  AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
                ORDER BY id
                """, logger: logger)
            var result: [Unit] = []
            for try await row in rows.decode((String, String, String, String, String?, String?, Bool).self) {
                guard let kind = UnitKind(rawValue: row.1) else { continue }
                result.append(Unit(
                    id: row.0, kind: kind, nameZh: row.2, nameEn: row.3,
                    districtCode: row.4.flatMap(DistrictCode.init), streetType: row.5.flatMap(StreetType.init(rawValue:)),
                    active: row.6))
            }
            return result
        }
    }

    /// The whole catalogue, areas before their classes (ordered by code).
    public func categories(logger: Logger) async throws -> [HotlineCore.Category] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT code, parent_code, name_zh, name_en, direction, default_unit_id, tier, seasonal_peak_month, active
                FROM hotline.categories ORDER BY code
                """, logger: logger)
            var result: [HotlineCore.Category] = []
            for try await row in rows.decode(
                (String, String?, String, String, String?, String?, String?, Int32?, Bool).self
            ) {
                result.append(Category(
                    code: row.0, parentCode: row.1, nameZh: row.2, nameEn: row.3,
                    direction: row.4.flatMap(HandlingDirection.init(rawValue:)), defaultUnitId: row.5,
                    tier: row.6.flatMap(TimeLimitTier.init(rawValue:)), seasonalPeakMonth: row.7.map(Int.init),
                    active: row.8))
            }
            return result
        }
    }
}
