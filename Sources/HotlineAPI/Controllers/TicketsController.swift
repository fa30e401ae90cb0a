import Crypto
import Foundation
import HotlineCore
import HotlineStore
import HTTPTypes
import Hummingbird
import Logging

/// Tickets (工单): intake, reading, and the actions on a whole ticket. Row-level security scopes every read and
/// write; a ticket the caller may not see answers 404, and only then does a wrong role answer 403 (so a 403 never
/// confirms that a ticket exists).
///
/// | method | path                          | who                                   |
/// |--------|-------------------------------|---------------------------------------|
/// | POST   | /api/v1/tickets               | centre (operator, supervisor), `Idempotency-Key` honoured |
/// | GET    | /api/v1/tickets               | everyone, within their scope          |
/// | GET    | /api/v1/tickets/{id}          | everyone, within their scope          |
/// | GET    | /api/v1/tickets/{id}/events   | everyone, within their scope          |
/// | POST   | /api/v1/tickets/{id}/dispatches | centre; district admin in district  |
/// | POST   | /api/v1/tickets/{id}/whistle  | the lead street (吹哨)                |
/// | POST   | /api/v1/tickets/{id}/callback | centre (回访)                         |
/// | POST   | /api/v1/tickets/{id}/reopen   | centre                                |
/// | POST   | /api/v1/tickets/{id}/merge    | centre (并单)                         |
/// | POST   | /api/v1/tickets/{id}/supervise | centre (督办)                        |
/// | POST   | /api/v1/tickets/{id}/exemption | centre supervisor, city admin (考核豁免) |
struct TicketsController {
    let store: TicketStore
    let clock: WallClock

    static let centre: Set<Role> = [.centreOperator, .centreSupervisor]

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("/tickets", use: intake)
        group.get("/tickets", use: list)
        group.get("/tickets/{id}", use: get)
        group.get("/tickets/{id}/events", use: events)
        group.post("/tickets/{id}/dispatches", use: dispatch)
        group.post("/tickets/{id}/whistle", use: whistle)
        group.post("/tickets/{id}/callback", use: callback)
        group.post("/tickets/{id}/reopen", use: reopen)
        group.post("/tickets/{id}/merge", use: merge)
        group.post("/tickets/{id}/supervise", use: supervise)
        group.post("/tickets/{id}/exemption", use: exemption)
    }

    // MARK: intake

    struct IntakeRequest: Decodable {
        struct RequesterIn: Decodable {
            var name: String
            var phone: String
        }

        /// A district, a point (WGS84), or both: a point alone is placed by the district boundaries, and a point with
        /// a district must lie in it (or within the tolerance of it).
        struct LocationIn: Decodable {
            var districtCode: String?
            var streetCode: String?
            var address: String
            var lat: Double?
            var lon: Double?
        }

        var type: String
        var categoryCode: String
        var title: String
        var description: String
        var requester: RequesterIn
        var location: LocationIn
        var urgent: Bool
        var channel: String
        var dispatch: String?
        var answer: String?
    }

    /// Checks every field and reports every problem at once.
    static func validate(_ r: IntakeRequest) throws -> IntakeInput {
        var errors: [Problem.FieldError] = []
        func check(_ ok: Bool, _ field: String, _ message: String) { if !ok { errors.append(.init(field: field, message: message)) } }
        let type = RequestType(rawValue: r.type)
        check(type != nil, "type", "one of \(RequestType.allCases.map(\.rawValue).joined(separator: ", "))")
        let channel = IntakeChannel(rawValue: r.channel)
        check(channel != nil, "channel", "one of \(IntakeChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        check(r.categoryCode.range(of: #"^[0-9]{4}([0-9]{2})?$"#, options: .regularExpression) != nil, "categoryCode", "a class code such as 0101")
        let title = r.title.trimmingCharacters(in: .whitespacesAndNewlines)
        // Lengths in Unicode scalars, as PostgreSQL counts them.
        check((1...200).contains(title.unicodeScalars.count), "title", "1 to 200 characters")
        check(r.description.unicodeScalars.count <= 4000, "description", "at most 4000 characters")
        let name = r.requester.name.trimmingCharacters(in: .whitespacesAndNewlines)
        check((1...100).contains(name.unicodeScalars.count), "requester.name", "1 to 100 characters")
        let phone = PersonalData.normalizedPhone(r.requester.phone)
        check(phone != nil, "requester.phone", "a Chinese mobile or landline number")
        let district = r.location.districtCode.flatMap(DistrictCode.init)
        if r.location.districtCode != nil {
            check(district != nil, "location.districtCode", "a Beijing district code such as 110105")
        } else {
            check(r.location.lat != nil || r.location.lon != nil, "location.districtCode", "give the district, or a point (lat and lon)")
        }
        if let street = r.location.streetCode {
            check(street.count == 9 && r.location.districtCode.map(street.hasPrefix) == true, "location.streetCode",
                  "a 9-digit street code under the district (give districtCode with it)")
        }
        let address = r.location.address.trimmingCharacters(in: .whitespacesAndNewlines)
        check((1...500).contains(address.unicodeScalars.count), "location.address", "1 to 500 characters")
        check((r.location.lat == nil) == (r.location.lon == nil), "location.lat", "give lat and lon together")
        if let lat = r.location.lat { check((39.4...41.1).contains(lat), "location.lat", "a latitude within Beijing") }
        if let lon = r.location.lon { check((115.4...117.6).contains(lon), "location.lon", "a longitude within Beijing") }
        check(r.dispatch == nil || r.dispatch == "auto" || r.dispatch == "manual", "dispatch", "auto or manual")
        if let answer = r.answer {
            check(type == .consultation, "answer", "only a consultation is answered at once")
            check((1...4000).contains(answer.unicodeScalars.count), "answer", "1 to 4000 characters")
        }
        guard errors.isEmpty, let type, let channel, let phone else { throw Problem.validation(errors) }
        return IntakeInput(
            type: type, categoryCode: r.categoryCode, title: title, description: r.description, requesterName: name,
            requesterPhone: phone,
            location: IntakeLocation(
                districtCode: district, streetCode: r.location.streetCode, address: address, lat: r.location.lat, lon: r.location.lon),
            urgent: r.urgent, channel: channel, autoDispatch: r.dispatch != "manual", answer: r.answer)
    }

    /// A digest of what the request asks for (not its formatting), to recognise a retry.
    static func requestHash(_ input: IntakeInput) -> String {
        let parts: [String] = [
            input.type.rawValue, input.categoryCode, input.title, input.description, input.requesterName,
            input.requesterPhone, input.location.districtCode?.rawValue ?? "", input.location.streetCode ?? "",
            input.location.address, input.location.lat.map { "\($0)" } ?? "", input.location.lon.map { "\($0)" } ?? "",
            String(input.urgent), input.channel.rawValue, String(input.autoDispatch), input.answer ?? "",
        ]
        let joined = parts.map { "\($0.utf8.count):\($0)" }.joined()
        return SHA256.hash(data: Data(joined.utf8)).lowercaseHex
    }

    @Sendable func intake(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.require(Self.centre)
        let body = try await request.decodeJSON(as: IntakeRequest.self, context: context)
        let input = try Self.validate(body)
        var key: String?
        if let raw = request.headers[.idempotencyKey] {
            guard (1...200).contains(raw.count), raw.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " }) else {
                throw Problem(.badRequest, type: "/problems/invalid-header", title: "Invalid header",
                              detail: "Idempotency-Key must be 1 to 200 printable ASCII characters.")
            }
            key = raw
        }
        let now = clock.now
        let (ticket, created) = try await store.intake(
            input, as: context.identity, idempotencyKey: key, requestHash: Self.requestHash(input), now: now,
            logger: context.logger)
        context.logger.info("ticket taken in", metadata: ["ticket": "\(ticket.number)", "replay": "\(!created)"])
        let names = try await store.unitNames(ticket.dispatches.map(\.unitID), logger: context.logger)
        var response = try TicketBody(ticket, unitNames: names, now: now).response(from: request, context: context)
        response.status = created ? .created : .ok
        response.headers[.location] = "/api/v1/tickets/\(ticket.id.uuidString.lowercased())"
        return response
    }

    // MARK: reading

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> TicketPage {
        let q = request.uri.queryParameters
        var filter = TicketFilter()
        func param(_ name: String) -> String? { q[Substring(name)].map { String($0) }.flatMap { $0.isEmpty ? nil : $0 } }
        if let raw = param("status") {
            guard let v = TicketStatus(rawValue: raw) else { throw Problem.invalidParameter("status", "unknown status") }
            filter.status = v
        }
        if let raw = param("districtCode") {
            guard let v = DistrictCode(raw) else { throw Problem.invalidParameter("districtCode", "not a district code") }
            filter.districtCode = v
        }
        filter.streetCode = param("streetCode")
        filter.unitID = param("unitId")
        filter.categoryCode = param("categoryCode")
        if let raw = param("type") {
            guard let v = RequestType(rawValue: raw) else { throw Problem.invalidParameter("type", "unknown type") }
            filter.type = v
        }
        if let raw = param("overdue") {
            guard raw == "true" || raw == "false" else { throw Problem.invalidParameter("overdue", "true or false") }
            filter.overdue = raw == "true"
        }
        if let raw = param("supervised") {
            guard raw == "true" || raw == "false" else { throw Problem.invalidParameter("supervised", "true or false") }
            filter.supervised = raw == "true"
        }
        for (name, keyPath) in [("from", \TicketFilter.from), ("to", \TicketFilter.to)] {
            if let raw = param(name) {
                guard let date = try? Date(raw, strategy: .iso8601) else {
                    throw Problem.invalidParameter(name, "an ISO 8601 instant such as 2026-11-01T00:00:00Z")
                }
                filter[keyPath: keyPath] = date
            }
        }
        if let raw = param("q") {
            guard raw.count <= 100 else { throw Problem.invalidParameter("q", "at most 100 characters") }
            filter.query = raw
        }
        if let raw = param("limit") {
            guard let v = Int(raw), (1...200).contains(v) else { throw Problem.invalidParameter("limit", "1 to 200") }
            filter.limit = v
        }
        if let raw = param("cursor") {
            guard let after = Self.decodeCursor(raw) else { throw Problem.invalidParameter("cursor", "not a cursor from nextCursor") }
            filter.after = after
        }
        let limit = filter.limit
        filter.limit = limit + 1
        let now = clock.now
        let tickets = try await store.list(filter, as: context.identity, now: now, logger: context.logger)
        let page = Array(tickets.prefix(limit))
        let next = tickets.count > limit ? page.last.map { Self.encodeCursor($0.createdAt, $0.id) } : nil
        return TicketPage(items: page.map { TicketBody($0, unitNames: [:], now: now, withDispatches: false) }, nextCursor: next)
    }

    static func encodeCursor(_ at: Date, _ id: UUID) -> String {
        let micros = Int64((at.timeIntervalSince1970 * 1_000_000).rounded())
        return Data("\(micros)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ raw: String) -> (Date, UUID)? {
        var b64 = raw.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }

    static func ticketID(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id")
    }

    func render(_ ticket: Ticket, _ request: Request, _ context: AuthenticatedContext, now: Date) async throws -> TicketBody {
        let names = try await store.unitNames(ticket.dispatches.map(\.unitID), logger: context.logger)
        return TicketBody(ticket, unitNames: names, now: now)
    }

    @Sendable func get(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try Self.ticketID(context)
        guard let ticket = try await store.get(id, as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such ticket.")
        }
        return try await render(ticket, request, context, now: clock.now)
    }

    @Sendable func events(_ request: Request, context: AuthenticatedContext) async throws -> EventList {
        let id = try Self.ticketID(context)
        guard let events = try await store.events(of: id, as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such ticket.")
        }
        return EventList(items: events.map(EventBody.init))
    }

    // MARK: actions

    /// The ticket an action names, after the checks in the order that leaks nothing: 404 when the caller cannot
    /// see it, then 403 when their role may not do this (then the body is read: 400/422; then the rules: 409).
    func target(_ context: AuthenticatedContext, roles: Set<Role>) async throws -> UUID {
        let id = try Self.ticketID(context)
        guard try await store.isVisible(id, as: context.identity, logger: context.logger) else {
            throw Problem.notFound("No such ticket.")
        }
        try context.require(roles)
        return id
    }

    /// Runs a ticket action and answers with the ticket as it is afterwards.
    func act(
        _ id: UUID, _ request: Request, _ context: AuthenticatedContext,
        _ body: (inout Ticket, TicketStore.Lookup, Date) async throws -> [EventDraft]
    ) async throws -> TicketBody {
        let now = clock.now
        let ticket = try await store.act(on: id, as: context.identity, now: now, logger: context.logger) { ticket, lookup in
            try await body(&ticket, lookup, now)
        }
        return try await render(ticket, request, context, now: now)
    }

    struct DispatchRequest: Decodable {
        struct Target: Decodable {
            var unitId: String
            var role: String
        }
        var units: [Target]
        var note: String?
    }

    @Sendable func dispatch(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: Self.centre.union([.districtAdmin]))
        let body = try await request.decodeJSON(as: DispatchRequest.self, context: context)
        var targets: [(unitID: String, role: DispatchRole)] = []
        for (i, t) in body.units.enumerated() {
            guard let role = DispatchRole(rawValue: t.role) else {
                throw Problem.validation([.init(field: "units[\(i)].role", message: "lead or assist")])
            }
            targets.append((t.unitId, role))
        }
        guard (1...20).contains(targets.count) else {
            throw Problem.validation([.init(field: "units", message: "1 to 20 units")])
        }
        let identity = context.identity
        return try await act(id, request, context) { ticket, lookup, now in
            for (i, t) in targets.enumerated() {
                guard let unit = try await lookup.unit(t.unitID) else {
                    throw Problem.validation([.init(field: "units[\(i)].unitId", message: "no active unit \(t.unitID)")])
                }
                // A district dispatches within the district: its streets and its own government.
                if identity.role == .districtAdmin, unit.district != identity.districtCode {
                    throw Problem.forbidden("A district dispatches to units of its own district only.")
                }
            }
            return try ticket.dispatch(targets, note: body.note, by: identity, now: now, policy: store.policy)
        }
    }

    struct WhistleRequest: Decodable {
        var unitIds: [String]
        var reason: String
    }

    @Sendable func whistle(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: [.streetHandler])
        let body = try await request.decodeJSON(as: WhistleRequest.self, context: context)
        guard (1...10).contains(body.unitIds.count) else { throw Problem.validation([.init(field: "unitIds", message: "1 to 10 units")]) }
        guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw Problem.validation([.init(field: "reason", message: "required")]) }
        let identity = context.identity
        return try await act(id, request, context) { ticket, lookup, now in
            for (i, id) in body.unitIds.enumerated() {
                guard let unit = try await lookup.unit(id), unit.kind == .department || unit.kind == .enterprise else {
                    throw Problem.validation([.init(field: "unitIds[\(i)]", message: "a whistle summons departments or enterprises")])
                }
            }
            return try ticket.whistle(departments: body.unitIds, reason: body.reason, by: identity, now: now, policy: store.policy)
        }
    }

    struct CallbackRequest: Decodable {
        var reached: Bool
        var resolved: Bool?
        var satisfaction: String?
        var comment: String?
    }

    @Sendable func callback(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: Self.centre)
        let body = try await request.decodeJSON(as: CallbackRequest.self, context: context)
        var satisfaction: Satisfaction?
        if let raw = body.satisfaction {
            guard let v = Satisfaction(rawValue: raw) else {
                throw Problem.validation([.init(field: "satisfaction", message: "satisfied, basically_satisfied or unsatisfied")])
            }
            satisfaction = v
        }
        if !body.reached, body.resolved != nil || satisfaction != nil {
            throw Problem.validation([.init(field: "reached", message: "resolved and satisfaction only when the requester was reached")])
        }
        let identity = context.identity
        return try await act(id, request, context) { ticket, lookup, now in
            let events = try ticket.callback(
                reached: body.reached, resolved: body.resolved, satisfaction: satisfaction, comment: body.comment, now: now)
            try await store.recordCallback(
                ticket: ticket, reached: body.reached, resolved: body.resolved, satisfaction: satisfaction,
                comment: body.comment, by: identity, at: now, logger: context.logger, on: lookup)
            return events
        }
    }

    struct ReasonRequest: Decodable {
        var reason: String
    }

    @Sendable func reopen(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: Self.centre)
        let body = try await request.decodeJSON(as: ReasonRequest.self, context: context)
        guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw Problem.validation([.init(field: "reason", message: "required")]) }
        return try await act(id, request, context) { ticket, _, now in
            try ticket.reopen(reason: body.reason, now: now, policy: store.policy)
        }
    }

    struct MergeRequest: Decodable {
        var intoTicketId: String
    }

    @Sendable func merge(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: Self.centre)
        let body = try await request.decodeJSON(as: MergeRequest.self, context: context)
        guard let targetID = UUID(uuidString: body.intoTicketId) else {
            throw Problem.validation([.init(field: "intoTicketId", message: "a ticket id")])
        }
        let identity = context.identity
        return try await act(id, request, context) { ticket, lookup, now in
            guard targetID != ticket.id else {
                throw Problem.validation([.init(field: "intoTicketId", message: "a ticket cannot merge into itself")])
            }
            guard let target = try await lookup.ticket(targetID) else {
                throw Problem.validation([.init(field: "intoTicketId", message: "no such ticket")])
            }
            let events = try ticket.merge(into: target, now: now)
            // The target's timeline says what was merged into it.
            try await lookup.appendEvent(
                EventDraft(kind: "merged_from", data: ["from": ticket.id.uuidString.lowercased(), "fromNumber": ticket.number]),
                to: target, by: identity, at: now)
            return events
        }
    }

    struct NoteRequest: Decodable {
        var note: String?
    }

    @Sendable func supervise(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: Self.centre)
        let body = try await request.decodeJSON(as: NoteRequest.self, context: context)
        return try await act(id, request, context) { ticket, _, now in
            try ticket.supervise(note: body.note, now: now)
        }
    }
}

extension TicketsController {
    @Sendable func exemption(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let id = try await target(context, roles: [.centreSupervisor, .cityAdmin])
        let body = try await request.decodeJSON(as: ReasonRequest.self, context: context)
        guard (1...2000).contains(body.reason.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count) else {
            throw Problem.validation([.init(field: "reason", message: "1 to 2000 characters: malicious, abusive, duplicate, out of scope, …")])
        }
        return try await act(id, request, context) { ticket, _, now in
            try ticket.exempt(reason: body.reason, now: now)
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
