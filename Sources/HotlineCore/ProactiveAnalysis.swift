import Foundation

/// Tickets of one class in one place and month, with how their callbacks went: what the analyses below read.
public struct ClassCount: Sendable, Equatable {
    public var categoryCode: String
    public var districtCode: String
    /// nil when counted per district only.
    public var streetCode: String?
    public var year: Int
    public var month: Int
    public var tickets: Int
    /// Tickets whose lead reply was followed by a reached callback, and of those, the ones judged resolved.
    public var calledBack: Int
    public var resolved: Int

    public init(categoryCode: String, districtCode: String, streetCode: String?, year: Int, month: Int,
                tickets: Int, calledBack: Int, resolved: Int) {
        self.categoryCode = categoryCode
        self.districtCode = districtCode
        self.streetCode = streetCode
        self.year = year
        self.month = month
        self.tickets = tickets
        self.calledBack = calledBack
        self.resolved = resolved
    }
}

// MARK: - Monthly themes (每月一题)

/// Ranks problem classes from a year of tickets and proposes one theme per month of the next year.
///
/// Each class gets three components in [0, 1], all shown to the user:
/// - **frequency**: its tickets ÷ the busiest class's tickets;
/// - **spread**: the share of the 16 districts where it is common, i.e. has at least a quarter of the class's
///   average per district (and at least one ticket);
/// - **unresolved**: 1 − resolved ÷ called back (classes with no callback take the city-wide figure).
///
/// score = 0.4 × frequency + 0.3 × spread + 0.3 × unresolved. A class is **seasonal** when its busiest month holds
/// at least a quarter of its year (three times an even share) and it had at least 24 tickets; a seasonal class is
/// proposed for the month before its peak, the others fill the remaining months by score.
public struct ThemeAnalysis: Sendable {
    public struct Weights: Sendable, Equatable, Codable {
        public var frequency = 0.4
        public var spread = 0.3
        public var unresolved = 0.3
        public init() {}
    }

    public var weights = Weights()
    public var districtCount = 16
    /// Classes with fewer tickets in the year are not ranked.
    public var minimumTickets = 10
    public var seasonalPeakShare = 0.25
    public var seasonalMinimumTickets = 24

    public init() {}

    public struct Components: Sendable, Equatable, Codable {
        public var frequency: Double
        public var spread: Double
        public var unresolved: Double
    }

    /// One place where a class's tickets gather: a street (for classes gathered in a few streets) or a district.
    public struct Place: Sendable, Equatable {
        public var districtCode: String
        public var streetCode: String?
        public var tickets: Int
        public var resolutionRate: Double?
    }

    public struct RankedClass: Sendable, Equatable {
        public var categoryCode: String
        public var rank: Int
        public var score: Double
        public var components: Components
        public var tickets: Int
        public var districts: Int
        public var commonInDistricts: Int
        public var calledBack: Int
        public var resolved: Int
        public var resolutionRate: Double?
        public var monthly: [Int]
        public var peakMonth: Int
        public var peakShare: Double
        public var seasonal: Bool
        /// The top places, busiest first (at most three).
        public var places: [Place]
    }

    public struct Proposal: Sendable, Equatable {
        /// 1–12, of the year after the basis year.
        public var month: Int
        public var categoryCode: String
        /// Why this month: `seasonal` (the month before the peak) or `rank` (the next best class).
        public var reason: String

        public init(month: Int, categoryCode: String, reason: String) {
            self.month = month
            self.categoryCode = categoryCode
            self.reason = reason
        }
    }

    public struct Result: Sendable, Equatable {
        public var ranking: [RankedClass]
        public var proposals: [Proposal]
        public var cityResolutionRate: Double?
    }

    /// `counts` are one basis year's, per class and district (street optional: with streets, places are streets
    /// where a class gathers in a few of them).
    public func analyse(_ counts: [ClassCount]) -> Result {
        struct Acc {
            var tickets = 0, calledBack = 0, resolved = 0
            var monthly = [Int](repeating: 0, count: 12)
            var byDistrict: [String: (Int, Int, Int)] = [:]
            var byStreet: [String: (String, Int, Int, Int)] = [:]
        }
        var classes: [String: Acc] = [:]
        var cityCalledBack = 0, cityResolved = 0
        for c in counts where (1...12).contains(c.month) {
            var a = classes[c.categoryCode] ?? Acc()
            a.tickets += c.tickets
            a.calledBack += c.calledBack
            a.resolved += c.resolved
            a.monthly[c.month - 1] += c.tickets
            let d = a.byDistrict[c.districtCode] ?? (0, 0, 0)
            a.byDistrict[c.districtCode] = (d.0 + c.tickets, d.1 + c.calledBack, d.2 + c.resolved)
            if let s = c.streetCode {
                let v = a.byStreet[s] ?? (c.districtCode, 0, 0, 0)
                a.byStreet[s] = (c.districtCode, v.1 + c.tickets, v.2 + c.calledBack, v.3 + c.resolved)
            }
            classes[c.categoryCode] = a
            cityCalledBack += c.calledBack
            cityResolved += c.resolved
        }
        let cityRate = cityCalledBack > 0 ? Double(cityResolved) / Double(cityCalledBack) : nil
        let eligible = classes.filter { $0.value.tickets >= minimumTickets }
        let busiest = eligible.values.map(\.tickets).max() ?? 0
        var ranking: [RankedClass] = eligible.map { code, a in
            let perDistrict = Double(a.tickets) / Double(districtCount)
            let common = a.byDistrict.values.filter { $0.0 >= 1 && Double($0.0) >= perDistrict / 4 }.count
            let rate = a.calledBack > 0 ? Double(a.resolved) / Double(a.calledBack) : nil
            let components = Components(
                frequency: busiest > 0 ? Double(a.tickets) / Double(busiest) : 0,
                spread: Double(min(common, districtCount)) / Double(districtCount),
                unresolved: 1 - (rate ?? cityRate ?? 1))
            let score = weights.frequency * components.frequency + weights.spread * components.spread
                + weights.unresolved * components.unresolved
            let peak = a.monthly.indices.max { a.monthly[$0] < a.monthly[$1] || (a.monthly[$0] == a.monthly[$1] && $0 > $1) }!
            let share = a.tickets > 0 ? Double(a.monthly[peak]) / Double(a.tickets) : 0
            return RankedClass(
                categoryCode: code, rank: 0, score: score, components: components, tickets: a.tickets,
                districts: a.byDistrict.count, commonInDistricts: common, calledBack: a.calledBack, resolved: a.resolved,
                resolutionRate: rate, monthly: a.monthly, peakMonth: peak + 1, peakShare: share,
                seasonal: a.tickets >= seasonalMinimumTickets && share >= seasonalPeakShare,
                places: Self.places(a.tickets, byDistrict: a.byDistrict, byStreet: a.byStreet))
        }
        ranking.sort { ($0.score, $1.categoryCode) > ($1.score, $0.categoryCode) }
        for i in ranking.indices { ranking[i].rank = i + 1 }

        var taken: [Int: Proposal] = [:]
        var used = Set<String>()
        for c in ranking where c.seasonal {
            let month = c.peakMonth == 1 ? 12 : c.peakMonth - 1
            guard taken[month] == nil else { continue }
            taken[month] = Proposal(month: month, categoryCode: c.categoryCode, reason: "seasonal")
            used.insert(c.categoryCode)
        }
        var rest = ranking.filter { !$0.seasonal && !used.contains($0.categoryCode) }.makeIterator()
        for month in 1...12 where taken[month] == nil {
            guard let next = rest.next() else { break }
            taken[month] = Proposal(month: month, categoryCode: next.categoryCode, reason: "rank")
        }
        return Result(ranking: ranking, proposals: taken.keys.sorted().map { taken[$0]! }, cityResolutionRate: cityRate)
    }

    /// Streets when the three busiest streets hold at least half of the class, else districts; three at most.
    static func places(
        _ total: Int, byDistrict: [String: (Int, Int, Int)], byStreet: [String: (String, Int, Int, Int)]
    ) -> [Place] {
        func rate(_ calledBack: Int, _ resolved: Int) -> Double? { calledBack > 0 ? Double(resolved) / Double(calledBack) : nil }
        let streets = byStreet.sorted { ($0.value.1, $1.key) > ($1.value.1, $0.key) }.prefix(3)
        if !streets.isEmpty, 2 * streets.reduce(0, { $0 + $1.value.1 }) >= total {
            return streets.map { Place(districtCode: $0.value.0, streetCode: $0.key, tickets: $0.value.1, resolutionRate: rate($0.value.2, $0.value.3)) }
        }
        return byDistrict.sorted { ($0.value.0, $1.key) > ($1.value.0, $0.key) }.prefix(3).map {
            Place(districtCode: $0.key, streetCode: nil, tickets: $0.value.0, resolutionRate: rate($0.value.1, $0.value.2))
        }
    }
}

// MARK: - Forecast (未诉先办)

/// Finds classes that rise in the same streets in the same calendar month year after year.
///
/// For a street, a class and a past year: the month's tickets ÷ that year's monthly average for the street and
/// class is the **lift**. The pattern holds when the lift is at least `minimumLift` with at least `minimumTickets`
/// tickets in that month, in every past year the street had tickets of the class, and in at least
/// `minimumYears` years (or every year on record, when fewer are).
public struct SeasonalForecast: Sendable {
    public var minimumLift = 2.0
    public var minimumTickets = 3
    public var minimumYears = 2

    public init() {}

    public struct Evidence: Sendable, Equatable {
        public var streetCode: String
        public var year: Int
        public var tickets: Int
        public var monthlyAverage: Double
        public var lift: Double
    }

    /// One suggested task: a class in a district, in the streets where it rises.
    public struct Finding: Sendable, Equatable {
        public var districtCode: String
        public var categoryCode: String
        public var streetCodes: [String]
        public var evidence: [Evidence]
        /// Tickets above the monthly average, summed over streets and years: the order of the findings.
        public var excess: Double
    }

    /// `counts` must be per street, over whole past years (months of other years are ignored).
    public func findings(month: Int, counts: [ClassCount], before year: Int) -> [Finding] {
        struct Key: Hashable { var street: String; var category: String }
        var yearTotals: [Key: [Int: Int]] = [:]
        var monthCounts: [Key: [Int: Int]] = [:]
        var districtOf: [String: String] = [:]
        var years = Set<Int>()
        for c in counts where c.year < year {
            guard let street = c.streetCode else { continue }
            let key = Key(street: street, category: c.categoryCode)
            yearTotals[key, default: [:]][c.year, default: 0] += c.tickets
            if c.month == month { monthCounts[key, default: [:]][c.year, default: 0] += c.tickets }
            districtOf[street] = c.districtCode
            years.insert(c.year)
        }
        let needed = min(minimumYears, years.count)
        struct Group: Hashable { var district: String; var category: String }
        var groups: [Group: [Evidence]] = [:]
        for (key, totals) in yearTotals {
            var evidence: [Evidence] = []
            var holds = needed > 0
            for (y, total) in totals.sorted(by: { $0.key < $1.key }) {
                let n = monthCounts[key]?[y] ?? 0
                let average = Double(total) / 12
                let lift = average > 0 ? Double(n) / average : 0
                if n < minimumTickets || lift < minimumLift { holds = false; break }
                evidence.append(Evidence(streetCode: key.street, year: y, tickets: n, monthlyAverage: average, lift: lift))
            }
            guard holds, evidence.count >= needed, let district = districtOf[key.street] else { continue }
            groups[Group(district: district, category: key.category), default: []].append(contentsOf: evidence)
        }
        return groups.map { group, evidence in
            Finding(
                districtCode: group.district, categoryCode: group.category,
                streetCodes: Set(evidence.map(\.streetCode)).sorted(),
                evidence: evidence.sorted { ($0.streetCode, $0.year) < ($1.streetCode, $1.year) },
                excess: evidence.reduce(0) { $0 + Double($1.tickets) - $1.monthlyAverage })
        }.sorted { ($0.excess, $1.districtCode, $1.categoryCode) > ($1.excess, $0.districtCode, $0.categoryCode) }
    }
}

// MARK: - Effect

/// Whether a proactive task made a difference: the tickets of its class in its area in a window after the task
/// began, against the window just before it and the same window a year earlier.
public struct EffectJudgement: Sendable {
    /// A baseline needs at least this many tickets to compare against.
    public var minimumBaseline = 10
    /// A change smaller than this (either way) is no change.
    public var threshold = 0.1

    public init() {}

    public struct Window: Sendable, Equatable {
        public var from: Date
        public var to: Date
        public var tickets: Int
        public var calledBack: Int
        public var resolved: Int
        public var resolutionRate: Double? { calledBack > 0 ? Double(resolved) / Double(calledBack) : nil }

        public init(from: Date, to: Date, tickets: Int, calledBack: Int, resolved: Int) {
            self.from = from
            self.to = to
            self.tickets = tickets
            self.calledBack = calledBack
            self.resolved = resolved
        }
    }

    public enum Verdict: String, Sendable, Codable {
        case improved, unchanged, worse
        case insufficientData = "insufficient_data"
    }

    public struct Judgement: Sendable, Equatable {
        public var verdict: Verdict
        /// (after − before) ÷ before, nil without a usable baseline.
        public var changeFromBefore: Double?
        public var changeFromYearEarlier: Double?
        public var reasons: [String]
    }

    /// Judges once the after-window has closed (`now` at or past its end) against the baselines that hold enough
    /// tickets; the verdict follows their average change.
    public func judge(after: Window, before: Window, yearEarlier: Window, now: Date) -> Judgement {
        func change(_ base: Window) -> Double? {
            base.tickets >= minimumBaseline ? Double(after.tickets - base.tickets) / Double(base.tickets) : nil
        }
        let fromBefore = change(before)
        let fromYear = change(yearEarlier)
        var reasons: [String] = []
        if now < after.to {
            reasons.append("the window after the task is still open (it ends \(after.to.formatted(.iso8601)))")
        }
        if fromBefore == nil { reasons.append("fewer than \(minimumBaseline) tickets in the window before the task") }
        if fromYear == nil { reasons.append("fewer than \(minimumBaseline) tickets in the same window a year earlier") }
        let changes = [fromBefore, fromYear].compactMap { $0 }
        guard now >= after.to, !changes.isEmpty else {
            return Judgement(verdict: .insufficientData, changeFromBefore: fromBefore, changeFromYearEarlier: fromYear, reasons: reasons)
        }
        let mean = changes.reduce(0, +) / Double(changes.count)
        let verdict: Verdict = mean <= -threshold ? .improved : mean >= threshold ? .worse : .unchanged
        reasons.insert(String(format: "tickets changed by %+.1f%% on average against %d baseline(s)", mean * 100, changes.count), at: 0)
        return Judgement(verdict: verdict, changeFromBefore: fromBefore, changeFromYearEarlier: fromYear, reasons: reasons)
    }
}
