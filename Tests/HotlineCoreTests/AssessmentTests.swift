import Foundation
import HotlineCore
import Testing

@Suite struct AssessmentScoringTests {
    func counts(_ id: String, _ d: Int, _ t: Int, _ c: Int, _ r: Int, _ p: Double) -> AssessmentCounts {
        AssessmentCounts(unitID: id, districtCode: nil, dispatched: d, respondedInTime: t, calledBack: c, resolved: r, satisfactionPoints: p)
    }

    @Test func ratesAndScoreWithTheDefaultWeights() {
        // 8 dispatched, 6 in time; 5 called back, 4 resolved, points 3.5:
        // .75, .8, .7 → .2·.75 + .4·.8 + .4·.7 = .15 + .32 + .28 = .75
        let r = AssessmentScoring.result(counts("u", 8, 6, 5, 4, 3.5), ScoringParameters())
        #expect(r.responseRate == 0.75 && r.resolutionRate == 0.8 && r.satisfactionRate == 0.7)
        #expect(r.score == 0.75)
    }

    @Test func missingRatesCountZeroSoLeavingOrdersUnrepliedDoesNotPay() {
        // No callback reached anyone (nothing replied): the rates are unknown, and count 0 in the score: .2 · .75.
        let r = AssessmentScoring.result(counts("u", 4, 3, 0, 0, 0), ScoringParameters())
        #expect(r.resolutionRate == nil && r.satisfactionRate == nil)
        #expect(r.score == 0.15)
        let none = AssessmentScoring.result(counts("u", 0, 0, 0, 0, 0), ScoringParameters())
        #expect(none.score == nil)
    }

    @Test func tiesShareARankAndUnscoredUnitsComeLast() {
        let ranked = AssessmentScoring.rank([
            counts("c", 2, 1, 0, 0, 0),     // .2 · .5 = .1
            counts("a", 2, 2, 0, 0, 0),     // .2
            counts("z", 0, 0, 0, 0, 0),     // no score
            counts("b", 4, 4, 0, 0, 0),     // .2
            counts("d", 4, 0, 0, 0, 0),     // 0
        ], ScoringParameters())
        #expect(ranked.map(\.counts.unitID) == ["a", "b", "c", "d", "z"])
        #expect(ranked.map(\.rank) == [1, 1, 3, 4, nil])
    }

    @Test func parametersMustBeShares() {
        #expect(ScoringParameters().problem == nil)
        #expect(ScoringParameters(weightResponse: 0.5, weightResolution: 0.4, weightSatisfaction: 0.4).problem != nil)
        #expect(ScoringParameters(weightResponse: -0.2, weightResolution: 0.6, weightSatisfaction: 0.6).problem != nil)
        #expect(ScoringParameters(basicallySatisfiedValue: 1.5).problem != nil)
        #expect(ScoringParameters(weightResponse: 0.3334, weightResolution: 0.3333, weightSatisfaction: 0.3333).problem != nil)
    }
}

@Suite struct KeyStreetRuleTests {
    func result(_ id: String, dispatched: Int, score: Double?) -> AssessmentResult {
        AssessmentResult(
            counts: AssessmentCounts(unitID: id, districtCode: "110105", dispatched: dispatched, respondedInTime: 0, calledBack: 0, resolved: 0, satisfactionPoints: 0),
            responseRate: nil, resolutionRate: nil, satisfactionRate: nil, score: score, rank: nil)
    }

    @Test func quantilesInterpolateLikePercentileCont() {
        #expect(KeyStreetRule.quantile([1, 2, 3, 4, 5], 0.75) == 4)
        #expect(KeyStreetRule.quantile([10, 20], 0.25) == 12.5)
        #expect(KeyStreetRule.quantile([7], 0.9) == 7)
    }

    @Test func highVolumeAndLowScoreAreListed() {
        // Volumes 10…80: the 0.75 quantile is 62.5 → s7 (70) and s8 (80) are high-volume.
        // Scores sorted .2 .3 .4 .6 .7 .8 .9 .95: the 0.25 quantile is .3 + .1·.75 = .375 → s8 and s1 are low; only s8 is both.
        let month = [
            result("s1", dispatched: 10, score: 0.3), result("s2", dispatched: 20, score: 0.4),
            result("s3", dispatched: 30, score: 0.9), result("s4", dispatched: 40, score: 0.8),
            result("s5", dispatched: 50, score: 0.7), result("s6", dispatched: 60, score: 0.6),
            result("s7", dispatched: 70, score: 0.95), result("s8", dispatched: 80, score: 0.2),
            result("idle", dispatched: 0, score: nil),
        ]
        #expect(KeyStreetRule().listed(month) == ["s8"])
    }
}

@Suite struct AssessmentPeriodTests {
    @Test func parsesAndBoundsAMonthInShanghai() {
        #expect(AssessmentPeriod("2026-13") == nil)
        #expect(AssessmentPeriod("2026-1") == nil)
        let p = AssessmentPeriod("2026-11")!
        // 2026-11-01T00:00+08:00 = 2026-10-31T16:00Z; to 2026-12-01T00:00+08:00.
        #expect(p.interval.from == Date(timeIntervalSince1970: 1_793_462_400))
        #expect(p.interval.to == Date(timeIntervalSince1970: 1_796_054_400))
        #expect(p.minus(11).description == "2025-12")
        #expect(AssessmentPeriod("2026-01")!.minus(1).description == "2025-12")
    }
}

/// 考核发布 and 更正: who may publish what when, as pure rules.
@Suite struct AssessmentPublicationTests {
    let november = AssessmentPeriod(year: 2026, month: 11)
    /// 2026-12-01T00:00:00+08:00, the first instant after November in Asia/Shanghai.
    var monthEnd: Date { november.interval.to }

    @Test func aMonthIsPublishedOnlyOnceItHasEnded() throws {
        #expect(monthEnd == Date(timeIntervalSince1970: 1_796_054_400))
        #expect(!november.hasEnded(at: monthEnd.addingTimeInterval(-1)))
        #expect(november.hasEnded(at: monthEnd))
        #expect(throws: AssessmentPublication.Refusal.periodNotEnded(november, endsAt: monthEnd)) {
            try AssessmentPublication.first(november, latest: nil, parameters: ScoringParameters(), by: "admin", now: monthEnd.addingTimeInterval(-1))
        }
        let first = try AssessmentPublication.first(november, latest: nil, parameters: ScoringParameters(), by: "admin", now: monthEnd)
        #expect(first.revision == 1 && first.reason == nil && first.publishedBy == "admin")
        #expect(throws: AssessmentPublication.Refusal.alreadyPublished(november)) {
            try AssessmentPublication.first(november, latest: first, parameters: ScoringParameters(), by: "admin", now: monthEnd)
        }
    }

    @Test func aCorrectionIsTheNextRevisionWithAReason() throws {
        let first = try AssessmentPublication.first(november, latest: nil, parameters: ScoringParameters(), by: "admin", now: monthEnd)
        #expect(throws: AssessmentPublication.Refusal.notPublished(november)) {
            try AssessmentPublication.correction(november, latest: nil, reason: "r", parameters: nil, by: "admin", now: monthEnd)
        }
        #expect(throws: AssessmentPublication.Refusal.self) {
            try AssessmentPublication.correction(november, latest: first, reason: " \n", parameters: nil, by: "admin", now: monthEnd)
        }
        #expect(throws: AssessmentPublication.Refusal.self) {
            try AssessmentPublication.correction(
                november, latest: first, reason: "r", parameters: ScoringParameters(weightResponse: 0.5), by: "admin", now: monthEnd)
        }
        let second = try AssessmentPublication.correction(november, latest: first, reason: " late exemptions ", parameters: nil, by: "other", now: monthEnd)
        #expect(second.revision == 2 && second.reason == "late exemptions" && second.parameters == first.parameters)
        let weights = ScoringParameters(weightResponse: 0.4, weightResolution: 0.3, weightSatisfaction: 0.3)
        let third = try AssessmentPublication.correction(november, latest: second, reason: "weights", parameters: weights, by: "admin", now: monthEnd)
        #expect(third.revision == 3 && third.parameters == weights)
    }
}
