import Foundation

/// The life of an order (接、派、办、评): ticket and dispatch states and the one state machine that says which action
/// is allowed in which state. Every handler asks here; an action refused here answers 409 with the current state.

/// 诉求类型: what the requester wants.
public enum RequestType: String, CaseIterable, Sendable, Codable {
    /// 咨询
    case consultation
    /// 求助
    case help
    /// 投诉
    case complaint
    /// 举报
    case report
    /// 建议
    case suggestion
}

/// How the request reached the centre.
public enum IntakeChannel: String, CaseIterable, Sendable, Codable {
    case phone, web, app, wechat, open311
}

/// A ticket's (工单) status.
public enum TicketStatus: String, CaseIterable, Sendable, Codable {
    /// Taken in, not yet dispatched (or its lead was returned and it waits for another).
    case received
    /// Sent to a lead unit that has not signed for it yet.
    case dispatched
    /// The lead unit signed for it (签收) and is working on it.
    case inProgress = "in_progress"
    /// The lead unit replied (反馈); waiting for the callback.
    case replied
    /// Closed after the callback (or answered at once, for a consultation).
    case closed
    /// A duplicate, merged into another ticket (并单).
    case merged

    /// Whether the ticket still takes handling actions.
    public var isOpen: Bool { self != .closed && self != .merged }

    /// The status in words, for messages ("while the ticket is …").
    public var phrase: String {
        switch self {
        case .received: "received and not yet dispatched"
        case .dispatched: "dispatched and not yet signed for"
        case .inProgress: "in progress"
        case .replied: "replied and waiting for its callback"
        case .closed: "closed"
        case .merged: "merged into another ticket"
        }
    }
}

/// A dispatch's status: one unit's part in one ticket.
public enum DispatchStatus: String, CaseIterable, Sendable, Codable {
    case pending
    /// 签收
    case accepted
    /// First contact with the requester made (the "response").
    case contacted
    /// 反馈: the unit replied with what it did.
    case replied
    /// 退单: the unit asked to give the order back; the centre reviews it.
    case returnRequested = "return_requested"
    /// The centre approved the return.
    case returned
    /// Taken back (the ticket was merged, or re-dispatched elsewhere).
    case withdrawn

    /// Whether the unit still has the order (returned and withdrawn dispatches are history).
    public var isLive: Bool { self != .returned && self != .withdrawn }

    /// The status in words, for messages ("and this dispatch is …").
    public var phrase: String {
        switch self {
        case .pending: "not yet signed for"
        case .accepted: "signed for"
        case .contacted: "past its first contact"
        case .replied: "replied"
        case .returnRequested: "waiting for the review of its return"
        case .returned: "returned"
        case .withdrawn: "withdrawn"
        }
    }
}

/// 主办 or 协办.
public enum DispatchRole: String, CaseIterable, Sendable, Codable {
    case lead
    case assist
}

/// What a unit or the centre does to one dispatch.
public enum DispatchAction: String, Sendable, CaseIterable {
    case accept, contact, reply
    case requestReturn = "return"
    case approveReturn = "approve_return"
    case rejectReturn = "reject_return"
    case requestExtension = "extension"
    case reviewExtension = "extension_review"
    case withdraw
    case reopen

    /// The action in words, to start a sentence ("Signing for the order is not allowed while …").
    public var phrase: String {
        switch self {
        case .accept: "Signing for the order (签收)"
        case .contact: "Recording the first contact"
        case .reply: "Replying (反馈)"
        case .requestReturn: "Returning the order (退单)"
        case .approveReturn, .rejectReturn: "Reviewing a return"
        case .requestExtension: "Asking for an extension (延期)"
        case .reviewExtension: "Reviewing an extension"
        case .withdraw: "Withdrawing the dispatch"
        case .reopen: "Reopening (重办)"
        }
    }
}

/// The reply's outcome.
public enum ReplyOutcome: String, CaseIterable, Sendable, Codable {
    case resolved
    case partlyResolved = "partly_resolved"
    case explained
    case unresolvable
}

/// The requester's word at the callback (回访).
public enum Satisfaction: String, CaseIterable, Sendable, Codable {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case unsatisfied
}

/// An extension request's state (延期).
public enum ExtensionState: String, Sendable, Codable {
    case requested, approved, rejected
}

/// The state machine.
public enum Workflow {
    /// The status a dispatch moves to, or nil when `action` is not allowed in `status`.
    /// `accepted` tells whether the unit had signed for it before (a rejected return goes back to where it was).
    public static func next(
        _ status: DispatchStatus, on action: DispatchAction, accepted: Bool = false,
        extension pendingExtension: ExtensionState? = nil
    ) -> DispatchStatus? {
        switch (action, status) {
        case (.accept, .pending): .accepted
        case (.contact, .accepted): .contacted
        case (.reply, .contacted): .replied
        case (.requestReturn, .pending), (.requestReturn, .accepted): .returnRequested
        case (.approveReturn, .returnRequested): .returned
        case (.rejectReturn, .returnRequested): accepted ? .accepted : .pending
        case (.requestExtension, .accepted), (.requestExtension, .contacted):
            pendingExtension == .requested ? nil : status
        case (.reviewExtension, _) where status.isLive && status != .replied:
            pendingExtension == .requested ? status : nil
        case (.withdraw, _) where status.isLive: .withdrawn
        case (.reopen, .replied): .accepted
        default: nil
        }
    }

    /// A ticket's status from its dispatches, unless it is closed or merged: no live lead → received; the live lead
    /// replied → replied; signed for (accepted, contacted, or a return under review after signing) → in progress;
    /// else dispatched.
    public static func derivedStatus(closed: Bool, merged: Bool, liveLead: (status: DispatchStatus, accepted: Bool)?) -> TicketStatus {
        if merged { return .merged }
        if closed { return .closed }
        guard let lead = liveLead else { return .received }
        switch lead.status {
        case .replied: return .replied
        case .accepted, .contacted: return .inProgress
        case .returnRequested: return lead.accepted ? .inProgress : .dispatched
        default: return .dispatched
        }
    }

    /// Ticket-level actions and the statuses they are allowed in.
    public enum TicketAction: String, Sendable, CaseIterable {
        case dispatch, whistle, callback, reopen, merge, supervise, answer
    }

    public static func allows(_ action: TicketAction, in status: TicketStatus, type: RequestType? = nil) -> Bool {
        switch action {
        case .dispatch: [.received, .dispatched, .inProgress].contains(status)
        case .whistle: [.dispatched, .inProgress].contains(status)
        case .callback: status == .replied
        case .reopen: status == .replied || status == .closed
        case .merge: [.received, .dispatched, .inProgress].contains(status)
        case .supervise: status != .merged
        case .answer: status == .received && type == .consultation
        }
    }
}
