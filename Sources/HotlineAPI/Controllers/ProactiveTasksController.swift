import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// 未诉先办: proactive tasks per district, their ledger of occurrences (挂账, closed out one by one: 销账), forecast
/// suggestions and the effect of a task. Who sees a task is row-level security's (like tickets): planners, city
/// admins and analysts every district, a district admin theirs, a street or department the tasks assigned to it.
///
/// | method | path                                                    | who                                    |
/// |--------|---------------------------------------------------------|----------------------------------------|
/// | GET    | /api/v1/proactive-tasks                                 | all but the centre, within scope       |
/// | POST   | /api/v1/proactive-tasks                                 | city_admin, planner, district_admin (own) |
/// | GET    | /api/v1/proactive-tasks/suggestions?month=&districtCode= | city_admin, planner, analyst, district_admin (own) |
/// | GET    | /api/v1/proactive-tasks/{id}                            | all but the centre, within scope       |
/// | PATCH  | /api/v1/proactive-tasks/{id}                            | city_admin, planner, district_admin (own) |
/// | POST   | /api/v1/proactive-tasks/{id}/occurrences/{n}/complete   | planners, district_admin, assigned units |
/// | GET    | /api/v1/proactive-tasks/{id}/effect?days=               | all but the centre, within scope       |
struct ProactiveTasksController {
    let store: ProactiveTaskStore
    let themes: ThemeStore
    let assessments: AssessmentStore
    let reference: ReferenceStore
    let clock: WallClock

    /// Roles that read proactive tasks at all (row-level security narrows each one).
    static let readers: Set<Role> = [.cityAdmin, .proactivePlanner, .analyst, .districtAdmin, .streetHandler, .departmentHandler]
    static let managers: Set<Role> = [.cityAdmin, .proactivePlanner, .districtAdmin]

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("/proactive-tasks", use: list)
        group.post("/proactive-tasks", use: create)
        group.get("/proactive-tasks/suggestions", use: suggestions)
        group.get("/proactive-tasks/{id}", use: get)
        group.patch("/proactive-tasks/{id}", use: update)
        group.post("/proactive-tasks/{id}/occurrences/{n}/complete", use: complete)
        group.get("/proactive-tasks/{id}/effect", use: effect)
    }

    var today: CivilDate { CivilDate(clock.now) }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id")
    }

    static func date(_ request: Request, _ name: String) throws -> CivilDate? {
        guard let raw = request.uri.queryParameters[Substring(name)].map({ String($0) }) else { return nil }
        guard let d = CivilDate(raw) else { throw Problem.invalidParameter(name, "a day such as 2026-11-30") }
        return d
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ProactiveTaskPage {
        try context.require(Self.readers)
        let q = request.uri.queryParameters
        func param(_ name: String) -> String? { q[Substring(name)].map { String($0) } }
        var filter = ProactiveTaskFilter()
        if let raw = param("districtCode") {
            guard let d = DistrictCode(raw) else { throw Problem.invalidParameter("districtCode", "not a district code") }
            filter.districtCode = d
        }
        filter.unitID = param("unitId")
        if let raw = param("status") {
            guard let s = ProactiveTaskStatus(rawValue: raw) else {
                throw Problem.invalidParameter("status", "planned, in_progress, done, overdue or cancelled")
            }
            filter.status = s
        }
        if let raw = param("mode") {
            guard let m = ProactiveMode(rawValue: raw) else { throw Problem.invalidParameter("mode", "campaign, area or forecast") }
            filter.mode = m
        }
        filter.categoryCode = param("categoryCode")
        if let raw = param("themeId") {
            guard let t = UUID(uuidString: raw) else { throw Problem.invalidParameter("themeId", "a theme id") }
            filter.themeID = t
        }
        filter.dueFrom = try Self.date(request, "dueFrom")
        filter.dueTo = try Self.date(request, "dueTo")
        if let raw = param("limit") {
            guard let v = Int(raw), (1...200).contains(v) else { throw Problem.invalidParameter("limit", "1 to 200") }
            filter.limit = v
        }
        if let raw = param("cursor") {
            guard let after = TicketsController.decodeCursor(raw) else { throw Problem.invalidParameter("cursor", "not a cursor from nextCursor") }
            filter.after = after
        }
        let limit = filter.limit
        filter.limit = limit + 1
        let today = today
        let tasks = try await store.list(filter, as: context.identity, today: today, logger: context.logger)
        let page = Array(tasks.prefix(limit))
        return ProactiveTaskPage(
            items: page.map { ProactiveTaskBody($0, occurrences: nil, today: today) },
            nextCursor: tasks.count > limit ? page.last.map { TicketsController.encodeCursor($0.createdAt, $0.id) } : nil)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(Self.managers)
        let body = try await request.decodeJSON(as: NewProactiveTask.self, context: context)
        if context.identity.role == .districtAdmin, body.districtCode != context.identity.districtCode {
            throw Problem.forbidden("A district admin plans tasks of their own district only.")
        }
        let input = ProactiveTaskInput(
            districtCode: body.districtCode, title: body.title, description: body.description ?? "",
            categoryCode: body.categoryCode, streetCodes: body.streetCodes ?? [], unitIDs: body.unitIds, mode: body.mode,
            schedule: body.schedule.schedule, themeID: body.themeId)
        let (task, occurrences) = try await store.create(input, as: context.identity, now: clock.now, logger: context.logger)
        context.logger.info("proactive task created", metadata: ["task": "\(task.id)", "district": "\(task.districtCode)"])
        var response = try ProactiveTaskBody(task, occurrences: occurrences, today: today).response(from: request, context: context)
        response.status = .created
        response.headers[.location] = "/api/v1/proactive-tasks/\(task.id.uuidString.lowercased())"
        return response
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> ProactiveTaskBody {
        try context.require(Self.readers)
        guard let (task, occurrences) = try await store.get(try Self.id(context), as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such task.")
        }
        return ProactiveTaskBody(task, occurrences: occurrences, today: today)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> ProactiveTaskBody {
        try context.require(Self.managers)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(as: ProactiveTaskChange.self, context: context)
        var patch = ProactiveTaskPatch()
        patch.title = body.title
        patch.description = body.description
        patch.streetCodes = body.streetCodes
        patch.unitIDs = body.unitIds
        patch.scheduleEnd = body.scheduleEnd
        if let status = body.status {
            guard status == "cancelled" else {
                throw Problem.validation([.init(field: "status", message: "only \"cancelled\"; the others follow the ledger")])
            }
            patch.cancel = true
        }
        let (task, occurrences) = try await store.update(id, patch, as: context.identity, now: clock.now, logger: context.logger)
        return ProactiveTaskBody(task, occurrences: occurrences, today: today)
    }

    @Sendable func complete(_ request: Request, context: AuthenticatedContext) async throws -> ProactiveTaskBody {
        try context.require([.cityAdmin, .proactivePlanner, .districtAdmin, .streetHandler, .departmentHandler])
        let id = try Self.id(context)
        let n = try context.parameters.positiveInt("n")
        let body = try await request.decodeJSON(as: CompleteOccurrence.self, context: context)
        let report = body.report.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !report.isEmpty, report.unicodeScalars.count <= 4000 else {
            throw Problem.validation([.init(field: "report", message: "1 to 4000 characters")])
        }
        let (task, occurrences) = try await store.complete(id, occurrence: n, report: report, as: context.identity, now: clock.now, logger: context.logger)
        context.logger.info("occurrence closed out", metadata: ["task": "\(id)", "n": "\(n)"])
        return ProactiveTaskBody(task, occurrences: occurrences, today: today)
    }

    // MARK: effect

    struct Effect: ResponseEncodable {
        struct Window: Encodable {
            var from: String
            var to: String
            var tickets: Int
            var calledBack: Int
            var resolved: Int
            var resolutionRate: Double?
            init(_ w: EffectJudgement.Window) {
                from = w.from.iso8601
                to = w.to.iso8601
                tickets = w.tickets
                calledBack = w.calledBack
                resolved = w.resolved
                resolutionRate = w.resolutionRate
            }
        }
        var taskId: String
        var districtCode: String
        var categoryCode: String
        var streetCodes: [String]
        var days: Int
        var after: Window
        var before: Window
        var yearEarlier: Window
        var changeFromBefore: Double?
        var changeFromYearEarlier: Double?
        var verdict: EffectJudgement.Verdict
        var reasons: [String]
    }

    @Sendable func effect(_ request: Request, context: AuthenticatedContext) async throws -> Effect {
        try context.require(Self.readers)
        let id = try Self.id(context)
        var days = 90
        if let raw = request.uri.queryParameters["days"].map({ String($0) }) {
            guard let v = Int(raw), (7...365).contains(v) else { throw Problem.invalidParameter("days", "7 to 365") }
            days = v
        }
        guard let (task, _) = try await store.get(id, as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such task.")
        }
        // The task's area and class, in three windows of `days` days: from its start, before it, a year earlier.
        let start = task.schedule.start
        let yearAgo = start.adding(months: -12)
        let spans = [(start, start.adding(days: days)), (start.adding(days: -days), start), (yearAgo, yearAgo.adding(days: days))]
        var windows: [EffectJudgement.Window] = []
        for (from, to) in spans {
            let counts = try await themes.classCounts(
                from: from.start, to: to.start, districtCode: task.districtCode, categoryCode: task.categoryCode,
                streets: task.streetCodes.isEmpty ? nil : task.streetCodes, byStreet: false, as: context.identity, logger: context.logger)
            windows.append(EffectJudgement.Window(
                from: from.start, to: to.start, tickets: counts.reduce(0) { $0 + $1.tickets },
                calledBack: counts.reduce(0) { $0 + $1.calledBack }, resolved: counts.reduce(0) { $0 + $1.resolved }))
        }
        let judgement = EffectJudgement().judge(after: windows[0], before: windows[1], yearEarlier: windows[2], now: clock.now)
        return Effect(
            taskId: task.id.uuidString.lowercased(), districtCode: task.districtCode, categoryCode: task.categoryCode,
            streetCodes: task.streetCodes, days: days, after: .init(windows[0]), before: .init(windows[1]),
            yearEarlier: .init(windows[2]), changeFromBefore: judgement.changeFromBefore,
            changeFromYearEarlier: judgement.changeFromYearEarlier, verdict: judgement.verdict, reasons: judgement.reasons)
    }

    // MARK: suggestions

    struct Suggestions: ResponseEncodable {
        struct Evidence: Encodable {
            var streetCode: String
            var year: Int
            var tickets: Int
            var monthlyAverage: Double
            var lift: Double
        }
        struct Suggestion: Encodable {
            var mode: ProactiveMode
            var districtCode: String
            var title: String
            var categoryCode: String
            var categoryName: String?
            var streetCodes: [String]
            var streetNames: [String]
            var unitIds: [String]
            var schedule: ScheduleBody
            var reason: String
            var evidence: [Evidence]
        }
        var month: String
        var districtCode: String?
        var suggestions: [Suggestion]
    }

    /// Forecast tasks from seasonal patterns of the past three years, and area tasks for the key-governance streets
    /// of the month before. Each suggestion is a ready body for `POST /proactive-tasks`.
    @Sendable func suggestions(_ request: Request, context: AuthenticatedContext) async throws -> Suggestions {
        try context.require([.cityAdmin, .proactivePlanner, .analyst, .districtAdmin])
        let q = request.uri.queryParameters
        guard let raw = q["month"].map({ String($0) }), let month = AssessmentPeriod(raw) else {
            throw Problem.invalidParameter("month", "a month such as 2026-11")
        }
        var district: DistrictCode?
        if let raw = q["districtCode"].map({ String($0) }) {
            guard let d = DistrictCode(raw) else { throw Problem.invalidParameter("districtCode", "not a district code") }
            district = d
        }
        let identity = context.identity
        if identity.role == .districtAdmin {
            if let district, district != identity.districtCode {
                throw Problem.forbidden("A district admin plans for their own district only.")
            }
            district = identity.districtCode
        }
        let categories = Dictionary(uniqueKeysWithValues: try await reference.categories(logger: context.logger).map { ($0.code, $0) })
        var names: [String: String] = [:]
        for u in try await reference.units(districtCode: district, kind: .street, logger: context.logger) { names[u.id] = u.nameZh }
        let monthStart = CivilDate(year: month.year, month: month.month, day: 1)!
        var suggestions: [Suggestions.Suggestion] = []

        // Seasonal patterns: the same month in each of the past three years.
        let past = try await themes.classCounts(
            from: CivilDate(year: month.year - 3, month: 1, day: 1)!.start, to: CivilDate(year: month.year, month: 1, day: 1)!.start,
            districtCode: district?.rawValue, byStreet: true, as: identity, logger: context.logger)
        for f in SeasonalForecast().findings(month: month.month, counts: past, before: month.year) {
            let name = categories[f.categoryCode]?.nameZh ?? f.categoryCode
            let years = Set(f.evidence.map(\.year)).sorted().map(String.init).joined(separator: ", ")
            suggestions.append(.init(
                mode: .forecast, districtCode: f.districtCode, title: "\(name): 未诉先办 before \(month)",
                categoryCode: f.categoryCode, categoryName: categories[f.categoryCode]?.nameZh, streetCodes: f.streetCodes,
                streetNames: f.streetCodes.map { names[$0] ?? $0 }, unitIds: f.streetCodes,
                // Done in the second half of the month before, ahead of the rise.
                schedule: ScheduleBody(TaskSchedule(kind: .once, start: monthStart.adding(days: -15), end: monthStart.adding(days: -1))),
                reason: "rises in month \(month.month) in these streets every year on record (\(years))",
                evidence: f.evidence.map {
                    .init(streetCode: $0.streetCode, year: $0.year, tickets: $0.tickets, monthlyAverage: $0.monthlyAverage, lift: $0.lift)
                }))
        }

        // Key-governance streets of the month before, each with its most frequent class of the last three months.
        let (_, listings) = try await assessments.keyStreets(month.minus(1), as: identity, logger: context.logger)
        let keyStreets = listings.filter { $0.key && (district == nil || $0.districtCode == district?.rawValue) }
        if !keyStreets.isEmpty {
            let recent = try await themes.classCounts(
                from: month.minus(3).interval.from, to: month.interval.from, districtCode: district?.rawValue,
                streets: keyStreets.map(\.unitID), byStreet: true, as: identity, logger: context.logger)
            for street in keyStreets {
                var byClass: [String: Int] = [:]
                for c in recent where c.streetCode == street.unitID { byClass[c.categoryCode, default: 0] += c.tickets }
                guard let (top, n) = byClass.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
                      let districtCode = street.districtCode else { continue }
                let name = categories[top]?.nameZh ?? top
                suggestions.append(.init(
                    mode: .area, districtCode: districtCode, title: "\(names[street.unitID] ?? street.unitID) 重点治理: \(name)",
                    categoryCode: top, categoryName: categories[top]?.nameZh, streetCodes: [street.unitID],
                    streetNames: [names[street.unitID] ?? street.unitID], unitIds: [street.unitID],
                    schedule: ScheduleBody(TaskSchedule(kind: .monthly, start: monthStart, end: monthStart.adding(months: 3).adding(days: -1))),
                    reason: "a key-governance street (listed \(street.listedMonths.map(\.description).joined(separator: ", "))); "
                        + "\(n) tickets of this class in the three months before \(month)",
                    evidence: []))
            }
        }
        return Suggestions(month: month.description, districtCode: district?.rawValue, suggestions: suggestions)
    }
}
