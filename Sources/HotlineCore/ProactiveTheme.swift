import Foundation

/// One concrete problem of a monthly theme: a class, optionally narrowed to a district or a street.
public struct ThemeProblem: Sendable, Equatable, Codable {
    public var title: String
    public var categoryCode: String
    public var districtCode: String?
    public var streetCode: String?

    public init(title: String, categoryCode: String, districtCode: String? = nil, streetCode: String? = nil) {
        self.title = title
        self.categoryCode = categoryCode
        self.districtCode = districtCode
        self.streetCode = streetCode
    }
}

/// The status of an item on a theme's lists.
public enum ThemeItemStatus: String, Sendable, Codable, CaseIterable {
    case planned
    case inProgress = "in_progress"
    case done
    case cancelled
}

/// One line of a plan's lists (清单): a policy to issue, a task to do, or a responsibility to hold.
public struct ThemePlanItem: Sendable, Equatable, Codable {
    /// Stable within the theme (`p1`, `t2`, `r1`...): given by the server when missing.
    public var id: String?
    public var title: String
    public var ownerUnitId: String
    public var due: CivilDate
    public var status: ThemeItemStatus?
    /// Tasks only: the class the districts work on (default: the theme's first problem's) and the districts
    /// concerned (default: the districts the theme's problems name, else every district).
    public var categoryCode: String?
    public var districtCodes: [String]?

    public init(id: String? = nil, title: String, ownerUnitId: String, due: CivilDate, status: ThemeItemStatus? = nil,
                categoryCode: String? = nil, districtCodes: [String]? = nil) {
        self.id = id
        self.title = title
        self.ownerUnitId = ownerUnitId
        self.due = due
        self.status = status
        self.categoryCode = categoryCode
        self.districtCodes = districtCodes
    }
}

/// 方案: the plan of a theme, with its three lists (policies, tasks, responsibilities).
public struct ThemePlan: Sendable, Equatable, Codable {
    public var policies: [ThemePlanItem]
    public var tasks: [ThemePlanItem]
    public var responsibilities: [ThemePlanItem]

    public init(policies: [ThemePlanItem] = [], tasks: [ThemePlanItem] = [], responsibilities: [ThemePlanItem] = []) {
        self.policies = policies
        self.tasks = tasks
        self.responsibilities = responsibilities
    }

    /// Gives every item an id and a status, keeping the ids already there (`p`, `t`, `r` and a number).
    public mutating func normalise() {
        func fill(_ items: inout [ThemePlanItem], _ prefix: String) {
            var next = (items.compactMap { $0.id }.filter { $0.hasPrefix(prefix) }.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0) + 1
            for i in items.indices {
                if items[i].id == nil {
                    items[i].id = "\(prefix)\(next)"
                    next += 1
                }
                if items[i].status == nil { items[i].status = .planned }
            }
        }
        fill(&policies, "p")
        fill(&tasks, "t")
        fill(&responsibilities, "r")
    }

    /// Problems with the lists' shape, as (field, message); unit and class existence is the store's to check.
    public var problems: [(String, String)] {
        var found: [(String, String)] = []
        for (name, items) in [("policies", policies), ("tasks", tasks), ("responsibilities", responsibilities)] {
            if items.count > 50 { found.append(("plan.\(name)", "at most 50 items")) }
            var seen = Set<String>()
            for (i, item) in items.enumerated() {
                let field = "plan.\(name)[\(i)]"
                if item.title.trimmingCharacters(in: .whitespaces).isEmpty || item.title.unicodeScalars.count > 200 {
                    found.append(("\(field).title", "1 to 200 characters"))
                }
                if !ProactiveRules.years.contains(item.due.year) {
                    found.append(("\(field).due", "a day from \(ProactiveRules.years.lowerBound)-01-01 to \(ProactiveRules.years.upperBound)-12-31"))
                }
                if let id = item.id {
                    if id.isEmpty || id.unicodeScalars.count > 20 { found.append(("\(field).id", "1 to 20 characters")) }
                    if !seen.insert(id).inserted { found.append(("\(field).id", "used twice")) }
                }
                if name != "tasks", item.categoryCode != nil || item.districtCodes != nil {
                    found.append(("\(field)", "categoryCode and districtCodes belong to tasks only"))
                }
                if let districts = item.districtCodes {
                    if districts.isEmpty || districts.contains(where: { DistrictCode($0) == nil }) {
                        found.append(("\(field).districtCodes", "district codes, at least one"))
                    }
                }
            }
        }
        return found
    }

    /// Every owner unit named.
    public var ownerUnits: Set<String> { Set((policies + tasks + responsibilities).map(\.ownerUnitId)) }
}

/// Changes to a plan: each list given replaces that list, the others stay.
public struct ThemePlanChange: Sendable, Equatable, Codable {
    public var policies: [ThemePlanItem]?
    public var tasks: [ThemePlanItem]?
    public var responsibilities: [ThemePlanItem]?

    public init(policies: [ThemePlanItem]? = nil, tasks: [ThemePlanItem]? = nil, responsibilities: [ThemePlanItem]? = nil) {
        self.policies = policies
        self.tasks = tasks
        self.responsibilities = responsibilities
    }

    public func applied(to plan: ThemePlan) -> ThemePlan {
        ThemePlan(policies: policies ?? plan.policies, tasks: tasks ?? plan.tasks,
                  responsibilities: responsibilities ?? plan.responsibilities)
    }
}

/// A theme's month, `YYYY-MM`.
public enum ThemeRules {
    public static func isMonth(_ text: String) -> Bool { AssessmentPeriod(text) != nil }

    /// Problems with a theme's problems list: 1 to 3 of them (2–3 is the practice; one is allowed for a draft).
    public static func problemsProblem(_ problems: [ThemeProblem]) -> [(String, String)] {
        var found: [(String, String)] = []
        if problems.isEmpty || problems.count > 3 { found.append(("problems", "1 to 3 problems")) }
        for (i, p) in problems.enumerated() {
            if p.title.trimmingCharacters(in: .whitespaces).isEmpty || p.title.unicodeScalars.count > 200 {
                found.append(("problems[\(i)].title", "1 to 200 characters"))
            }
            if let d = p.districtCode, DistrictCode(d) == nil { found.append(("problems[\(i)].districtCode", "not a district code")) }
            if let s = p.streetCode {
                if s.count != 9 || !(p.districtCode.map { s.hasPrefix($0) } ?? true) {
                    found.append(("problems[\(i)].streetCode", "a street code (of the problem's district)"))
                }
            }
        }
        return found
    }
}
