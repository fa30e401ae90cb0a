import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// 考核: rankings, parameters, publication, key-governance streets, and the tickets behind a unit's figures.
/// Rankings are public inside the government (every signed-in role reads them); the tickets behind a unit's
/// figures are read under the caller's own policies (another district's unit answers 404).
///
/// | method | path                                          | who                       |
/// |--------|-----------------------------------------------|---------------------------|
/// | GET    | /api/v1/assessments?period=&level=&districtCode=&revision=&format=csv | everyone |
/// |        | (or `from=&to=` for any date range: computed with the default parameters, never published) |  |
/// | GET    | /api/v1/assessments/{period}/parameters       | everyone                  |
/// | PATCH  | /api/v1/assessments/{period}/parameters       | city_admin, until published |
/// | POST   | /api/v1/assessments/{period}/publish          | city_admin, once, after the month ended |
/// | POST   | /api/v1/assessments/{period}/corrections      | city_admin, a published month (更正) |
/// | GET    | /api/v1/assessments/{period}/publications     | everyone: the publication history |
/// | GET    | /api/v1/assessments/{period}/units/{unitId}   | everyone, within scope    |
/// | GET    | /api/v1/assessments/{period}/key-streets      | everyone                  |
struct AssessmentsController {
    let store: AssessmentStore
    let reference: ReferenceStore
    let clock: WallClock

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("/assessments", use: ranking)
        group.get("/assessments/{period}/parameters", use: parameters)
        group.patch("/assessments/{period}/parameters", use: setParameters)
        group.post("/assessments/{period}/publish", use: publish)
        group.post("/assessments/{period}/corrections", use: correct)
        group.get("/assessments/{period}/publications", use: publications)
        group.get("/assessments/{period}/units/{unitId}", use: unit)
        group.get("/assessments/{period}/key-streets", use: keyStreets)
    }

    struct ParametersBody: ResponseEncodable {
        struct Weights: Codable {
            var response: Double
            var resolution: Double
            var satisfaction: Double
        }
        var weights: Weights
        var basicallySatisfiedValue: Double

        init(_ p: ScoringParameters) {
            weights = Weights(response: p.weightResponse, resolution: p.weightResolution, satisfaction: p.weightSatisfaction)
            basicallySatisfiedValue = p.basicallySatisfiedValue
        }
    }

    struct Row: Encodable {
        var unitId: String
        var unitName: String?
        var districtCode: String?
        var dispatched: Int
        var respondedInTime: Int
        var calledBack: Int
        var resolved: Int
        var satisfactionPoints: Double
        var responseRate: Double?
        var resolutionRate: Double?
        var satisfactionRate: Double?
        var score: Double?
        var rank: Int?

        init(_ r: AssessmentResult, names: [String: String]) {
            unitId = r.counts.unitID
            unitName = names[r.counts.unitID]
            districtCode = r.counts.districtCode
            dispatched = r.counts.dispatched
            respondedInTime = r.counts.respondedInTime
            calledBack = r.counts.calledBack
            resolved = r.counts.resolved
            satisfactionPoints = r.counts.satisfactionPoints
            responseRate = r.responseRate
            resolutionRate = r.resolutionRate
            satisfactionRate = r.satisfactionRate
            score = r.score
            rank = r.rank
        }
    }

    struct Ranking: ResponseEncodable {
        var period: String
        var level: String
        var published: Bool
        /// When the figures shown were published (their revision's publication).
        var publishedAt: String?
        /// The revision shown (1 the first publication, then corrections); nil for figures computed now.
        var revision: Int?
        /// Why the revision shown was published again (a correction's reason).
        var correctionReason: String?
        var parameters: ParametersBody
        var rows: [Row]
    }

    /// One publication of a period (revision 1) or one correction.
    struct PublicationBody: ResponseEncodable {
        var period: String
        var revision: Int
        var publishedAt: String
        var publishedBy: String
        var reason: String?
        var parameters: ParametersBody

        init(_ p: AssessmentPublication) {
            period = p.period.description
            revision = p.revision
            publishedAt = p.publishedAt.iso8601
            publishedBy = p.publishedBy
            reason = p.reason
            parameters = ParametersBody(p.parameters)
        }
    }

    struct PublicationList: ResponseEncodable {
        var period: String
        var items: [PublicationBody]
    }

    /// A date range from `from` and `to` (ISO 8601 instants, at most a year), or nil when neither is given.
    static func range(from: String?, to: String?) throws -> (from: Date, to: Date)? {
        guard from != nil || to != nil else { return nil }
        guard let f = from.flatMap({ try? Date($0, strategy: .iso8601) }) else {
            throw Problem.invalidParameter("from", "an ISO 8601 instant such as 2026-11-01T00:00:00+08:00")
        }
        guard let t = to.flatMap({ try? Date($0, strategy: .iso8601) }), t > f, t.timeIntervalSince(f) <= 366 * 86_400 else {
            throw Problem.invalidParameter("to", "an ISO 8601 instant after from, at most a year later")
        }
        return (f, t)
    }

    static func period(_ raw: String?) throws -> AssessmentPeriod {
        guard let raw, let p = AssessmentPeriod(raw) else { throw Problem.invalidParameter("period", "a month such as 2026-11") }
        return p
    }

    func names(logger: Logger) async throws -> [String: String] {
        var names: [String: String] = [:]
        for d in try await reference.districts(logger: logger) { names[d.code.rawValue] = d.nameZh }
        for u in try await reference.units(districtCode: nil, kind: nil, logger: logger) { names[u.id] = u.nameZh }
        return names
    }

    @Sendable func ranking(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let q = request.uri.queryParameters
        // Either a month (`period`, the official, publishable figures) or any range (`from`, `to`: ISO 8601).
        let range = try Self.range(from: q["from"].map { String($0) }, to: q["to"].map { String($0) })
        let period = range == nil ? try Self.period(q["period"].map { String($0) }) : nil
        guard let level = q["level"].map({ String($0) }).flatMap(AssessmentLevel.init(rawValue:)) else {
            throw Problem.invalidParameter("level", "district, street, department or enterprise")
        }
        var district: DistrictCode?
        if let raw = q["districtCode"].map({ String($0) }) {
            guard let d = DistrictCode(raw) else { throw Problem.invalidParameter("districtCode", "not a district code") }
            district = d
        }
        let format = q["format"].map { String($0) } ?? "json"
        guard format == "json" || format == "csv" else { throw Problem.invalidParameter("format", "json or csv") }
        var revision: Int?
        if let raw = q["revision"].map({ String($0) }) {
            guard let r = Int(raw), r >= 1 else { throw Problem.invalidParameter("revision", "a revision number, 1 or more") }
            guard period != nil else { throw Problem.invalidParameter("revision", "only with period") }
            revision = r
        }
        let parameters: ScoringParameters
        let published: AssessmentPublication?
        let results: [AssessmentResult]
        let label: String
        if let period {
            do {
                (parameters, published, results) = try await store.ranking(
                    period, level: level, revision: revision, as: context.identity, logger: context.logger)
            } catch AssessmentStoreError.noSuchRevision {
                throw Problem.notFound("The assessment of \(period) has no revision \(revision ?? 1).")
            }
            label = period.description
        } else if let range {
            parameters = ScoringParameters()
            published = nil
            results = try await store.ranking(from: range.from, to: range.to, level: level, as: context.identity, logger: context.logger)
            label = "\(range.from.iso8601)/\(range.to.iso8601)"
        } else {
            throw Problem.invalidParameter("period", "a month such as 2026-11, or from and to")
        }
        let names = try await names(logger: context.logger)
        // The rank is the city-wide one; a district filter only narrows the rows shown.
        let rows = results.filter { district == nil || $0.counts.districtCode == district?.rawValue }.map { Row($0, names: names) }
        if format == "csv" {
            var csv = "rank,unitId,unitName,districtCode,dispatched,respondedInTime,calledBack,resolved,satisfactionPoints,responseRate,resolutionRate,satisfactionRate,score\r\n"
            func f(_ x: Double?) -> String { x.map { String($0) } ?? "" }
            for r in rows {
                let name = (r.unitName ?? "").replacingOccurrences(of: "\"", with: "\"\"")
                csv += "\(r.rank.map(String.init) ?? ""),\(r.unitId),\"\(name)\",\(r.districtCode ?? ""),\(r.dispatched),\(r.respondedInTime),\(r.calledBack),\(r.resolved),\(r.satisfactionPoints),\(f(r.responseRate)),\(f(r.resolutionRate)),\(f(r.satisfactionRate)),\(f(r.score))\r\n"
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8",
                          .contentDisposition: "attachment; filename=\"assessment-\(period?.description ?? "range")-\(level.rawValue).csv\""],
                body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        return try Ranking(
            period: label, level: level.rawValue, published: published != nil, publishedAt: published?.publishedAt.iso8601,
            revision: published?.revision, correctionReason: published?.reason, parameters: ParametersBody(parameters),
            rows: rows
        ).response(from: request, context: context)
    }

    @Sendable func parameters(_ request: Request, context: AuthenticatedContext) async throws -> ParametersBody {
        let period = try Self.period(context.parameters.get("period"))
        return ParametersBody(try await store.parameters(period, as: context.identity, logger: context.logger).0)
    }

    @Sendable func setParameters(_ request: Request, context: AuthenticatedContext) async throws -> ParametersBody {
        let period = try Self.period(context.parameters.get("period"))
        try context.require([.cityAdmin])
        let body = try await request.decodeJSON(as: SetParameters.self, context: context)
        let p = ScoringParameters(
            weightResponse: body.weights.response, weightResolution: body.weights.resolution,
            weightSatisfaction: body.weights.satisfaction, basicallySatisfiedValue: body.basicallySatisfiedValue)
        if let problem = p.problem { throw Problem.validation([.init(field: "weights", message: problem)]) }
        do {
            try await store.setParameters(p, for: period, as: context.identity, logger: context.logger)
        } catch AssessmentStoreError.published {
            throw Self.alreadyPublished(period)
        }
        return ParametersBody(p)
    }

    struct SetParameters: Decodable {
        var weights: ParametersBody.Weights
        var basicallySatisfiedValue: Double
    }

    static func alreadyPublished(_ period: AssessmentPeriod) -> Problem {
        Problem(.conflict, type: "/problems/assessment-published", title: "Period published",
                detail: "The assessment of \(period) is published and can no longer change; a mistake is corrected with POST /api/v1/assessments/\(period)/corrections.")
    }

    /// The problem for a refused publication or correction.
    static func problem(_ refusal: AssessmentPublication.Refusal) -> Problem {
        switch refusal {
        case .alreadyPublished(let period):
            return alreadyPublished(period)
        case .periodNotEnded(let period, let endsAt):
            return Problem(
                .unprocessableContent, type: "/problems/period-not-ended", title: "Period not ended",
                detail: "The assessment of \(period) cannot be published before the month has ended (\(endsAt.iso8601)).")
        case .notPublished(let period):
            return Problem(
                .conflict, type: "/problems/assessment-not-published", title: "Period not published",
                detail: "The assessment of \(period) has not been published, so there is nothing to correct; publish it instead.")
        case .invalid(let field, let message):
            return Problem.validation([.init(field: field, message: message)])
        }
    }

    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let period = try Self.period(context.parameters.get("period"))
        try context.require([.cityAdmin])
        do {
            _ = try await store.publish(period, as: context.identity, now: clock.now, logger: context.logger)
        } catch let refusal as AssessmentPublication.Refusal {
            throw Self.problem(refusal)
        }
        context.logger.info("assessment published", metadata: ["period": "\(period)"])
        return Response(status: .noContent)
    }

    struct CorrectionRequest: Decodable {
        var reason: String
        /// Other parameters for the corrected figures; the latest revision's when absent.
        var weights: ParametersBody.Weights?
        var basicallySatisfiedValue: Double?
    }

    @Sendable func correct(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let period = try Self.period(context.parameters.get("period"))
        try context.require([.cityAdmin])
        let body = try await request.decodeJSON(as: CorrectionRequest.self, context: context)
        var parameters: ScoringParameters?
        switch (body.weights, body.basicallySatisfiedValue) {
        case (nil, nil):
            parameters = nil
        case (let w?, let basic?):
            parameters = ScoringParameters(
                weightResponse: w.response, weightResolution: w.resolution, weightSatisfaction: w.satisfaction,
                basicallySatisfiedValue: basic)
        default:
            throw Problem.validation([.init(field: "weights", message: "weights and basicallySatisfiedValue come together")])
        }
        let publication: AssessmentPublication
        do {
            publication = try await store.correct(
                period, reason: body.reason, parameters: parameters, as: context.identity, now: clock.now, logger: context.logger)
        } catch let refusal as AssessmentPublication.Refusal {
            throw Self.problem(refusal)
        }
        context.logger.notice(
            "assessment corrected", metadata: ["period": "\(period)", "revision": "\(publication.revision)"])
        var response = try PublicationBody(publication).response(from: request, context: context)
        response.status = .created
        return response
    }

    @Sendable func publications(_ request: Request, context: AuthenticatedContext) async throws -> PublicationList {
        let period = try Self.period(context.parameters.get("period"))
        let history = try await store.publications(period, as: context.identity, logger: context.logger)
        return PublicationList(period: period.description, items: history.map(PublicationBody.init))
    }

    struct UnitBody: ResponseEncodable {
        struct Item: Encodable {
            var ticketId: String
            var number: String
            var dispatchId: String
            var role: String
            var respondedInTime: Bool
            var calledBack: Bool
            var resolved: Bool?
            var satisfaction: String?
        }
        var period: String
        var row: Row?
        var tickets: [Item]
    }

    @Sendable func unit(_ request: Request, context: AuthenticatedContext) async throws -> UnitBody {
        let period = try Self.period(context.parameters.get("period"))
        guard let unitID = context.parameters.get("unitId"), DistrictCode(unitID) != nil || UnitID.isWellFormed(unitID) else {
            throw Problem.invalidParameter("unitId", "a unit id (a 9-digit street code, gov.<district>, dept.<slug>, ent.<slug>) or a district code")
        }
        let identity = context.identity
        let level: AssessmentLevel
        if let district = DistrictCode(unitID) {
            // A district row: its tickets, judged by their lead; a district admin opens only their own.
            let mayOpen = identity.role == .districtAdmin ? identity.districtCode == district
                : ![.streetHandler, .departmentHandler].contains(identity.role)
            guard mayOpen else { throw Problem.notFound("No such unit.") }
            level = .district
        } else {
            let units = try await reference.units(districtCode: nil, kind: nil, logger: context.logger)
            guard let unit = units.first(where: { $0.id == unitID }) else { throw Problem.notFound("No such unit.") }
            // Whose tickets the caller may open: a district admin its district's units, a handler its own unit.
            let mayOpen: Bool = switch identity.role {
            case .districtAdmin: unit.districtCode == identity.districtCode
            case .streetHandler, .departmentHandler: unit.id == identity.unitID
            default: true
            }
            guard mayOpen, unit.kind != .districtGovernment else { throw Problem.notFound("No such unit.") }
            level = switch unit.kind {
            case .street: .street
            case .department: .department
            default: .enterprise
            }
        }
        let (_, _, results) = try await store.ranking(period, level: level, as: identity, logger: context.logger)
        let names = try await names(logger: context.logger)
        let items = try await store.explain(period, unitID: unitID, as: identity, logger: context.logger)
        return UnitBody(
            period: period.description,
            row: results.first { $0.counts.unitID == unitID }.map { Row($0, names: names) },
            tickets: items.map {
                .init(ticketId: $0.ticketID.uuidString.lowercased(), number: $0.number, dispatchId: $0.dispatchID.uuidString.lowercased(),
                      role: $0.role, respondedInTime: $0.respondedInTime, calledBack: $0.calledBack, resolved: $0.resolved,
                      satisfaction: $0.satisfaction)
            })
    }

    struct KeyStreets: ResponseEncodable {
        struct Rule: Encodable {
            var volumeQuantile: Double
            var scoreQuantile: Double
            var monthsRunning: Int
        }
        struct Street: Encodable {
            var unitId: String
            var unitName: String?
            var districtCode: String?
            var listedMonths: [String]
            var key: Bool
        }
        var period: String
        var rule: Rule
        var streets: [Street]
    }

    @Sendable func keyStreets(_ request: Request, context: AuthenticatedContext) async throws -> KeyStreets {
        let period = try Self.period(context.parameters.get("period"))
        let (rule, listings) = try await store.keyStreets(period, as: context.identity, logger: context.logger)
        let names = try await names(logger: context.logger)
        let streets = listings.map {
            KeyStreets.Street(unitId: $0.unitID, unitName: names[$0.unitID], districtCode: $0.districtCode,
                              listedMonths: $0.listedMonths.map(\.description), key: $0.key)
        }
        return KeyStreets(
            period: period.description,
            rule: .init(volumeQuantile: rule.volumeQuantile, scoreQuantile: rule.scoreQuantile, monthsRunning: rule.monthsRunning),
            streets: streets)
    }
}
