import Foundation
import HotlineCore
import Testing

/// Instants in Asia/Shanghai wall-clock terms and in UTC, for the calendar tests.
private enum Clock {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func instant(_ iso: String) throws -> Date { try Date(iso, strategy: .iso8601) }

    /// `2028-02-29 20:00:00` in Asia/Shanghai.
    static func wall(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = shanghai
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let n = n ?? -1; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year ?? -1)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    /// `2028-02-29T12:00:00Z`.
    static func utc(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// A calendar that counts every limit twice, to show the policy goes through its calendar.
private struct DoublingCalendar: TimeLimitCalendar {
    func add(seconds: Int64, to start: Date) -> Date { start.addingTimeInterval(TimeInterval(2 * seconds)) }
}

@Suite struct DeadlinePolicyTests {
    let policy = DeadlinePolicy()
    let start = Fx.t0

    @Test func eachTier() throws {
        // Tier → seconds after the dispatch: (signBy, respondBy, handleBy).
        let table: [TimeLimitTier: (sign: Double, respond: Double, handle: Double)] = [
            .twoHours: (7_200, 7_200, 7_200),        // sign 2 h; response and handling cut to the 2 h tier
            .oneDay: (7_200, 86_400, 86_400),        // response 24 h = the tier
            .sevenDays: (7_200, 86_400, 604_800),
            .fifteenDays: (7_200, 86_400, 1_296_000),
        ]
        #expect(Set(table.keys) == Set(TimeLimitTier.allCases))
        for tier in TimeLimitTier.allCases {
            let want = try #require(table[tier])
            #expect(
                policy.deadlines(from: start, tier: tier)
                    == DispatchDeadlines(
                        signBy: start.addingTimeInterval(want.sign), respondBy: start.addingTimeInterval(want.respond),
                        handleBy: start.addingTimeInterval(want.handle)),
                "\(tier)")
        }
    }

    @Test func urgentRunsAsTwoHours() {
        for tier in TimeLimitTier.allCases {
            #expect(policy.effectiveTier(classTier: tier, urgent: true) == .twoHours)
            #expect(policy.effectiveTier(classTier: tier, urgent: false) == tier)
        }
        let urgent = policy.deadlines(from: start, tier: policy.effectiveTier(classTier: .fifteenDays, urgent: true))
        #expect(urgent == DispatchDeadlines(signBy: Fx.at(hours: 2), respondBy: Fx.at(hours: 2), handleBy: Fx.at(hours: 2)))
    }

    @Test func otherDefaultsAreNeverLaterThanTheTier() {
        let custom = DeadlinePolicy(signForSeconds: 4 * 3600, responseSeconds: 12 * 3600)
        #expect(custom.deadlines(from: start, tier: .twoHours) == DispatchDeadlines(signBy: Fx.at(hours: 2), respondBy: Fx.at(hours: 2), handleBy: Fx.at(hours: 2)))
        #expect(custom.deadlines(from: start, tier: .sevenDays) == DispatchDeadlines(signBy: Fx.at(hours: 4), respondBy: Fx.at(hours: 12), handleBy: Fx.at(hours: 168)))
    }

    @Test func theCalendarIsPluggable() {
        #expect(WallClockCalendar().add(seconds: 86_400, to: start) == Fx.at(hours: 24))
        let doubled = DeadlinePolicy(calendar: DoublingCalendar()).deadlines(from: start, tier: .oneDay)
        #expect(doubled == DispatchDeadlines(signBy: Fx.at(hours: 4), respondBy: Fx.at(hours: 48), handleBy: Fx.at(hours: 48)))
    }

    @Test func acrossMidnight() throws {
        // Dispatched 2026-11-20 23:30 Beijing time = 2026-11-20T15:30:00Z (epoch 1_795_188_600).
        let start = try Clock.instant("2026-11-20T23:30:00+08:00")
        #expect(start == Date(timeIntervalSince1970: 1_795_188_600))
        // Urgent (2 h): everything due 01:30 the next Beijing day, which is still the 20th in UTC.
        let urgent = policy.deadlines(from: start, tier: .twoHours)
        #expect(Clock.wall(urgent.handleBy) == "2026-11-21 01:30:00")
        #expect(Clock.utc(urgent.handleBy) == "2026-11-20T17:30:00Z")
        #expect(urgent.signBy == urgent.handleBy && urgent.respondBy == urgent.handleBy)
        // 7 days: sign 21st 01:30, respond 21st 23:30, handle 27th 23:30 (Beijing).
        let week = policy.deadlines(from: start, tier: .sevenDays)
        #expect(Clock.wall(week.signBy) == "2026-11-21 01:30:00")
        #expect(Clock.wall(week.respondBy) == "2026-11-21 23:30:00")
        #expect(Clock.utc(week.respondBy) == "2026-11-21T15:30:00Z")
        #expect(Clock.wall(week.handleBy) == "2026-11-27 23:30:00")
        #expect(Clock.utc(week.handleBy) == "2026-11-27T15:30:00Z")
        #expect(week.handleBy == Date(timeIntervalSince1970: 1_795_793_400))
    }

    @Test func acrossTheYearEnd() throws {
        // Dispatched 2026-12-31 22:00 Beijing = 2026-12-31T14:00:00Z, 15-day tier.
        let start = try Clock.instant("2026-12-31T22:00:00+08:00")
        let d = policy.deadlines(from: start, tier: .fifteenDays)
        // Sign by midnight Beijing: already 2027 in Beijing, still 2026 in UTC.
        #expect(Clock.wall(d.signBy) == "2027-01-01 00:00:00")
        #expect(Clock.utc(d.signBy) == "2026-12-31T16:00:00Z")
        #expect(Clock.wall(d.respondBy) == "2027-01-01 22:00:00")
        #expect(Clock.utc(d.respondBy) == "2027-01-01T14:00:00Z")
        // 31 Dec + 15 days = 15 Jan.
        #expect(Clock.wall(d.handleBy) == "2027-01-15 22:00:00")
        #expect(Clock.utc(d.handleBy) == "2027-01-15T14:00:00Z")
        #expect(d.handleBy == Date(timeIntervalSince1970: 1_800_021_600))
    }

    @Test func acrossALeapDay() throws {
        // Dispatched 2028-02-28 20:00 Beijing = 2028-02-28T12:00:00Z (epoch 1_835_352_000). 2028 is a leap year.
        let start = try Clock.instant("2028-02-28T20:00:00+08:00")
        #expect(start == Date(timeIntervalSince1970: 1_835_352_000))
        #expect(Clock.utc(start) == "2028-02-28T12:00:00Z")

        // 24 h tier: sign 28th 22:00; respond = handle 29 Feb 20:00 (not 1 March).
        let day = policy.deadlines(from: start, tier: .oneDay)
        #expect(Clock.wall(day.signBy) == "2028-02-28 22:00:00")
        #expect(Clock.utc(day.signBy) == "2028-02-28T14:00:00Z")
        #expect(Clock.wall(day.respondBy) == "2028-02-29 20:00:00")
        #expect(Clock.wall(day.handleBy) == "2028-02-29 20:00:00")
        #expect(Clock.utc(day.handleBy) == "2028-02-29T12:00:00Z")
        #expect(day.handleBy == Date(timeIntervalSince1970: 1_835_438_400))

        // 7 d tier: 28 Feb + 7 days = 29 Feb, 1, 2, 3, 4, 5, 6 March → 6 March 20:00.
        let week = policy.deadlines(from: start, tier: .sevenDays)
        #expect(Clock.wall(week.signBy) == "2028-02-28 22:00:00")
        #expect(Clock.wall(week.respondBy) == "2028-02-29 20:00:00")
        #expect(Clock.wall(week.handleBy) == "2028-03-06 20:00:00")
        #expect(Clock.utc(week.handleBy) == "2028-03-06T12:00:00Z")
        #expect(week.handleBy == Date(timeIntervalSince1970: 1_835_956_800))

        // The year before has no 29 February: 24 h from 2027-02-28 20:00 is 1 March 20:00.
        let plain = policy.deadlines(from: try Clock.instant("2027-02-28T20:00:00+08:00"), tier: .oneDay)
        #expect(Clock.wall(plain.handleBy) == "2027-03-01 20:00:00")
        #expect(plain.handleBy == Date(timeIntervalSince1970: 1_803_902_400))
    }
}

@Suite struct NextDeadlineTests {
    let deadlines = DispatchDeadlines(signBy: Fx.at(hours: 2), respondBy: Fx.at(hours: 24), handleBy: Fx.at(hours: 168))
    let accepted = Fx.at(hours: 1)
    let contacted = Fx.at(hours: 3)
    let replied = Fx.at(hours: 30)

    func next(_ progress: DeadlinePolicy.Progress) -> Date? { DeadlinePolicy.nextDeadline(deadlines, progress: progress) }

    @Test func eachStage() {
        #expect(next(.init(status: .pending)) == deadlines.signBy)
        #expect(next(.init(status: .accepted, acceptedAt: accepted)) == deadlines.respondBy)
        #expect(next(.init(status: .contacted, acceptedAt: accepted, contactedAt: contacted)) == deadlines.handleBy)
        #expect(next(.init(status: .replied, acceptedAt: accepted, contactedAt: contacted, repliedAt: replied)) == nil)
        #expect(next(.init(status: .returned, acceptedAt: accepted)) == nil)
        #expect(next(.init(status: .returned)) == nil)
        #expect(next(.init(status: .withdrawn, acceptedAt: accepted, contactedAt: contacted)) == nil)
        // A return under review keeps the clock running where it was.
        #expect(next(.init(status: .returnRequested)) == deadlines.signBy)
        #expect(next(.init(status: .returnRequested, acceptedAt: accepted)) == deadlines.respondBy)
    }

    @Test func overdueIsStrictlyAfterTheDeadline() {
        let deadline = Fx.at(hours: 24)
        #expect(!DeadlinePolicy.isOverdue(nextDeadline: deadline, now: deadline.addingTimeInterval(-1)))
        #expect(!DeadlinePolicy.isOverdue(nextDeadline: deadline, now: deadline))
        #expect(DeadlinePolicy.isOverdue(nextDeadline: deadline, now: deadline.addingTimeInterval(1)))
        #expect(!DeadlinePolicy.isOverdue(nextDeadline: nil, now: deadline.addingTimeInterval(1_000_000)))
    }

    @Test func aDispatchIsOverdueAtEachStageBoundary() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        #expect(t.liveLead?.isOverdue(at: Fx.at(hours: 2)) == false)
        #expect(t.liveLead?.isOverdue(at: Fx.at(hours: 2).addingTimeInterval(1)) == true)
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 3))  // late, but now the response is next
        #expect(t.liveLead?.nextDeadline == Fx.at(hours: 24))
        #expect(t.isOverdue(at: Fx.at(hours: 24)) == false)
        #expect(t.isOverdue(at: Fx.at(hours: 24).addingTimeInterval(1)) == true)
    }

    @Test func anApprovedExtensionMovesHandleByAndTheOverdueAnswer() throws {
        var t = try Fx.dispatched()  // 7 days: handleBy = t0 + 168 h
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        let oldLimit = Fx.at(hours: 168)
        let newLimit = Fx.at(hours: 240)
        #expect(t.nextDeadline == oldLimit)
        #expect(!t.isOverdue(at: oldLimit))
        #expect(t.isOverdue(at: oldLimit.addingTimeInterval(1)))
        _ = try t.act(.requestExtension, id, .extensionRequest(until: newLimit, reason: "材料未到"), by: h, at: Fx.at(hours: 100))
        #expect(t.isOverdue(at: oldLimit.addingTimeInterval(1)))  // a request alone moves nothing
        _ = try t.reviewExtension(dispatchID: id, approve: true, note: nil, now: Fx.at(hours: 110))
        #expect(t.nextDeadline == newLimit)
        #expect(t.liveLead?.deadlines.handleBy == newLimit)
        #expect(!t.isOverdue(at: oldLimit.addingTimeInterval(1)))
        #expect(!t.isOverdue(at: newLimit))
        #expect(t.isOverdue(at: newLimit.addingTimeInterval(1)))
        #expect(t.liveLead?.isOverdue(at: newLimit.addingTimeInterval(1)) == true)
    }

    @Test func aTicketsNextDeadlineIsTheEarliestOfItsLiveDispatches() throws {
        var t = try Fx.dispatched(to: Fx.street)  // 7 days, dispatched at t0
        let lead = try #require(t.liveLead).id
        #expect(t.nextDeadline == Fx.at(hours: 2))  // lead signBy
        _ = try t.act(.accept, lead, by: Fx.streetHandler(), at: Fx.at(hours: 1))
        #expect(t.nextDeadline == Fx.at(hours: 24))  // lead respondBy
        _ = try t.dispatch([(Fx.housing, .assist), (Fx.water, .assist)], note: nil, by: Fx.centre, now: Fx.at(hours: 3), policy: Fx.policy)
        #expect(t.nextDeadline == Fx.at(hours: 5))  // the assists' signBy
        // water returns it (approved): its deadlines no longer count.
        let water = try #require(t.latestDispatch(of: Fx.water)).id
        _ = try t.act(.requestReturn, water, .returnRequest(reason: "r"), by: Fx.departmentHandler(Fx.water), at: Fx.at(hours: 3.5))
        _ = try t.reviewReturn(dispatchID: water, approve: true, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.at(hours: 4), policy: Fx.policy)
        #expect(t.nextDeadline == Fx.at(hours: 5))  // housing's signBy still
        let housing = try #require(t.latestDispatch(of: Fx.housing)).id
        _ = try t.act(.accept, housing, by: Fx.departmentHandler(Fx.housing), at: Fx.at(hours: 4))
        #expect(t.nextDeadline == Fx.at(hours: 24))  // min(lead respondBy 24 h, housing respondBy 27 h)
        _ = try t.act(.contact, lead, by: Fx.streetHandler(), at: Fx.at(hours: 6))
        #expect(t.nextDeadline == Fx.at(hours: 27))  // min(lead handleBy 168 h, housing respondBy 27 h)
        #expect(!t.isOverdue(at: Fx.at(hours: 27)))
        #expect(t.isOverdue(at: Fx.at(hours: 27).addingTimeInterval(1)))
        #expect(t.nextDeadline == t.dispatches.compactMap(\.nextDeadline).min())
    }

    /// A closed order has nothing left to do: it must not show as overdue, even when an assist never acted.
    @Test func aClosedTicketIsNeverOverdue() throws {
        var t = try Fx.dispatched(to: Fx.street, assists: [Fx.housing])
        let lead = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, lead, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, lead, by: h, at: Fx.at(hours: 1.5))
        _ = try t.act(.reply, lead, .reply(outcome: .resolved, text: "t"), by: h, at: Fx.at(hours: 1.75))
        _ = try t.callback(reached: true, resolved: true, satisfaction: .satisfied, comment: nil, now: Fx.at(hours: 1.9))
        #expect(t.status == .closed)
        #expect(t.nextDeadline == nil)
        #expect(!t.isOverdue(at: Fx.at(hours: 1000)))
    }
}

@Suite struct PersonalDataTests {
    @Test(arguments: [
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0086 138-1234-5678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("(0571) 8765 4321", "057187654321"),
        ("12345678", "12345678"),
    ])
    func acceptsPlausibleNumbers(_ raw: String, _ normalized: String) {
        #expect(PersonalData.normalizedPhone(raw) == normalized)
    }

    @Test(arguments: ["12345", "abc", "23812345678", "12812345678", "1381234567", "138123456789", "01234567", "", "138.1234.5678"])
    func refusesOthers(_ raw: String) {
        #expect(PersonalData.normalizedPhone(raw) == nil)
    }

    @Test func masksPhones() {
        #expect(PersonalData.maskPhone("13812345678") == "138****5678")
        #expect(PersonalData.maskPhone("01012345678") == "010****5678")
        #expect(PersonalData.maskPhone("12345678") == "12**5678")
    }

    @Test func masksNames() {
        #expect(PersonalData.maskName("张三") == "张*")
        #expect(PersonalData.maskName("欧阳娜娜") == "欧***")
        #expect(PersonalData.maskName("张") == "张*")
        #expect(PersonalData.maskName("") == "")
    }
}
