import Foundation
import HotlineCore
import Logging
import PostgresNIO

/// Why an assessment operation was refused.
public enum AssessmentStoreError: Error, Equatable {
    case published
    case notFound
    /// A revision the period does not have (or any revision of a period never published).
    case noSuchRevision
}

/// 考核: parameters per period, the ranking of a level (computed, or from the published snapshot), publication,
/// key-governance streets, and the tickets behind one unit's counts.
public struct AssessmentStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// A period's parameters and when it was first published: the latest publication's parameters once published,
    /// else the draft (recorded with the defaults the first time it is asked for).
    public func parameters(_ period: AssessmentPeriod, as identity: Identity, logger: Logger) async throws -> (ScoringParameters, Date?) {
        try await database.withIdentity(identity, logger: logger) { c in
            let (draft, published) = try await Self.parameters(period, on: c, logger: logger)
            guard published != nil else { return (draft, nil) }
            let history = try await Self.publications(period, on: c, logger: logger)
            return (history.last?.parameters ?? draft, history.first?.publishedAt ?? published)
        }
    }

    /// The draft parameters of a period (recorded with the defaults the first time) and its first publication.
    static func parameters(_ period: AssessmentPeriod, on c: PostgresConnection, logger: Logger) async throws -> (ScoringParameters, Date?) {
        try await c.query(
            "INSERT INTO hotline.assessment_periods (period) VALUES (\(period.description)) ON CONFLICT (period) DO NOTHING",
            logger: logger)
        for try await (r, res, sat, basic, published) in try await c.query(
            """
            SELECT weight_response::float8, weight_resolution::float8, weight_satisfaction::float8,
                   basically_satisfied_value::float8, published_at
            FROM hotline.assessment_periods WHERE period = \(period.description)
            """, logger: logger
        ).decode((Double, Double, Double, Double, Date?).self) {
            return (ScoringParameters(weightResponse: r, weightResolution: res, weightSatisfaction: sat, basicallySatisfiedValue: basic), published)
        }
        throw AssessmentStoreError.notFound
    }

    /// A period's publications, oldest first (empty before its first publication).
    public func publications(_ period: AssessmentPeriod, as identity: Identity, logger: Logger) async throws -> [AssessmentPublication] {
        try await database.withIdentity(identity, logger: logger) { c in try await Self.publications(period, on: c, logger: logger) }
    }

    static func publications(_ period: AssessmentPeriod, on c: PostgresConnection, logger: Logger) async throws -> [AssessmentPublication] {
        var result: [AssessmentPublication] = []
        for try await (revision, at, by, reason, r, res, sat, basic) in try await c.query(
            """
            SELECT revision, published_at, published_by, reason, weight_response::float8, weight_resolution::float8,
                   weight_satisfaction::float8, basically_satisfied_value::float8
            FROM hotline.assessment_publications WHERE period = \(period.description)
            ORDER BY revision
            """, logger: logger
        ).decode((Int32, Date, String, String?, Double, Double, Double, Double).self) {
            result.append(AssessmentPublication(
                period: period, revision: Int(revision), publishedAt: at, publishedBy: by, reason: reason,
                parameters: ScoringParameters(weightResponse: r, weightResolution: res, weightSatisfaction: sat, basicallySatisfiedValue: basic)))
        }
        return result
    }

    /// Sets a period's parameters (city admin, before publication).
    public func setParameters(_ p: ScoringParameters, for period: AssessmentPeriod, as identity: Identity, logger: Logger) async throws {
        try await database.withIdentity(identity, logger: logger) { c in
            // The same lock as publication: parameters never change under a publication in progress.
            _ = try await c.query(
                "SELECT pg_advisory_xact_lock(hashtext('hotline.assessment'), hashtext(\(period.description)))",
                logger: logger).collect()
            let (_, published) = try await Self.parameters(period, on: c, logger: logger)
            guard published == nil else { throw AssessmentStoreError.published }
            let updated = try await c.query(
                """
                UPDATE hotline.assessment_periods SET weight_response = \(p.weightResponse), weight_resolution = \(p.weightResolution),
                    weight_satisfaction = \(p.weightSatisfaction), basically_satisfied_value = \(p.basicallySatisfiedValue)
                WHERE period = \(period.description) AND published_at IS NULL
                RETURNING period
                """, logger: logger).collect()
            guard updated.count == 1 else { throw AssessmentStoreError.published }
        }
    }

    /// The ranking of a level: from a published revision's snapshot (the latest, or `revision`), else computed now.
    /// `publication` is the revision read, nil when the figures were computed now.
    public func ranking(
        _ period: AssessmentPeriod, level: AssessmentLevel, revision: Int? = nil, as identity: Identity, logger: Logger
    ) async throws -> (parameters: ScoringParameters, publication: AssessmentPublication?, results: [AssessmentResult]) {
        try await database.withIdentity(identity, logger: logger) { c in
            let (parameters, published) = try await Self.parameters(period, on: c, logger: logger)
            if published != nil || revision != nil {
                let history = try await Self.publications(period, on: c, logger: logger)
                guard let publication = revision.map({ r in history.first { $0.revision == r } }) ?? history.last else {
                    throw AssessmentStoreError.noSuchRevision
                }
                return (publication.parameters, publication,
                        try await Self.snapshot(period, revision: publication.revision, level: level, on: c, logger: logger))
            }
            let counts = try await Self.counts(period, level: level, basic: parameters.basicallySatisfiedValue, on: c, logger: logger)
            return (parameters, nil, AssessmentScoring.rank(counts, parameters))
        }
    }

    /// The ranking of a level over any date range (never published; the project's default parameters).
    public func ranking(
        from: Date, to: Date, level: AssessmentLevel, as identity: Identity, logger: Logger
    ) async throws -> [AssessmentResult] {
        let parameters = ScoringParameters()
        return try await database.withIdentity(identity, logger: logger) { c in
            AssessmentScoring.rank(
                try await Self.counts(from: from, to: to, level: level, basic: parameters.basicallySatisfiedValue, on: c, logger: logger),
                parameters)
        }
    }

    static func counts(
        _ period: AssessmentPeriod, level: AssessmentLevel, basic: Double, on c: PostgresConnection, logger: Logger
    ) async throws -> [AssessmentCounts] {
        let (from, to) = period.interval
        return try await counts(from: from, to: to, level: level, basic: basic, on: c, logger: logger)
    }

    static func counts(
        from: Date, to: Date, level: AssessmentLevel, basic: Double, on c: PostgresConnection, logger: Logger
    ) async throws -> [AssessmentCounts] {
        var result: [AssessmentCounts] = []
        for try await (unit, district, dispatched, inTime, calledBack, resolved, points) in try await c.query(
            """
            SELECT unit_id, district_code, dispatched, responded_in_time, called_back, resolved, satisfaction_points::float8
            FROM hotline.assessment_rows(\(from), \(to), \(level.rawValue), \(basic)::numeric)
            """, logger: logger
        ).decode((String, String?, Int, Int, Int, Int, Double).self) {
            result.append(AssessmentCounts(
                unitID: unit, districtCode: district, dispatched: dispatched, respondedInTime: inTime,
                calledBack: calledBack, resolved: resolved, satisfactionPoints: points))
        }
        return result
    }

    static func snapshot(
        _ period: AssessmentPeriod, revision: Int, level: AssessmentLevel, on c: PostgresConnection, logger: Logger
    ) async throws -> [AssessmentResult] {
        var results: [AssessmentResult] = []
        for try await row in try await c.query(
            """
            SELECT unit_id, district_code, dispatched, responded_in_time, called_back, resolved, satisfaction_points::float8,
                   response_rate::float8, resolution_rate::float8, satisfaction_rate::float8, score::float8, rank
            FROM hotline.assessment_snapshots
            WHERE period = \(period.description) AND revision = \(Int32(revision)) AND level = \(level.rawValue)
            ORDER BY rank NULLS LAST, unit_id
            """, logger: logger
        ).decode((String, String?, Int, Int, Int, Int, Double, Double?, Double?, Double?, Double?, Int32?).self) {
            results.append(AssessmentResult(
                counts: AssessmentCounts(
                    unitID: row.0, districtCode: row.1, dispatched: row.2, respondedInTime: row.3, calledBack: row.4,
                    resolved: row.5, satisfactionPoints: row.6),
                responseRate: row.7, resolutionRate: row.8, satisfactionRate: row.9, score: row.10, rank: row.11.map(Int.init)))
        }
        return results
    }

    /// Freezes a period: computes every level and stores it as revision 1. Refused (nothing changed) before the month
    /// has ended and once it is published (``AssessmentPublication/Refusal``).
    public func publish(_ period: AssessmentPeriod, as identity: Identity, now: Date, logger: Logger) async throws -> AssessmentPublication {
        try await database.withIdentity(identity, logger: logger) { c in
            try await Self.lockPublication(period, on: c, logger: logger)
            let (draft, _) = try await Self.parameters(period, on: c, logger: logger)
            let history = try await Self.publications(period, on: c, logger: logger)
            let publication = try AssessmentPublication.first(period, latest: history.last, parameters: draft, by: identity.id, now: now)
            try await Self.store(publication, on: c, logger: logger)
            try await c.query(
                "UPDATE hotline.assessment_periods SET published_at = \(now), published_by = \(identity.id) WHERE period = \(period.description)",
                logger: logger)
            return publication
        }
    }

    /// 更正: publishes a published period again, from today's tickets, with a reason and optionally other parameters.
    /// The earlier revisions and their snapshots stay as they were.
    public func correct(
        _ period: AssessmentPeriod, reason: String, parameters: ScoringParameters?, as identity: Identity, now: Date,
        logger: Logger
    ) async throws -> AssessmentPublication {
        try await database.withIdentity(identity, logger: logger) { c in
            try await Self.lockPublication(period, on: c, logger: logger)
            let history = try await Self.publications(period, on: c, logger: logger)
            let publication = try AssessmentPublication.correction(
                period, latest: history.last, reason: reason, parameters: parameters, by: identity.id, now: now)
            try await Self.store(publication, on: c, logger: logger)
            return publication
        }
    }

    /// One publication or correction of a period at a time: the second waits, then sees the first's revision.
    static func lockPublication(_ period: AssessmentPeriod, on c: PostgresConnection, logger: Logger) async throws {
        _ = try await c.query(
            "SELECT pg_advisory_xact_lock(hashtext('hotline.assessment'), hashtext(\(period.description)))",
            logger: logger).collect()
    }

    /// Computes every level with the publication's parameters, stores the rows under its revision, then records the
    /// revision (which seals its rows: sql/0014).
    static func store(_ publication: AssessmentPublication, on c: PostgresConnection, logger: Logger) async throws {
        let period = publication.period
        let parameters = publication.parameters
        let revision = Int32(publication.revision)
        // Every level from one scan of the month's dispatches.
        let (from, to) = period.interval
        var byLevel: [AssessmentLevel: [AssessmentCounts]] = [:]
        for try await (level, unit, district, dispatched, inTime, calledBack, resolved, points) in try await c.query(
            """
            SELECT level, unit_id, district_code, dispatched, responded_in_time, called_back, resolved,
                   satisfaction_points::float8
            FROM hotline.assessment_rows_all(\(from), \(to), \(parameters.basicallySatisfiedValue)::numeric)
            """, logger: logger
        ).decode((String, String, String?, Int, Int, Int, Int, Double).self) {
            guard let level = AssessmentLevel(rawValue: level) else { continue }
            byLevel[level, default: []].append(AssessmentCounts(
                unitID: unit, districtCode: district, dispatched: dispatched, respondedInTime: inTime,
                calledBack: calledBack, resolved: resolved, satisfactionPoints: points))
        }
        for level in AssessmentLevel.allCases {
            let results = AssessmentScoring.rank(byLevel[level] ?? [], parameters)
            for r in results {
                try await c.query(
                    """
                    INSERT INTO hotline.assessment_snapshots (period, revision, level, unit_id, district_code, dispatched,
                        responded_in_time, called_back, resolved, satisfaction_points, response_rate, resolution_rate,
                        satisfaction_rate, score, rank)
                    VALUES (\(period.description), \(revision), \(level.rawValue), \(r.counts.unitID), \(r.counts.districtCode),
                            \(r.counts.dispatched), \(r.counts.respondedInTime), \(r.counts.calledBack), \(r.counts.resolved),
                            \(r.counts.satisfactionPoints), \(r.responseRate), \(r.resolutionRate), \(r.satisfactionRate),
                            \(r.score), \(r.rank.map(Int32.init)))
                    """, logger: logger)
            }
        }
        try await c.query(
            """
            INSERT INTO hotline.assessment_publications (period, revision, published_at, published_by, reason,
                weight_response, weight_resolution, weight_satisfaction, basically_satisfied_value)
            VALUES (\(period.description), \(revision), \(publication.publishedAt), \(publication.publishedBy),
                    \(publication.reason), \(parameters.weightResponse), \(parameters.weightResolution),
                    \(parameters.weightSatisfaction), \(parameters.basicallySatisfiedValue))
            """, logger: logger)
    }

    /// The key-governance rule (data).
    public func keyStreetRule(logger: Logger) async throws -> KeyStreetRule {
        try await database.withConnection { c in
            for try await (v, s, m) in try await c.query(
                "SELECT volume_quantile::float8, score_quantile::float8, months_running FROM hotline.key_street_rules WHERE id = 1",
                logger: logger
            ).decode((Double, Double, Int32).self) { return KeyStreetRule(volumeQuantile: v, scoreQuantile: s, monthsRunning: Int(m)) }
            return KeyStreetRule()
        }
    }

    /// A street on this month's list of weak streets, and whether it has been there long enough to be a
    /// key-governance street (重点治理街道).
    public struct KeyStreetListing: Sendable, Equatable {
        public var unitID: String
        public var districtCode: String?
        /// The consecutive months up to this one the street was listed, oldest first.
        public var listedMonths: [AssessmentPeriod]
        public var key: Bool
    }

    /// The streets listed in `period` under the key-street rule, each with its run of listed months.
    public func keyStreets(
        _ period: AssessmentPeriod, as identity: Identity, logger: Logger
    ) async throws -> (KeyStreetRule, [KeyStreetListing]) {
        let rule = try await keyStreetRule(logger: logger)
        var listed: [AssessmentPeriod: Set<String>] = [:]
        var districtOf: [String: String] = [:]
        for back in 0..<rule.monthsRunning {
            let month = period.minus(back)
            let (_, _, results) = try await ranking(month, level: .street, as: identity, logger: logger)
            listed[month] = rule.listed(results)
            for r in results { districtOf[r.counts.unitID] = r.counts.districtCode }
        }
        let streets = (listed[period] ?? []).sorted().map { unit -> KeyStreetListing in
            var months: [AssessmentPeriod] = []
            for back in 0..<rule.monthsRunning {
                let month = period.minus(back)
                guard listed[month]?.contains(unit) == true else { break }
                months.insert(month, at: 0)
            }
            return KeyStreetListing(unitID: unit, districtCode: districtOf[unit], listedMonths: months,
                                    key: months.count >= rule.monthsRunning)
        }
        return (rule, streets)
    }

    /// One dispatch behind a unit's counts.
    public struct CountedDispatch: Sendable {
        public var ticketID: UUID
        public var number: String
        public var dispatchID: UUID
        public var role: String
        public var respondedInTime: Bool
        public var calledBack: Bool
        public var resolved: Bool?
        public var satisfaction: String?
    }

    /// The dispatches behind one unit's counts, read under the caller's own policies (nil when they see none of the
    /// unit's rows, e.g. another district's unit).
    /// For a district (`unitID` a district code): its tickets, judged by their lead dispatch.
    public func explain(_ period: AssessmentPeriod, unitID: String, as identity: Identity, logger: Logger) async throws -> [CountedDispatch] {
        let (from, to) = period.interval
        let district = DistrictCode(unitID)?.rawValue
        return try await database.withIdentity(identity, logger: logger) { c in
            var rows: [CountedDispatch] = []
            for try await (ticket, number, dispatch, role, inTime, calledBack, resolved, satisfaction) in try await c.query(
                """
                SELECT t.id, t.number, d.id, d.role,
                       coalesce(d.responded_in_time, false),
                       d.callback_at IS NOT NULL, d.callback_resolved, d.callback_satisfaction
                FROM hotline.dispatches d
                JOIN hotline.tickets t ON t.district_code = d.district_code AND t.id = d.ticket_id
                WHERE (CASE WHEN \(district)::text IS NULL THEN d.unit_id = \(unitID)
                            ELSE d.district_code = \(district) AND d.role = 'lead' END)
                  AND d.dispatched_at >= \(from) AND d.dispatched_at < \(to)
                  AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
                ORDER BY d.dispatched_at, d.id
                """, logger: logger
            ).decode((UUID, String, UUID, String, Bool, Bool, Bool?, String?).self) {
                rows.append(CountedDispatch(
                    ticketID: ticket, number: number, dispatchID: dispatch, role: role, respondedInTime: inTime,
                    calledBack: calledBack, resolved: resolved, satisfaction: satisfaction))
            }
            return rows
        }
    }
}
