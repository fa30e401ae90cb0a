import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// JSON shapes of tickets, dispatches and events as the API returns them, built from domain values.
struct TicketBody: ResponseEncodable {
    struct RequesterBody: Encodable {
        var name: String
        var phone: String
        var masked: Bool
    }

    struct LocationBody: Encodable {
        var districtCode: String
        var streetCode: String?
        var address: String
        var lat: Double?
        var lon: Double?
    }

    struct DeadlinesBody: Encodable {
        var signBy: String
        var respondBy: String
        var handleBy: String
    }

    struct ExtensionBody: Encodable {
        var state: String
        var until: String?
        var reason: String?
    }

    struct DispatchBody: Encodable {
        var id: String
        var unitId: String
        var unitName: String?
        var role: String
        var whistle: Bool
        var status: String
        var dispatchedAt: String
        var deadlines: DeadlinesBody
        var nextDeadline: String?
        var overdue: Bool
        var acceptedAt: String?
        var contactedAt: String?
        var repliedAt: String?
        var replyOutcome: String?
        var replyText: String?
        var returnReason: String?
        var `extension`: ExtensionBody?
    }

    var id: String
    var number: String
    var status: String
    var type: String
    var categoryCode: String
    var tier: String
    var districtCode: String
    var streetCode: String?
    var title: String
    var description: String
    var requester: RequesterBody
    var location: LocationBody
    var urgent: Bool
    var channel: String
    var supervised: Bool
    var mergedInto: String?
    var answer: String?
    var nextDeadline: String?
    var overdue: Bool
    var createdAt: String
    var updatedAt: String
    var closedAt: String?
    /// Absent in lists (ask for the ticket for its dispatches).
    var dispatches: [DispatchBody]?

    init(_ t: Ticket, unitNames: [String: String], now: Date, withDispatches: Bool = true) {
        id = t.id.uuidString.lowercased()
        number = t.number
        status = t.status.rawValue
        type = t.type.rawValue
        categoryCode = t.categoryCode
        tier = t.tier.rawValue
        districtCode = t.location.districtCode.rawValue
        streetCode = t.location.streetCode
        title = t.title
        description = t.description
        requester = RequesterBody(name: t.requester.name, phone: t.requester.phone, masked: t.requester.masked)
        location = LocationBody(
            districtCode: t.location.districtCode.rawValue, streetCode: t.location.streetCode,
            address: t.location.address, lat: t.location.lat, lon: t.location.lon)
        urgent = t.urgent
        channel = t.channel.rawValue
        supervised = t.supervised
        mergedInto = t.mergedInto?.uuidString.lowercased()
        answer = t.answer
        nextDeadline = t.nextDeadline?.iso8601
        createdAt = t.createdAt.iso8601
        updatedAt = t.updatedAt.iso8601
        closedAt = t.closedAt?.iso8601
        overdue = t.isOverdue(at: now)
        dispatches = withDispatches ? t.dispatches.map { d in
            DispatchBody(
                id: d.id.uuidString.lowercased(), unitId: d.unitID, unitName: unitNames[d.unitID], role: d.role.rawValue,
                whistle: d.whistle, status: d.status.rawValue, dispatchedAt: d.dispatchedAt.iso8601,
                deadlines: DeadlinesBody(
                    signBy: d.deadlines.signBy.iso8601, respondBy: d.deadlines.respondBy.iso8601,
                    handleBy: d.deadlines.handleBy.iso8601),
                nextDeadline: d.nextDeadline?.iso8601, overdue: d.isOverdue(at: now),
                acceptedAt: d.acceptedAt?.iso8601, contactedAt: d.contactedAt?.iso8601, repliedAt: d.repliedAt?.iso8601,
                replyOutcome: d.replyOutcome?.rawValue, replyText: d.replyText, returnReason: d.returnReason,
                extension: d.extensionState.map {
                    ExtensionBody(state: $0.rawValue, until: d.extensionUntil?.iso8601, reason: d.extensionReason)
                })
        } : nil
    }
}

struct TicketPage: ResponseEncodable {
    var items: [TicketBody]
    var nextCursor: String?
}

struct EventBody: Encodable {
    struct Actor: Encodable {
        var kind: String
        var id: String
        var name: String
        var role: String
        var unitId: String?
    }

    var id: Int64
    var at: String
    var kind: String
    var dispatchId: String?
    var unitId: String?
    var actor: Actor
    var note: String?
    var data: [String: String]

    init(_ e: TicketEvent) {
        id = e.id
        at = e.at.iso8601
        kind = e.kind
        dispatchId = e.dispatchID?.uuidString.lowercased()
        unitId = e.unitID
        actor = Actor(kind: e.actorKind, id: e.actorID, name: e.actorName, role: e.actorRole, unitId: e.actorUnitID)
        note = e.note
        data = e.data
    }
}

struct EventList: ResponseEncodable {
    var items: [EventBody]
}
