/// Who may do what: roles, the caller's identity, and the rules handlers check before the database does.
///
/// The handlers' checks give a clean early 403; PostgreSQL's row-level security (sql/0004_identity.sql and later)
/// is the last line and decides which rows exist for the caller.

/// A user's (or machine client's) one role. The raw values are used in the API and in the database.
public enum Role: String, CaseIterable, Sendable, Codable {
    /// 市级管理员: catalogue, units, users, assessment periods, weights.
    case cityAdmin = "city_admin"
    /// 话务员: intake, dispatch, callback.
    case centreOperator = "centre_operator"
    /// 中心督办: reviews returns, exemptions, extensions; everything an operator does.
    case centreSupervisor = "centre_supervisor"
    /// 区级管理员: one district's orders and users.
    case districtAdmin = "district_admin"
    /// 街乡镇承办人: one street-level unit's orders.
    case streetHandler = "street_handler"
    /// 部门承办人: one municipal department's or public-service enterprise's orders, across districts.
    case departmentHandler = "department_handler"
    /// 主动治理: monthly themes and proactive tasks.
    case proactivePlanner = "proactive_planner"
    /// 分析: read-only aggregates, personal data masked.
    case analyst

    /// Whether an account of this role belongs to exactly one district.
    public var needsDistrict: Bool { self == .districtAdmin || self == .streetHandler }

    /// Whether an account of this role belongs to exactly one unit, and of which kinds.
    public var unitKinds: Set<UnitKind>? {
        switch self {
        case .streetHandler: [.street]
        case .departmentHandler: [.department, .enterprise]
        default: nil
        }
    }

    /// Roles of the hotline centre: full personal data, city-wide orders.
    public var isCentre: Bool { self == .centreOperator || self == .centreSupervisor }
}

/// The authenticated caller, as the database sees it through `hotline.set_identity(...)`.
public struct Identity: Sendable, Equatable {
    /// Whether a person (logged in with a password) or a machine client (API key) is calling.
    public enum Kind: String, Sendable {
        case user
        case client
    }

    public var kind: Kind
    /// The user's or client's id.
    public var id: String
    public var name: String
    public var role: Role
    public var districtCode: DistrictCode?
    public var unitID: String?

    public init(kind: Kind, id: String, name: String, role: Role, districtCode: DistrictCode?, unitID: String?) {
        self.kind = kind
        self.id = id
        self.name = name
        self.role = role
        self.districtCode = districtCode
        self.unitID = unitID
    }
}

/// The rules for accounts.
public enum AccountRules {
    /// Checks that a role, district and unit fit together, as the `users_scope_shape` check does in the database.
    /// `unitKind` is the kind of `unitID`'s unit when it exists.
    public static func scopeProblem(
        role: Role, districtCode: DistrictCode?, unitID: String?, unitKind: UnitKind?, unitDistrict: DistrictCode?
    ) -> String? {
        if role.needsDistrict, districtCode == nil { return "a \(role.rawValue) needs a districtCode" }
        if !role.needsDistrict, districtCode != nil { return "a \(role.rawValue) has no districtCode" }
        if let kinds = role.unitKinds {
            guard unitID != nil else { return "a \(role.rawValue) needs a unitId" }
            guard let unitKind, kinds.contains(unitKind) else {
                return "a \(role.rawValue)'s unit must be a \(kinds.map(\.rawValue).sorted().joined(separator: " or "))"
            }
            if role == .streetHandler, unitDistrict != districtCode {
                return "the street-level unit is not in district \(districtCode?.rawValue ?? "-")"
            }
        } else if unitID != nil {
            return "a \(role.rawValue) has no unitId"
        }
        return nil
    }

    /// Usernames: 3–64 characters of lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit.
    public static func usernameProblem(_ username: String) -> String? {
        let bytes = Array(username.utf8)
        guard (3...64).contains(bytes.count) else { return "must be 3 to 64 characters" }
        func ok(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 46 || c == 95 || c == 45 }
        guard bytes.allSatisfy(ok), let first = bytes.first, (first >= 97 && first <= 122) || (first >= 48 && first <= 57) else {
            return "may hold lowercase letters, digits, '.', '_' and '-', and starts with a letter or digit"
        }
        return nil
    }

    /// Passwords: 10 to 72 bytes (bcrypt reads no further than 72).
    public static func passwordProblem(_ password: String) -> String? {
        // Characters as JSON Schema counts them (code points); bcrypt reads at most 72 bytes.
        if password.unicodeScalars.count < 10 { return "must be at least 10 characters" }
        if password.utf8.count > 72 { return "must be at most 72 bytes" }
        return nil
    }

    /// Whether `actor` may manage accounts at all.
    public static func canManageUsers(_ actor: Role) -> Bool { actor == .cityAdmin || actor == .districtAdmin }

    /// Whether `actor` may create or change an account of `role` in `district`: a city admin anywhere; a district
    /// admin only district admins and street handlers of their own district.
    public static func mayManage(actor: Identity, role: Role, districtCode: DistrictCode?) -> Bool {
        switch actor.role {
        case .cityAdmin: true
        case .districtAdmin:
            (role == .districtAdmin || role == .streetHandler) && districtCode != nil && districtCode == actor.districtCode
        default: false
        }
    }
}

/// Login throttling (abuse resistance): after `maxFailures` failed attempts for one username within `window`,
/// further attempts are refused until the oldest of those failures leaves the window.
public struct LoginThrottle: Sendable, Equatable {
    public var maxFailures: Int
    public var window: Duration

    public init(maxFailures: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.maxFailures = maxFailures
        self.window = window
    }

    /// Seconds to wait before the next attempt, or nil when an attempt is allowed now. `recentFailures` are the
    /// failure times (seconds since any fixed epoch) within the window, in any order; `now` on the same scale.
    public func retryAfter(recentFailures: [Double], now: Double) -> Int? {
        let windowSeconds = Double(window.components.seconds)
        let inWindow = recentFailures.filter { now - $0 < windowSeconds }.sorted(by: >)
        guard inWindow.count >= maxFailures else { return nil }
        // Allowed again once fewer than maxFailures remain in the window: when the maxFailures-th newest leaves it.
        let pivot = inWindow[maxFailures - 1]
        let wait = pivot + windowSeconds - now
        return max(1, Int(wait.rounded(.up)))
    }
}
