import Foundation
import HotlineCore
import NIOCore

/// Generated rows of some tickets (their dispatches, callbacks and timeline), in the final shape of the tables, and
/// their encoding as COPY text (tab-separated, `\N` for NULL, timestamps in UTC).
struct HistoryBatch {
    struct Ticket {
        var district: String
        var id: UUID
        var status: String
        var type: String
        var category: String
        var tier: String
        var title: String
        var description: String
        var nameEnc: [UInt8]
        var phoneEnc: [UInt8]
        var phoneHash: String
        var nameMasked: String
        var phoneMasked: String
        var street: String?
        var address: String
        /// The point, as float8 text (from ``DemoHistory/PointPool``); nil when no boundary is loaded.
        var point: DemoHistory.PointText?
        var urgent: Bool
        var channel: String
        var unitIDs: [String]
        var lead: String?
        var nextDeadline: Date?
        var created: Date
        var updated: Date
        var closed: Date?
    }

    struct Dispatch {
        var district: String
        var id: UUID
        var ticket: UUID
        var unit: String
        var role: String
        var whistle: Bool
        var status: String
        var dispatched: Date
        var deadlines: DispatchDeadlines
        var next: Date?
        var accepted: Date?
        var contacted: Date?
        var replied: Date?
        var outcome: String?
        var reply: String?
        var closed: Date?
        var unitIDs: [String]
        var returnReason: String?
        var inTime: Bool?
        /// The ticket's latest reached callback after this dispatch: at, resolved, satisfaction.
        var callback: (Date, Bool?, String?)?
    }

    struct Callback {
        var district: String
        var ticket: UUID
        var at: Date
        var reached: Bool
        var resolved: Bool?
        var satisfaction: String?
        var byID: String
        var unitIDs: [String] = []
    }

    struct Event {
        var district: String
        var ticket: UUID
        var dispatch: UUID?
        var at: Date
        var kind: String
        var actorKind: String
        var actorID: String
        var actorName: String
        var actorRole: String
        var actorUnit: String?
        var unit: String?
        var note: String?
        var unitIDs: [String]
        /// Order of making within the batch: the tie-break when two events share an instant.
        var sequence = 0
    }

    var tickets: [Ticket] = []
    var dispatches: [Dispatch] = []
    var callbacks: [Callback] = []
    var events: [Event] = []

    var rowCount: Int { tickets.count + dispatches.count + callbacks.count + events.count }

    static func unique(_ items: [String]) -> [String] {
        var seen: [String] = []
        for i in items where !seen.contains(i) { seen.append(i) }
        return seen
    }

    // MARK: COPY text

    /// The target columns of each table, in the order the lines carry them.
    static let ticketColumns = """
        district_code, id, number, status, type, category_code, tier, title, description, requester_name_enc,
        requester_phone_enc, requester_phone_hash, requester_name_masked, requester_phone_masked, street_code, address,
        lat, lon, urgent, channel, unit_ids, lead_unit_id, next_deadline, created_by, created_at, updated_at, closed_at
        """
    static let callbackColumns = "district_code, ticket_id, at, reached, resolved, satisfaction, by_id, unit_ids"
    static let dispatchColumns = """
        district_code, id, ticket_id, unit_id, role, whistle, status, dispatched_at, dispatched_by, sign_by, respond_by,
        handle_by, next_deadline, accepted_at, contacted_at, replied_at, reply_outcome, reply_text, return_reason,
        closed_at, unit_ids, responded_in_time, callback_at, callback_resolved, callback_satisfaction
        """
    static let eventColumns = """
        district_code, ticket_id, dispatch_id, at, kind, actor_kind, actor_id, actor_name, actor_role, actor_unit_id,
        unit_id, note, unit_ids
        """

    /// The four tables' COPY text. Ticket numbers are `BJ` + the Beijing day + the 8-digit numbers from
    /// `firstNumber` on, in creation order.
    struct Encoded {
        var tickets = COPYWriter()
        var callbacks = COPYWriter()
        var dispatches = COPYWriter()
        var events = COPYWriter()
        var bytes: Int {
            tickets.buffer.readableBytes + callbacks.buffer.readableBytes + dispatches.buffer.readableBytes
                + events.buffer.readableBytes
        }
    }

    func encode(firstNumber: Int64, creator: String, dispatcher: String) -> Encoded {
        var out = Encoded()
        var w = COPYWriter()
        w.buffer.reserveCapacity(tickets.count * 600)
        var number = firstNumber
        for t in tickets {
            w.text(t.district); w.uuid(t.id); w.raw("BJ" + Self.yymmdd(t.created) + Self.pad8(number))
            w.text(t.status); w.text(t.type); w.text(t.category); w.text(t.tier); w.text(t.title); w.text(t.description)
            w.bytea(t.nameEnc); w.bytea(t.phoneEnc); w.text(t.phoneHash); w.text(t.nameMasked); w.text(t.phoneMasked)
            w.text(t.street); w.text(t.address)
            if let point = t.point { w.raw(point.lat); w.raw(point.lon) } else { w.null(); w.null() }
            w.bool(t.urgent); w.text(t.channel); w.array(t.unitIDs); w.text(t.lead)
            w.time(t.nextDeadline); w.text(creator); w.time(t.created); w.time(t.updated); w.time(t.closed)
            w.end()
            number += 1
        }
        out.tickets = w
        w = COPYWriter()
        for c in callbacks {
            w.text(c.district); w.uuid(c.ticket); w.time(c.at); w.bool(c.reached); w.bool(c.resolved); w.text(c.satisfaction)
            w.text(c.byID); w.array(c.unitIDs)
            w.end()
        }
        out.callbacks = w
        w = COPYWriter()
        w.buffer.reserveCapacity(dispatches.count * 400)
        for d in dispatches {
            w.text(d.district); w.uuid(d.id); w.uuid(d.ticket); w.text(d.unit); w.text(d.role); w.bool(d.whistle)
            w.text(d.status); w.time(d.dispatched); w.text(dispatcher); w.time(d.deadlines.signBy)
            w.time(d.deadlines.respondBy); w.time(d.deadlines.handleBy); w.time(d.next); w.time(d.accepted)
            w.time(d.contacted); w.time(d.replied); w.text(d.outcome); w.text(d.reply); w.text(d.returnReason)
            w.time(d.closed); w.array(d.unitIDs); w.bool(d.inTime); w.time(d.callback?.0); w.bool(d.callback?.1)
            w.text(d.callback?.2)
            w.end()
        }
        out.dispatches = w
        w = COPYWriter()
        w.buffer.reserveCapacity(events.count * 300)
        for e in events {
            w.text(e.district); w.uuid(e.ticket); w.uuid(e.dispatch); w.time(e.at); w.text(e.kind); w.text(e.actorKind)
            w.text(e.actorID); w.text(e.actorName); w.text(e.actorRole); w.text(e.actorUnit); w.text(e.unit); w.text(e.note)
            w.array(e.unitIDs)
            w.end()
        }
        out.events = w
        return out
    }

    static func pad8(_ n: Int64) -> String {
        let s = String(n)
        return s.count >= 8 ? s : String(repeating: "0", count: 8 - s.count) + s
    }

    /// `YYMMDD` of the Beijing day.
    static func yymmdd(_ date: Date) -> String {
        let d = CivilDate(date)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return two(d.year % 100) + two(d.month) + two(d.day)
    }
}

/// Writes lines of COPY text: fields separated by tabs, escaped, NULL as `\N`; `end()` closes a line.
struct COPYWriter {
    var buffer = ByteBuffer()
    private var first = true

    private mutating func separate() {
        if first { first = false } else { buffer.writeInteger(UInt8(ascii: "\t")) }
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    /// Text known to need no escaping.
    mutating func raw(_ s: String) {
        separate()
        buffer.writeString(s)
    }

    mutating func text(_ s: String?) {
        guard let s else { return null() }
        separate()
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    mutating func bool(_ b: Bool?) {
        guard let b else { return null() }
        separate()
        buffer.writeInteger(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    /// Lowercase 8-4-4-4-12 hex, written directly (Foundation's `uuidString` formats through printf: slow here).
    mutating func uuid(_ u: UUID?) {
        guard let u else { return null() }
        separate()
        withUnsafeBytes(of: u.uuid) { bytes in
            for (i, b) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { buffer.writeInteger(UInt8(ascii: "-")) }
                buffer.writeInteger(Self.hex[Int(b >> 4)])
                buffer.writeInteger(Self.hex[Int(b & 0x0F)])
            }
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// bytea in hex form (`\\x…` in COPY text).
    mutating func bytea(_ bytes: [UInt8]) {
        separate()
        buffer.writeStaticString("\\\\x")
        for b in bytes {
            buffer.writeInteger(Self.hex[Int(b >> 4)])
            buffer.writeInteger(Self.hex[Int(b & 0x0F)])
        }
    }

    /// A text[] literal; the values here (unit ids) need no quoting.
    mutating func array(_ items: [String]) {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        for (i, item) in items.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeString(item)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    private mutating func digits(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    /// A timestamptz in UTC, to the second: `YYYY-MM-DD HH:MM:SS+00`.
    mutating func time(_ date: Date?) {
        guard let date else { return null() }
        separate()
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let d = CivilDate(daysSinceEpoch: days)
        digits(d.year, 4)
        buffer.writeInteger(UInt8(ascii: "-"))
        digits(d.month, 2)
        buffer.writeInteger(UInt8(ascii: "-"))
        digits(d.day, 2)
        buffer.writeInteger(UInt8(ascii: " "))
        digits(rest / 3600, 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        digits(rest % 3600 / 60, 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        digits(rest % 60, 2)
        buffer.writeStaticString("+00")
    }

    mutating func end() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        first = true
    }
}
