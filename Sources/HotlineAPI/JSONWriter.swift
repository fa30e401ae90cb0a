import Foundation
import Hummingbird
import NIOCore

/// Writes JSON straight into a byte buffer. For the one response large enough that `JSONEncoder` stood out in the
/// profile (a page of 50 tickets: a quarter of the server's CPU for the request, docs/benchmarks.md); everything
/// else goes through `JSONEncoder`. `JSONWriterTests` checks its output against `JSONEncoder`'s for the same values.
/// Like `JSONEncoder`, it leaves out keys whose value is nil.
struct JSONWriter {
    private(set) var buffer: ByteBuffer
    /// For each open object or array: whether it already holds a member (the next one needs a comma).
    private var needsComma: [Bool] = []
    /// A key was just written: the value that follows takes no comma.
    private var afterKey = false

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
        needsComma.reserveCapacity(8)
    }

    mutating func beginObject() { beginValue(); buffer.writeInteger(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { needsComma.removeLast(); buffer.writeInteger(UInt8(ascii: "}")) }
    mutating func beginArray() { beginValue(); buffer.writeInteger(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { needsComma.removeLast(); buffer.writeInteger(UInt8(ascii: "]")) }

    /// `"name":` inside an object; its value follows.
    mutating func key(_ name: StaticString) {
        if needsComma[needsComma.count - 1] { buffer.writeInteger(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
        afterKey = true
    }

    private mutating func beginValue() {
        if afterKey { afterKey = false; return }
        guard let last = needsComma.last else { return }   // the top-level value
        if last { buffer.writeInteger(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func string(_ value: String) {
        beginValue()
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[start..<i])))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0f)])
                }
                start = i + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[start...])))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func bool(_ value: Bool) { beginValue(); buffer.writeStaticString(value ? "true" : "false") }

    mutating func number(_ value: Double) {
        beginValue()
        precondition(value.isFinite, "JSON has no NaN or infinity")
        buffer.writeString(value.description)
    }

    // Members of the object being written; nil leaves the member out.
    mutating func member(_ name: StaticString, _ value: String?) { if let value { key(name); string(value) } }
    mutating func member(_ name: StaticString, _ value: Bool) { key(name); bool(value) }
    mutating func member(_ name: StaticString, _ value: Double?) { if let value { key(name); number(value) } }

    /// The response: 200, `application/json; charset=utf-8`, as Hummingbird's `JSONEncoder` answer is.
    func response() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }
}

extension TicketBody {
    /// The same members as `Encodable` writes, in declaration order.
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", id)
        w.member("number", number)
        w.member("status", status)
        w.member("type", type)
        w.member("categoryCode", categoryCode)
        w.member("tier", tier)
        w.member("districtCode", districtCode)
        w.member("streetCode", streetCode)
        w.member("title", title)
        w.member("description", description)
        w.key("requester")
        w.beginObject()
        w.member("name", requester.name)
        w.member("phone", requester.phone)
        w.member("masked", requester.masked)
        w.endObject()
        w.key("location")
        w.beginObject()
        w.member("districtCode", location.districtCode)
        w.member("streetCode", location.streetCode)
        w.member("address", location.address)
        w.member("lat", location.lat)
        w.member("lon", location.lon)
        w.endObject()
        w.member("urgent", urgent)
        w.member("channel", channel)
        w.member("supervised", supervised)
        w.member("mergedInto", mergedInto)
        w.member("answer", answer)
        w.member("nextDeadline", nextDeadline)
        w.member("overdue", overdue)
        w.member("createdAt", createdAt)
        w.member("updatedAt", updatedAt)
        w.member("closedAt", closedAt)
        if let dispatches {
            w.key("dispatches")
            w.beginArray()
            for d in dispatches { d.write(to: &w) }
            w.endArray()
        }
        w.endObject()
    }
}

extension TicketBody.DispatchBody {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", id)
        w.member("unitId", unitId)
        w.member("unitName", unitName)
        w.member("role", role)
        w.member("whistle", whistle)
        w.member("status", status)
        w.member("dispatchedAt", dispatchedAt)
        w.key("deadlines")
        w.beginObject()
        w.member("signBy", deadlines.signBy)
        w.member("respondBy", deadlines.respondBy)
        w.member("handleBy", deadlines.handleBy)
        w.endObject()
        w.member("nextDeadline", nextDeadline)
        w.member("overdue", overdue)
        w.member("acceptedAt", acceptedAt)
        w.member("contactedAt", contactedAt)
        w.member("repliedAt", repliedAt)
        w.member("replyOutcome", replyOutcome)
        w.member("replyText", replyText)
        w.member("returnReason", returnReason)
        if let ext = `extension` {
            w.key("extension")
            w.beginObject()
            w.member("state", ext.state)
            w.member("until", ext.until)
            w.member("reason", ext.reason)
            w.endObject()
        }
        w.endObject()
    }
}

extension TicketPage {
    /// Written by `JSONWriter`, not `JSONEncoder`: the list is the hottest read.
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("items")
        w.beginArray()
        for item in items { item.write(to: &w) }
        w.endArray()
        w.member("nextCursor", nextCursor)
        w.endObject()
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter(capacity: 1024 + items.count * 700)
        write(to: &writer)
        return writer.response()
    }
}
