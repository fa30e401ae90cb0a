import Foundation
import HotlineCore
import Testing

private func day(_ text: String) -> CivilDate { CivilDate(text)! }

@Suite struct CivilDateTests {
    @Test func parsesOnlyRealDays() {
        #expect(CivilDate("2028-02-29") != nil)
        #expect(CivilDate("2026-02-29") == nil)
        #expect(CivilDate("2100-02-29") == nil, "1900, 2100: not leap years")
        #expect(CivilDate("2000-02-29") != nil, "2000: a leap year")
        #expect(CivilDate("2026-11-31") == nil)
        #expect(CivilDate("2026-1-05") == nil)
        #expect(CivilDate("2026-11-30T00:00") == nil)
        #expect(day("2026-11-30").description == "2026-11-30")
    }

    @Test func daysSinceEpochRoundTrips() {
        #expect(day("1970-01-01").daysSinceEpoch == 0)
        #expect(day("2026-11-30").daysSinceEpoch == 20_787)
        for n in stride(from: -1000, through: 40_000, by: 37) {
            #expect(CivilDate(daysSinceEpoch: n).daysSinceEpoch == n)
        }
        #expect(day("2028-02-28").adding(days: 1) == day("2028-02-29"))
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
    }

    @Test func beijingDayOfAnInstant() throws {
        // 16:00 UTC is midnight in Beijing.
        #expect(CivilDate(try Date("2026-11-18T15:59:59Z", strategy: .iso8601)) == day("2026-11-18"))
        #expect(CivilDate(try Date("2026-11-18T16:00:00Z", strategy: .iso8601)) == day("2026-11-19"))
        #expect(day("2026-11-19").start == (try Date("2026-11-18T16:00:00Z", strategy: .iso8601)))
    }

    @Test func addingMonthsClampsToTheMonthsLastDay() {
        #expect(day("2026-01-31").adding(months: 1) == day("2026-02-28"))
        #expect(day("2028-01-31").adding(months: 1) == day("2028-02-29"))
        #expect(day("2026-01-31").adding(months: 3) == day("2026-04-30"))
        #expect(day("2026-11-15").adding(months: 2) == day("2027-01-15"))
        #expect(day("2026-03-31").adding(months: -1) == day("2026-02-28"))
        #expect(day("2028-02-29").adding(months: -12) == day("2027-02-28"))
    }

    /// Months past 9999 or before 1900 trapped (a monthly task from 9999-12-01, the effect of a task from 1900 took
    /// the server down); like adding days, adding months now leaves that range without trapping.
    @Test func addingMonthsNeverTraps() {
        #expect(day("9999-12-31").adding(months: 1).description == "10000-01-31")
        #expect(day("1900-01-31").adding(months: -12).description == "1899-01-31")
    }
}

@Suite struct TaskScheduleTests {
    @Test func monthlyKeepsTheStartDayOverMonthEnds() {
        let s = TaskSchedule(kind: .monthly, start: day("2028-01-31"), end: day("2028-06-30"))
        let dates = (1...7).map { s.date(of: $0)?.description }
        #expect(dates == ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30", nil])
        #expect(s.total == 6)
        // Due the day before the next one; the last one on the end day.
        #expect(s.due(of: 1) == day("2028-02-28"))
        #expect(s.due(of: 2) == day("2028-03-30"))
        #expect(s.due(of: 6) == day("2028-06-30"))
    }

    @Test func monthlyInACommonYear() {
        let s = TaskSchedule(kind: .monthly, start: day("2027-01-31"))
        #expect(s.date(of: 2) == day("2027-02-28"))
        #expect(s.date(of: 3) == day("2027-03-31"), "the start day comes back after a short month")
        #expect(s.total == nil, "no end: open-ended")
    }

    @Test func yearlyFromALeapDay() {
        let s = TaskSchedule(kind: .yearly, start: day("2024-02-29"), end: day("2028-12-31"))
        #expect((1...6).map { s.date(of: $0)?.description } == ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29", nil])
        #expect(s.total == 5)
        #expect(s.due(of: 1) == day("2025-02-27"))
        #expect(s.due(of: 5) == day("2028-12-31"))
    }

    @Test func weeklyStopsAtTheEnd() {
        let s = TaskSchedule(kind: .weekly, start: day("2026-11-02"), end: day("2026-11-30"))
        #expect(s.total == 5)
        #expect(s.date(of: 5) == day("2026-11-30"))
        #expect(s.date(of: 6) == nil)
        #expect(s.due(of: 1) == day("2026-11-08"))
        #expect(s.due(of: 5) == day("2026-11-30"), "the end cuts the last week short")
        // An end that falls mid-period: the last occurrence is due on the end day.
        let t = TaskSchedule(kind: .weekly, start: day("2026-11-02"), end: day("2026-11-20"))
        #expect(t.total == 3)
        #expect(t.due(of: 3) == day("2026-11-20"))
    }

    @Test func onceIsDueOnItsEndOrStart() {
        #expect(TaskSchedule(kind: .once, start: day("2026-10-15")).due(of: 1) == day("2026-10-15"))
        let window = TaskSchedule(kind: .once, start: day("2026-10-15"), end: day("2026-10-31"))
        #expect(window.due(of: 1) == day("2026-10-31"))
        #expect(window.date(of: 2) == nil)
        #expect(window.total == 1)
    }

    @Test func occurrencesUpToAHorizonAlwaysIncludeTheFirst() {
        let s = TaskSchedule(kind: .monthly, start: day("2026-10-31"), end: day("2027-03-31"))
        #expect(s.occurrences(through: day("2026-12-19")).map(\.n) == [1, 2])
        #expect(s.occurrences(through: day("2027-12-31")).map(\.n) == [1, 2, 3, 4, 5, 6])
        let future = TaskSchedule(kind: .weekly, start: day("2027-06-01"))
        #expect(future.occurrences(through: day("2026-12-19")).map(\.n) == [1], "the first entry exists from the start")
    }

    @Test func problems() {
        #expect(TaskSchedule(kind: .monthly, start: day("2026-05-01"), end: day("2026-04-30")).problem == "end is before start")
        #expect(TaskSchedule(kind: .weekly, start: day("2026-01-01"), end: day("2040-01-01")).problem != nil, "over 530 weeks")
        #expect(TaskSchedule(kind: .weekly, start: day("2026-01-01"), end: day("2030-01-01")).problem == nil)
        // Days from 2000 to 2100 only: the ledger's arithmetic and its YYYY-MM-DD days stay in range.
        let range = "days from 2000-01-01 to 2100-12-31"
        #expect(TaskSchedule(kind: .monthly, start: day("9999-12-01")).problem == range)
        #expect(TaskSchedule(kind: .once, start: day("1999-12-31")).problem == range)
        #expect(TaskSchedule(kind: .once, start: day("2100-12-01"), end: day("2101-01-01")).problem == range)
        #expect(TaskSchedule(kind: .yearly, start: day("2000-01-01"), end: day("2100-12-31")).problem == nil)
    }

    @Test func overdueFromTheDayAfterTheDueDay() {
        #expect(!ProactiveRules.isOverdue(due: day("2026-11-30"), today: day("2026-11-30")))
        #expect(ProactiveRules.isOverdue(due: day("2026-11-30"), today: day("2026-12-01")))
    }
}

@Suite struct ThemePlanTests {
    @Test func normaliseKeepsIdsAndNumbersNewOnes() {
        var plan = ThemePlan(
            policies: [ThemePlanItem(title: "a", ownerUnitId: "dept.housing", due: day("2027-03-31"))],
            tasks: [ThemePlanItem(id: "t2", title: "b", ownerUnitId: "dept.housing", due: day("2027-03-31")),
                    ThemePlanItem(title: "c", ownerUnitId: "dept.housing", due: day("2027-03-31"))])
        plan.normalise()
        #expect(plan.policies.map(\.id) == ["p1"])
        #expect(plan.tasks.map(\.id) == ["t2", "t3"])
        #expect(plan.tasks.allSatisfy { $0.status == .planned })
        #expect(plan.problems.isEmpty)
    }

    @Test func refusesBadItems() {
        let plan = ThemePlan(
            policies: [ThemePlanItem(title: " ", ownerUnitId: "x", due: day("2027-03-31"), districtCodes: ["110105"])],
            tasks: [ThemePlanItem(id: "t1", title: "a", ownerUnitId: "x", due: day("2027-03-31"), districtCodes: ["999999"]),
                    ThemePlanItem(id: "t1", title: "b", ownerUnitId: "x", due: day("2027-03-31"))])
        let fields = Set(plan.problems.map(\.0))
        #expect(fields == ["plan.policies[0].title", "plan.policies[0]", "plan.tasks[0].districtCodes", "plan.tasks[1].id"])
        let late = ThemePlan(tasks: [ThemePlanItem(title: "a", ownerUnitId: "x", due: day("2101-01-01"))])
        #expect(late.problems.map(\.0) == ["plan.tasks[0].due"])
        // Lengths in code points, as the database counts: 150 decomposed é are 150 characters but 300 code points.
        let long = ThemePlan(tasks: [ThemePlanItem(title: String(repeating: "e\u{301}", count: 150), ownerUnitId: "x", due: day("2027-03-31"))])
        #expect(long.problems.map(\.0) == ["plan.tasks[0].title"])
        #expect(!ThemeRules.problemsProblem([]).isEmpty)
        #expect(ThemeRules.problemsProblem([ThemeProblem(title: "x", categoryCode: "0101", districtCode: "110105", streetCode: "110108001")])
            .map(\.0) == ["problems[0].streetCode"])
    }
}

@Suite struct ProactiveAnalysisTests {
    func count(_ category: String, _ district: String, _ street: String? = nil, year: Int = 2025, month: Int, _ n: Int,
               calledBack: Int? = nil, resolved: Int? = nil) -> ClassCount {
        ClassCount(categoryCode: category, districtCode: district, streetCode: street, year: year, month: month, tickets: n,
                   calledBack: calledBack ?? n, resolved: resolved ?? n)
    }

    @Test func themeComponentsAndSeasonalPlacement() throws {
        var counts: [ClassCount] = []
        // A: 12 districts, 10 a month each, a third resolved.
        for d in 0..<12 { for m in 1...12 { counts.append(count("0601", "1101\(10 + d)", month: m, 10, calledBack: 9, resolved: 3)) } }
        // B: one district, 120 tickets, 100 of them in November (seasonal), all resolved.
        counts.append(count("0104", "110105", "110105001", month: 11, 100))
        counts.append(count("0104", "110105", "110105002", month: 3, 20))
        let result = ThemeAnalysis().analyse(counts)
        let a = try #require(result.ranking.first)
        #expect(a.categoryCode == "0601")
        #expect(a.components.frequency == 1)
        #expect(a.components.spread == 12.0 / 16)
        #expect(abs(a.components.unresolved - (1 - 36.0 / 108)) < 1e-9)
        #expect(abs(a.score - (0.4 + 0.3 * 0.75 + 0.3 * (1 - 1.0 / 3))) < 1e-9)
        let b = try #require(result.ranking.first { $0.categoryCode == "0104" })
        #expect(b.seasonal && b.peakMonth == 11)
        #expect(b.places.map(\.streetCode) == ["110105001", "110105002"], "gathered in streets: places are streets")
        #expect(a.places.allSatisfy { $0.streetCode == nil } && a.places.count == 3, "spread out: places are districts")
        #expect(result.proposals.first { $0.month == 10 } == ThemeAnalysis.Proposal(month: 10, categoryCode: "0104", reason: "seasonal"))
        #expect(result.proposals.first { $0.month == 1 }?.categoryCode == "0601")
    }

    @Test func forecastNeedsTheRiseEveryYear() {
        var counts: [ClassCount] = []
        for year in [2024, 2025] {
            for m in 1...12 {
                counts.append(count("0104", "110105", "110105001", year: year, month: m, m == 11 ? 20 : 2))
                // Rises in November 2025 only: not a pattern.
                counts.append(count("0104", "110105", "110105002", year: year, month: m, m == 11 && year == 2025 ? 20 : 2))
            }
        }
        let findings = SeasonalForecast().findings(month: 11, counts: counts, before: 2026)
        #expect(findings.count == 1)
        #expect(findings.first?.streetCodes == ["110105001"])
        #expect(findings.first?.evidence.map(\.year) == [2024, 2025])
        let lift = findings.first?.evidence.first?.lift ?? 0
        #expect(abs(lift - 20 / (42.0 / 12)) < 1e-9)
        #expect(SeasonalForecast().findings(month: 7, counts: counts, before: 2026).isEmpty)
    }

    @Test func effectVerdicts() {
        let t0 = Date(timeIntervalSince1970: 0)
        func w(_ n: Int) -> EffectJudgement.Window { .init(from: t0, to: t0.addingTimeInterval(86_400), tickets: n, calledBack: 0, resolved: 0) }
        let later = t0.addingTimeInterval(2 * 86_400)
        let improved = EffectJudgement().judge(after: w(10), before: w(40), yearEarlier: w(30), now: later)
        #expect(improved.verdict == .improved)
        #expect(improved.changeFromBefore == -0.75)
        #expect(abs((improved.changeFromYearEarlier ?? 0) + 2.0 / 3) < 1e-9)
        #expect(EffectJudgement().judge(after: w(41), before: w(40), yearEarlier: w(40), now: later).verdict == .unchanged)
        #expect(EffectJudgement().judge(after: w(60), before: w(40), yearEarlier: w(3), now: later).verdict == .worse)
        let thin = EffectJudgement().judge(after: w(1), before: w(4), yearEarlier: w(3), now: later)
        #expect(thin.verdict == .insufficientData && thin.reasons.count == 2)
        let open = EffectJudgement().judge(after: w(1), before: w(40), yearEarlier: w(40), now: t0)
        #expect(open.verdict == .insufficientData && open.reasons.first?.contains("still open") == true)
    }
}
