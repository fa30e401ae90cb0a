import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// Open311 GeoReport v2 under `/open311/v2` (docs/open311.md), every resource in `.json` and `.xml`.
///
/// | method | path                               | who                                               |
/// |--------|------------------------------------|---------------------------------------------------|
/// | GET    | discovery, services, services/{code} | everyone (public)                               |
/// | GET    | requests, requests/{id}, tokens/{token} | everyone (public): no personal data, no notes |
/// | POST   | requests                           | a machine client of the hotline centre (`api_key`) |
///
/// Reads have no caller and go through the public functions of `sql/0010_open311.sql`. A POST goes through the same
/// intake as `POST /api/v1/tickets` (validation, auto dispatch, `Idempotency-Key`) as the API client whose key it
/// carries, with channel `open311`. Errors are GeoReport's `errors` list in the resource's format.
struct Open311Controller {
    let open311: Open311Store
    let reference: ReferenceStore
    let tickets: TicketStore
    let auth: AuthStore
    let clock: WallClock
    /// The one `jurisdiction_id` this server answers for.
    let jurisdiction: String

    /// When this interface last changed (discovery's `changeset`).
    static let changeset = "2026-11-20T00:00:00Z"
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    func addRoutes(to router: Router<HotlineRequestContext>) {
        let group = router.group("open311/v2")
        for format in Open311Format.allCases {
            let ext = format.rawValue
            group.get("discovery.\(ext)") { request, context in
                await answer(format, request, context) { try await discovery(request, format) }
            }
            group.get("services.\(ext)") { request, context in
                await answer(format, request, context) { try await services(request, context) }
            }
            group.get("services/{service_code}.\(ext)") { request, context in
                await answer(format, request, context) { try await serviceDefinition(request, context) }
            }
            group.get("requests.\(ext)") { request, context in
                await answer(format, request, context) { try await listRequests(request, context) }
            }
            group.post("requests.\(ext)") { request, context in
                await answer(format, request, context) { try await createRequest(request, context, format: format) }
            }
            group.get("requests/{service_request_id}.\(ext)") { request, context in
                await answer(format, request, context) { try await oneRequest(request, context) }
            }
            group.get("tokens/{token}.\(ext)") { request, context in
                await answer(format, request, context) { try await token(request, context) }
            }
        }
    }

    /// What a handler returns: a document and its status.
    typealias Answer = (document: any Open311Document, status: HTTPResponse.Status)

    /// Renders a handler's document, or its failure as GeoReport errors in the same format. Unexpected errors are
    /// logged with the request id and answered as a bare 500.
    func answer(
        _ format: Open311Format, _ request: Request, _ context: HotlineRequestContext,
        _ body: () async throws -> Answer
    ) async -> Response {
        do {
            let (document, status) = try await body()
            return format.response(document, status: status)
        } catch let errors as Open311Errors {
            return format.response(errors, status: errors.status)
        } catch let error as PSQLError where error.isUnstorableText {
            return format.response(
                Open311Errors(.badRequest, "The request holds a character that cannot be stored (such as NUL)."),
                status: .badRequest)
        } catch {
            context.logger.error("open311 request failed", metadata: ["error": "\(String(reflecting: error))"])
            return format.response(
                Open311Errors(.internalServerError, "Something went wrong on our side. Quote request id \(context.requestID)."),
                status: .internalServerError)
        }
    }

    // MARK: parameters

    /// `jurisdiction_id` is optional; when given it must be ours (else 404).
    func checkJurisdiction(_ value: String?) throws {
        if let value, !value.isEmpty, value != jurisdiction {
            throw Open311Errors(.notFound, "jurisdiction_id \(value) is not served here (this server serves \(jurisdiction)).")
        }
    }

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
    }

    static func commaList(_ raw: String?) -> [String]? {
        guard let raw else { return nil }
        let items = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    // MARK: discovery and services

    func discovery(_ request: Request, _ format: Open311Format) async throws -> Answer {
        let host = request.head.authority ?? "127.0.0.1"
        return (Open311Discovery(
            changeset: Self.changeset,
            contact: "北京12345市民服务热线 Beijing 12345 citizen hotline centre",
            key_service: "API keys for creating requests are issued by the hotline centre (hotline client add).",
            endpoints: [.init(
                specification: Self.specification, url: "https://\(host)/open311/v2", changeset: Self.changeset,
                type: "production", formats: ["text/xml", "application/json"])]
        ), .ok)
    }

    /// Active classes of the catalogue with their areas.
    func catalogue(_ logger: Logger) async throws -> (classes: [HotlineCore.Category], areas: [String: HotlineCore.Category]) {
        let all = try await reference.categories(logger: logger)
        let areas = Dictionary(uniqueKeysWithValues: all.filter(\.isArea).map { ($0.code, $0) })
        return (all.filter { !$0.isArea && $0.active }, areas)
    }

    static func service(_ c: HotlineCore.Category, area: HotlineCore.Category?) -> Open311Service {
        Open311Service(
            service_code: c.code, service_name: c.nameZh, description: c.nameEn,
            metadata: !ServiceAttributes.of(c.code).isEmpty, type: "realtime",
            keywords: [c.nameZh, c.nameEn, area?.nameZh, area?.nameEn].compactMap { $0 }.joined(separator: ", "),
            group: area?.nameZh ?? "")
    }

    func services(_ request: Request, _ context: HotlineRequestContext) async throws -> Answer {
        try checkJurisdiction(Self.query(request, "jurisdiction_id"))
        let (classes, areas) = try await catalogue(context.logger)
        return (Open311Services(services: classes.map { Self.service($0, area: $0.parentCode.flatMap { areas[$0] }) }), .ok)
    }

    func serviceDefinition(_ request: Request, _ context: HotlineRequestContext) async throws -> Answer {
        try checkJurisdiction(Self.query(request, "jurisdiction_id"))
        let code = context.parameters.get("service_code") ?? ""
        let (classes, _) = try await catalogue(context.logger)
        guard classes.contains(where: { $0.code == code }) else {
            throw Open311Errors(.notFound, "No service with service_code \(code).")
        }
        return (Open311ServiceDefinition(serviceCode: code, attributes: ServiceAttributes.of(code)), .ok)
    }

    // MARK: reading requests

    func render(_ rows: [PublicRequest], _ logger: Logger) async throws -> Open311Requests {
        let all = try await reference.categories(logger: logger)
        let names = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0.nameZh) })
        let agencies = try await tickets.unitNames(Array(Set(rows.compactMap(\.leadUnitID))), logger: logger)
        return Open311Requests(requests: rows.map {
            Open311Request($0, serviceName: names[$0.categoryCode], agency: $0.leadUnitID.flatMap { agencies[$0] })
        })
    }

    func listRequests(_ request: Request, _ context: HotlineRequestContext) async throws -> Answer {
        try checkJurisdiction(Self.query(request, "jurisdiction_id"))
        let now = clock.now
        // With service_request_id, the other parameters are ignored (GeoReport v2); ids that are not ours match nothing.
        if let ids = Self.commaList(Self.query(request, "service_request_id")) {
            guard ids.count <= Open311.maxResults else {
                throw Open311Errors(.badRequest, "service_request_id: at most \(Open311.maxResults) ids.")
            }
            let uuids = ids.compactMap { UUID(uuidString: $0) }
            let rows = uuids.isEmpty ? [] : try await open311.requests(
                PublicRequestFilter(ids: uuids, from: now, to: now), logger: context.logger)
            return (try await render(rows, context.logger), .ok)
        }
        var problems: [String] = []
        var dates: [String: Date] = [:]
        for name in ["start_date", "end_date"] {
            guard let raw = Self.query(request, name), !raw.isEmpty else { continue }
            if let date = Open311Date.parse(raw) { dates[name] = date } else {
                problems.append("\(name): a W3C date and time with a zone, such as 2026-11-01T00:00:00+08:00")
            }
        }
        var status: String?
        if let statuses = Self.commaList(Self.query(request, "status")) {
            if let bad = statuses.first(where: { $0 != "open" && $0 != "closed" }) {
                problems.append("status: open or closed, not \(bad)")
            } else if Set(statuses).count == 1 {
                status = statuses[0]
            }
        }
        let codes = Self.commaList(Self.query(request, "service_code"))
        if let codes, codes.count > 200 { problems.append("service_code: at most 200 codes") }
        guard problems.isEmpty else { throw Open311Errors(.badRequest, problems) }
        let window: (from: Date, to: Date)
        do {
            window = try Open311.window(start: dates["start_date"], end: dates["end_date"], now: now)
        } catch Open311.RangeError.endBeforeStart {
            throw Open311Errors(.badRequest, "end_date is before start_date.")
        } catch Open311.RangeError.spanTooLong {
            throw Open311Errors(.badRequest, "start_date to end_date may span at most 90 days.")
        }
        let rows = try await open311.requests(
            PublicRequestFilter(classCodes: codes, from: window.from, to: window.to, status: status), logger: context.logger)
        return (try await render(rows, context.logger), .ok)
    }

    func oneRequest(_ request: Request, _ context: HotlineRequestContext) async throws -> Answer {
        try checkJurisdiction(Self.query(request, "jurisdiction_id"))
        let raw = context.parameters.get("service_request_id") ?? ""
        let now = clock.now
        guard let id = UUID(uuidString: raw),
              case let rows = try await open311.requests(PublicRequestFilter(ids: [id], from: now, to: now), logger: context.logger),
              !rows.isEmpty
        else { throw Open311Errors(.notFound, "No service request \(raw).") }
        return (try await render(rows, context.logger), .ok)
    }

    func token(_ request: Request, _ context: HotlineRequestContext) async throws -> Answer {
        try checkJurisdiction(Self.query(request, "jurisdiction_id"))
        let token = context.parameters.get("token") ?? ""
        guard token.count <= 64, let id = try await open311.request(forToken: token, logger: context.logger) else {
            throw Open311Errors(.notFound, "No service request for token \(token).")
        }
        return (Open311Token(item: .init(token: token, service_request_id: id.uuidString.lowercased())), .ok)
    }
}
