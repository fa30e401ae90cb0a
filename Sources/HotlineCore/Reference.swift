/// Reference vocabulary of the city: districts, units, the dispatch catalogue's time-limit tiers.
///
/// Pure values, no I/O: the store decodes rows into these, the API encodes them.

/// A district's GB/T 2260 code (区划代码), e.g. `110105` for Chaoyang.
public struct DistrictCode: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Accepts exactly six digits starting with Beijing's prefix `1101`.
    public init?(_ rawValue: String) {
        guard rawValue.utf8.count == 6, rawValue.hasPrefix("1101"), rawValue.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let code = DistrictCode(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Beijing district code: \(raw)"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What kind of body a unit is.
public enum UnitKind: String, CaseIterable, Sendable, Codable {
    /// 街乡镇: a street-level unit (街道, 乡, 镇 or 地区 office) that takes orders directly.
    case street
    /// 区政府: a district government, the fallback (兜底) for orders whose owner is unclear.
    case districtGovernment = "district_government"
    /// 市级部门: a municipal department (housing, city management, transport, …).
    case department
    /// 公共服务企业: a public-service enterprise (water, power, gas, heating, …).
    case enterprise
}

/// The administrative type of a street-level unit.
public enum StreetType: String, CaseIterable, Sendable, Codable {
    /// 街道
    case subdistrict
    /// 乡
    case township
    /// 镇
    case town
    /// 地区办事处
    case area
}

/// Where a problem class is sent by default (派单方向).
public enum HandlingDirection: String, CaseIterable, Sendable, Codable {
    /// 直派街乡: straight to the street of the address.
    case street
    /// 区政府兜底: the district government.
    case district
    /// A named municipal department.
    case department
    /// A named public-service enterprise.
    case enterprise
}

/// 办理时限: the four time-limit tiers, each a maximum time to handle and give feedback, counted from dispatch.
public enum TimeLimitTier: String, CaseIterable, Sendable, Codable, Comparable {
    /// Emergencies, risk to life or property.
    case twoHours = "2h"
    /// Water, power, gas and heating supply.
    case oneDay = "24h"
    /// Ordinary requests.
    case sevenDays = "7d"
    /// Complex or difficult requests.
    case fifteenDays = "15d"

    /// The limit as wall-clock seconds.
    public var seconds: Int64 {
        switch self {
        case .twoHours: 2 * 3600
        case .oneDay: 24 * 3600
        case .sevenDays: 7 * 24 * 3600
        case .fifteenDays: 15 * 24 * 3600
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }
}

/// A unit's id tells its kind: a street's 9-digit code, `gov.<district>`, `dept.<slug>` or `ent.<slug>`.
public enum UnitID {
    /// Whether `id` has one of the four shapes (whether such a unit exists is the database's to say).
    public static func isWellFormed(_ id: String) -> Bool {
        func isSlug(_ s: Substring) -> Bool {
            !s.isEmpty && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
        if id.utf8.count == 9, id.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return DistrictCode(String(id.prefix(6))) != nil }
        if id.hasPrefix("gov.") { return DistrictCode(String(id.dropFirst(4))) != nil }
        if id.hasPrefix("dept.") { return isSlug(id.dropFirst(5)) }
        if id.hasPrefix("ent.") { return isSlug(id.dropFirst(4)) }
        return false
    }

    /// Checks the shape of an id against its kind and district, as the database's `units_kind_shape` check does,
    /// so that imports can report every bad line before touching the database.
    public static func validate(id: String, kind: UnitKind, districtCode: DistrictCode?, streetType: StreetType?) -> String? {
        func isSlug(_ s: Substring) -> Bool {
            !s.isEmpty && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
        switch kind {
        case .street:
            guard id.utf8.count == 9, id.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return "a street-level unit's id is its 9-digit code"
            }
            guard let districtCode else { return "a street-level unit needs a district code" }
            guard id.hasPrefix(districtCode.rawValue) else {
                return "street code \(id) does not start with its district code \(districtCode)"
            }
            guard streetType != nil else { return "a street-level unit needs a street type" }
        case .districtGovernment:
            guard let districtCode else { return "a district government needs a district code" }
            guard id == "gov.\(districtCode)" else { return "a district government's id is gov.<district code>" }
            guard streetType == nil else { return "only street-level units have a street type" }
        case .department, .enterprise:
            let prefix = kind == .department ? "dept." : "ent."
            guard id.hasPrefix(prefix), isSlug(id.dropFirst(prefix.count)) else {
                return "a \(kind.rawValue)'s id is \(prefix)<lowercase-slug>"
            }
            guard districtCode == nil else { return "a \(kind.rawValue) is city-wide and has no district code" }
            guard streetType == nil else { return "only street-level units have a street type" }
        }
        return nil
    }
}

/// 区: one of the 16 districts.
public struct District: Sendable, Equatable {
    public var code: DistrictCode
    public var nameZh: String
    public var namePinyin: String

    public init(code: DistrictCode, nameZh: String, namePinyin: String) {
        self.code = code
        self.nameZh = nameZh
        self.namePinyin = namePinyin
    }
}

/// A body that receives orders: a street-level unit, a district government, a department or an enterprise.
public struct Unit: Sendable, Equatable {
    public var id: String
    public var kind: UnitKind
    public var nameZh: String
    public var nameEn: String
    public var districtCode: DistrictCode?
    public var streetType: StreetType?
    public var active: Bool

    public init(
        id: String, kind: UnitKind, nameZh: String, nameEn: String, districtCode: DistrictCode?,
        streetType: StreetType?, active: Bool = true
    ) {
        self.id = id
        self.kind = kind
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.districtCode = districtCode
        self.streetType = streetType
        self.active = active
    }
}

/// An entry of the dispatch catalogue (派单目录): an area (no parent) or a class with its default direction and tier.
public struct Category: Sendable, Equatable {
    public var code: String
    public var parentCode: String?
    public var nameZh: String
    public var nameEn: String
    public var direction: HandlingDirection?
    public var defaultUnitId: String?
    public var tier: TimeLimitTier?
    public var seasonalPeakMonth: Int?
    public var active: Bool

    public init(
        code: String, parentCode: String?, nameZh: String, nameEn: String, direction: HandlingDirection?,
        defaultUnitId: String?, tier: TimeLimitTier?, seasonalPeakMonth: Int?, active: Bool
    ) {
        self.code = code
        self.parentCode = parentCode
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.direction = direction
        self.defaultUnitId = defaultUnitId
        self.tier = tier
        self.seasonalPeakMonth = seasonalPeakMonth
        self.active = active
    }

    /// An area groups classes and is not dispatched itself.
    public var isArea: Bool { parentCode == nil }
}
