import Foundation
@testable import HotlineAPI
import HotlineCore
import NIOCore
import Testing

/// Ticket pages are written by `JSONWriter`, everything else by `JSONEncoder`: both must say the same.
@Suite struct JSONWriterTests {
    static func ticket(_ text: String, dispatched: Bool) -> Ticket {
        let at = Date(timeIntervalSince1970: 1_796_000_000.25)
        var t = Ticket(
            id: UUID(), number: "BJ26113000000001", status: .dispatched, type: .complaint, categoryCode: "0601",
            tier: .oneDay, title: text, description: text + "\n\t第二行 \"引号\" \\ / \u{01}\u{1F}",
            requester: Requester(name: "张*", phone: "138****5678", masked: true),
            location: Location(districtCode: DistrictCode("110105")!, streetCode: dispatched ? "110105001" : nil,
                               address: "建国门外大街1号", lat: dispatched ? 39.91 : nil, lon: dispatched ? 116.0 : nil),
            urgent: dispatched, channel: .phone, unitIDs: [], supervised: false, mergedInto: dispatched ? nil : UUID(),
            answer: dispatched ? nil : "答复 😀", createdBy: "u", createdAt: at, updatedAt: at.addingTimeInterval(61),
            closedAt: dispatched ? nil : at.addingTimeInterval(3600), dispatches: [])
        if dispatched {
            t.dispatches = [
                Dispatch(id: UUID(), unitID: "110105001", role: .lead, whistle: false, status: .replied, dispatchedAt: at,
                         dispatchedBy: "u", deadlines: DispatchDeadlines(signBy: at, respondBy: at, handleBy: at),
                         acceptedAt: at, repliedAt: at, replyOutcome: .resolved, replyText: "已解决\r\n",
                         extensionState: .requested, extensionUntil: at, extensionReason: "原因"),
                Dispatch(id: UUID(), unitID: "dept.housing", role: .assist, whistle: true, status: .pending, dispatchedAt: at,
                         dispatchedBy: "u", deadlines: DispatchDeadlines(signBy: at, respondBy: at, handleBy: at)),
            ]
        }
        return t
    }

    static func parsed(_ data: Data) throws -> NSObject {
        try #require(JSONSerialization.jsonObject(with: data) as? NSObject)
    }

    @Test(arguments: [true, false])
    func writesWhatJSONEncoderWrites(dispatched: Bool) throws {
        let now = Date(timeIntervalSince1970: 1_796_100_000)
        let names = ["110105001": "建外街道"]
        for withDispatches in [false, true] {
            let page = TicketPage(
                items: ["噪声", "a\"b", ""].map { TicketBody(Self.ticket($0, dispatched: dispatched), unitNames: names, now: now, withDispatches: withDispatches) },
                nextCursor: dispatched ? "abc" : nil)
            var writer = JSONWriter(capacity: 64)
            page.write(to: &writer)
            let written = Data(writer.buffer.readableBytesView)
            let encoded = try JSONEncoder().encode(page)
            #expect(try Self.parsed(written) == Self.parsed(encoded), "\(String(decoding: written, as: UTF8.self))")
        }
    }

    @Test func emptyPageAndEscapes() throws {
        var writer = JSONWriter(capacity: 8)
        TicketPage(items: [], nextCursor: nil).write(to: &writer)
        #expect(String(buffer: writer.buffer) == #"{"items":[]}"#)
        var escapes = JSONWriter(capacity: 8)
        escapes.beginArray()
        escapes.string("\"\\\n\r\t\u{08}\u{0C}\u{00}é")
        escapes.bool(true)
        escapes.number(1.5)
        escapes.endArray()
        #expect(String(buffer: escapes.buffer) == #"["\"\\\n\r\t\u0008\u000c\u0000é",true,1.5]"#)
    }
}
