import Foundation

/// 考核: the three rates, the composite score and the ranking (BRIEF "Assessment"). Pure arithmetic over counts the
/// store computes in SQL; the parameters are data, per period.

/// A ranking level.
public enum AssessmentLevel: String, CaseIterable, Sendable, Codable {
    case district, street, department, enterprise
}

/// Weights of the three rates and the value of "basically satisfied", stored per period.
public struct ScoringParameters: Sendable, Equatable {
    public var weightResponse: Double
    public var weightResolution: Double
    public var weightSatisfaction: Double
    public var basicallySatisfiedValue: Double

    /// Project defaults: 0.2 / 0.4 / 0.4, basically satisfied = 0.5.
    public init(weightResponse: Double = 0.2, weightResolution: Double = 0.4, weightSatisfaction: Double = 0.4, basicallySatisfiedValue: Double = 0.5) {
        self.weightResponse = weightResponse
        self.weightResolution = weightResolution
        self.weightSatisfaction = weightSatisfaction
        self.basicallySatisfiedValue = basicallySatisfiedValue
    }

    /// Weights are shares: each 0…1 with at most three decimals (as stored), together 1.
    public var problem: String? {
        let weights = [weightResponse, weightResolution, weightSatisfaction]
        if (weights + [basicallySatisfiedValue]).contains(where: { abs($0 * 1000 - ($0 * 1000).rounded()) > 1e-9 }) {
            return "weights and basicallySatisfiedValue have at most three decimals"
        }
        if weights.contains(where: { $0 < 0 || $0 > 1 }) { return "each weight is between 0 and 1" }
        if abs(weights.reduce(0, +) - 1) > 0.0005 { return "the weights add up to 1" }
        if basicallySatisfiedValue < 0 || basicallySatisfiedValue > 1 { return "basicallySatisfiedValue is between 0 and 1" }
        return nil
    }
}

/// One unit's counts in a period.
public struct AssessmentCounts: Sendable, Equatable {
    public var unitID: String
    public var districtCode: String?
    /// Dispatches counted (lead, assist and whistled; not returned, not withdrawn, not exempted).
    public var dispatched: Int
    /// Signed for and first contact made within their limits.
    public var respondedInTime: Int
    /// With a callback that reached the requester.
    public var calledBack: Int
    /// Of those, rated resolved.
    public var resolved: Int
    /// satisfied = 1, basically satisfied = the period's value, unsatisfied = 0, summed.
    public var satisfactionPoints: Double

    public init(unitID: String, districtCode: String?, dispatched: Int, respondedInTime: Int, calledBack: Int, resolved: Int, satisfactionPoints: Double) {
        self.unitID = unitID
        self.districtCode = districtCode
        self.dispatched = dispatched
        self.respondedInTime = respondedInTime
        self.calledBack = calledBack
        self.resolved = resolved
        self.satisfactionPoints = satisfactionPoints
    }
}

/// A unit's result: counts, rates, score and rank.
public struct AssessmentResult: Sendable, Equatable {
    public var counts: AssessmentCounts
    /// respondedInTime / dispatched; nil without dispatches.
    public var responseRate: Double?
    /// resolved / calledBack; nil without callbacks.
    public var resolutionRate: Double?
    /// satisfactionPoints / calledBack; nil without callbacks.
    public var satisfactionRate: Double?
    /// Weighted sum of the rates; a rate with no denominator (no callback reached the requester) counts 0, so a
    /// unit cannot lift its score by leaving orders unreplied (no reply, no callback); nil without dispatches.
    public var score: Double?
    /// 1 is best; equal scores share a rank (1, 2, 2, 4); units without a score come last, unranked.
    public var rank: Int?

    public init(counts: AssessmentCounts, responseRate: Double?, resolutionRate: Double?, satisfactionRate: Double?, score: Double?, rank: Int?) {
        self.counts = counts
        self.responseRate = responseRate
        self.resolutionRate = resolutionRate
        self.satisfactionRate = satisfactionRate
        self.score = score
        self.rank = rank
    }
}

public enum AssessmentScoring {
    /// Rates and score of one unit.
    public static func result(_ c: AssessmentCounts, _ p: ScoringParameters) -> AssessmentResult {
        let response = c.dispatched > 0 ? Double(c.respondedInTime) / Double(c.dispatched) : nil
        let resolution = c.calledBack > 0 ? Double(c.resolved) / Double(c.calledBack) : nil
        let satisfaction = c.calledBack > 0 ? c.satisfactionPoints / Double(c.calledBack) : nil
        let score: Double? = c.dispatched == 0 ? nil
            : p.weightResponse * (response ?? 0) + p.weightResolution * (resolution ?? 0) + p.weightSatisfaction * (satisfaction ?? 0)
        return AssessmentResult(
            counts: c, responseRate: response.map(round4), resolutionRate: resolution.map(round4),
            satisfactionRate: satisfaction.map(round4), score: score.map(round4), rank: nil)
    }

    /// Results of a level, ranked: best score first, ties share a rank, then by unit id for a stable order.
    public static func rank(_ counts: [AssessmentCounts], _ p: ScoringParameters) -> [AssessmentResult] {
        var results = counts.map { result($0, p) }
        results.sort { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.counts.unitID < b.counts.unitID
            }
        }
        var previous: Double?
        var previousRank = 0
        for i in results.indices {
            guard let score = results[i].score else { continue }
            let rank = score == previous ? previousRank : i + 1
            results[i].rank = rank
            previous = score
            previousRank = rank
        }
        return results
    }

    /// Four decimals: what is shown and published.
    static func round4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}

/// 治理类街乡: where requests concentrate and outcomes lag (BRIEF; the rule's numbers are data).
public struct KeyStreetRule: Sendable, Equatable {
    /// A street is "high volume" when its dispatch count is at least this quantile of the month's streets.
    public var volumeQuantile: Double
    /// …and "lagging" when its score is at most this quantile.
    public var scoreQuantile: Double
    /// Listed this many months running makes a street key.
    public var monthsRunning: Int

    public init(volumeQuantile: Double = 0.75, scoreQuantile: Double = 0.25, monthsRunning: Int = 3) {
        self.volumeQuantile = volumeQuantile
        self.scoreQuantile = scoreQuantile
        self.monthsRunning = monthsRunning
    }

    /// Streets listed in one month: in the top volume share and the bottom score share (linear-interpolated
    /// quantiles over the streets that had dispatches and a score).
    public func listed(_ month: [AssessmentResult]) -> Set<String> {
        let scored = month.filter { $0.counts.dispatched > 0 && $0.score != nil }
        guard !scored.isEmpty else { return [] }
        let volumeCut = Self.quantile(scored.map { Double($0.counts.dispatched) }, volumeQuantile)
        let scoreCut = Self.quantile(scored.compactMap(\.score), scoreQuantile)
        return Set(scored.filter { Double($0.counts.dispatched) >= volumeCut && $0.score! <= scoreCut }.map(\.counts.unitID))
    }

    /// Quantile with linear interpolation (PostgreSQL's percentile_cont).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}

/// A calendar month in Asia/Shanghai, `YYYY-MM`.
public struct AssessmentPeriod: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), (2000...2100).contains(y), (1...12).contains(m)
        else { return nil }
        year = y
        month = m
    }

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    public var description: String { String(format: "%04d-%02d", year, month) }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month) < (b.year, b.month) }

    static let shanghai: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return c
    }()

    /// [start, end) of the month in Asia/Shanghai.
    public var interval: (from: Date, to: Date) {
        let from = Self.shanghai.date(from: DateComponents(year: year, month: month, day: 1))!
        return (from, Self.shanghai.date(byAdding: .month, value: 1, to: from)!)
    }

    /// The month `n` months earlier.
    public func minus(_ n: Int) -> AssessmentPeriod {
        let index = year * 12 + (month - 1) - n
        return AssessmentPeriod(year: index / 12, month: index % 12 + 1)
    }
}

extension AssessmentPeriod {
    /// Whether the month is over at `now` (its last instant in Asia/Shanghai has passed): only then are its figures
    /// final enough to publish.
    public func hasEnded(at now: Date) -> Bool { now >= interval.to }
}

/// One publication of a period's assessment (考核发布): revision 1 is the first, each later one a correction (更正)
/// with its reason. A publication is never changed; a correction adds the next revision and the earlier ones stay
/// readable as history.
public struct AssessmentPublication: Sendable, Equatable {
    public var period: AssessmentPeriod
    public var revision: Int
    public var publishedAt: Date
    public var publishedBy: String
    /// Why the month was published again; nil for the first publication.
    public var reason: String?
    /// The parameters this revision was computed with.
    public var parameters: ScoringParameters

    public init(
        period: AssessmentPeriod, revision: Int, publishedAt: Date, publishedBy: String, reason: String?,
        parameters: ScoringParameters
    ) {
        self.period = period
        self.revision = revision
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
        self.reason = reason
        self.parameters = parameters
    }

    /// Why a publication or a correction is refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// The month has not ended: its figures still move (422).
        case periodNotEnded(AssessmentPeriod, endsAt: Date)
        /// Published already: a change is a correction, not a second first publication (409).
        case alreadyPublished(AssessmentPeriod)
        /// A correction of a month never published (409).
        case notPublished(AssessmentPeriod)
        /// A field of the correction is wrong (422).
        case invalid(field: String, message: String)
    }

    /// The longest reason a correction may give, in Unicode scalars (as PostgreSQL counts characters).
    public static let maxReasonLength = 2000

    /// The first publication of `period` at `now`, given its latest publication if any.
    public static func first(
        _ period: AssessmentPeriod, latest: AssessmentPublication?, parameters: ScoringParameters, by actor: String,
        now: Date
    ) throws(Refusal) -> AssessmentPublication {
        guard latest == nil else { throw .alreadyPublished(period) }
        guard period.hasEnded(at: now) else { throw .periodNotEnded(period, endsAt: period.interval.to) }
        return AssessmentPublication(
            period: period, revision: 1, publishedAt: now, publishedBy: actor, reason: nil, parameters: parameters)
    }

    /// A correction of `period`: the next revision after `latest`, with a reason, and the parameters given (or the
    /// latest revision's).
    public static func correction(
        _ period: AssessmentPeriod, latest: AssessmentPublication?, reason: String, parameters: ScoringParameters?,
        by actor: String, now: Date
    ) throws(Refusal) -> AssessmentPublication {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maxReasonLength).contains(reason.unicodeScalars.count) else {
            throw .invalid(field: "reason", message: "1 to \(maxReasonLength) characters: what was wrong and what changed")
        }
        if let problem = parameters?.problem { throw .invalid(field: "weights", message: problem) }
        guard let latest else { throw .notPublished(period) }
        return AssessmentPublication(
            period: period, revision: latest.revision + 1, publishedAt: now, publishedBy: actor, reason: reason,
            parameters: parameters ?? latest.parameters)
    }
}
