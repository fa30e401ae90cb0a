import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

// Request and response bodies of the proactive-governance routes (themes and proactive tasks).

struct ScheduleBody: Codable {
    var kind: RecurrenceKind
    var start: CivilDate
    var end: CivilDate?

    init(_ s: TaskSchedule) {
        kind = s.kind
        start = s.start
        end = s.end
    }

    var schedule: TaskSchedule { TaskSchedule(kind: kind, start: start, end: end) }
}

struct OccurrenceBody: Encodable {
    var n: Int
    var scheduledOn: CivilDate
    var dueOn: CivilDate
    /// open, done, cancelled, or overdue (open and past its due day).
    var status: String
    var overdueSince: String?
    var completedAt: String?
    var completedBy: String?
    var completedByName: String?
    var completedUnitId: String?
    var report: String?

    init(_ o: ProactiveOccurrence, today: CivilDate) {
        n = o.n
        scheduledOn = o.scheduledOn
        dueOn = o.dueOn
        status = o.status(today: today).rawValue
        overdueSince = o.overdueSince?.iso8601
        completedAt = o.completedAt?.iso8601
        completedBy = o.completedBy
        completedByName = o.completedByName
        completedUnitId = o.completedUnitID
        report = o.report
    }
}

struct ProactiveTaskBody: ResponseEncodable {
    var id: String
    var districtCode: String
    var title: String
    var description: String
    var categoryCode: String
    var streetCodes: [String]
    var unitIds: [String]
    var mode: ProactiveMode
    var schedule: ScheduleBody
    /// null: recurring without an end.
    var occurrenceTotal: Int?
    var status: String
    var nextDueOn: CivilDate?
    var themeId: String?
    var themeItemId: String?
    var createdBy: String
    var createdAt: String
    var updatedAt: String
    /// The ledger, on a single task's reads.
    var occurrences: [OccurrenceBody]?

    init(_ t: ProactiveTask, occurrences: [ProactiveOccurrence]?, today: CivilDate) {
        id = t.id.uuidString.lowercased()
        districtCode = t.districtCode
        title = t.title
        description = t.description
        categoryCode = t.categoryCode
        streetCodes = t.streetCodes
        unitIds = t.unitIDs
        mode = t.mode
        schedule = ScheduleBody(t.schedule)
        occurrenceTotal = t.occurrenceTotal
        status = t.status(today: today).rawValue
        nextDueOn = t.nextDueOn
        themeId = t.themeID?.uuidString.lowercased()
        themeItemId = t.themeItemID
        createdBy = t.createdBy
        createdAt = t.createdAt.iso8601
        updatedAt = t.updatedAt.iso8601
        self.occurrences = occurrences?.map { OccurrenceBody($0, today: today) }
    }
}

struct ProactiveTaskPage: ResponseEncodable {
    var items: [ProactiveTaskBody]
    var nextCursor: String?
}

struct NewProactiveTask: Decodable {
    var districtCode: DistrictCode
    var title: String
    var description: String?
    var categoryCode: String
    var streetCodes: [String]?
    var unitIds: [String]?
    var mode: ProactiveMode
    var schedule: ScheduleBody
    var themeId: UUID?
}

/// PATCH body: every field optional; `schedule.end: null` removes the end; `status: "cancelled"` cancels.
struct ProactiveTaskChange: Decodable {
    var title: String?
    var description: String?
    var streetCodes: [String]?
    var unitIds: [String]?
    var scheduleEnd: CivilDate??
    var status: String?

    enum CodingKeys: String, CodingKey { case title, description, streetCodes, unitIds, schedule, status }
    enum ScheduleKeys: String, CodingKey { case end, kind, start }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        streetCodes = try c.decodeIfPresent([String].self, forKey: .streetCodes)
        unitIds = try c.decodeIfPresent([String].self, forKey: .unitIds)
        status = try c.decodeIfPresent(String.self, forKey: .status)
        if c.contains(.schedule) {
            let s = try c.nestedContainer(keyedBy: ScheduleKeys.self, forKey: .schedule)
            if s.contains(.kind) || s.contains(.start) {
                throw DecodingError.dataCorruptedError(
                    forKey: .kind, in: s, debugDescription: "a task keeps its kind and start; only the end may change")
            }
            if s.contains(.end) {
                scheduleEnd = try s.decodeNil(forKey: .end) ? .some(nil) : .some(try s.decode(CivilDate.self, forKey: .end))
            }
        }
    }
}

struct CompleteOccurrence: Decodable {
    /// What was done (1–4000 characters).
    var report: String
}

struct ThemeBody: ResponseEncodable {
    var id: String
    var month: String
    var title: String
    var summary: String
    var leadUnitId: String
    var problems: [ThemeProblem]
    var plan: ThemePlan
    var createdBy: String
    var createdAt: String
    var updatedAt: String

    init(_ t: Theme) {
        id = t.id.uuidString.lowercased()
        month = t.month
        title = t.title
        summary = t.summary
        leadUnitId = t.leadUnitID
        problems = t.problems
        plan = t.plan
        createdBy = t.createdBy
        createdAt = t.createdAt.iso8601
        updatedAt = t.updatedAt.iso8601
    }
}

struct ThemeList: ResponseEncodable {
    var items: [ThemeBody]
}

/// POST and PATCH body of a theme (POST needs month, title, leadUnitId and problems).
struct ThemeWrite: Decodable {
    var month: String?
    var title: String?
    var summary: String?
    var leadUnitId: String?
    var problems: [ThemeProblem]?
    /// Lists given replace those lists; lists left out stay (on POST: start empty).
    var plan: ThemePlanChange?

    var input: ThemeInput {
        ThemeInput(month: month, title: title, summary: summary, leadUnitID: leadUnitId, problems: problems, plan: plan)
    }
}

struct ConvertThemeBody: Decodable {
    var districtCodes: [DistrictCode]?
}

struct ConvertedTasks: ResponseEncodable {
    struct Item: Encodable {
        var themeItemId: String
        var districtCode: String
        var taskId: String
        var created: Bool
    }
    var items: [Item]
}
