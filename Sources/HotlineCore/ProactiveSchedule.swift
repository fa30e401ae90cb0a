import Foundation

/// A calendar day in Beijing time (UTC+8 all year: China keeps no daylight saving), written `YYYY-MM-DD`.
/// Proactive work is planned in days, not instants, so schedules carry these.
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Beijing's offset from UTC, in seconds.
    public static let beijingOffset = 8 * 3600

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), (1...Self.daysIn(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The Beijing calendar day an instant falls on.
    public init(_ instant: Date) {
        let seconds = instant.timeIntervalSince1970 + Double(Self.beijingOffset)
        self = Self(daysSinceEpoch: Int((seconds / 86_400).rounded(.down)))
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// The same day `months` later; a day the month lacks becomes its last day (Jan 31 + 1 month = Feb 28 or 29).
    /// (Like ``adding(days:)``, it may leave the years ``init(year:month:day:)`` accepts, and never traps.)
    public func adding(months: Int) -> CivilDate {
        let index = year * 12 + (month - 1) + months
        let y = index / 12
        let m = index % 12 + 1
        return CivilDate(unchecked: y, month: m, day: min(day, Self.daysIn(year: y, month: m)))
    }

    private init(unchecked year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Midnight at the start of this day, Beijing time.
    public var start: Date { Date(timeIntervalSince1970: Double(daysSinceEpoch * 86_400 - Self.beijingOffset)) }

    public var description: String {
        func pad(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let date = CivilDate(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date YYYY-MM-DD: \(raw)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How often a proactive task comes round.
public enum RecurrenceKind: String, Sendable, Codable, CaseIterable {
    case once, weekly, monthly, yearly
}

/// When a proactive task's occurrences (the ledger entries, 挂账) fall. Occurrence `n` (from 1) is scheduled on the
/// start day moved on by `n - 1` weeks, months or years; months and years keep the start's day of the month, and a
/// day the month lacks becomes its last day (a task started on Jan 31 comes round on Feb 28, or 29 in a leap year,
/// then Mar 31). Each occurrence is due the day before the next one is scheduled, and never after the end; a task
/// done once is due on its end day if it has one, else on its start day.
public struct TaskSchedule: Sendable, Equatable, Codable {
    public var kind: RecurrenceKind
    public var start: CivilDate
    public var end: CivilDate?

    /// At most this many occurrences (a weekly task over ten years): beyond it the schedule is refused.
    public static let maxOccurrences = 530

    public init(kind: RecurrenceKind, start: CivilDate, end: CivilDate? = nil) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// Why the schedule cannot be used, or nil.
    public var problem: String? {
        if !ProactiveRules.years.contains(start.year) || !(end.map { ProactiveRules.years.contains($0.year) } ?? true) {
            return "days from \(ProactiveRules.years.lowerBound)-01-01 to \(ProactiveRules.years.upperBound)-12-31"
        }
        if let end, end < start { return "end is before start" }
        if let total, total > Self.maxOccurrences { return "more than \(Self.maxOccurrences) occurrences" }
        return nil
    }

    /// The day occurrence `n` is scheduled on, ignoring the end.
    func unbounded(_ n: Int) -> CivilDate {
        switch kind {
        case .once: start
        case .weekly: start.adding(days: 7 * (n - 1))
        case .monthly: start.adding(months: n - 1)
        case .yearly: start.adding(months: 12 * (n - 1))
        }
    }

    /// The day occurrence `n` is scheduled on, or nil when the schedule has no such occurrence.
    public func date(of n: Int) -> CivilDate? {
        guard n >= 1 else { return nil }
        if kind == .once { return n == 1 ? start : nil }
        let day = unbounded(n)
        if let end, day > end { return nil }
        return day
    }

    /// The last day occurrence `n` may be closed out on.
    public func due(of n: Int) -> CivilDate? {
        guard let day = date(of: n) else { return nil }
        if kind == .once { return end ?? start }
        let beforeNext = unbounded(n + 1).adding(days: -1)
        return max(day, min(beforeNext, end ?? beforeNext))
    }

    /// How many occurrences there are in all; nil for a recurring task without an end.
    public var total: Int? {
        if kind == .once { return 1 }
        guard let end else { return nil }
        // Count by stepping: at most a few hundred steps, and exact over month ends and leap days.
        var n = 0
        while n <= Self.maxOccurrences, unbounded(n + 1) <= end { n += 1 }
        return n
    }

    /// One ledger entry: when it is scheduled and by when it must be closed out.
    public struct Occurrence: Sendable, Equatable {
        public var n: Int
        public var scheduledOn: CivilDate
        public var dueOn: CivilDate
    }

    /// Every occurrence scheduled on or before `horizon`, and always the first one.
    public func occurrences(through horizon: CivilDate) -> [Occurrence] {
        var result: [Occurrence] = []
        var n = 1
        while n <= Self.maxOccurrences, let day = date(of: n), day <= horizon || n == 1 {
            result.append(Occurrence(n: n, scheduledOn: day, dueOn: due(of: n)!))
            n += 1
        }
        return result
    }
}

/// 主动治理 modes: a campaign on a shared problem (from a monthly theme), area governance (key-governance streets),
/// or forward-looking work on a predicted problem.
public enum ProactiveMode: String, Sendable, Codable, CaseIterable {
    case campaign, area, forecast
}

/// A proactive task's state. `overdue` is never stored: it is derived from the clock (an open occurrence past its
/// due day).
public enum ProactiveTaskStatus: String, Sendable, Codable, CaseIterable {
    case planned
    case inProgress = "in_progress"
    case done
    case overdue
    case cancelled
}

/// A ledger entry's state; `overdue` is derived the same way as the task's.
public enum OccurrenceStatus: String, Sendable, Codable, CaseIterable {
    case open, done, cancelled, overdue
}

public enum ProactiveRules {
    /// Whether an open entry due on `due` is overdue on `today` (Beijing days: overdue from the day after).
    public static func isOverdue(due: CivilDate, today: CivilDate) -> Bool { today > due }

    /// How far ahead the scheduler writes occurrences into the ledger, so the next one is always visible.
    public static let horizonDays = 31

    /// The years a schedule's start and end and a plan item's due day may fall in (as assessment periods): the
    /// calendar arithmetic and the ledger's `YYYY-MM-DD` days stay well inside what ``CivilDate`` holds.
    public static let years = 2000...2100
}
