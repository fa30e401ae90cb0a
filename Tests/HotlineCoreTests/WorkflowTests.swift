import Foundation
import HotlineCore
import Testing

// MARK: - Fixtures shared by the workflow and deadline tests

/// Fixed instants, units and callers. Never `Date()`.
enum Fx {
    /// 2026-11-18T11:06:40Z = 2026-11-18T19:06:40+08:00 (Asia/Shanghai).
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    static func at(hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    static let chaoyang = DistrictCode("110105")!
    static let haidian = DistrictCode("110108")!
    static let street = "110105001"
    static let otherStreet = "110105002"
    static let housing = "dept.housing"
    static let water = "ent.water"
    static let chaoyangGov = "gov.110105"
    static let policy = DeadlinePolicy()

    static func user(_ role: Role, district: DistrictCode? = nil, unit: String? = nil, id: String) -> Identity {
        Identity(kind: .user, id: id, name: id, role: role, districtCode: district, unitID: unit)
    }

    static let centre = user(.centreOperator, id: "operator")
    static let supervisor = user(.centreSupervisor, id: "supervisor")
    static func streetHandler(_ unit: String = street) -> Identity {
        user(.streetHandler, district: chaoyang, unit: unit, id: "street-\(unit)")
    }
    static func departmentHandler(_ unit: String) -> Identity {
        user(.departmentHandler, unit: unit, id: "dept-\(unit)")
    }
    static func districtAdmin(_ district: DistrictCode) -> Identity {
        user(.districtAdmin, district: district, id: "admin-\(district)")
    }

    /// A fresh, undispatched ticket.
    static func ticket(
        tier: TimeLimitTier = .sevenDays, district: DistrictCode = chaoyang, street: String? = street,
        status: TicketStatus = .received, type: RequestType = .complaint
    ) -> Ticket {
        Ticket(
            id: UUID(), number: "BJ26111800000001", status: status, type: type, categoryCode: "urban.noise", tier: tier,
            title: "噪音扰民", description: "夜间施工", requester: Requester(name: "张三", phone: "13812345678", masked: false),
            location: Location(districtCode: district, streetCode: street, address: "朝阳路1号", lat: nil, lon: nil),
            urgent: false, channel: .phone, unitIDs: [], supervised: false, mergedInto: nil, answer: nil,
            createdBy: "operator", createdAt: t0, updatedAt: t0, closedAt: nil, dispatches: [])
    }

    /// A ticket sent to `lead` (and assists) by the centre at `now`.
    static func dispatched(
        to lead: String = street, assists: [String] = [], tier: TimeLimitTier = .sevenDays, now: Date = t0
    ) throws(WorkflowError) -> Ticket {
        var t = ticket(tier: tier)
        _ = try t.dispatch([(lead, .lead)] + assists.map { ($0, .assist) }, note: nil, by: centre, now: now, policy: policy)
        return t
    }
}

extension Ticket {
    /// A unit action; returns the event kinds.
    mutating func act(
        _ action: DispatchAction, _ dispatchID: UUID, _ input: UnitInput = .none, by actor: Identity, at now: Date
    ) throws(WorkflowError) -> [String] {
        try unitAction(action, dispatchID: dispatchID, input: input, by: actor, now: now).map(\.kind)
    }

    func latestDispatch(of unit: String) -> Dispatch? { dispatches.last { $0.unitID == unit } }
}

/// The error `body` threw, or nil when it did not throw.
func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> WorkflowError? {
    do { try body() } catch let error as WorkflowError { return error } catch {
        Issue.record(error, "not a WorkflowError", sourceLocation: sourceLocation)
    }
    return nil
}

extension WorkflowError {
    var isConflict: Bool { if case .conflict = self { true } else { false } }
    var isForbidden: Bool { if case .forbidden = self { true } else { false } }
    var invalidField: String? { if case .invalid(let field, _) = self { field } else { nil } }
}

// MARK: - The dispatch state machine, exhaustively

// Short names for the table below.
private let P: DispatchStatus? = .pending
private let A: DispatchStatus? = .accepted
private let C: DispatchStatus? = .contacted
private let R: DispatchStatus? = .replied
private let RR: DispatchStatus? = .returnRequested
private let RT: DispatchStatus? = .returned
private let W: DispatchStatus? = .withdrawn
private let x: DispatchStatus? = nil

/// The table's columns, in this order.
private let columns: [DispatchStatus] = [.pending, .accepted, .contacted, .replied, .returnRequested, .returned, .withdrawn]
private let extensionStates: [ExtensionState?] = [nil, .requested, .approved, .rejected]

private enum Row {
    /// `accepted` and `extension` make no difference.
    case plain([DispatchStatus?])
    /// Depends on whether the unit had signed for the order before.
    case byAccepted(no: [DispatchStatus?], yes: [DispatchStatus?])
    /// Depends on the dispatch's extension state.
    case byExtension([ExtensionState?: [DispatchStatus?]])

    func expected(column: Int, accepted: Bool, extension ext: ExtensionState?) -> DispatchStatus?? {
        switch self {
        case .plain(let row): row[column]
        case .byAccepted(let no, let yes): (accepted ? yes : no)[column]
        case .byExtension(let rows): rows[ext].map { $0[column] }
        }
    }

    var rows: [[DispatchStatus?]] {
        switch self {
        case .plain(let row): [row]
        case .byAccepted(let no, let yes): [no, yes]
        case .byExtension(let rows): Array(rows.values)
        }
    }
}

/// What `Workflow.next` must answer; nil = refused (409).
private let nextTable: [DispatchAction: Row] = [
    //                      pending accepted contacted replied ret.req. returned withdrawn
    .accept: .plain(        [A,     x,       x,        x,      x,      x,       x]),
    .contact: .plain(       [x,     C,       x,        x,      x,      x,       x]),
    .reply: .plain(         [x,     x,       R,        x,      x,      x,       x]),
    .requestReturn: .plain( [RR,    RR,      x,        x,      x,      x,       x]),
    .approveReturn: .plain( [x,     x,       x,        x,      RT,     x,       x]),
    .rejectReturn: .byAccepted(
        no:                 [x,     x,       x,        x,      P,      x,       x],
        yes:                [x,     x,       x,        x,      A,      x,       x]),
    .requestExtension: .byExtension([
        nil:                [x,     A,       C,        x,      x,      x,       x],
        .requested:         [x,     x,       x,        x,      x,      x,       x],
        .approved:          [x,     A,       C,        x,      x,      x,       x],
        .rejected:          [x,     A,       C,        x,      x,      x,       x],
    ]),
    .reviewExtension: .byExtension([
        nil:                [x,     x,       x,        x,      x,      x,       x],
        .requested:         [P,     A,       C,        x,      RR,     x,       x],
        .approved:          [x,     x,       x,        x,      x,      x,       x],
        .rejected:          [x,     x,       x,        x,      x,      x,       x],
    ]),
    .withdraw: .plain(      [W,     W,       W,        W,      W,      x,       x]),
    .reopen: .plain(        [x,     x,       x,        A,      x,      x,       x]),
]

@Suite struct DispatchStateMachineTests {
    @Test func theTableCoversEveryActionAndStatus() {
        #expect(Set(nextTable.keys) == Set(DispatchAction.allCases))
        #expect(Set(columns) == Set(DispatchStatus.allCases))
        #expect(columns.count == DispatchStatus.allCases.count)
        for (action, row) in nextTable {
            #expect(row.rows.allSatisfy { $0.count == columns.count }, "\(action)")
            if case .byExtension(let rows) = row { #expect(Set(rows.keys) == Set(extensionStates), "\(action)") }
        }
    }

    @Test(arguments: DispatchAction.allCases)
    func nextFollowsTheTable(_ action: DispatchAction) throws {
        let row = try #require(nextTable[action])
        for status in DispatchStatus.allCases {
            let column = try #require(columns.firstIndex(of: status))
            for accepted in [false, true] {
                for ext in extensionStates {
                    let want = try #require(row.expected(column: column, accepted: accepted, extension: ext))
                    #expect(
                        Workflow.next(status, on: action, accepted: accepted, extension: ext) == want,
                        "\(action) in \(status), accepted: \(accepted), extension: \(ext.map(\.rawValue) ?? "none")")
                }
            }
        }
    }

    @Test func defaultParametersMeanNotSignedForAndNoExtension() {
        #expect(Workflow.next(.returnRequested, on: .rejectReturn) == .pending)
        #expect(Workflow.next(.accepted, on: .requestExtension) == .accepted)
        #expect(Workflow.next(.accepted, on: .reviewExtension) == nil)
    }

    @Test func liveStatuses() {
        #expect(DispatchStatus.allCases.filter(\.isLive) == [.pending, .accepted, .contacted, .replied, .returnRequested])
        #expect(TicketStatus.allCases.filter(\.isOpen) == [.received, .dispatched, .inProgress, .replied])
    }
}

@Suite struct DerivedStatusTests {
    /// Lead status → (ticket status when the lead had not signed for it, when it had).
    let table: [DispatchStatus: (notSigned: TicketStatus, signed: TicketStatus)] = [
        .pending: (.dispatched, .dispatched),
        .accepted: (.inProgress, .inProgress),
        .contacted: (.inProgress, .inProgress),
        .replied: (.replied, .replied),
        .returnRequested: (.dispatched, .inProgress),
        // Not live: Ticket never passes these as its live lead. Documents today's answer.
        .returned: (.dispatched, .dispatched),
        .withdrawn: (.dispatched, .dispatched),
    ]

    @Test func fromTheLiveLead() throws {
        #expect(Set(table.keys) == Set(DispatchStatus.allCases))
        for status in DispatchStatus.allCases {
            let want = try #require(table[status])
            #expect(Workflow.derivedStatus(closed: false, merged: false, liveLead: (status, false)) == want.notSigned, "\(status)")
            #expect(Workflow.derivedStatus(closed: false, merged: false, liveLead: (status, true)) == want.signed, "\(status)")
        }
    }

    @Test func noLeadClosedMerged() {
        #expect(Workflow.derivedStatus(closed: false, merged: false, liveLead: nil) == .received)
        #expect(Workflow.derivedStatus(closed: true, merged: false, liveLead: nil) == .closed)
        #expect(Workflow.derivedStatus(closed: false, merged: true, liveLead: nil) == .merged)
        #expect(Workflow.derivedStatus(closed: true, merged: true, liveLead: nil) == .merged)
        for status in DispatchStatus.allCases {
            #expect(Workflow.derivedStatus(closed: true, merged: false, liveLead: (status, true)) == .closed)
            #expect(Workflow.derivedStatus(closed: false, merged: true, liveLead: (status, true)) == .merged)
        }
    }
}

@Suite struct TicketActionTests {
    typealias Action = Workflow.TicketAction
    let columns: [TicketStatus] = [.received, .dispatched, .inProgress, .replied, .closed, .merged]

    /// Allowed (true) or refused, per ticket status in `columns` order. `answer` is for a consultation.
    let table: [Action: [Bool]] = [
        //          received dispatched inProgress replied closed merged
        .dispatch:  [true,    true,      true,      false,  false, false],
        .whistle:   [false,   true,      true,      false,  false, false],
        .callback:  [false,   false,     false,     true,   false, false],
        .reopen:    [false,   false,     false,     true,   true,  false],
        .merge:     [true,    true,      true,      false,  false, false],
        .supervise: [true,    true,      true,      true,   true,  false],
        .answer:    [true,    false,     false,     false,  false, false],
    ]

    @Test func allowsFollowsTheTable() throws {
        #expect(Set(table.keys) == Set(Action.allCases))
        #expect(Set(columns) == Set(TicketStatus.allCases))
        let types: [RequestType?] = [nil] + RequestType.allCases
        for action in Action.allCases {
            let row = try #require(table[action])
            for status in TicketStatus.allCases {
                let want = row[try #require(columns.firstIndex(of: status))]
                for type in types {
                    // Only a consultation may be answered at once; the other actions do not look at the type.
                    let expected = action == .answer && type != .consultation ? false : want
                    #expect(Workflow.allows(action, in: status, type: type) == expected, "\(action) in \(status), type \(String(describing: type))")
                }
            }
        }
    }
}

// MARK: - The Ticket aggregate

@Suite struct AutoTargetTests {
    let district = Fx.chaoyang

    @Test func departmentAndEnterpriseClassesGoToTheirUnit() {
        #expect(DispatchRules.autoTarget(direction: .department, defaultUnitID: Fx.housing, streetCode: Fx.street, district: district) == Fx.housing)
        #expect(DispatchRules.autoTarget(direction: .enterprise, defaultUnitID: Fx.water, streetCode: nil, district: district) == Fx.water)
    }

    @Test func streetClassesGoToTheStreetWhenKnown() {
        #expect(DispatchRules.autoTarget(direction: .street, defaultUnitID: nil, streetCode: Fx.street, district: district) == Fx.street)
        #expect(DispatchRules.autoTarget(direction: .street, defaultUnitID: nil, streetCode: nil, district: district) == "gov.110105")
    }

    @Test func districtClassesGoToTheDistrictGovernment() {
        #expect(DispatchRules.autoTarget(direction: .district, defaultUnitID: nil, streetCode: Fx.street, district: district) == "gov.110105")
        #expect(DispatchRules.autoTarget(direction: .district, defaultUnitID: nil, streetCode: nil, district: Fx.haidian) == "gov.110108")
    }
}

@Suite struct ActingUnitTests {
    @Test func handlersActForTheirUnitDistrictAdminsForTheirGovernment() {
        #expect(Fx.streetHandler().actingUnit == Fx.street)
        #expect(Fx.departmentHandler(Fx.housing).actingUnit == Fx.housing)
        #expect(Fx.districtAdmin(Fx.chaoyang).actingUnit == "gov.110105")
        #expect(Fx.centre.actingUnit == nil)
        #expect(Fx.supervisor.actingUnit == nil)
        #expect(Fx.user(.cityAdmin, id: "city").actingUnit == nil)
        #expect(Fx.user(.analyst, id: "analyst").actingUnit == nil)
    }
}

@Suite struct DispatchActionTests {
    @Test func firstDispatchMakesAPendingLeadWithDeadlines() throws {
        var t = Fx.ticket()
        let events = try t.dispatch([(Fx.street, .lead), (Fx.housing, .assist)], note: "auto", by: Fx.centre, now: Fx.t0, policy: Fx.policy)
        #expect(events.map(\.kind) == ["dispatched", "dispatched"])
        #expect(events.map(\.unitID) == [Fx.street, Fx.housing])
        #expect(events.map { $0.data["role"] } == ["lead", "assist"])
        #expect(t.status == .dispatched)
        #expect(t.unitIDs == [Fx.street, Fx.housing])
        #expect(t.updatedAt == Fx.t0)
        let lead = try #require(t.liveLead)
        #expect(lead.unitID == Fx.street && lead.status == .pending && !lead.whistle && lead.dispatchedBy == "operator")
        #expect(lead.deadlines == DispatchDeadlines(signBy: Fx.at(hours: 2), respondBy: Fx.at(hours: 24), handleBy: Fx.at(hours: 7 * 24)))
    }

    @Test func refusesASecondLeadWhileOneIsLive() throws {
        var t = try Fx.dispatched()
        let e = refusal { _ = try t.dispatch([(Fx.housing, .lead)], note: nil, by: Fx.centre, now: Fx.at(hours: 1), policy: Fx.policy) }
        #expect(e?.isConflict == true)
        #expect(t.dispatches.count == 1)
        // An assist is fine.
        _ = try t.dispatch([(Fx.housing, .assist)], note: nil, by: Fx.centre, now: Fx.at(hours: 1), policy: Fx.policy)
        #expect(t.dispatches.count == 2)
    }

    @Test func refusesTwoLeadsAtOnce() {
        var t = Fx.ticket()
        let e = refusal { _ = try t.dispatch([(Fx.street, .lead), (Fx.housing, .lead)], note: nil, by: Fx.centre, now: Fx.t0, policy: Fx.policy) }
        #expect(e?.invalidField == "units")
        #expect(t.dispatches.isEmpty && t.status == .received)
    }

    @Test func refusesAUnitNamedTwice() {
        var t = Fx.ticket()
        let e = refusal { _ = try t.dispatch([(Fx.street, .lead), (Fx.street, .assist)], note: nil, by: Fx.centre, now: Fx.t0, policy: Fx.policy) }
        #expect(e?.invalidField == "units")
        #expect(t.dispatches.isEmpty)
    }

    @Test func refusesEmptyTargets() {
        var t = Fx.ticket()
        let e = refusal { _ = try t.dispatch([], note: nil, by: Fx.centre, now: Fx.t0, policy: Fx.policy) }
        #expect(e?.invalidField == "units")
    }

    @Test func refusesAUnitThatAlreadyHoldsIt() throws {
        var t = try Fx.dispatched(assists: [Fx.housing])
        let e = refusal { _ = try t.dispatch([(Fx.housing, .assist)], note: nil, by: Fx.centre, now: Fx.t0, policy: Fx.policy) }
        #expect(e?.isConflict == true)
    }

    @Test func refusesAClosedTicket() {
        var t = Fx.ticket(status: .closed)
        let e = refusal { _ = try t.dispatch([(Fx.street, .lead)], note: nil, by: Fx.centre, now: Fx.t0, policy: Fx.policy) }
        #expect(e?.isConflict == true)
    }
}

@Suite struct UnitActionTests {
    @Test func onlyTheReceivingUnitMayAct() throws {
        var t = try Fx.dispatched(to: Fx.street)
        let id = try #require(t.liveLead).id
        for outsider in [Fx.streetHandler(Fx.otherStreet), Fx.departmentHandler(Fx.housing), Fx.districtAdmin(Fx.chaoyang), Fx.centre, Fx.supervisor] {
            let e = refusal { _ = try t.act(.accept, id, by: outsider, at: Fx.at(hours: 1)) }
            #expect(e?.isForbidden == true, "\(outsider.id)")
        }
        #expect(t.liveLead?.status == .pending)
        #expect(try t.act(.accept, id, by: Fx.streetHandler(), at: Fx.at(hours: 1)) == ["accepted"])
    }

    @Test func unknownDispatchIsInvalid() throws {
        var t = try Fx.dispatched()
        let e = refusal { _ = try t.act(.accept, UUID(), by: Fx.streetHandler(), at: Fx.t0) }
        #expect(e?.invalidField == "dispatchId")
    }

    @Test func aDistrictAdminActsForTheDistrictGovernment() throws {
        var t = try Fx.dispatched(to: Fx.chaoyangGov)
        let id = try #require(t.liveLead).id
        let e = refusal { _ = try t.act(.accept, id, by: Fx.districtAdmin(Fx.haidian), at: Fx.at(hours: 1)) }
        #expect(e?.isForbidden == true)
        #expect(try t.act(.accept, id, by: Fx.districtAdmin(Fx.chaoyang), at: Fx.at(hours: 1)) == ["accepted"])
        #expect(t.status == .inProgress)
    }

    @Test func anActionNotAllowedNowIsAConflictWithTheCurrentState() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let e = refusal { _ = try t.act(.contact, id, by: Fx.streetHandler(), at: Fx.at(hours: 1)) }
        #expect(e == WorkflowError.conflict(
            "Recording the first contact is not allowed while this dispatch is not yet signed for (the ticket is dispatched and not yet signed for).",
            ticketStatus: .dispatched, dispatchStatus: .pending))
    }

    @Test func missingDetailsAreInvalid() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        #expect(refusal { _ = try t.act(.requestReturn, id, .none, by: h, at: Fx.at(hours: 2)) }?.invalidField == "body")
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        #expect(refusal { _ = try t.act(.reply, id, .none, by: h, at: Fx.at(hours: 3)) }?.invalidField == "body")
        #expect(t.liveLead?.status == .contacted)
    }

    @Test func happyPathClosesTheTicket() throws {
        var t = Fx.ticket()
        let h = Fx.streetHandler()
        var kinds = try t.dispatch([(Fx.street, .lead)], note: "auto", by: Fx.centre, now: Fx.t0, policy: Fx.policy).map(\.kind)
        #expect(t.status == .dispatched)
        let id = try #require(t.liveLead).id
        kinds += try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        #expect(t.status == .inProgress)
        kinds += try t.act(.contact, id, by: h, at: Fx.at(hours: 3))
        #expect(t.status == .inProgress)
        kinds += try t.act(.reply, id, .reply(outcome: .resolved, text: "已停工"), by: h, at: Fx.at(hours: 30))
        #expect(t.status == .replied)
        let callback = try t.callback(reached: true, resolved: true, satisfaction: .satisfied, comment: "满意", now: Fx.at(hours: 40))
        kinds += callback.map(\.kind)
        #expect(kinds == ["dispatched", "accepted", "contacted", "replied", "callback", "closed"])
        #expect(callback.first?.data == ["reached": "true", "resolved": "true", "satisfaction": "satisfied"])
        #expect(t.status == .closed)
        #expect(t.closedAt == Fx.at(hours: 40))
        let lead = try #require(t.dispatches.first)
        #expect(lead.status == .replied && lead.closedAt == Fx.at(hours: 40))
        #expect(lead.acceptedAt == Fx.at(hours: 1) && lead.contactedAt == Fx.at(hours: 3) && lead.repliedAt == Fx.at(hours: 30))
        #expect(lead.replyOutcome == .resolved && lead.replyText == "已停工")
    }

    /// A ticket whose lead street has replied.
    func replied() throws -> Ticket {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        _ = try t.act(.reply, id, .reply(outcome: .explained, text: "已解释"), by: h, at: Fx.at(hours: 3))
        return t
    }

    @Test func callbackNotReachedKeepsItReplied() throws {
        var t = try replied()
        let events = try t.callback(reached: false, resolved: nil, satisfaction: nil, comment: "无人接听", now: Fx.at(hours: 5))
        #expect(events.map(\.kind) == ["callback"])
        #expect(events.first?.data == ["reached": "false"])
        #expect(t.status == .replied && t.closedAt == nil)
    }

    @Test func callbackReachedNeedsResolvedAndSatisfaction() throws {
        var t = try replied()
        #expect(refusal { _ = try t.callback(reached: true, resolved: true, satisfaction: nil, comment: nil, now: Fx.at(hours: 5)) }?.invalidField == "satisfaction")
        #expect(refusal { _ = try t.callback(reached: true, resolved: nil, satisfaction: .satisfied, comment: nil, now: Fx.at(hours: 5)) }?.invalidField == "resolved")
        #expect(t.status == .replied)
    }

    @Test func callbackBeforeTheReplyIsAConflict() throws {
        var t = try Fx.dispatched()
        #expect(refusal { _ = try t.callback(reached: false, resolved: nil, satisfaction: nil, comment: nil, now: Fx.at(hours: 1)) }?.isConflict == true)
    }
}

@Suite struct ReturnTests {
    @Test func approvedReturnWithReassignmentMakesANewLead() throws {
        var t = try Fx.dispatched(to: Fx.street)
        let old = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, old, by: h, at: Fx.at(hours: 1))
        #expect(try t.act(.requestReturn, old, .returnRequest(reason: "属于住建部门"), by: h, at: Fx.at(hours: 2)) == ["return_requested"])
        #expect(t.status == .inProgress)  // signed for, return under review
        let events = try t.reviewReturn(
            dispatchID: old, approve: true, reassignTo: Fx.housing, note: "改派住建", by: Fx.supervisor, now: Fx.at(hours: 3), policy: Fx.policy)
        #expect(events.map(\.kind) == ["return_approved", "dispatched"])
        let returned = try #require(t.dispatches.first { $0.id == old })
        #expect(returned.status == .returned && returned.closedAt == Fx.at(hours: 3) && returned.returnReason == "属于住建部门")
        let lead = try #require(t.liveLead)
        #expect(lead.unitID == Fx.housing && lead.role == .lead && lead.status == .pending && lead.dispatchedAt == Fx.at(hours: 3))
        #expect(lead.deadlines.signBy == Fx.at(hours: 5))
        #expect(t.status == .dispatched)
        #expect(t.unitIDs == [Fx.street, Fx.housing])
    }

    @Test func approvedReturnWithoutReassignmentLeavesItReceived() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        _ = try t.act(.requestReturn, id, .returnRequest(reason: "不属实"), by: Fx.streetHandler(), at: Fx.at(hours: 1))
        #expect(t.status == .dispatched)  // not signed for, return under review
        _ = try t.reviewReturn(dispatchID: id, approve: true, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.at(hours: 2), policy: Fx.policy)
        #expect(t.liveLead == nil && t.status == .received)
    }

    @Test func rejectedReturnGoesBackToWhereItWas() throws {
        let h = Fx.streetHandler()
        // Before signing for it: back to pending.
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        _ = try t.act(.requestReturn, id, .returnRequest(reason: "r"), by: h, at: Fx.at(hours: 1))
        let events = try t.reviewReturn(dispatchID: id, approve: false, reassignTo: nil, note: "驳回", by: Fx.supervisor, now: Fx.at(hours: 2), policy: Fx.policy)
        #expect(events.map(\.kind) == ["return_rejected"])
        #expect(t.liveLead?.status == .pending && t.status == .dispatched)
        // After signing for it: back to accepted.
        var u = try Fx.dispatched()
        let uid = try #require(u.liveLead).id
        _ = try u.act(.accept, uid, by: h, at: Fx.at(hours: 1))
        _ = try u.act(.requestReturn, uid, .returnRequest(reason: "r"), by: h, at: Fx.at(hours: 2))
        _ = try u.reviewReturn(dispatchID: uid, approve: false, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.at(hours: 3), policy: Fx.policy)
        #expect(u.liveLead?.status == .accepted && u.status == .inProgress)
    }

    @Test func reviewRefusals() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        // No return requested.
        #expect(refusal { _ = try t.reviewReturn(dispatchID: id, approve: true, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.t0, policy: Fx.policy) }?.isConflict == true)
        _ = try t.act(.requestReturn, id, .returnRequest(reason: "r"), by: Fx.streetHandler(), at: Fx.at(hours: 1))
        // Reassignment only with an approval.
        #expect(refusal { _ = try t.reviewReturn(dispatchID: id, approve: false, reassignTo: Fx.housing, note: nil, by: Fx.supervisor, now: Fx.t0, policy: Fx.policy) }?.invalidField == "reassignTo")
        #expect(refusal { _ = try t.reviewReturn(dispatchID: UUID(), approve: true, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.t0, policy: Fx.policy) }?.invalidField == "dispatchId")
    }
}

@Suite struct ExtensionTests {
    @Test func requestBoundsSecondRequestAndApproval() throws {
        var t = try Fx.dispatched()  // 7 days: handleBy = t0 + 168 h
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        let handleBy = Fx.at(hours: 168)
        // Not before signing for it.
        #expect(refusal { _ = try t.act(.requestExtension, id, .extensionRequest(until: Fx.at(hours: 200), reason: "r"), by: h, at: Fx.at(hours: 1)) }?.isConflict == true)
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        // Must be later than handleBy.
        #expect(refusal { _ = try t.act(.requestExtension, id, .extensionRequest(until: handleBy, reason: "r"), by: h, at: Fx.at(hours: 2)) }?.invalidField == "until")
        // At most 30 days later.
        let limit = handleBy.addingTimeInterval(30 * 86_400)
        #expect(refusal { _ = try t.act(.requestExtension, id, .extensionRequest(until: limit.addingTimeInterval(1), reason: "r"), by: h, at: Fx.at(hours: 2)) }?.invalidField == "until")
        #expect(t.liveLead?.extensionState == nil)
        // Exactly 30 days later is fine.
        #expect(try t.act(.requestExtension, id, .extensionRequest(until: limit, reason: "需要施工"), by: h, at: Fx.at(hours: 2)) == ["extension_requested"])
        #expect(t.liveLead?.extensionState == .requested && t.liveLead?.extensionUntil == limit && t.liveLead?.status == .accepted)
        #expect(t.liveLead?.deadlines.handleBy == handleBy)  // not before approval
        // A second request while one is pending.
        #expect(refusal { _ = try t.act(.requestExtension, id, .extensionRequest(until: Fx.at(hours: 200), reason: "r"), by: h, at: Fx.at(hours: 3)) }?.isConflict == true)
        // Approval moves handleBy.
        let events = try t.reviewExtension(dispatchID: id, approve: true, note: "同意", now: Fx.at(hours: 4))
        #expect(events.map(\.kind) == ["extension_approved"])
        #expect(t.liveLead?.extensionState == .approved && t.liveLead?.deadlines.handleBy == limit)
        // No second review.
        #expect(refusal { _ = try t.reviewExtension(dispatchID: id, approve: true, note: nil, now: Fx.at(hours: 5)) }?.isConflict == true)
    }

    @Test func rejectionKeepsHandleBy() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.requestExtension, id, .extensionRequest(until: Fx.at(hours: 200), reason: "r"), by: h, at: Fx.at(hours: 2))
        let events = try t.reviewExtension(dispatchID: id, approve: false, note: "不同意", now: Fx.at(hours: 3))
        #expect(events.map(\.kind) == ["extension_rejected"] && events.first?.data == [:])
        #expect(t.liveLead?.extensionState == .rejected && t.liveLead?.deadlines.handleBy == Fx.at(hours: 168))
        // A new request is allowed after a rejection.
        #expect(try t.act(.requestExtension, id, .extensionRequest(until: Fx.at(hours: 190), reason: "r2"), by: h, at: Fx.at(hours: 4)) == ["extension_requested"])
    }
}

@Suite struct ReopenMergeSuperviseWhistleTests {
    @Test func reopenFromClosedGivesRepliedDispatchesBackWithFreshDeadlines() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        _ = try t.act(.reply, id, .reply(outcome: .partlyResolved, text: "t"), by: h, at: Fx.at(hours: 20))
        _ = try t.callback(reached: true, resolved: false, satisfaction: .unsatisfied, comment: nil, now: Fx.at(hours: 30))
        #expect(t.status == .closed)
        let reopenedAt = Fx.at(hours: 50)
        let events = try t.reopen(reason: "不满意", now: reopenedAt, policy: Fx.policy)
        #expect(events.map(\.kind) == ["reopened", "deadlines_moved"] && events.first?.data == ["dispatches": "1"])
        #expect(events.last?.data == [
            "previousRespondBy": Fx.at(hours: 24).iso8601, "respondBy": Fx.at(hours: 74).iso8601,
            "previousHandleBy": Fx.at(hours: 168).iso8601, "handleBy": Fx.at(hours: 218).iso8601,
        ])
        #expect(t.status == .inProgress && t.closedAt == nil)
        let lead = try #require(t.liveLead)
        #expect(lead.status == .accepted)
        #expect(lead.acceptedAt == Fx.at(hours: 1) && lead.contactedAt == nil && lead.repliedAt == nil && lead.closedAt == nil)
        #expect(lead.deadlines.signBy == Fx.at(hours: 2))  // unchanged
        #expect(lead.deadlines.respondBy == Fx.at(hours: 50 + 24))
        #expect(lead.deadlines.handleBy == Fx.at(hours: 50 + 168))
        #expect(lead.nextDeadline == Fx.at(hours: 74))
    }

    @Test func reopenKeepsAnApprovedExtensionThatIsLaterThanAFreshLimit() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        _ = try t.act(.requestExtension, id, .extensionRequest(until: Fx.at(hours: 400), reason: "施工周期"), by: h, at: Fx.at(hours: 3))
        _ = try t.reviewExtension(dispatchID: id, approve: true, note: nil, now: Fx.at(hours: 4))
        _ = try t.act(.reply, id, .reply(outcome: .partlyResolved, text: "t"), by: h, at: Fx.at(hours: 20))
        let events = try t.reopen(reason: "未解决", now: Fx.at(hours: 30), policy: Fx.policy)
        let lead = try #require(t.liveLead)
        // handleBy stays at the approved 400 h (a fresh 7 days from 30 h would be 198 h); respondBy moves to 30 + 24.
        #expect(lead.deadlines.handleBy == Fx.at(hours: 400))
        #expect(lead.deadlines.respondBy == Fx.at(hours: 54))
        #expect(lead.extensionState == .approved)
        let moved = try #require(events.first { $0.kind == "deadlines_moved" })
        #expect(moved.data["previousHandleBy"] == Fx.at(hours: 400).iso8601 && moved.data["handleBy"] == Fx.at(hours: 400).iso8601)
        #expect(moved.data["previousRespondBy"] == Fx.at(hours: 24).iso8601 && moved.data["respondBy"] == Fx.at(hours: 54).iso8601)
    }

    @Test func reopenLeavesDispatchesThatHadNotRepliedAsTheyWere() throws {
        var t = try Fx.dispatched(to: Fx.street, assists: [Fx.housing])
        let leadID = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, leadID, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, leadID, by: h, at: Fx.at(hours: 2))
        _ = try t.act(.reply, leadID, .reply(outcome: .resolved, text: "t"), by: h, at: Fx.at(hours: 20))
        let assistBefore = try #require(t.dispatches.first { $0.unitID == Fx.housing })
        #expect(assistBefore.status == .pending)
        let events = try t.reopen(reason: "未解决", now: Fx.at(hours: 30), policy: Fx.policy)
        let assist = try #require(t.dispatches.first { $0.unitID == Fx.housing })
        // The pending assist still owes its sign-for by 2 h: reopening does not forgive its lateness.
        #expect(assist.deadlines == assistBefore.deadlines && assist.status == .pending)
        #expect(assist.isOverdue(at: Fx.at(hours: 30)))
        #expect(events.filter { $0.kind == "deadlines_moved" }.map(\.unitID) == [Fx.street])
    }

    @Test func reopenRefusedWhenNotRepliedOrClosed() throws {
        var t = try Fx.dispatched()
        #expect(refusal { _ = try t.reopen(reason: "r", now: Fx.t0, policy: Fx.policy) }?.isConflict == true)
    }

    @Test func mergeRefusals() throws {
        var t = try Fx.dispatched()
        let before = t
        #expect(refusal { _ = try t.merge(into: t, now: Fx.at(hours: 1)) }?.invalidField == "intoTicketId")
        #expect(refusal { _ = try t.merge(into: Fx.ticket(status: .closed), now: Fx.at(hours: 1)) }?.invalidField == "intoTicketId")
        #expect(refusal { _ = try t.merge(into: Fx.ticket(status: .merged), now: Fx.at(hours: 1)) }?.invalidField == "intoTicketId")
        #expect(refusal { _ = try t.merge(into: Fx.ticket(district: Fx.haidian, street: "110108001"), now: Fx.at(hours: 1)) }?.invalidField == "intoTicketId")
        #expect(t == before)
        var closed = Fx.ticket(status: .closed)
        #expect(refusal { _ = try closed.merge(into: Fx.ticket(), now: Fx.at(hours: 1)) }?.isConflict == true)
    }

    @Test func mergeWithdrawsLiveDispatches() throws {
        var t = try Fx.dispatched(to: Fx.street, assists: [Fx.housing])
        let h = Fx.streetHandler()
        _ = try t.act(.accept, try #require(t.liveLead).id, by: h, at: Fx.at(hours: 1))
        // A returned assist stays returned.
        _ = try t.dispatch([(Fx.water, .assist)], note: nil, by: Fx.centre, now: Fx.at(hours: 1), policy: Fx.policy)
        let waterID = try #require(t.latestDispatch(of: Fx.water)).id
        _ = try t.act(.requestReturn, waterID, .returnRequest(reason: "r"), by: Fx.departmentHandler(Fx.water), at: Fx.at(hours: 2))
        _ = try t.reviewReturn(dispatchID: waterID, approve: true, reassignTo: nil, note: nil, by: Fx.supervisor, now: Fx.at(hours: 2), policy: Fx.policy)
        let target = Fx.ticket()
        let events = try t.merge(into: target, now: Fx.at(hours: 3))
        #expect(events.map(\.kind) == ["withdrawn", "withdrawn", "merged"])
        #expect(events.compactMap(\.unitID) == [Fx.street, Fx.housing])
        #expect(events.last?.data == ["into": target.id.uuidString.lowercased(), "intoNumber": target.number])
        #expect(t.dispatches.map(\.status) == [.withdrawn, .withdrawn, .returned])
        #expect(t.dispatches.map(\.closedAt) == [Fx.at(hours: 3), Fx.at(hours: 3), Fx.at(hours: 2)])
        #expect(t.status == .merged && t.mergedInto == target.id && t.closedAt == Fx.at(hours: 3))
        #expect(t.nextDeadline == nil)
    }

    @Test func superviseTwiceIsAConflict() throws {
        var t = try Fx.dispatched()
        #expect(try t.supervise(note: "媒体关注", now: Fx.at(hours: 1)).map(\.kind) == ["supervised"])
        #expect(t.supervised)
        #expect(refusal { _ = try t.supervise(note: nil, now: Fx.at(hours: 2)) }?.isConflict == true)
        var merged = Fx.ticket(status: .merged)
        #expect(refusal { _ = try merged.supervise(note: nil, now: Fx.at(hours: 2)) }?.isConflict == true)
    }

    @Test func onlyTheLeadStreetWhistles() throws {
        var t = try Fx.dispatched(to: Fx.street, assists: [Fx.housing, Fx.otherStreet])
        for caller in [Fx.departmentHandler(Fx.housing), Fx.streetHandler(Fx.otherStreet), Fx.centre, Fx.districtAdmin(Fx.chaoyang)] {
            let e = refusal { _ = try t.whistle(departments: [Fx.water], reason: "r", by: caller, now: Fx.at(hours: 1), policy: Fx.policy) }
            #expect(e?.isForbidden == true, "\(caller.id)")
        }
        #expect(t.dispatches.count == 3)
        let events = try t.whistle(departments: [Fx.water, "dept.transport"], reason: "占道施工", by: Fx.streetHandler(), now: Fx.at(hours: 1), policy: Fx.policy)
        #expect(events.map(\.kind) == ["whistled", "whistled"])
        #expect(events.allSatisfy { $0.note == "占道施工" && $0.data == ["role": "assist"] })
        let whistled = t.dispatches.filter(\.whistle)
        #expect(whistled.map(\.unitID) == [Fx.water, "dept.transport"])
        #expect(whistled.allSatisfy { $0.role == .assist && $0.status == .pending && $0.dispatchedBy == "street-\(Fx.street)" })
        #expect(whistled.first?.deadlines.respondBy == Fx.at(hours: 25))
        #expect(t.unitIDs.contains(Fx.water) && t.unitIDs.contains("dept.transport"))
        #expect(t.liveLead?.unitID == Fx.street && t.status == .dispatched)
    }

    @Test func whistleRefusedOnceReplied() throws {
        var t = try Fx.dispatched()
        let id = try #require(t.liveLead).id
        let h = Fx.streetHandler()
        _ = try t.act(.accept, id, by: h, at: Fx.at(hours: 1))
        _ = try t.act(.contact, id, by: h, at: Fx.at(hours: 2))
        _ = try t.act(.reply, id, .reply(outcome: .resolved, text: "t"), by: h, at: Fx.at(hours: 3))
        #expect(refusal { _ = try t.whistle(departments: [Fx.water], reason: "r", by: h, now: Fx.at(hours: 4), policy: Fx.policy) }?.isConflict == true)
    }
}
