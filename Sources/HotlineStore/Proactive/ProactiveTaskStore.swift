import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// Why a proactive-governance operation could not be done (the API maps these to problems).
public enum ProactiveStoreError: Error, Equatable {
    /// Not there, or not visible to the caller: 404 either way.
    case notFound
    case invalid(field: String, message: String)
    /// The occurrence is already done or cancelled.
    case occurrenceClosed(status: String)
    /// The occurrence's day has not come yet.
    case occurrenceNotStarted(scheduledOn: CivilDate)
    /// The task is cancelled, or done and nothing is left to change.
    case taskClosed(status: String)
    /// Another theme holds that month.
    case monthTaken(String)
}

/// 主动治理任务: a proactive task as stored.
public struct ProactiveTask: Sendable, Equatable {
    public var districtCode: String
    public var id: UUID
    public var title: String
    public var description: String
    public var categoryCode: String
    public var streetCodes: [String]
    public var unitIDs: [String]
    public var mode: ProactiveMode
    public var schedule: TaskSchedule
    public var occurrenceTotal: Int?
    /// planned, in_progress, done or cancelled (overdue is derived: ``status(today:)``).
    public var storedStatus: ProactiveTaskStatus
    public var nextDueOn: CivilDate?
    public var themeID: UUID?
    public var themeItemID: String?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    /// The status shown: overdue when an open occurrence is past its due day.
    public func status(today: CivilDate) -> ProactiveTaskStatus {
        if [.planned, .inProgress].contains(storedStatus), let due = nextDueOn, ProactiveRules.isOverdue(due: due, today: today) {
            return .overdue
        }
        return storedStatus
    }
}

/// One ledger entry of a task.
public struct ProactiveOccurrence: Sendable, Equatable {
    public var n: Int
    public var scheduledOn: CivilDate
    public var dueOn: CivilDate
    /// open, done or cancelled (overdue is derived: ``status(today:)``).
    public var storedStatus: OccurrenceStatus
    public var overdueSince: Date?
    public var completedAt: Date?
    public var completedBy: String?
    public var completedByName: String?
    public var completedUnitID: String?
    public var report: String?

    public func status(today: CivilDate) -> OccurrenceStatus {
        storedStatus == .open && ProactiveRules.isOverdue(due: dueOn, today: today) ? .overdue : storedStatus
    }
}

/// What a new task is made of.
public struct ProactiveTaskInput: Sendable {
    public var districtCode: DistrictCode
    public var title: String
    public var description: String
    public var categoryCode: String
    public var streetCodes: [String]
    /// nil: the task's streets do it (or, without streets, the district government).
    public var unitIDs: [String]?
    public var mode: ProactiveMode
    public var schedule: TaskSchedule
    public var themeID: UUID?
    public var themeItemID: String?

    public init(districtCode: DistrictCode, title: String, description: String = "", categoryCode: String,
                streetCodes: [String] = [], unitIDs: [String]? = nil, mode: ProactiveMode, schedule: TaskSchedule,
                themeID: UUID? = nil, themeItemID: String? = nil) {
        self.districtCode = districtCode
        self.title = title
        self.description = description
        self.categoryCode = categoryCode
        self.streetCodes = streetCodes
        self.unitIDs = unitIDs
        self.mode = mode
        self.schedule = schedule
        self.themeID = themeID
        self.themeItemID = themeItemID
    }
}

/// Changes to a task; nil leaves a field alone.
public struct ProactiveTaskPatch: Sendable {
    public var title: String?
    public var description: String?
    public var streetCodes: [String]?
    public var unitIDs: [String]?
    /// `.some(nil)` removes the end (a recurring task then runs on).
    public var scheduleEnd: CivilDate??
    public var cancel = false

    public init() {}
}

/// Filters of the task list; nil means any.
public struct ProactiveTaskFilter: Sendable {
    public var districtCode: DistrictCode?
    public var unitID: String?
    public var status: ProactiveTaskStatus?
    public var mode: ProactiveMode?
    public var categoryCode: String?
    public var themeID: UUID?
    /// Tasks with an open occurrence due in this range (inclusive).
    public var dueFrom: CivilDate?
    public var dueTo: CivilDate?
    public var after: (Date, UUID)?
    public var limit = 50

    public init() {}
}

/// Proactive tasks and their ledger, read and changed as the caller (row-level security decides what exists).
public struct ProactiveTaskStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let taskColumns = """
        district_code, id, title, description, category_code, street_codes, unit_ids, mode, schedule_kind,
        to_char(schedule_start, 'YYYY-MM-DD') AS schedule_start, to_char(schedule_end, 'YYYY-MM-DD') AS schedule_end,
        occurrence_total, status, to_char(next_due_on, 'YYYY-MM-DD') AS next_due_on, theme_id, theme_item_id,
        created_by, created_at, updated_at
        """

    static func decodeTask(_ row: PostgresRow) throws -> ProactiveTask {
        let r = row.makeRandomAccess()
        func date(_ column: String) throws -> CivilDate? { try r[column].decode(String?.self).flatMap(CivilDate.init) }
        let kind = RecurrenceKind(rawValue: try r["schedule_kind"].decode(String.self)) ?? .once
        return ProactiveTask(
            districtCode: try r["district_code"].decode(String.self), id: try r["id"].decode(UUID.self),
            title: try r["title"].decode(String.self), description: try r["description"].decode(String.self),
            categoryCode: try r["category_code"].decode(String.self),
            streetCodes: try r["street_codes"].decode([String].self), unitIDs: try r["unit_ids"].decode([String].self),
            mode: ProactiveMode(rawValue: try r["mode"].decode(String.self)) ?? .campaign,
            schedule: TaskSchedule(kind: kind, start: try date("schedule_start")!, end: try date("schedule_end")),
            occurrenceTotal: try r["occurrence_total"].decode(Int32?.self).map(Int.init),
            storedStatus: ProactiveTaskStatus(rawValue: try r["status"].decode(String.self)) ?? .planned,
            nextDueOn: try date("next_due_on"), themeID: try r["theme_id"].decode(UUID?.self),
            themeItemID: try r["theme_item_id"].decode(String?.self), createdBy: try r["created_by"].decode(String.self),
            createdAt: try r["created_at"].decode(Date.self), updatedAt: try r["updated_at"].decode(Date.self))
    }

    // MARK: reading

    public func list(_ filter: ProactiveTaskFilter, as identity: Identity, today: CivilDate, logger: Logger) async throws -> [ProactiveTask] {
        let today = today.description
        return try await database.withIdentity(identity, logger: logger) { c in
            let rows = try await c.query(
                """
                SELECT \(unescaped: Self.taskColumns) FROM hotline.proactive_tasks t
                WHERE (\(filter.districtCode?.rawValue)::text IS NULL OR district_code = \(filter.districtCode?.rawValue))
                  AND (\(filter.unitID)::text IS NULL OR unit_ids @> ARRAY[\(filter.unitID)::text])
                  AND (\(filter.mode?.rawValue)::text IS NULL OR mode = \(filter.mode?.rawValue))
                  AND (\(filter.categoryCode)::text IS NULL OR category_code = \(filter.categoryCode))
                  AND (\(filter.themeID)::uuid IS NULL OR theme_id = \(filter.themeID))
                  AND CASE
                        WHEN \(filter.status?.rawValue)::text IS NULL THEN true
                        WHEN \(filter.status?.rawValue)::text = 'overdue'
                            THEN status IN ('planned', 'in_progress') AND next_due_on < \(today)::date
                        WHEN \(filter.status?.rawValue)::text IN ('planned', 'in_progress')
                            THEN status = \(filter.status?.rawValue) AND NOT coalesce(next_due_on < \(today)::date, false)
                        ELSE status = \(filter.status?.rawValue)
                      END
                  AND (\(filter.dueFrom?.description)::date IS NULL AND \(filter.dueTo?.description)::date IS NULL
                       OR EXISTS (SELECT 1 FROM hotline.proactive_occurrences o
                                  WHERE o.district_code = t.district_code AND o.task_id = t.id AND o.status = 'open'
                                    AND (\(filter.dueFrom?.description)::date IS NULL OR o.due_on >= \(filter.dueFrom?.description)::date)
                                    AND (\(filter.dueTo?.description)::date IS NULL OR o.due_on <= \(filter.dueTo?.description)::date)))
                  AND (\(filter.after?.0)::timestamptz IS NULL OR (created_at, id) < (\(filter.after?.0), \(filter.after?.1)))
                ORDER BY created_at DESC, id DESC
                LIMIT \(filter.limit)
                """, logger: logger)
            var tasks: [ProactiveTask] = []
            for try await row in rows { tasks.append(try Self.decodeTask(row)) }
            return tasks
        }
    }

    /// A task and its ledger, or nil when the caller cannot see it.
    public func get(_ id: UUID, as identity: Identity, logger: Logger) async throws -> (ProactiveTask, [ProactiveOccurrence])? {
        try await database.withIdentity(identity, logger: logger) { c in
            guard let task = try await Self.load(id, on: c, lock: false, logger: logger) else { return nil }
            return (task, try await Self.occurrences(of: task, on: c, logger: logger))
        }
    }

    static func load(_ id: UUID, on c: PostgresConnection, lock: Bool, logger: Logger) async throws -> ProactiveTask? {
        let rows = try await c.query(
            "SELECT \(unescaped: taskColumns) FROM hotline.proactive_tasks WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger)
        for try await row in rows { return try decodeTask(row) }
        return nil
    }

    static func occurrences(of task: ProactiveTask, on c: PostgresConnection, logger: Logger) async throws -> [ProactiveOccurrence] {
        let rows = try await c.query(
            """
            SELECT n, to_char(scheduled_on, 'YYYY-MM-DD'), to_char(due_on, 'YYYY-MM-DD'), status, overdue_since,
                   completed_at, completed_by, completed_by_name, completed_unit_id, report
            FROM hotline.proactive_occurrences
            WHERE district_code = \(task.districtCode) AND task_id = \(task.id) ORDER BY n
            """, logger: logger)
        var result: [ProactiveOccurrence] = []
        for try await (n, scheduled, due, status, overdue, completedAt, by, byName, unit, report) in rows.decode(
            (Int32, String, String, String, Date?, Date?, String?, String?, String?, String?).self
        ) {
            result.append(ProactiveOccurrence(
                n: Int(n), scheduledOn: CivilDate(scheduled)!, dueOn: CivilDate(due)!,
                storedStatus: OccurrenceStatus(rawValue: status) ?? .open, overdueSince: overdue, completedAt: completedAt,
                completedBy: by, completedByName: byName, completedUnitID: unit, report: report))
        }
        return result
    }

    // MARK: writing

    /// Creates a task and writes its first occurrences into the ledger (up to ``ProactiveRules/horizonDays`` ahead).
    public func create(
        _ input: ProactiveTaskInput, as identity: Identity, now: Date, logger: Logger
    ) async throws -> (ProactiveTask, [ProactiveOccurrence]) {
        try await database.withIdentity(identity, logger: logger) { c in
            let id = try await Self.insert(input, by: identity, now: now, on: c, logger: logger)
            let task = try await Self.load(id, on: c, lock: false, logger: logger)!
            return (task, try await Self.occurrences(of: task, on: c, logger: logger))
        }
    }

    /// Checks the references of a task (class, streets, units, theme) against the catalogue.
    static func check(_ input: ProactiveTaskInput, on c: PostgresConnection, logger: Logger) async throws {
        if let problem = input.schedule.problem { throw ProactiveStoreError.invalid(field: "schedule", message: problem) }
        // Lengths as the database counts them (code points, not grapheme clusters).
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.unicodeScalars.count > 200 { throw ProactiveStoreError.invalid(field: "title", message: "1 to 200 characters") }
        if input.description.unicodeScalars.count > 4000 {
            throw ProactiveStoreError.invalid(field: "description", message: "at most 4000 characters")
        }
        // A code of the right shape may name no district (110103): no partition would take the row.
        let isDistrict = try await !c.query(
            "SELECT 1 FROM hotline.districts WHERE code = \(input.districtCode.rawValue)", logger: logger).collect().isEmpty
        if !isDistrict { throw ProactiveStoreError.invalid(field: "districtCode", message: "no district \(input.districtCode)") }
        let isClass = try await !c.query(
            "SELECT 1 FROM hotline.categories WHERE code = \(input.categoryCode) AND length(code) = 4 AND active",
            logger: logger).collect().isEmpty
        if !isClass { throw ProactiveStoreError.invalid(field: "categoryCode", message: "not an active class of the catalogue") }
        let named = Set(input.streetCodes + (input.unitIDs ?? []))
        var units: [String: (String, String?)] = [:]
        if !named.isEmpty {
            for try await (id, kind, district) in try await c.query(
                "SELECT id, kind, district_code FROM hotline.units WHERE id = ANY(\(Array(named))) AND active", logger: logger
            ).decode((String, String, String?).self) { units[id] = (kind, district) }
        }
        let district = input.districtCode.rawValue
        if input.streetCodes.count > 50 || Set(input.streetCodes).count != input.streetCodes.count {
            throw ProactiveStoreError.invalid(field: "streetCodes", message: "at most 50 distinct streets")
        }
        for s in input.streetCodes where units[s]?.0 != "street" || units[s]?.1 != district {
            throw ProactiveStoreError.invalid(field: "streetCodes", message: "\(s) is not a street of district \(district)")
        }
        if let ids = input.unitIDs {
            if ids.isEmpty || ids.count > 50 || Set(ids).count != ids.count {
                throw ProactiveStoreError.invalid(field: "unitIds", message: "1 to 50 distinct units")
            }
            for u in ids {
                guard let (kind, unitDistrict) = units[u] else {
                    throw ProactiveStoreError.invalid(field: "unitIds", message: "\(u) is not an active unit")
                }
                if ["street", "district_government"].contains(kind), unitDistrict != district {
                    throw ProactiveStoreError.invalid(field: "unitIds", message: "\(u) is not a unit of district \(district)")
                }
            }
        }
        if input.mode == .campaign, input.themeID == nil {
            throw ProactiveStoreError.invalid(field: "themeId", message: "a campaign comes from a monthly theme")
        }
        if let theme = input.themeID {
            let exists = try await !c.query("SELECT 1 FROM hotline.themes WHERE id = \(theme)", logger: logger).collect().isEmpty
            if !exists { throw ProactiveStoreError.invalid(field: "themeId", message: "no such theme") }
        }
    }

    static func insert(_ input: ProactiveTaskInput, by identity: Identity, now: Date, on c: PostgresConnection, logger: Logger) async throws -> UUID {
        try await check(input, on: c, logger: logger)
        let units = input.unitIDs ?? (input.streetCodes.isEmpty ? ["gov.\(input.districtCode.rawValue)"] : input.streetCodes)
        let id = UUID()
        let total = input.schedule.total
        let today = CivilDate(now)
        let status = input.schedule.start <= today ? "in_progress" : "planned"
        try await c.query(
            """
            INSERT INTO hotline.proactive_tasks (district_code, id, title, description, category_code, street_codes,
                unit_ids, mode, schedule_kind, schedule_start, schedule_end, occurrence_total, status, theme_id,
                theme_item_id, created_by, created_at, updated_at)
            VALUES (\(input.districtCode.rawValue), \(id), \(input.title.trimmingCharacters(in: .whitespacesAndNewlines)),
                    \(input.description), \(input.categoryCode), \(input.streetCodes), \(units), \(input.mode.rawValue),
                    \(input.schedule.kind.rawValue), \(input.schedule.start.description)::date,
                    \(input.schedule.end?.description)::date, \(total)::int, \(status), \(input.themeID),
                    \(input.themeItemID), \(identity.id), \(now), \(now))
            """, logger: logger)
        let task = try await load(id, on: c, lock: false, logger: logger)!
        _ = try await materialise(task, through: today.adding(days: ProactiveRules.horizonDays), now: now, on: c, logger: logger)
        try await refresh(taskID: id, today: today, on: c, logger: logger)
        return id
    }

    /// Writes the occurrences scheduled up to `horizon` that the ledger lacks; returns how many it wrote.
    static func materialise(_ task: ProactiveTask, through horizon: CivilDate, now: Date, on c: PostgresConnection, logger: Logger) async throws -> Int {
        let due = task.schedule.occurrences(through: horizon)
        guard !due.isEmpty else { return 0 }
        let rows = try await c.query(
            """
            INSERT INTO hotline.proactive_occurrences (district_code, task_id, n, scheduled_on, due_on, created_at)
            SELECT \(task.districtCode), \(task.id), x.n, x.s::date, x.d::date, \(now)
            FROM unnest(\(due.map(\.n))::int[], \(due.map(\.scheduledOn.description))::text[], \(due.map(\.dueOn.description))::text[])
                 AS x(n, s, d)
            ON CONFLICT DO NOTHING
            RETURNING n
            """, logger: logger).collect()
        return rows.count
    }

    /// Brings stored status and next due day in line with the ledger (one task, or all when `taskID` is nil).
    static func refresh(taskID: UUID?, today: CivilDate, on c: PostgresConnection, logger: Logger) async throws {
        _ = try await c.query(
            """
            WITH o AS (
                SELECT x.district_code, x.task_id, min(x.due_on) FILTER (WHERE x.status = 'open') AS next_due,
                       count(*) FILTER (WHERE x.status = 'done') AS done
                FROM hotline.proactive_occurrences x
                WHERE (\(taskID)::uuid IS NULL OR x.task_id = \(taskID))
                GROUP BY 1, 2),
            s AS (
                SELECT t.district_code, t.id, o.next_due,
                       CASE WHEN t.occurrence_total IS NOT NULL AND o.done >= t.occurrence_total THEN 'done'
                            WHEN o.done > 0 OR t.schedule_start <= \(today.description)::date THEN 'in_progress'
                            ELSE 'planned' END AS status
                FROM hotline.proactive_tasks t JOIN o ON o.district_code = t.district_code AND o.task_id = t.id
                WHERE t.status <> 'cancelled')
            UPDATE hotline.proactive_tasks t SET next_due_on = s.next_due, status = s.status
            FROM s
            WHERE s.district_code = t.district_code AND s.id = t.id
              AND (t.next_due_on, t.status) IS DISTINCT FROM (s.next_due, s.status)
            RETURNING t.id
            """, logger: logger).collect()
    }

    /// Changes a task (district admins and planners). Moving the end cancels open occurrences beyond it, or lets
    /// the ledger run further; cancelling closes every open occurrence.
    public func update(
        _ id: UUID, _ patch: ProactiveTaskPatch, as identity: Identity, now: Date, logger: Logger
    ) async throws -> (ProactiveTask, [ProactiveOccurrence]) {
        try await database.withIdentity(identity, logger: logger) { c in
            guard var task = try await Self.load(id, on: c, lock: true, logger: logger) else { throw ProactiveStoreError.notFound }
            if task.storedStatus == .cancelled { throw ProactiveStoreError.taskClosed(status: "cancelled") }
            // A task closed out in full stays on the record as done: it is not cancelled afterwards.
            if patch.cancel, task.storedStatus == .done { throw ProactiveStoreError.taskClosed(status: "done") }
            let today = CivilDate(now)
            var input = ProactiveTaskInput(
                districtCode: DistrictCode(task.districtCode)!, title: patch.title ?? task.title,
                description: patch.description ?? task.description, categoryCode: task.categoryCode,
                streetCodes: patch.streetCodes ?? task.streetCodes, unitIDs: patch.unitIDs ?? task.unitIDs, mode: task.mode,
                schedule: task.schedule, themeID: task.themeID, themeItemID: task.themeItemID)
            if let end = patch.scheduleEnd {
                guard task.schedule.kind != .once || end != nil else {
                    throw ProactiveStoreError.invalid(field: "schedule.end", message: "a task done once keeps its window; give a day")
                }
                input.schedule.end = end
            }
            try await Self.check(input, on: c, logger: logger)
            let total = input.schedule.total
            if let total {
                // Occurrences already closed out stay: the end cannot cut them off.
                let lastDone = try await c.first(Int32.self,
                    """
                    SELECT coalesce(max(n), 0) FROM hotline.proactive_occurrences
                    WHERE district_code = \(task.districtCode) AND task_id = \(task.id) AND status = 'done'
                    """, logger: logger) ?? 0
                if Int(lastDone) > total {
                    throw ProactiveStoreError.invalid(field: "schedule.end", message: "occurrence \(lastDone) is already closed out")
                }
            }
            try await c.query(
                """
                UPDATE hotline.proactive_tasks
                SET title = \(input.title.trimmingCharacters(in: .whitespacesAndNewlines)), description = \(input.description),
                    street_codes = \(input.streetCodes), unit_ids = \(input.unitIDs ?? task.unitIDs),
                    schedule_end = \(input.schedule.end?.description)::date, occurrence_total = \(total)::int,
                    status = CASE WHEN \(patch.cancel) THEN 'cancelled' ELSE status END,
                    next_due_on = CASE WHEN \(patch.cancel) THEN NULL ELSE next_due_on END,
                    updated_at = \(now)
                WHERE district_code = \(task.districtCode) AND id = \(task.id)
                """, logger: logger)
            // Open entries the task no longer has (cancelled, or beyond a new end) are cancelled, not deleted.
            try await c.query(
                """
                UPDATE hotline.proactive_occurrences SET status = 'cancelled'
                WHERE district_code = \(task.districtCode) AND task_id = \(task.id) AND status = 'open'
                  AND (\(patch.cancel) OR (\(total)::int IS NOT NULL AND n > \(total)::int))
                """, logger: logger)
            task = try await Self.load(id, on: c, lock: false, logger: logger)!
            if !patch.cancel {
                // A moved end moves the due day of the open entries it now cuts short (or no longer does).
                let open = try await Self.occurrences(of: task, on: c, logger: logger).filter { $0.storedStatus == .open }
                let dues = open.compactMap { o in task.schedule.due(of: o.n).map { (o.n, $0.description) } }
                if !dues.isEmpty {
                    try await c.query(
                        """
                        UPDATE hotline.proactive_occurrences o SET due_on = x.d::date
                        FROM unnest(\(dues.map(\.0))::int[], \(dues.map(\.1))::text[]) AS x(n, d)
                        WHERE o.district_code = \(task.districtCode) AND o.task_id = \(task.id) AND o.n = x.n
                          AND o.status = 'open' AND o.due_on <> x.d::date
                        """, logger: logger)
                }
                _ = try await Self.materialise(task, through: today.adding(days: ProactiveRules.horizonDays), now: now, on: c, logger: logger)
                try await Self.refresh(taskID: id, today: today, on: c, logger: logger)
            }
            let updated = try await Self.load(id, on: c, lock: false, logger: logger)!
            return (updated, try await Self.occurrences(of: updated, on: c, logger: logger))
        }
    }

    /// 销账: closes occurrence `n` out with a report. Assigned units, the district admin and planners may.
    public func complete(
        _ id: UUID, occurrence n: Int, report: String, as identity: Identity, now: Date, logger: Logger
    ) async throws -> (ProactiveTask, [ProactiveOccurrence]) {
        try await database.withIdentity(identity, logger: logger) { c in
            guard let task = try await Self.load(id, on: c, lock: true, logger: logger) else { throw ProactiveStoreError.notFound }
            let entries = try await Self.occurrences(of: task, on: c, logger: logger)
            guard let entry = entries.first(where: { $0.n == n }) else { throw ProactiveStoreError.notFound }
            guard entry.storedStatus == .open else { throw ProactiveStoreError.occurrenceClosed(status: entry.storedStatus.rawValue) }
            let today = CivilDate(now)
            guard entry.scheduledOn <= today else { throw ProactiveStoreError.occurrenceNotStarted(scheduledOn: entry.scheduledOn) }
            try await c.query(
                """
                UPDATE hotline.proactive_occurrences
                SET status = 'done', completed_at = \(now), completed_by = \(identity.id), completed_by_name = \(identity.name),
                    completed_unit_id = \(identity.unitID), report = \(report)
                WHERE district_code = \(task.districtCode) AND task_id = \(task.id) AND n = \(n)::int
                """, logger: logger)
            try await Self.refresh(taskID: id, today: today, on: c, logger: logger)
            let after = try await Self.load(id, on: c, lock: false, logger: logger)!
            return (after, try await Self.occurrences(of: after, on: c, logger: logger))
        }
    }

    // MARK: the scheduler

    /// What one scheduler run did.
    public struct TickResult: Sendable, Equatable {
        /// False when another server held the run's lock (it did the work).
        public var ran: Bool
        public var occurrencesCreated: Int
        public var markedOverdue: Int

        public init(ran: Bool, occurrencesCreated: Int, markedOverdue: Int) {
            self.ran = ran
            self.occurrencesCreated = occurrencesCreated
            self.markedOverdue = markedOverdue
        }
    }

    /// The identity the scheduler acts as: a machine caller with the city-wide planning role.
    public static let schedulerIdentity = Identity(
        kind: .client, id: "proactive-scheduler", name: "proactive scheduler", role: .proactivePlanner,
        districtCode: nil, unitID: nil)

    /// Writes the next occurrences of recurring tasks and marks open ones past due. Safe to run twice (the ledger's
    /// key refuses doubles and a marked entry is not marked again) and from two servers at once (a transaction
    /// advisory lock: the second run finds it taken and does nothing).
    public func tick(now: Date, logger: Logger) async throws -> TickResult {
        try await database.withIdentity(Self.schedulerIdentity, logger: logger) { c in
            let locked = try await c.first(Bool.self,
                "SELECT pg_try_advisory_xact_lock(hashtext('hotline.proactive_tick'))", logger: logger) ?? false
            guard locked else { return TickResult(ran: false, occurrencesCreated: 0, markedOverdue: 0) }
            let today = CivilDate(now)
            let horizon = today.adding(days: ProactiveRules.horizonDays)
            // Tasks whose ledger may lack entries up to the horizon.
            let rows = try await c.query(
                """
                SELECT \(unescaped: Self.taskColumns) FROM hotline.proactive_tasks t
                WHERE status IN ('planned', 'in_progress')
                  AND (occurrence_total IS NULL OR occurrence_total > (
                        SELECT count(*) FROM hotline.proactive_occurrences o
                        WHERE o.district_code = t.district_code AND o.task_id = t.id))
                """, logger: logger)
            var tasks: [ProactiveTask] = []
            for try await row in rows { tasks.append(try Self.decodeTask(row)) }
            var created = 0
            for task in tasks {
                created += try await Self.materialise(task, through: horizon, now: now, on: c, logger: logger)
            }
            let marked = try await c.query(
                """
                UPDATE hotline.proactive_occurrences SET overdue_since = \(now)
                WHERE status = 'open' AND due_on < \(today.description)::date AND overdue_since IS NULL
                RETURNING district_code, task_id, n
                """, logger: logger).collect().count
            try await Self.refresh(taskID: nil, today: today, on: c, logger: logger)
            return TickResult(ran: true, occurrencesCreated: created, markedOverdue: marked)
        }
    }
}
