import Foundation

/// A ticket with its dispatches: the aggregate every action loads, changes by the rules here, and saves whole.
/// Pure: no I/O; time comes in as `now`. Each action returns the timeline events it caused.

public struct Requester: Sendable, Equatable {
    public var name: String
    public var phone: String
    /// True when `name` and `phone` are the masked forms (everyone but the centre).
    public var masked: Bool

    public init(name: String, phone: String, masked: Bool) {
        self.name = name
        self.phone = phone
        self.masked = masked
    }
}

public struct Location: Sendable, Equatable {
    public var districtCode: DistrictCode
    public var streetCode: String?
    public var address: String
    public var lat: Double?
    public var lon: Double?

    public init(districtCode: DistrictCode, streetCode: String?, address: String, lat: Double?, lon: Double?) {
        self.districtCode = districtCode
        self.streetCode = streetCode
        self.address = address
        self.lat = lat
        self.lon = lon
    }
}

/// One unit's part in a ticket.
public struct Dispatch: Sendable, Equatable {
    public var id: UUID
    public var unitID: String
    public var role: DispatchRole
    public var whistle: Bool
    public var status: DispatchStatus
    public var dispatchedAt: Date
    public var dispatchedBy: String
    public var deadlines: DispatchDeadlines
    public var acceptedAt: Date?
    public var contactedAt: Date?
    public var repliedAt: Date?
    public var replyOutcome: ReplyOutcome?
    public var replyText: String?
    public var returnReason: String?
    public var extensionState: ExtensionState?
    public var extensionUntil: Date?
    public var extensionReason: String?
    public var closedAt: Date?
    /// For assessment: signed for and first contact made within their limits, judged once at the first contact
    /// (nil before it); a reopen does not change it.
    public var respondedInTime: Bool?

    public init(
        id: UUID, unitID: String, role: DispatchRole, whistle: Bool, status: DispatchStatus, dispatchedAt: Date,
        dispatchedBy: String, deadlines: DispatchDeadlines, acceptedAt: Date? = nil, contactedAt: Date? = nil,
        repliedAt: Date? = nil, replyOutcome: ReplyOutcome? = nil, replyText: String? = nil, returnReason: String? = nil,
        extensionState: ExtensionState? = nil, extensionUntil: Date? = nil, extensionReason: String? = nil,
        closedAt: Date? = nil
    ) {
        self.id = id
        self.unitID = unitID
        self.role = role
        self.whistle = whistle
        self.status = status
        self.dispatchedAt = dispatchedAt
        self.dispatchedBy = dispatchedBy
        self.deadlines = deadlines
        self.acceptedAt = acceptedAt
        self.contactedAt = contactedAt
        self.repliedAt = repliedAt
        self.replyOutcome = replyOutcome
        self.replyText = replyText
        self.returnReason = returnReason
        self.extensionState = extensionState
        self.extensionUntil = extensionUntil
        self.extensionReason = extensionReason
        self.closedAt = closedAt
    }

    /// nil once the dispatch is closed (its ticket closed or merged), whatever it had left undone.
    public var nextDeadline: Date? {
        guard closedAt == nil else { return nil }
        return DeadlinePolicy.nextDeadline(
            deadlines,
            progress: .init(status: status, acceptedAt: acceptedAt, contactedAt: contactedAt, repliedAt: repliedAt))
    }

    public func isOverdue(at now: Date) -> Bool { DeadlinePolicy.isOverdue(nextDeadline: nextDeadline, now: now) }
}

public struct Ticket: Sendable, Equatable {
    public var id: UUID
    public var number: String
    public var status: TicketStatus
    public var type: RequestType
    public var categoryCode: String
    public var tier: TimeLimitTier
    public var title: String
    public var description: String
    public var requester: Requester
    public var location: Location
    public var urgent: Bool
    public var channel: IntakeChannel
    public var unitIDs: [String]
    public var supervised: Bool
    public var mergedInto: UUID?
    public var answer: String?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    public var dispatches: [Dispatch]
    /// The stored next deadline, for a ticket read without its dispatches (lists).
    public var storedNextDeadline: Date?
    /// 考核豁免: taken out of assessment, when and why.
    public var exemptedAt: Date?
    public var exemptionReason: String?

    public init(
        id: UUID, number: String, status: TicketStatus, type: RequestType, categoryCode: String, tier: TimeLimitTier,
        title: String, description: String, requester: Requester, location: Location, urgent: Bool, channel: IntakeChannel,
        unitIDs: [String], supervised: Bool, mergedInto: UUID?, answer: String?, createdBy: String, createdAt: Date,
        updatedAt: Date, closedAt: Date?, dispatches: [Dispatch]
    ) {
        self.id = id
        self.number = number
        self.status = status
        self.type = type
        self.categoryCode = categoryCode
        self.tier = tier
        self.title = title
        self.description = description
        self.requester = requester
        self.location = location
        self.urgent = urgent
        self.channel = channel
        self.unitIDs = unitIDs
        self.supervised = supervised
        self.mergedInto = mergedInto
        self.answer = answer
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.dispatches = dispatches
    }

    public var liveLead: Dispatch? { dispatches.first { $0.role == .lead && $0.status.isLive } }

    /// The earliest unmet deadline of the live dispatches; nil for a closed or merged ticket. Read without its
    /// dispatches (a list), the stored value.
    public var nextDeadline: Date? {
        guard status.isOpen else { return nil }
        return dispatches.isEmpty ? storedNextDeadline : dispatches.compactMap(\.nextDeadline).min()
    }

    public func isOverdue(at now: Date) -> Bool { DeadlinePolicy.isOverdue(nextDeadline: nextDeadline, now: now) }
}

/// A step for the timeline, before it is stored.
public struct EventDraft: Sendable, Equatable {
    public var kind: String
    public var dispatchID: UUID?
    public var unitID: String?
    public var note: String?
    public var data: [String: String]

    public init(kind: String, dispatchID: UUID? = nil, unitID: String? = nil, note: String? = nil, data: [String: String] = [:]) {
        self.kind = kind
        self.dispatchID = dispatchID
        self.unitID = unitID
        self.note = note
        self.data = data
    }
}

/// Why an action was refused.
public enum WorkflowError: Error, Equatable, Sendable {
    /// Not allowed in the current state (409): a sentence saying what was refused and why, and where things stand.
    case conflict(String, ticketStatus: TicketStatus, dispatchStatus: DispatchStatus?)
    /// The caller's role or unit may not do this (403).
    case forbidden(String)
    /// A field is wrong (422).
    case invalid(field: String, message: String)
}

extension Identity {
    /// The unit this caller acts for: a handler's own unit; a district admin acts for their district government
    /// (the fallback unit, 兜底). Nil for city-level roles.
    public var actingUnit: String? {
        switch role {
        case .streetHandler, .departmentHandler: unitID
        case .districtAdmin: districtCode.map { "gov.\($0)" }
        default: nil
        }
    }
}

/// The unit an order goes to by default (BRIEF "Dispatch"): the catalogue's department or enterprise; else the
/// street of the address (直派街乡); else the district government (兜底).
public enum DispatchRules {
    public static func autoTarget(
        direction: HandlingDirection, defaultUnitID: String?, streetCode: String?, district: DistrictCode
    ) -> String {
        switch direction {
        case .department, .enterprise:
            if let defaultUnitID { return defaultUnitID }
        case .street:
            if let streetCode { return streetCode }
        case .district:
            break
        }
        return "gov.\(district)"
    }
}

extension Ticket {
    /// `action` (a phrase such as "Reopening") is not allowed in the ticket's (and the dispatch's) current state.
    private func notAllowed(_ action: String, _ dispatch: Dispatch? = nil) -> WorkflowError {
        let sentence = dispatch.map { "\(action) is not allowed while this dispatch is \($0.status.phrase) (the ticket is \(status.phrase))." }
            ?? "\(action) is not allowed while the ticket is \(status.phrase)."
        return .conflict(sentence, ticketStatus: status, dispatchStatus: dispatch?.status)
    }

    /// A refusal by a rule of the current state, in a sentence of its own.
    private func conflict(_ sentence: String, _ dispatch: Dispatch? = nil) -> WorkflowError {
        .conflict(sentence, ticketStatus: status, dispatchStatus: dispatch?.status)
    }

    /// Recomputes the status from the dispatches (unless closed or merged) and the visibility list.
    mutating func settle(now: Date) {
        let lead = liveLead
        if status != .closed && status != .merged {
            status = Workflow.derivedStatus(
                closed: false, merged: false, liveLead: lead.map { ($0.status, $0.acceptedAt != nil) })
        }
        for d in dispatches where !unitIDs.contains(d.unitID) { unitIDs.append(d.unitID) }
        updatedAt = now
    }

    /// 派单: sends the ticket to units, at most one lead among them and none while a lead holds it. (Which units
    /// exist, and that a whistle goes to departments and enterprises only, the caller checks against the units.)
    public mutating func dispatch(
        _ targets: [(unitID: String, role: DispatchRole)], whistle: Bool = false, note: String?, by actor: Identity,
        now: Date, policy: DeadlinePolicy
    ) throws(WorkflowError) -> [EventDraft] {
        guard Workflow.allows(whistle ? .whistle : .dispatch, in: status) else {
            throw notAllowed(whistle ? "Blowing the whistle (吹哨)" : "Dispatching (派单)")
        }
        guard !targets.isEmpty else { throw .invalid(field: "units", message: "name at least one unit") }
        let leads = targets.filter { $0.role == .lead }
        if leads.count > 1 { throw .invalid(field: "units", message: "at most one lead (主办)") }
        if !leads.isEmpty, liveLead != nil {
            throw conflict("A lead unit (主办) already holds this ticket; it must return it (退单) before another lead is named.")
        }
        if leads.isEmpty, liveLead == nil {
            throw .invalid(field: "units", message: "the ticket has no lead (主办): name one among the units")
        }
        var seen: Set<String> = []
        for t in targets {
            guard seen.insert(t.unitID).inserted else { throw .invalid(field: "units", message: "unit \(t.unitID) named twice") }
            if dispatches.contains(where: { $0.unitID == t.unitID && $0.status.isLive }) {
                throw conflict("Unit \(t.unitID) already holds this ticket.")
            }
        }
        let deadlines = policy.deadlines(from: now, tier: tier)
        var events: [EventDraft] = []
        for t in targets {
            let d = Dispatch(
                id: UUID(), unitID: t.unitID, role: t.role, whistle: whistle, status: .pending, dispatchedAt: now,
                dispatchedBy: actor.id, deadlines: deadlines)
            dispatches.append(d)
            events.append(EventDraft(
                kind: whistle ? "whistled" : "dispatched", dispatchID: d.id, unitID: t.unitID, note: note,
                data: ["role": t.role.rawValue]))
        }
        settle(now: now)
        return events
    }

    /// Finds a dispatch the caller may act on as its unit.
    private func ownDispatch(_ id: UUID, actor: Identity) throws(WorkflowError) -> Int {
        guard let index = dispatches.firstIndex(where: { $0.id == id }) else {
            throw .invalid(field: "dispatchId", message: "no such dispatch on this ticket")
        }
        guard let unit = actor.actingUnit, unit == dispatches[index].unitID else {
            throw .forbidden("only the unit this was sent to may do this")
        }
        return index
    }

    /// What a unit reports with an action.
    public enum UnitInput: Sendable {
        case none
        case reply(outcome: ReplyOutcome, text: String)
        case returnRequest(reason: String)
        case extensionRequest(until: Date, reason: String)
    }

    /// 签收, first contact, 反馈, 退单, 延期: actions of the receiving unit on its own dispatch.
    public mutating func unitAction(
        _ action: DispatchAction, dispatchID: UUID, input: UnitInput, by actor: Identity, now: Date
    ) throws(WorkflowError) -> [EventDraft] {
        let i = try ownDispatch(dispatchID, actor: actor)
        var d = dispatches[i]
        if action == .requestExtension, status.isOpen, d.extensionState == .requested {
            throw conflict("An extension (延期) asked for earlier is still under review; wait for the centre's answer.", d)
        }
        guard status.isOpen,
              let next = Workflow.next(d.status, on: action, accepted: d.acceptedAt != nil, extension: d.extensionState)
        else { throw notAllowed(action.phrase, d) }
        var event = EventDraft(kind: "", dispatchID: d.id, unitID: d.unitID)
        switch (action, input) {
        case (.accept, _):
            d.acceptedAt = now
            event.kind = "accepted"
        case (.contact, _):
            d.contactedAt = now
            if d.respondedInTime == nil {
                d.respondedInTime = (d.acceptedAt.map { $0 <= d.deadlines.signBy } ?? false) && now <= d.deadlines.respondBy
            }
            event.kind = "contacted"
        case (.reply, .reply(let outcome, let text)):
            d.repliedAt = now
            d.replyOutcome = outcome
            d.replyText = text
            event.kind = "replied"
            event.note = text
            event.data = ["outcome": outcome.rawValue]
        case (.requestReturn, .returnRequest(let reason)):
            d.returnReason = reason
            event.kind = "return_requested"
            event.note = reason
        case (.requestExtension, .extensionRequest(let until, let reason)):
            guard until > d.deadlines.handleBy else {
                throw .invalid(field: "until", message: "must be later than the current handling deadline")
            }
            guard until <= d.deadlines.handleBy.addingTimeInterval(TimeInterval(DeadlinePolicy.maxExtensionSeconds)) else {
                throw .invalid(field: "until", message: "may extend by \(DeadlinePolicy.maxExtensionSeconds / 86_400) days at most")
            }
            d.extensionState = .requested
            d.extensionUntil = until
            d.extensionReason = reason
            event.kind = "extension_requested"
            event.note = reason
            event.data = ["until": until.formatted(.iso8601)]
        default:
            throw .invalid(field: "body", message: "the details of \(action.phrase.lowercased()) are missing")
        }
        d.status = next
        dispatches[i] = d
        settle(now: now)
        return [event]
    }

    /// The centre's review of a return (退单审核): approve (optionally re-dispatching, 改派) or reject.
    public mutating func reviewReturn(
        dispatchID: UUID, approve: Bool, reassignTo: String?, note: String?, by actor: Identity, now: Date,
        policy: DeadlinePolicy
    ) throws(WorkflowError) -> [EventDraft] {
        guard let i = dispatches.firstIndex(where: { $0.id == dispatchID }) else {
            throw .invalid(field: "dispatchId", message: "no such dispatch on this ticket")
        }
        var d = dispatches[i]
        guard status.isOpen,
              let next = Workflow.next(d.status, on: approve ? .approveReturn : .rejectReturn, accepted: d.acceptedAt != nil)
        else { throw notAllowed(DispatchAction.approveReturn.phrase, d) }
        if !approve, reassignTo != nil { throw .invalid(field: "reassignTo", message: "only with an approved return") }
        d.status = next
        if approve { d.closedAt = now }
        dispatches[i] = d
        var events = [EventDraft(
            kind: approve ? "return_approved" : "return_rejected", dispatchID: d.id, unitID: d.unitID, note: note)]
        settle(now: now)
        if let reassignTo {
            events += try dispatch([(reassignTo, d.role)], note: note ?? "改派", by: actor, now: now, policy: policy)
        }
        return events
    }

    /// The centre's review of an extension (延期审核): approval moves the handling deadline.
    public mutating func reviewExtension(
        dispatchID: UUID, approve: Bool, note: String?, now: Date
    ) throws(WorkflowError) -> [EventDraft] {
        guard let i = dispatches.firstIndex(where: { $0.id == dispatchID }) else {
            throw .invalid(field: "dispatchId", message: "no such dispatch on this ticket")
        }
        var d = dispatches[i]
        guard status.isOpen, d.status.isLive, d.status != .replied else {
            throw notAllowed(DispatchAction.reviewExtension.phrase, d)
        }
        guard Workflow.next(d.status, on: .reviewExtension, extension: d.extensionState) != nil else {
            throw conflict("This dispatch has no extension request (延期) waiting for review.", d)
        }
        d.extensionState = approve ? .approved : .rejected
        if approve, let until = d.extensionUntil { d.deadlines.handleBy = until }
        dispatches[i] = d
        settle(now: now)
        return [EventDraft(
            kind: approve ? "extension_approved" : "extension_rejected", dispatchID: d.id, unitID: d.unitID, note: note,
            data: approve ? ["handleBy": d.deadlines.handleBy.formatted(.iso8601)] : [:])]
    }

    /// 回访: the centre's callback. Reached → closed; not reached → stays replied for another try.
    public mutating func callback(
        reached: Bool, resolved: Bool?, satisfaction: Satisfaction?, comment: String?, now: Date
    ) throws(WorkflowError) -> [EventDraft] {
        guard Workflow.allows(.callback, in: status) else { throw notAllowed("A callback (回访)") }
        if reached {
            guard resolved != nil else { throw .invalid(field: "resolved", message: "required when the requester was reached") }
            guard satisfaction != nil else { throw .invalid(field: "satisfaction", message: "required when the requester was reached") }
        }
        var data = ["reached": String(reached)]
        if let resolved { data["resolved"] = String(resolved) }
        if let satisfaction { data["satisfaction"] = satisfaction.rawValue }
        var events = [EventDraft(kind: "callback", note: comment, data: data)]
        if reached {
            status = .closed
            closedAt = now
            for i in dispatches.indices where dispatches[i].status.isLive { dispatches[i].closedAt = now }
            events.append(EventDraft(kind: "closed"))
        }
        settle(now: now)
        return events
    }

    /// 重办: reopens a replied or closed ticket. The rule (docs/workflow.md, "Reopening"):
    /// - a unit that had replied is sent back to work (accepted again): it contacts the requester and handles the
    ///   ticket again, each within its limit counted from now, but never earlier than the deadline it already had
    ///   (an approved extension stands);
    /// - a unit that had not replied keeps its deadlines and any extension it asked for: reopening neither forgives
    ///   lateness nor takes time away;
    /// - every deadline that moves is on the timeline, old and new (`deadlines_moved`, one event per dispatch).
    public mutating func reopen(reason: String, now: Date, policy: DeadlinePolicy) throws(WorkflowError) -> [EventDraft] {
        guard Workflow.allows(.reopen, in: status) else { throw notAllowed("Reopening (重办)") }
        let fresh = policy.deadlines(from: now, tier: tier)
        var reopened = 0
        var moved: [EventDraft] = []
        for i in dispatches.indices where dispatches[i].status.isLive {
            var d = dispatches[i]
            d.closedAt = nil
            if d.status == .replied {
                let previous = d.deadlines
                d.status = .accepted
                d.contactedAt = nil
                d.repliedAt = nil
                // An extension asked for and not reviewed before the reply was about the work now judged undone.
                if d.extensionState == .requested { d.extensionState = nil }
                d.deadlines.respondBy = max(previous.respondBy, fresh.respondBy)
                d.deadlines.handleBy = max(previous.handleBy, fresh.handleBy)
                reopened += 1
                if d.deadlines != previous {
                    moved.append(EventDraft(
                        kind: "deadlines_moved", dispatchID: d.id, unitID: d.unitID,
                        data: [
                            "previousRespondBy": previous.respondBy.iso8601, "respondBy": d.deadlines.respondBy.iso8601,
                            "previousHandleBy": previous.handleBy.iso8601, "handleBy": d.deadlines.handleBy.iso8601,
                        ]))
                }
            }
            dispatches[i] = d
        }
        status = .received
        closedAt = nil
        settle(now: now)
        return [EventDraft(kind: "reopened", note: reason, data: ["dispatches": String(reopened)])] + moved
    }

    /// 并单: this ticket is a duplicate of `target`; its live dispatches are withdrawn.
    public mutating func merge(into target: Ticket, now: Date) throws(WorkflowError) -> [EventDraft] {
        guard Workflow.allows(.merge, in: status) else { throw notAllowed("Merging (并单)") }
        guard target.id != id else { throw .invalid(field: "intoTicketId", message: "a ticket cannot merge into itself") }
        guard target.status.isOpen else { throw .invalid(field: "intoTicketId", message: "the target ticket is \(target.status.phrase)") }
        guard target.location.districtCode == location.districtCode else {
            throw .invalid(field: "intoTicketId", message: "duplicates are merged within one district")
        }
        var events: [EventDraft] = []
        for i in dispatches.indices where dispatches[i].status.isLive {
            dispatches[i].status = .withdrawn
            dispatches[i].closedAt = now
            events.append(EventDraft(kind: "withdrawn", dispatchID: dispatches[i].id, unitID: dispatches[i].unitID))
        }
        status = .merged
        mergedInto = target.id
        closedAt = now
        settle(now: now)
        return events + [EventDraft(kind: "merged", data: ["into": target.id.uuidString.lowercased(), "intoNumber": target.number])]
    }

    /// 考核豁免: takes the ticket out of assessment (malicious, abusive, duplicate, out of scope), for every unit.
    public mutating func exempt(reason: String, now: Date) throws(WorkflowError) -> [EventDraft] {
        guard exemptedAt == nil else { throw conflict("This ticket is already exempted from assessment (考核豁免).") }
        exemptedAt = now
        exemptionReason = reason
        updatedAt = now
        return [EventDraft(kind: "exempted", note: reason)]
    }

    /// 督办: flags the ticket for supervision.
    public mutating func supervise(note: String?, now: Date) throws(WorkflowError) -> [EventDraft] {
        guard Workflow.allows(.supervise, in: status) else { throw notAllowed("Supervision (督办)") }
        guard !supervised else { throw conflict("This ticket is already under supervision (督办).") }
        supervised = true
        settle(now: now)
        return [EventDraft(kind: "supervised", note: note)]
    }

    /// 吹哨: the lead street summons departments; each gets an assist dispatch marked as a whistle.
    public mutating func whistle(
        departments: [String], reason: String, by actor: Identity, now: Date, policy: DeadlinePolicy
    ) throws(WorkflowError) -> [EventDraft] {
        guard actor.role == .streetHandler, let lead = liveLead, lead.unitID == actor.unitID else {
            throw .forbidden("only the lead street of this ticket may blow the whistle")
        }
        return try dispatch(departments.map { ($0, .assist) }, whistle: true, note: reason, by: actor, now: now, policy: policy)
    }
}
