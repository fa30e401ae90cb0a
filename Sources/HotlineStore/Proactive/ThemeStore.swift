import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// 每月一题: a monthly theme as stored.
public struct Theme: Sendable, Equatable {
    public var id: UUID
    public var month: String
    public var title: String
    public var summary: String
    public var leadUnitID: String
    public var problems: [ThemeProblem]
    public var plan: ThemePlan
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
}

/// A new theme, or (all fields optional) changes to one.
public struct ThemeInput: Sendable {
    public var month: String?
    public var title: String?
    public var summary: String?
    public var leadUnitID: String?
    public var problems: [ThemeProblem]?
    public var plan: ThemePlanChange?

    public init(month: String? = nil, title: String? = nil, summary: String? = nil, leadUnitID: String? = nil,
                problems: [ThemeProblem]? = nil, plan: ThemePlanChange? = nil) {
        self.month = month
        self.title = title
        self.summary = summary
        self.leadUnitID = leadUnitID
        self.problems = problems
        self.plan = plan
    }
}

/// Themes, their conversion into district tasks, and the counts the analyses read.
public struct ThemeStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        id, month, title, summary, lead_unit_id, problems::text AS problems, plan::text AS plan, created_by, created_at, updated_at
        """

    static func decode(_ row: PostgresRow) throws -> Theme {
        let r = row.makeRandomAccess()
        let decoder = JSONDecoder()
        return Theme(
            id: try r["id"].decode(UUID.self), month: try r["month"].decode(String.self), title: try r["title"].decode(String.self),
            summary: try r["summary"].decode(String.self), leadUnitID: try r["lead_unit_id"].decode(String.self),
            problems: try decoder.decode([ThemeProblem].self, from: Data(try r["problems"].decode(String.self).utf8)),
            plan: try decoder.decode(ThemePlan.self, from: Data(try r["plan"].decode(String.self).utf8)),
            createdBy: try r["created_by"].decode(String.self), createdAt: try r["created_at"].decode(Date.self),
            updatedAt: try r["updated_at"].decode(Date.self))
    }

    public func list(year: Int?, as identity: Identity, logger: Logger) async throws -> [Theme] {
        try await database.withIdentity(identity, logger: logger) { c in
            var themes: [Theme] = []
            for try await row in try await c.query(
                """
                SELECT \(unescaped: Self.columns) FROM hotline.themes
                WHERE (\(year.map(String.init))::text IS NULL OR left(month, 4) = \(year.map(String.init)))
                ORDER BY month
                """, logger: logger) { themes.append(try Self.decode(row)) }
            return themes
        }
    }

    public func get(_ id: UUID, as identity: Identity, logger: Logger) async throws -> Theme? {
        try await database.withIdentity(identity, logger: logger) { c in try await Self.load(id, lock: false, on: c, logger: logger) }
    }

    static func load(_ id: UUID, lock: Bool, on c: PostgresConnection, logger: Logger) async throws -> Theme? {
        for try await row in try await c.query(
            "SELECT \(unescaped: columns) FROM hotline.themes WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger
        ) { return try decode(row) }
        return nil
    }

    /// The theme's references against the catalogue: a department leads, owners are units, problems name classes.
    static func check(_ theme: Theme, on c: PostgresConnection, logger: Logger) async throws {
        func invalid(_ field: String, _ message: String) -> ProactiveStoreError { .invalid(field: field, message: message) }
        guard ThemeRules.isMonth(theme.month) else { throw invalid("month", "a month such as 2027-03") }
        // Lengths as the database counts them (code points, not grapheme clusters).
        let title = theme.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.unicodeScalars.count > 200 { throw invalid("title", "1 to 200 characters") }
        if theme.summary.unicodeScalars.count > 4000 { throw invalid("summary", "at most 4000 characters") }
        if let (field, message) = ThemeRules.problemsProblem(theme.problems).first { throw invalid(field, message) }
        if let (field, message) = theme.plan.problems.first { throw invalid(field, message) }
        // District codes of the right shape that name none of the districts (110103 was merged away in 2010).
        var districts = Set<String>()
        for try await code in try await c.query("SELECT code FROM hotline.districts", logger: logger).decode(String.self) {
            districts.insert(code)
        }
        for (i, p) in theme.problems.enumerated() where p.districtCode.map({ !districts.contains($0) }) ?? false {
            throw invalid("problems[\(i)].districtCode", "no district \(p.districtCode ?? "")")
        }
        for (i, t) in theme.plan.tasks.enumerated() {
            if let unknown = t.districtCodes?.first(where: { !districts.contains($0) }) {
                throw invalid("plan.tasks[\(i)].districtCodes", "no district \(unknown)")
            }
        }
        let units = Array(theme.plan.ownerUnits.union([theme.leadUnitID]).union(theme.problems.compactMap(\.streetCode)))
        var kinds: [String: String] = [:]
        for try await (id, kind) in try await c.query(
            "SELECT id, kind FROM hotline.units WHERE id = ANY(\(units)) AND active", logger: logger
        ).decode((String, String).self) { kinds[id] = kind }
        if kinds[theme.leadUnitID] != "department" { throw invalid("leadUnitId", "not an active municipal department") }
        for (name, items) in [("policies", theme.plan.policies), ("tasks", theme.plan.tasks), ("responsibilities", theme.plan.responsibilities)] {
            for (i, item) in items.enumerated() where kinds[item.ownerUnitId] == nil {
                throw invalid("plan.\(name)[\(i)].ownerUnitId", "not an active unit")
            }
        }
        for (i, p) in theme.problems.enumerated() where p.streetCode != nil && kinds[p.streetCode!] != "street" {
            throw invalid("problems[\(i)].streetCode", "not a street")
        }
        let classes = Set(theme.problems.map(\.categoryCode) + theme.plan.tasks.compactMap(\.categoryCode))
        var known = Set<String>()
        for try await code in try await c.query(
            "SELECT code FROM hotline.categories WHERE code = ANY(\(Array(classes))) AND length(code) = 4 AND active", logger: logger
        ).decode(String.self) { known.insert(code) }
        for (i, p) in theme.problems.enumerated() where !known.contains(p.categoryCode) {
            throw invalid("problems[\(i)].categoryCode", "not an active class of the catalogue")
        }
        for (i, t) in theme.plan.tasks.enumerated() where t.categoryCode.map({ !known.contains($0) }) ?? false {
            throw invalid("plan.tasks[\(i)].categoryCode", "not an active class of the catalogue")
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func create(_ input: ThemeInput, as identity: Identity, now: Date, logger: Logger) async throws -> Theme {
        var plan = (input.plan ?? ThemePlanChange()).applied(to: ThemePlan())
        plan.normalise()
        let theme = Theme(
            id: UUID(), month: input.month ?? "", title: (input.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            summary: input.summary ?? "", leadUnitID: input.leadUnitID ?? "", problems: input.problems ?? [], plan: plan,
            createdBy: identity.id, createdAt: now, updatedAt: now)
        return try await database.withIdentity(identity, logger: logger) { c in
            try await Self.check(theme, on: c, logger: logger)
            let taken = try await !c.query("SELECT 1 FROM hotline.themes WHERE month = \(theme.month)", logger: logger).collect().isEmpty
            if taken { throw ProactiveStoreError.monthTaken(theme.month) }
            try await c.query(
                """
                INSERT INTO hotline.themes (id, month, title, summary, lead_unit_id, problems, plan, created_by, created_at, updated_at)
                VALUES (\(theme.id), \(theme.month), \(theme.title), \(theme.summary), \(theme.leadUnitID),
                        \(try Self.json(theme.problems))::jsonb, \(try Self.json(theme.plan))::jsonb, \(identity.id), \(now), \(now))
                """, logger: logger)
            return try await Self.load(theme.id, lock: false, on: c, logger: logger)!
        }
    }

    /// Changes a theme; a list given replaces the list (items keep their ids; new items get fresh ones).
    public func update(_ id: UUID, _ input: ThemeInput, as identity: Identity, now: Date, logger: Logger) async throws -> Theme {
        try await database.withIdentity(identity, logger: logger) { c in
            guard var theme = try await Self.load(id, lock: true, on: c, logger: logger) else { throw ProactiveStoreError.notFound }
            if let m = input.month, m != theme.month {
                throw ProactiveStoreError.invalid(field: "month", message: "a theme keeps its month; make a new one")
            }
            if let v = input.title { theme.title = v.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let v = input.summary { theme.summary = v }
            if let v = input.leadUnitID { theme.leadUnitID = v }
            if let v = input.problems { theme.problems = v }
            if let v = input.plan { theme.plan = v.applied(to: theme.plan) }
            theme.plan.normalise()
            try await Self.check(theme, on: c, logger: logger)
            try await c.query(
                """
                UPDATE hotline.themes SET title = \(theme.title), summary = \(theme.summary), lead_unit_id = \(theme.leadUnitID),
                    problems = \(try Self.json(theme.problems))::jsonb, plan = \(try Self.json(theme.plan))::jsonb, updated_at = \(now)
                WHERE id = \(id)
                """, logger: logger)
            return try await Self.load(id, lock: false, on: c, logger: logger)!
        }
    }

    /// One line of the conversion's answer.
    public struct ConvertedTask: Sendable, Equatable {
        public var themeItemID: String
        public var districtCode: String
        public var taskID: UUID
        public var created: Bool
    }

    /// Turns the theme's tasks into proactive tasks (mode `campaign`), one per task item and district concerned.
    /// Asking again creates only what is missing (the task list's key on theme item and district).
    ///
    /// Districts: the item's own, else `districts`, else those the theme's problems name, else all sixteen.
    /// Units: the problems' streets in that district, else the district government; plus the item's owner when it
    /// is a department, an enterprise, or a unit of that district. Schedule: once, from the first day of the
    /// theme's month (or the due day, if earlier) to the item's due day.
    public func convert(
        _ id: UUID, districts: [DistrictCode]?, as identity: Identity, now: Date, logger: Logger
    ) async throws -> [ConvertedTask] {
        try await database.withIdentity(identity, logger: logger) { c in
            guard let theme = try await Self.load(id, lock: true, on: c, logger: logger) else { throw ProactiveStoreError.notFound }
            let tasks = theme.plan.tasks.filter { $0.status != .cancelled }
            if tasks.isEmpty { throw ProactiveStoreError.invalid(field: "plan.tasks", message: "the theme has no task to convert") }
            var allDistricts: [String] = []
            for try await code in try await c.query("SELECT code FROM hotline.districts ORDER BY sort_order", logger: logger).decode(String.self) {
                allDistricts.append(code)
            }
            let named = theme.problems.compactMap { $0.districtCode ?? $0.streetCode.map { String($0.prefix(6)) } }
            if let unknown = districts?.first(where: { !allDistricts.contains($0.rawValue) }) {
                throw ProactiveStoreError.invalid(field: "districtCodes", message: "no district \(unknown)")
            }
            let problemDistricts = allDistricts.filter { named.contains($0) }
            let monthStart = CivilDate("\(theme.month)-01")!
            var result: [ConvertedTask] = []
            for item in tasks {
                let itemID = item.id ?? ""
                let targets = item.districtCodes ?? districts?.map(\.rawValue) ?? (problemDistricts.isEmpty ? allDistricts : problemDistricts)
                for district in targets {
                    let existing = try await c.first(UUID.self,
                        """
                        SELECT id FROM hotline.proactive_tasks
                        WHERE district_code = \(district) AND theme_id = \(theme.id) AND theme_item_id = \(itemID)
                        """, logger: logger)
                    if let existing {
                        result.append(ConvertedTask(themeItemID: itemID, districtCode: district, taskID: existing, created: false))
                        continue
                    }
                    let category = item.categoryCode ?? theme.problems[0].categoryCode
                    let streets = theme.problems.filter { $0.categoryCode == category }.compactMap(\.streetCode)
                        .filter { $0.hasPrefix(district) }
                    var units = streets.isEmpty ? ["gov.\(district)"] : streets
                    let owner = item.ownerUnitId
                    if (owner.hasPrefix("dept.") || owner.hasPrefix("ent.") || owner.hasPrefix(district) || owner == "gov.\(district)"),
                       !units.contains(owner) {
                        units.append(owner)
                    }
                    let input = ProactiveTaskInput(
                        districtCode: DistrictCode(district)!, title: item.title,
                        description: "\(theme.month) 每月一题: \(theme.title)", categoryCode: category,
                        streetCodes: Array(Set(streets)).sorted(), unitIDs: units, mode: .campaign,
                        schedule: TaskSchedule(kind: .once, start: min(monthStart, item.due), end: item.due),
                        themeID: theme.id, themeItemID: itemID)
                    let taskID = try await ProactiveTaskStore.insert(input, by: identity, now: now, on: c, logger: logger)
                    result.append(ConvertedTask(themeItemID: itemID, districtCode: district, taskID: taskID, created: true))
                }
            }
            return result
        }
    }

    /// Ticket counts per class, district (and street) and Beijing month over [from, to), with callback outcomes.
    /// Aggregates over every district for city roles; a district admin's counts cover their district only.
    public func classCounts(
        from: Date, to: Date, districtCode: String? = nil, categoryCode: String? = nil, streets: [String]? = nil,
        byStreet: Bool, as identity: Identity, logger: Logger
    ) async throws -> [ClassCount] {
        try await database.withIdentity(identity, logger: logger) { c in
            var counts: [ClassCount] = []
            for try await (category, district, street, year, month, tickets, calledBack, resolved) in try await c.query(
                """
                SELECT category_code, district_code, street_code, year, month, tickets, called_back, resolved
                FROM hotline.ticket_class_counts(\(from), \(to), \(districtCode), \(categoryCode), \(streets)::text[], \(byStreet))
                """, logger: logger
            ).decode((String, String, String?, Int32, Int32, Int64, Int64, Int64).self) {
                counts.append(ClassCount(
                    categoryCode: category, districtCode: district, streetCode: street, year: Int(year), month: Int(month),
                    tickets: Int(tickets), calledBack: Int(calledBack), resolved: Int(resolved)))
            }
            return counts
        }
    }
}
