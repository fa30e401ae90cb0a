import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging

/// 每月一题: monthly themes, suggested from last year's tickets, planned with three lists, and turned into proactive
/// tasks for the districts concerned.
///
/// | method | path                                   | who                                   |
/// |--------|----------------------------------------|---------------------------------------|
/// | GET    | /api/v1/themes?year=                   | everyone                              |
/// | POST   | /api/v1/themes                         | city_admin, proactive_planner         |
/// | GET    | /api/v1/themes/suggestions?basisYear=&limit= | city_admin, proactive_planner, analyst |
/// | GET    | /api/v1/themes/{id}                    | everyone                              |
/// | PATCH  | /api/v1/themes/{id}                    | city_admin, proactive_planner         |
/// | POST   | /api/v1/themes/{id}/proactive-tasks    | city_admin, proactive_planner         |
struct ThemesController {
    let store: ThemeStore
    let reference: ReferenceStore
    let clock: WallClock

    static let planners: Set<Role> = [.cityAdmin, .proactivePlanner]

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("/themes", use: list)
        group.post("/themes", use: create)
        group.get("/themes/suggestions", use: suggestions)
        group.get("/themes/{id}", use: get)
        group.patch("/themes/{id}", use: update)
        group.post("/themes/{id}/proactive-tasks", use: convert)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ThemeList {
        var year: Int?
        if let raw = request.uri.queryParameters["year"].map({ String($0) }) {
            guard let y = Int(raw), (2000...2100).contains(y) else { throw Problem.invalidParameter("year", "a year such as 2027") }
            year = y
        }
        return ThemeList(items: try await store.list(year: year, as: context.identity, logger: context.logger).map(ThemeBody.init))
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(Self.planners)
        let body = try await request.decodeJSON(as: ThemeWrite.self, context: context)
        var missing: [Problem.FieldError] = []
        if body.month == nil { missing.append(.init(field: "month", message: "is required")) }
        if body.title == nil { missing.append(.init(field: "title", message: "is required")) }
        if body.leadUnitId == nil { missing.append(.init(field: "leadUnitId", message: "is required")) }
        if body.problems == nil { missing.append(.init(field: "problems", message: "is required")) }
        if !missing.isEmpty { throw Problem.validation(missing) }
        let theme = try await store.create(body.input, as: context.identity, now: clock.now, logger: context.logger)
        context.logger.info("theme created", metadata: ["theme": "\(theme.id)", "month": "\(theme.month)"])
        var response = try ThemeBody(theme).response(from: request, context: context)
        response.status = .created
        response.headers[.location] = "/api/v1/themes/\(theme.id.uuidString.lowercased())"
        return response
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id")
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> ThemeBody {
        guard let theme = try await store.get(try Self.id(context), as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such theme.")
        }
        return ThemeBody(theme)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> ThemeBody {
        try context.require(Self.planners)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(as: ThemeWrite.self, context: context)
        return ThemeBody(try await store.update(id, body.input, as: context.identity, now: clock.now, logger: context.logger))
    }

    @Sendable func convert(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(Self.planners)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(as: ConvertThemeBody.self, context: context)
        let items = try await store.convert(id, districts: body.districtCodes, as: context.identity, now: clock.now, logger: context.logger)
        let created = items.filter(\.created).count
        context.logger.info("theme converted to tasks", metadata: ["theme": "\(id)", "created": "\(created)"])
        var response = try ConvertedTasks(items: items.map {
            .init(themeItemId: $0.themeItemID, districtCode: $0.districtCode, taskId: $0.taskID.uuidString.lowercased(), created: $0.created)
        }).response(from: request, context: context)
        response.status = created > 0 ? .created : .ok
        return response
    }

    // MARK: suggestions

    struct Suggestions: ResponseEncodable {
        struct Ranked: Encodable {
            var rank: Int
            var categoryCode: String
            var categoryName: String?
            var areaCode: String?
            var areaName: String?
            var score: Double
            var components: ThemeAnalysis.Components
            var tickets: Int
            var districts: Int
            var commonInDistricts: Int
            var calledBack: Int
            var resolved: Int
            var resolutionRate: Double?
            var monthly: [Int]
            var peakMonth: Int
            var peakShare: Double
            var seasonal: Bool
            var explanation: String
        }
        struct Problem: Encodable {
            var title: String
            var categoryCode: String
            var districtCode: String
            var streetCode: String?
            var tickets: Int
            var resolutionRate: Double?
        }
        struct Theme: Encodable {
            var month: String
            var categoryCode: String
            var title: String
            var rank: Int
            var score: Double
            /// `seasonal`: the month before the class's peak; `rank`: the next best class.
            var reason: String
            var explanation: String
            var problems: [Problem]
        }
        var basisYear: Int
        var forYear: Int
        var weights: ThemeAnalysis.Weights
        var cityResolutionRate: Double?
        var ranking: [Ranked]
        var themes: [Theme]
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a" }

    @Sendable func suggestions(_ request: Request, context: AuthenticatedContext) async throws -> Suggestions {
        try context.require([.cityAdmin, .proactivePlanner, .analyst])
        let q = request.uri.queryParameters
        guard let raw = q["basisYear"].map({ String($0) }), let year = Int(raw), (2000...2100).contains(year) else {
            throw Problem.invalidParameter("basisYear", "a year such as 2025")
        }
        var limit = 10
        if let raw = q["limit"].map({ String($0) }) {
            guard let v = Int(raw), (1...100).contains(v) else { throw Problem.invalidParameter("limit", "1 to 100") }
            limit = v
        }
        let from = CivilDate(year: year, month: 1, day: 1)!.start
        let to = CivilDate(year: year + 1, month: 1, day: 1)!.start
        let counts = try await store.classCounts(from: from, to: to, byStreet: true, as: context.identity, logger: context.logger)
        let analysis = ThemeAnalysis()
        let result = analysis.analyse(counts)
        let categories = Dictionary(uniqueKeysWithValues: try await reference.categories(logger: context.logger).map { ($0.code, $0) })
        var places: [String: String] = [:]
        for d in try await reference.districts(logger: context.logger) { places[d.code.rawValue] = d.nameZh }
        for u in try await reference.units(districtCode: nil, kind: .street, logger: context.logger) { places[u.id] = u.nameZh }
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

        func explanation(_ c: ThemeAnalysis.RankedClass) -> String {
            var text = "\(c.tickets) tickets in \(year) (frequency \(String(format: "%.2f", c.components.frequency)) of the busiest class), "
                + "common in \(c.commonInDistricts) of \(analysis.districtCount) districts (spread \(String(format: "%.2f", c.components.spread))), "
                + "\(Self.percent(c.resolutionRate)) resolved where called back against \(Self.percent(result.cityResolutionRate)) city-wide "
                + "(unresolved \(String(format: "%.2f", c.components.unresolved))); score \(String(format: "%.3f", c.score))"
            if c.seasonal {
                text += "; seasonal: \(Self.percent(c.peakShare)) of its tickets come in \(months[c.peakMonth - 1])"
            }
            return text
        }
        let byCode = Dictionary(uniqueKeysWithValues: result.ranking.map { ($0.categoryCode, $0) })
        let ranking = result.ranking.prefix(limit).map { c in
            let category = categories[c.categoryCode]
            return Suggestions.Ranked(
                rank: c.rank, categoryCode: c.categoryCode, categoryName: category?.nameZh, areaCode: category?.parentCode,
                areaName: category?.parentCode.flatMap { categories[$0]?.nameZh }, score: c.score, components: c.components,
                tickets: c.tickets, districts: c.districts, commonInDistricts: c.commonInDistricts, calledBack: c.calledBack,
                resolved: c.resolved, resolutionRate: c.resolutionRate, monthly: c.monthly, peakMonth: c.peakMonth,
                peakShare: c.peakShare, seasonal: c.seasonal, explanation: explanation(c))
        }
        let themes = result.proposals.compactMap { p -> Suggestions.Theme? in
            guard let c = byCode[p.categoryCode] else { return nil }
            let name = categories[c.categoryCode]?.nameZh ?? c.categoryCode
            let why = p.reason == "seasonal"
                ? "proposed for \(months[p.month - 1]), the month before its \(months[c.peakMonth - 1]) peak"
                : "ranked \(c.rank) by score"
            return Suggestions.Theme(
                month: AssessmentPeriod(year: year + 1, month: p.month).description, categoryCode: c.categoryCode, title: name,
                rank: c.rank, score: c.score, reason: p.reason, explanation: "\(why): \(explanation(c))",
                problems: c.places.map { place in
                    let where_ = place.streetCode.flatMap { places[$0] } ?? places[place.districtCode] ?? place.districtCode
                    return Suggestions.Problem(
                        title: "\(name) · \(where_)", categoryCode: c.categoryCode, districtCode: place.districtCode,
                        streetCode: place.streetCode, tickets: place.tickets, resolutionRate: place.resolutionRate)
                })
        }
        return Suggestions(
            basisYear: year, forYear: year + 1, weights: analysis.weights, cityResolutionRate: result.cityResolutionRate,
            ranking: Array(ranking), themes: themes)
    }
}
