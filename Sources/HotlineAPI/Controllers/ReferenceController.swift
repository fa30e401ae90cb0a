import Hummingbird
import HotlineCore
import HotlineStore

/// Reference data: districts, units, the dispatch catalogue. Any authenticated caller may read it.
///
/// | method | path                  | query                     | answer                         |
/// |--------|-----------------------|---------------------------|--------------------------------|
/// | GET    | /api/v1/districts     |                           | the 16 districts               |
/// | GET    | /api/v1/units         | `districtCode`, `kind`    | units, ordered by id           |
/// | GET    | /api/v1/categories    |                           | the catalogue, areas first     |
struct ReferenceController {
    let store: ReferenceStore

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("/districts", use: districts)
        group.get("/units", use: units)
        group.get("/categories", use: categories)
    }

    struct DistrictBody: Encodable {
        var code: String
        var nameZh: String
        var namePinyin: String
    }

    struct UnitBody: Encodable {
        var id: String
        var kind: String
        var nameZh: String
        var nameEn: String
        var districtCode: String?
        var streetType: String?
        var active: Bool
    }

    struct CategoryBody: Encodable {
        var code: String
        var parentCode: String?
        var nameZh: String
        var nameEn: String
        var direction: String?
        var defaultUnitId: String?
        var tier: String?
        var seasonalPeakMonth: Int?
        var active: Bool
    }

    /// A list answer: `{items: [...]}` so that fields (paging, totals) can be added without breaking clients.
    struct List<Item: Encodable>: ResponseEncodable {
        var items: [Item]
    }

    @Sendable func districts(_ request: Request, context: AuthenticatedContext) async throws -> List<DistrictBody> {
        let districts = try await store.districts(logger: context.logger)
        return List(items: districts.map { DistrictBody(code: $0.code.rawValue, nameZh: $0.nameZh, namePinyin: $0.namePinyin) })
    }

    @Sendable func units(_ request: Request, context: AuthenticatedContext) async throws -> List<UnitBody> {
        var district: DistrictCode?
        if let raw = request.uri.queryParameters["districtCode"].map(String.init) {
            guard let code = DistrictCode(raw) else {
                throw Problem.invalidParameter("districtCode", "must be a Beijing district code such as 110105")
            }
            district = code
        }
        var kind: UnitKind?
        if let raw = request.uri.queryParameters["kind"].map(String.init) {
            guard let value = UnitKind(rawValue: raw) else {
                throw Problem.invalidParameter(
                    "kind", "must be one of \(UnitKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = value
        }
        let units = try await store.units(districtCode: district, kind: kind, logger: context.logger)
        return List(items: units.map {
            UnitBody(
                id: $0.id, kind: $0.kind.rawValue, nameZh: $0.nameZh, nameEn: $0.nameEn,
                districtCode: $0.districtCode?.rawValue, streetType: $0.streetType?.rawValue, active: $0.active)
        })
    }

    @Sendable func categories(_ request: Request, context: AuthenticatedContext) async throws -> List<CategoryBody> {
        let categories = try await store.categories(logger: context.logger)
        return List(items: categories.map {
            CategoryBody(
                code: $0.code, parentCode: $0.parentCode, nameZh: $0.nameZh, nameEn: $0.nameEn,
                direction: $0.direction?.rawValue, defaultUnitId: $0.defaultUnitId, tier: $0.tier?.rawValue,
                seasonalPeakMonth: $0.seasonalPeakMonth, active: $0.active)
        })
    }
}
