import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// What the receiving unit does with its dispatch (签收, first contact, 反馈, 退单, 延期), and the centre's reviews.
/// A dispatch the caller may not see answers 404; one they see but may not act on answers 403 (roles are checked
/// after visibility, so a 403 never confirms that something exists).
///
/// | method | path                                    | who                                          |
/// |--------|-----------------------------------------|----------------------------------------------|
/// | POST   | /api/v1/dispatches/{id}/accept          | the receiving unit (street, department; a district admin for its government) |
/// | POST   | /api/v1/dispatches/{id}/contact         | the receiving unit                           |
/// | POST   | /api/v1/dispatches/{id}/reply           | the receiving unit                           |
/// | POST   | /api/v1/dispatches/{id}/return          | the receiving unit                           |
/// | POST   | /api/v1/dispatches/{id}/extension       | the receiving unit                           |
/// | POST   | /api/v1/dispatches/{id}/return-review   | centre supervisor                            |
/// | POST   | /api/v1/dispatches/{id}/extension-review | centre supervisor                           |
struct DispatchesController {
    let tickets: TicketsController

    static let units: Set<Role> = [.streetHandler, .departmentHandler, .districtAdmin]

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("/dispatches/{id}/accept", use: accept)
        group.post("/dispatches/{id}/contact", use: contact)
        group.post("/dispatches/{id}/reply", use: reply)
        group.post("/dispatches/{id}/return", use: requestReturn)
        group.post("/dispatches/{id}/extension", use: requestExtension)
        group.post("/dispatches/{id}/return-review", use: reviewReturn)
        group.post("/dispatches/{id}/extension-review", use: reviewExtension)
    }

    /// The dispatch an action names and its ticket: 404 when the caller cannot see it, then 403 for a role that
    /// may not do this (before the body is read).
    func target(_ context: AuthenticatedContext, roles: Set<Role>) async throws -> (dispatch: UUID, ticket: UUID) {
        let dispatchID = try context.parameters.uuid("id")
        guard let ticketID = try await tickets.store.ticketID(ofDispatch: dispatchID, as: context.identity, logger: context.logger)
        else { throw Problem.notFound("No such dispatch.") }
        try context.require(roles)
        return (dispatchID, ticketID)
    }

    /// Runs the action on the dispatch's ticket.
    func act(
        _ target: (dispatch: UUID, ticket: UUID), _ request: Request, _ context: AuthenticatedContext,
        _ body: (inout Ticket, UUID, TicketStore.Lookup, Date) async throws -> [EventDraft]
    ) async throws -> TicketBody {
        let (dispatchID, ticketID) = target
        let now = tickets.clock.now
        let ticket = try await tickets.store.act(on: ticketID, as: context.identity, now: now, logger: context.logger) {
            ticket, lookup in try await body(&ticket, dispatchID, lookup, now)
        }
        return try await tickets.render(ticket, request, context, now: now)
    }

    func unitAction(
        _ action: DispatchAction, _ input: Ticket.UnitInput, _ target: (dispatch: UUID, ticket: UUID), _ request: Request,
        _ context: AuthenticatedContext
    ) async throws -> TicketBody {
        let identity = context.identity
        return try await act(target, request, context) { ticket, dispatchID, _, now in
            try ticket.unitAction(action, dispatchID: dispatchID, input: input, by: identity, now: now)
        }
    }

    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        try await unitAction(.accept, .none, try await target(context, roles: Self.units), request, context)
    }

    @Sendable func contact(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        try await unitAction(.contact, .none, try await target(context, roles: Self.units), request, context)
    }

    struct ReplyRequest: Decodable {
        var outcome: String
        var text: String
    }

    @Sendable func reply(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let target = try await target(context, roles: Self.units)
        let body = try await request.decodeJSON(as: ReplyRequest.self, context: context)
        var errors: [Problem.FieldError] = []
        let outcome = ReplyOutcome(rawValue: body.outcome)
        if outcome == nil { errors.append(.init(field: "outcome", message: ReplyOutcome.allCases.map(\.rawValue).joined(separator: ", "))) }
        if !(1...4000).contains(body.text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count) {
            errors.append(.init(field: "text", message: "1 to 4000 characters"))
        }
        guard errors.isEmpty, let outcome else { throw Problem.validation(errors) }
        return try await unitAction(.reply, .reply(outcome: outcome, text: body.text), target, request, context)
    }

    struct ReasonRequest: Decodable {
        var reason: String
    }

    @Sendable func requestReturn(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let target = try await target(context, roles: Self.units)
        let body = try await request.decodeJSON(as: ReasonRequest.self, context: context)
        guard (1...2000).contains(body.reason.trimmingCharacters(in: .whitespacesAndNewlines).count) else {
            throw Problem.validation([.init(field: "reason", message: "1 to 2000 characters: why this is not the unit's business")])
        }
        return try await unitAction(.requestReturn, .returnRequest(reason: body.reason), target, request, context)
    }

    struct ExtensionRequest: Decodable {
        var until: String
        var reason: String
    }

    @Sendable func requestExtension(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let target = try await target(context, roles: Self.units)
        let body = try await request.decodeJSON(as: ExtensionRequest.self, context: context)
        guard let until = try? Date(body.until, strategy: .iso8601) else {
            throw Problem.validation([.init(field: "until", message: "an ISO 8601 instant")])
        }
        guard (1...2000).contains(body.reason.trimmingCharacters(in: .whitespacesAndNewlines).count) else {
            throw Problem.validation([.init(field: "reason", message: "1 to 2000 characters")])
        }
        return try await unitAction(.requestExtension, .extensionRequest(until: until, reason: body.reason), target, request, context)
    }

    struct ReviewRequest: Decodable {
        var decision: String
        var reassignTo: String?
        var note: String?
    }

    func decision(_ body: ReviewRequest) throws -> Bool {
        switch body.decision {
        case "approve": return true
        case "reject": return false
        default: throw Problem.validation([.init(field: "decision", message: "approve or reject")])
        }
    }

    @Sendable func reviewReturn(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let target = try await target(context, roles: [.centreSupervisor])
        let body = try await request.decodeJSON(as: ReviewRequest.self, context: context)
        let approve = try decision(body)
        let identity = context.identity
        return try await act(target, request, context) { ticket, dispatchID, lookup, now in
            if let target = body.reassignTo, try await lookup.unit(target) == nil {
                throw Problem.validation([.init(field: "reassignTo", message: "no active unit \(target)")])
            }
            return try ticket.reviewReturn(
                dispatchID: dispatchID, approve: approve, reassignTo: body.reassignTo, note: body.note, by: identity,
                now: now, policy: tickets.store.policy)
        }
    }

    @Sendable func reviewExtension(_ request: Request, context: AuthenticatedContext) async throws -> TicketBody {
        let target = try await target(context, roles: [.centreSupervisor])
        let body = try await request.decodeJSON(as: ReviewRequest.self, context: context)
        let approve = try decision(body)
        guard body.reassignTo == nil else { throw Problem.validation([.init(field: "reassignTo", message: "not for extensions")]) }
        return try await act(target, request, context) { ticket, dispatchID, _, now in
            try ticket.reviewExtension(dispatchID: dispatchID, approve: approve, note: body.note, now: now)
        }
    }
}
