import Foundation

/// Adds a time limit to an instant. The wall-clock calendar adds elapsed time; a working-day calendar (official
/// holidays and make-up workdays, 调休) can replace it for limits counted in working days without touching callers.
public protocol TimeLimitCalendar: Sendable {
    func add(seconds: Int64, to start: Date) -> Date
}

/// Wall-clock limits: a 24-hour limit ends 24 hours later, nights, weekends and holidays included (the BRIEF's
/// reading of the four tiers). Instants are absolute; shown in Asia/Shanghai.
public struct WallClockCalendar: TimeLimitCalendar {
    public init() {}
    public func add(seconds: Int64, to start: Date) -> Date { start.addingTimeInterval(TimeInterval(seconds)) }
}

/// The three deadlines of one dispatch.
public struct DispatchDeadlines: Sendable, Equatable {
    /// 签收: sign for the order.
    public var signBy: Date
    /// First contact with the requester (the "response").
    public var respondBy: Date
    /// Handle and reply (办理反馈); an approved extension moves it.
    public var handleBy: Date

    public init(signBy: Date, respondBy: Date, handleBy: Date) {
        self.signBy = signBy
        self.respondBy = respondBy
        self.handleBy = handleBy
    }
}

/// The time limits (BRIEF "Time-limit tiers"). The project defaults — sign-for within 2 hours, first contact within
/// 24 hours or the tier if shorter, urgent orders handled as emergencies (2 hours) — live here and only here.
public struct DeadlinePolicy: Sendable {
    /// The longest extension (延期) a unit may ask for beyond its handling deadline: project default 30 days.
    public static let maxExtensionSeconds: Int64 = 30 * 86_400

    public var signForSeconds: Int64
    public var responseSeconds: Int64
    public var calendar: any TimeLimitCalendar

    public init(signForSeconds: Int64 = 2 * 3600, responseSeconds: Int64 = 24 * 3600, calendar: any TimeLimitCalendar = WallClockCalendar()) {
        self.signForSeconds = signForSeconds
        self.responseSeconds = responseSeconds
        self.calendar = calendar
    }

    /// The tier an order runs under: its class's tier, or 2 hours when it is urgent.
    public func effectiveTier(classTier: TimeLimitTier, urgent: Bool) -> TimeLimitTier {
        urgent ? .twoHours : classTier
    }

    /// Deadlines for a dispatch made at `start` under `tier`. No deadline is later than the handling limit.
    public func deadlines(from start: Date, tier: TimeLimitTier) -> DispatchDeadlines {
        let handle = tier.seconds
        return DispatchDeadlines(
            signBy: calendar.add(seconds: min(signForSeconds, handle), to: start),
            respondBy: calendar.add(seconds: min(responseSeconds, handle), to: start),
            handleBy: calendar.add(seconds: handle, to: start))
    }

    /// The progress a dispatch has made, for deciding which deadline is next.
    public struct Progress: Sendable, Equatable {
        public var status: DispatchStatus
        public var acceptedAt: Date?
        public var contactedAt: Date?
        public var repliedAt: Date?

        public init(status: DispatchStatus, acceptedAt: Date? = nil, contactedAt: Date? = nil, repliedAt: Date? = nil) {
            self.status = status
            self.acceptedAt = acceptedAt
            self.contactedAt = contactedAt
            self.repliedAt = repliedAt
        }
    }

    /// The earliest deadline not yet met, or nil when nothing is due (replied, returned, withdrawn).
    /// The store keeps this on the row, so "overdue" is one comparison in SQL and here.
    public static func nextDeadline(_ deadlines: DispatchDeadlines, progress: Progress) -> Date? {
        guard progress.status.isLive, progress.status != .replied else { return nil }
        if progress.acceptedAt == nil { return deadlines.signBy }
        if progress.contactedAt == nil { return deadlines.respondBy }
        if progress.repliedAt == nil { return deadlines.handleBy }
        return nil
    }

    /// Overdue means past the deadline: at the deadline itself it is still on time.
    public static func isOverdue(nextDeadline: Date?, now: Date) -> Bool {
        guard let nextDeadline else { return false }
        return now > nextDeadline
    }
}
