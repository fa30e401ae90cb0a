import Foundation
import HTTPTypes
import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// The life of a request over HTTP on a real database: intake, dispatch, handling, callback, and every side road.
@Suite struct TicketAPITests {
    typealias JSON = [String: Any]

    /// A small client for these tests: logs in once per account and sends JSON.
    struct Desk {
        let app: SeededApp
        var tokens: [String: String] = [:]

        init(_ app: SeededApp, accounts: [String]) async throws {
            self.app = app
            for a in accounts { tokens[a] = try await app.login(a) }
        }

        func send(_ who: String, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers extra: HTTPFields = [:]) async throws -> (Int, JSON) {
            var headers = bearer(tokens[who] ?? "no-token-logged-in-for-\(who)")
            if body != nil { headers[.contentType] = "application/json" }
            for field in extra { headers.append(field) }
            return try await app.client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                (Int(response.status.code), response.json())
            }
        }

        func post(_ who: String, _ path: String, _ body: String = "{}", headers: HTTPFields = [:]) async throws -> (Int, JSON) {
            try await send(who, .post, path, body, headers: headers)
        }

        func get(_ who: String, _ path: String) async throws -> (Int, JSON) { try await send(who, .get, path) }

        /// Takes a request in as the operator and returns the ticket.
        func intake(_ fields: String = "", category: String = "0601", street: String? = "110105001", district: String = "110105", urgent: Bool = false, key: String? = nil) async throws -> JSON {
            let street = street.map { #","streetCode":"\#($0)""# } ?? ""
            let body = #"{"type":"complaint","categoryCode":"\#(category)","title":"Construction noise","description":"Drilling after 22:00","requester":{"name":"张三","phone":"138 1234 5678"},"location":{"districtCode":"\#(district)"\#(street),"address":"建国门外大街1号"},"urgent":\#(urgent),"channel":"phone"\#(fields)}"#
            let (status, ticket) = try await post("operator", "/api/v1/tickets", body, headers: key.map { [HTTPField.Name("Idempotency-Key")!: $0] } ?? [:])
            #expect(status == 201, "intake: \(ticket)")
            return ticket
        }
    }

    static func dispatches(_ t: JSON) -> [JSON] { t["dispatches"] as? [JSON] ?? [] }
    static func id(_ t: JSON) -> String { t["id"] as? String ?? "" }
    static func kinds(_ events: JSON) -> [String] { (events["items"] as? [JSON] ?? []).compactMap { $0["kind"] as? String } }

    @Test func theWholeLifeOfARequest() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street", "analyst"])
            let ticket = try await desk.intake()
            #expect(ticket["status"] as? String == "dispatched")
            #expect((ticket["number"] as? String)?.hasPrefix("BJ") == true)
            let requester = ticket["requester"] as? JSON ?? [:]
            #expect(requester["name"] as? String == "张三")
            #expect(requester["phone"] as? String == "13812345678")
            #expect(requester["masked"] as? Bool == false)
            let lead = try #require(Self.dispatches(ticket).first)
            #expect(lead["unitId"] as? String == "110105001")
            #expect(lead["unitName"] as? String == "建外街道")
            #expect(lead["role"] as? String == "lead")
            // 7-day class: sign within 2 h, first contact within 24 h, handle within 7 days, from now.
            let now = app.clock.now
            let deadlines = lead["deadlines"] as? [String: String] ?? [:]
            #expect(deadlines["signBy"] == now.addingTimeInterval(2 * 3600).formatted(.iso8601))
            #expect(deadlines["respondBy"] == now.addingTimeInterval(24 * 3600).formatted(.iso8601))
            #expect(deadlines["handleBy"] == now.addingTimeInterval(7 * 86_400).formatted(.iso8601))

            let d = lead["id"] as? String ?? ""
            app.clock.advance(by: 600)
            var (status, t) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            #expect(status == 200 && t["status"] as? String == "in_progress")
            (status, t) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/contact")
            #expect(status == 200 && Self.dispatches(t).first?["status"] as? String == "contacted")
            (status, t) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"resolved","text":"The site stops at 22:00 now"}"#)
            #expect(status == 200 && t["status"] as? String == "replied")
            (status, t) = try await desk.post("operator", "/api/v1/tickets/\(Self.id(ticket))/callback", #"{"reached":true,"resolved":true,"satisfaction":"satisfied","comment":"thanks"}"#)
            #expect(status == 200 && t["status"] as? String == "closed")
            #expect(t["closedAt"] as? String == app.clock.now.formatted(.iso8601))

            let (_, events) = try await desk.get("chaoyang-street", "/api/v1/tickets/\(Self.id(ticket))/events")
            #expect(Self.kinds(events) == ["received", "dispatched", "accepted", "contacted", "replied", "callback", "closed"])
            let first = (events["items"] as? [JSON])?.first
            #expect((first?["actor"] as? JSON)?["role"] as? String == "centre_operator")
            // The analyst reads it with the requester masked.
            let (_, seen) = try await desk.get("analyst", "/api/v1/tickets/\(Self.id(ticket))")
            let masked = seen["requester"] as? JSON ?? [:]
            #expect(masked["name"] as? String == "张*")
            #expect(masked["phone"] as? String == "138****5678")
            #expect(masked["masked"] as? Bool == true)
        }
    }

    @Test func actionsOutOfOrderAre409WithTheCurrentState() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street"])
            let ticket = try await desk.intake()
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            let (status, body) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"resolved","text":"x"}"#)
            #expect(status == 409)
            #expect(body["type"] as? String == "/problems/invalid-state")
            #expect(body["currentState"] as? [String: String] == ["ticketStatus": "dispatched", "dispatchStatus": "pending"])
            let (callback, _) = try await desk.post("operator", "/api/v1/tickets/\(Self.id(ticket))/callback", #"{"reached":false}"#)
            #expect(callback == 409)
        }
    }

    @Test func leadAndAssistAreBothDispatchedAndSeen() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street", "housing", "haidian-street"])
            let ticket = try await desk.intake(#","dispatch":"manual""#)
            #expect(ticket["status"] as? String == "received")
            let tid = Self.id(ticket)
            var (status, t) = try await desk.post("operator", "/api/v1/tickets/\(tid)/dispatches",
                #"{"units":[{"unitId":"110105001","role":"lead"},{"unitId":"dept.housing","role":"assist"}],"note":"双派"}"#)
            #expect(status == 200)
            #expect(t["status"] as? String == "dispatched")
            #expect(Set(Self.dispatches(t).map { "\($0["unitId"] ?? "")/\($0["role"] ?? "")" }) == ["110105001/lead", "dept.housing/assist"])
            // The assisting department sees the ticket and acts on its own dispatch only.
            let assist = Self.dispatches(t).first { $0["unitId"] as? String == "dept.housing" }?["id"] as? String ?? ""
            let leadID = Self.dispatches(t).first { $0["unitId"] as? String == "110105001" }?["id"] as? String ?? ""
            (status, _) = try await desk.get("housing", "/api/v1/tickets/\(tid)")
            #expect(status == 200)
            (status, _) = try await desk.post("housing", "/api/v1/dispatches/\(assist)/accept")
            #expect(status == 200)
            (status, t) = try await desk.post("housing", "/api/v1/dispatches/\(leadID)/accept")
            #expect(status == 403)
            // A second lead while one holds it: 409.
            (status, t) = try await desk.post("operator", "/api/v1/tickets/\(tid)/dispatches", #"{"units":[{"unitId":"110105002","role":"lead"}]}"#)
            #expect(status == 409)
            // Another district's street does not see it at all.
            (status, _) = try await desk.get("haidian-street", "/api/v1/tickets/\(tid)")
            #expect(status == 404)
        }
    }

    @Test func aStreetWhistlesAndDepartmentsReport() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street", "housing"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            // A department not on the ticket does not even see it.
            var (status, t) = try await desk.post("housing", "/api/v1/tickets/\(tid)/whistle", #"{"unitIds":["dept.city-management"],"reason":"x"}"#)
            #expect(status == 404)
            (status, t) = try await desk.post("chaoyang-street", "/api/v1/tickets/\(tid)/whistle", #"{"unitIds":["dept.housing","ent.water"],"reason":"违建涉及多部门"}"#)
            #expect(status == 200)
            let whistled = Self.dispatches(t).filter { $0["whistle"] as? Bool == true }
            #expect(Set(whistled.compactMap { $0["unitId"] as? String }) == ["dept.housing", "ent.water"])
            #expect(whistled.allSatisfy { $0["role"] as? String == "assist" && $0["status"] as? String == "pending" })
            // A whistle summons departments, not streets.
            (status, _) = try await desk.post("chaoyang-street", "/api/v1/tickets/\(tid)/whistle", #"{"unitIds":["110105002"],"reason":"x"}"#)
            #expect(status == 422)
            // The summoned department reports (accepts) and sees the ticket.
            let hd = whistled.first { $0["unitId"] as? String == "dept.housing" }?["id"] as? String ?? ""
            (status, _) = try await desk.post("housing", "/api/v1/dispatches/\(hd)/accept")
            #expect(status == 200)
            // Now on the ticket, the department still may not blow the whistle: that is the lead street's.
            (status, _) = try await desk.post("housing", "/api/v1/tickets/\(tid)/whistle", #"{"unitIds":["ent.water"],"reason":"x"}"#)
            #expect(status == 403)
            let (_, events) = try await desk.get("housing", "/api/v1/tickets/\(tid)/events")
            #expect(Self.kinds(events).filter { $0 == "whistled" }.count == 2)
        }
    }

    @Test func aReturnIsReviewedAndReDispatched() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "supervisor", "chaoyang-street"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            var (status, t) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/return", #"{"reason":"Not in our area: the site is in Chaowai"}"#)
            #expect(status == 200 && Self.dispatches(t).first?["status"] as? String == "return_requested")
            // Only the supervisor reviews.
            (status, _) = try await desk.post("operator", "/api/v1/dispatches/\(d)/return-review", #"{"decision":"approve"}"#)
            #expect(status == 403)
            (status, t) = try await desk.post("supervisor", "/api/v1/dispatches/\(d)/return-review", #"{"decision":"approve","reassignTo":"110105002","note":"改派朝外"}"#)
            #expect(status == 200)
            #expect(t["status"] as? String == "dispatched")
            let byUnit = Dictionary(uniqueKeysWithValues: Self.dispatches(t).map { ($0["unitId"] as? String ?? "", $0["status"] as? String ?? "") })
            #expect(byUnit == ["110105001": "returned", "110105002": "pending"])
            // The street that returned it keeps read access but can no longer act.
            (status, _) = try await desk.get("chaoyang-street", "/api/v1/tickets/\(tid)")
            #expect(status == 200)
            (status, _) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            #expect(status == 409)
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(tid)/events")
            #expect(Self.kinds(events) == ["received", "dispatched", "return_requested", "return_approved", "dispatched"])
        }
    }

    @Test func aRejectedReturnStaysWithTheUnit() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "supervisor", "chaoyang-street"])
            let ticket = try await desk.intake()
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/return", #"{"reason":"not ours"}"#)
            let (status, t) = try await desk.post("supervisor", "/api/v1/dispatches/\(d)/return-review", #"{"decision":"reject","note":"It is yours"}"#)
            #expect(status == 200)
            #expect(Self.dispatches(t).first?["status"] as? String == "accepted")
            #expect(t["status"] as? String == "in_progress")
        }
    }

    @Test func anExtensionMovesTheHandlingDeadline() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "supervisor", "chaoyang-street"])
            let ticket = try await desk.intake()
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            let until = app.clock.now.addingTimeInterval(10 * 86_400).formatted(.iso8601)
            var (status, t) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/extension", #"{"until":"\#(until)","reason":"Waiting for the property company"}"#)
            #expect(status == 200)
            #expect((Self.dispatches(t).first?["extension"] as? JSON)?["state"] as? String == "requested")
            (status, _) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/extension", #"{"until":"\#(until)","reason":"again"}"#)
            #expect(status == 409)
            (status, t) = try await desk.post("supervisor", "/api/v1/dispatches/\(d)/extension-review", #"{"decision":"approve"}"#)
            #expect(status == 200)
            #expect((Self.dispatches(t).first?["deadlines"] as? [String: String])?["handleBy"] == until)
        }
    }

    @Test func aClosedTicketIsReopened() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            for action in ["accept", "contact"] { _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/\(action)") }
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"explained","text":"Permit until 23:00"}"#)
            _ = try await desk.post("operator", "/api/v1/tickets/\(tid)/callback", #"{"reached":true,"resolved":false,"satisfaction":"unsatisfied"}"#)
            app.clock.advance(by: 3600)
            let (status, t) = try await desk.post("operator", "/api/v1/tickets/\(tid)/reopen", #"{"reason":"Requester says the noise goes on"}"#)
            #expect(status == 200)
            #expect(t["status"] as? String == "in_progress")
            #expect(t["closedAt"] == nil)
            let lead = Self.dispatches(t).first
            #expect(lead?["status"] as? String == "accepted")
            #expect((lead?["deadlines"] as? [String: String])?["handleBy"] == app.clock.now.addingTimeInterval(7 * 86_400).formatted(.iso8601))
            // Work goes on from there.
            let (again, _) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/contact")
            #expect(again == 200)
        }
    }

    /// The walkthrough's case: an approved extension moved handleBy ten days out; reopening after the reply keeps it
    /// (a fresh 7-day limit would end earlier), and the timeline shows the deadlines before and after.
    @Test func reopeningKeepsAnApprovedExtensionAndShowsThePreviousDeadlines() async throws {
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(5 * 86_400) }) { app in
            let desk = try await Desk(app, accounts: ["operator", "supervisor", "chaoyang-street"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            for action in ["accept", "contact"] { _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/\(action)") }
            let until = app.clock.now.addingTimeInterval(10 * 86_400).formatted(.iso8601)
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/extension", #"{"until":"\#(until)","reason":"Waiting for parts"}"#)
            _ = try await desk.post("supervisor", "/api/v1/dispatches/\(d)/extension-review", #"{"decision":"approve"}"#)
            app.clock.advance(by: 86_400)
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"partly_resolved","text":"Half done"}"#)
            app.clock.advance(by: 86_400)
            let respondBefore = (Self.dispatches(try await desk.get("operator", "/api/v1/tickets/\(tid)").1).first?["deadlines"] as? [String: String])?["respondBy"]
            let (status, t) = try await desk.post("operator", "/api/v1/tickets/\(tid)/reopen", #"{"reason":"Only half done"}"#)
            #expect(status == 200, "\(t)")
            let deadlines = Self.dispatches(t).first?["deadlines"] as? [String: String] ?? [:]
            #expect(deadlines["handleBy"] == until, "the approved extension stands")
            #expect(deadlines["respondBy"] == app.clock.now.addingTimeInterval(86_400).formatted(.iso8601))
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(tid)/events")
            let items = events["items"] as? [JSON] ?? []
            #expect(Array(Self.kinds(events).suffix(2)) == ["reopened", "deadlines_moved"])
            let moved = items.last?["data"] as? [String: String] ?? [:]
            #expect(moved["previousHandleBy"] == until && moved["handleBy"] == until)
            #expect(moved["previousRespondBy"] == respondBefore && moved["respondBy"] == deadlines["respondBy"])
        }
    }

    @Test func refusalsReadAsSentences() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            // A second lead while the first holds the ticket.
            var (status, problem) = try await desk.post("operator", "/api/v1/tickets/\(tid)/dispatches", #"{"units":[{"unitId":"110105002","role":"lead"}]}"#)
            #expect(status == 409)
            #expect(problem["detail"] as? String == "A lead unit (主办) already holds this ticket; it must return it (退单) before another lead is named.")
            // An action out of order names the action and the states in words.
            (status, problem) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"resolved","text":"x"}"#)
            #expect(status == 409)
            #expect(problem["detail"] as? String == "Replying (反馈) is not allowed while this dispatch is not yet signed for (the ticket is dispatched and not yet signed for).")
            (status, problem) = try await desk.post("operator", "/api/v1/tickets/\(tid)/reopen", #"{"reason":"r"}"#)
            #expect(problem["detail"] as? String == "Reopening (重办) is not allowed while the ticket is dispatched and not yet signed for.")
            // A second extension request while the first is under review.
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            let until = app.clock.now.addingTimeInterval(10 * 86_400).formatted(.iso8601)
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/extension", #"{"until":"\#(until)","reason":"a"}"#)
            (status, problem) = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/extension", #"{"until":"\#(until)","reason":"b"}"#)
            #expect(status == 409)
            #expect(problem["detail"] as? String == "An extension (延期) asked for earlier is still under review; wait for the centre's answer.")
            // A single invalid field is named in the detail.
            (status, problem) = try await desk.post("operator", "/api/v1/tickets/\(tid)/dispatches", #"{"units":[{"unitId":"110105002","role":"boss"}]}"#)
            #expect(status == 422 && problem["detail"] as? String == "units[0].role: lead or assist.")
        }
    }

    @Test func duplicatesAreMerged() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street"])
            let first = try await desk.intake()
            let second = try await desk.intake()
            let elsewhere = try await desk.intake(street: "110108001", district: "110108")
            var (status, t) = try await desk.post("operator", "/api/v1/tickets/\(Self.id(second))/merge", #"{"intoTicketId":"\#(Self.id(elsewhere))"}"#)
            #expect(status == 422)
            (status, t) = try await desk.post("operator", "/api/v1/tickets/\(Self.id(second))/merge", #"{"intoTicketId":"\#(Self.id(first))"}"#)
            #expect(status == 200)
            #expect(t["status"] as? String == "merged")
            #expect(t["mergedInto"] as? String == Self.id(first))
            #expect(Self.dispatches(t).allSatisfy { $0["status"] as? String == "withdrawn" })
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(Self.id(first))/events")
            #expect(Self.kinds(events).last == "merged_from")
            (status, _) = try await desk.post("operator", "/api/v1/tickets/\(Self.id(second))/merge", #"{"intoTicketId":"\#(Self.id(first))"}"#)
            #expect(status == 409)
        }
    }

    @Test func aRetryWithTheSameKeyMakesOneTicket() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let first = try await desk.intake(key: "call-20261130-0001")
            let body = #"{"type":"complaint","categoryCode":"0601","title":"Construction noise","description":"Drilling after 22:00","requester":{"name":"张三","phone":"138 1234 5678"},"location":{"districtCode":"110105","streetCode":"110105001","address":"建国门外大街1号"},"urgent":false,"channel":"phone"}"#
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "call-20261130-0001"]
            let (status, again) = try await desk.post("operator", "/api/v1/tickets", body, headers: key)
            #expect(status == 200)
            #expect(Self.id(again) == Self.id(first))
            let (conflict, problem) = try await desk.post("operator", "/api/v1/tickets", body.replacingOccurrences(of: "Drilling", with: "Hammering"), headers: key)
            #expect(conflict == 409)
            #expect(problem["type"] as? String == "/problems/idempotency-key-reused")
            // Parallel retries of a new key: one ticket, one 201 and four 200.
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let (status, t) = try await desk.post("operator", "/api/v1/tickets", body, headers: [HTTPField.Name("Idempotency-Key")!: "parallel-1"])
                        return (status, Self.id(t))
                    }
                }
                var all: [(Int, String)] = []
                for try await a in group { all.append(a) }
                return all
            }
            #expect(Set(answers.map(\.1)).count == 1)
            #expect(answers.map(\.0).sorted() == [200, 200, 200, 200, 201])
            let (_, list) = try await desk.get("operator", "/api/v1/tickets?limit=200")
            #expect((list["items"] as? [JSON])?.count == 2)
        }
    }

    @Test func concurrentAcceptsOfOneDispatchLetExactlyOneThrough() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street"])
            let ticket = try await desk.intake()
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept").0 } }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.sorted() == [200, 409, 409, 409, 409, 409])
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(Self.id(ticket))/events")
            #expect(Self.kinds(events).filter { $0 == "accepted" }.count == 1)
        }
    }

    @Test func outsidersGet404OnTheTicketItsEventsAndItsActions() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "haidian-street", "haidian", "housing", "chaoyang"])
            #expect(try await desk.post("housing", "/api/v1/tickets/\(UUID().uuidString)/callback").0 == 404)
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            let d = Self.dispatches(ticket).first?["id"] as? String ?? ""
            for who in ["haidian-street", "haidian", "housing"] {
                #expect(try await desk.get(who, "/api/v1/tickets/\(tid)").0 == 404, "\(who)")
                #expect(try await desk.get(who, "/api/v1/tickets/\(tid)/events").0 == 404, "\(who)")
                // Every action answers 404 too, whatever the role: a 403 would confirm the ticket exists.
                for action in ["dispatches", "whistle", "callback", "reopen", "merge", "supervise"] {
                    #expect(try await desk.post(who, "/api/v1/tickets/\(tid)/\(action)").0 == 404, "\(who) \(action)")
                }
                for action in ["accept", "contact", "reply", "return", "extension", "return-review", "extension-review"] {
                    #expect(try await desk.post(who, "/api/v1/dispatches/\(d)/\(action)").0 == 404, "\(who) \(action)")
                }
            }
            #expect(try await desk.post("haidian", "/api/v1/tickets/\(tid)/dispatches", #"{"units":[{"unitId":"110108001","role":"assist"}]}"#).0 == 404)
            // Lists: each district admin sees only their district.
            _ = try await desk.intake(street: "110108001", district: "110108")
            let (_, haidianList) = try await desk.get("haidian", "/api/v1/tickets?limit=200")
            #expect((haidianList["items"] as? [JSON] ?? []).map { $0["districtCode"] as? String } == ["110108"])
            let (_, chaoyangList) = try await desk.get("chaoyang", "/api/v1/tickets?limit=200")
            #expect((chaoyangList["items"] as? [JSON] ?? []).map { $0["districtCode"] as? String } == ["110105"])
            // Handlers list only what was sent to them.
            let (_, streetList) = try await desk.get("haidian-street", "/api/v1/tickets?limit=200")
            #expect((streetList["items"] as? [JSON] ?? []).map { $0["streetCode"] as? String } == ["110108001"])
            let (_, housingList) = try await desk.get("housing", "/api/v1/tickets?limit=200")
            #expect((housingList["items"] as? [JSON] ?? []).isEmpty)
            // Asking for another district by filter finds nothing, rather than an error that confirms anything.
            let (_, filtered) = try await desk.get("chaoyang", "/api/v1/tickets?districtCode=110108")
            #expect((filtered["items"] as? [JSON] ?? []).isEmpty)
        }
    }

    @Test func theDistrictHandlesWhatFallsBackToIt() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang", "haidian"])
            // A class the district handles (0507, demolition), and no street: 兜底 to the district government.
            let ticket = try await desk.intake(category: "0507", street: nil)
            let lead = Self.dispatches(ticket).first
            #expect(lead?["unitId"] as? String == "gov.110105")
            let d = lead?["id"] as? String ?? ""
            #expect(try await desk.post("chaoyang", "/api/v1/dispatches/\(d)/accept").0 == 200)
            // The district dispatches within itself only.
            #expect(try await desk.post("chaoyang", "/api/v1/tickets/\(Self.id(ticket))/dispatches", #"{"units":[{"unitId":"110108001","role":"assist"}]}"#).0 == 403)
            #expect(try await desk.post("chaoyang", "/api/v1/tickets/\(Self.id(ticket))/dispatches", #"{"units":[{"unitId":"110105002","role":"assist"}]}"#).0 == 200)
        }
    }

    @Test func departmentClassesGoToTheirDepartment() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "housing"])
            let ticket = try await desk.intake(category: "0503")
            #expect(Self.dispatches(ticket).first?["unitId"] as? String == "dept.housing")
            #expect(ticket["tier"] as? String == "15d")
            // Urgent: handled as an emergency, 2 hours, whatever the class's tier.
            let urgent = try await desk.intake(category: "0503", urgent: true)
            #expect(urgent["urgent"] as? Bool == true)
            #expect(urgent["tier"] as? String == "2h")
            let handleBy = (Self.dispatches(urgent).first?["deadlines"] as? [String: String])?["handleBy"]
            #expect(handleBy == app.clock.now.addingTimeInterval(2 * 3600).formatted(.iso8601))
            #expect(try await desk.get("housing", "/api/v1/tickets/\(Self.id(ticket))").0 == 200)
        }
    }

    @Test func aPointFindsItsStreetFromImportedBoundaries() async throws {
        try await withSeededApp { app in
            let logger = TestEnvironment.logger
            let file = TestEnvironment.projectRoot + "/Tests/HotlineAPITests/Fixtures/jianwai.geojson"
            let boundaries = try BoundaryImport.parse(try Data(contentsOf: URL(fileURLWithPath: file))).get()
            let n = try await app.database.withOwnerConnection(logger: logger) { try await BoundaryImport.upsert(boundaries, on: $0, logger: logger) }
            #expect(n == 1)
            let desk = try await Desk(app, accounts: ["operator"])
            func intake(lat: Double, lon: Double) async throws -> JSON {
                let body = #"{"type":"complaint","categoryCode":"0601","title":"Noise","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{"districtCode":"110105","address":"somewhere","lat":\#(lat),"lon":\#(lon)},"urgent":false,"channel":"app"}"#
                let (status, t) = try await desk.post("operator", "/api/v1/tickets", body)
                #expect(status == 201)
                return t
            }
            let inside = try await intake(lat: 39.91, lon: 116.45)
            #expect(inside["streetCode"] as? String == "110105001")
            #expect(Self.dispatches(inside).first?["unitId"] as? String == "110105001")
            let outside = try await intake(lat: 39.95, lon: 116.45)
            #expect(outside["streetCode"] == nil)
            #expect(Self.dispatches(outside).first?["unitId"] as? String == "gov.110105")
            // A file naming a unit that is not a street changes nothing.
            let bad = [(code: "110105999", geometry: boundaries[0].geometry)]
            await #expect(throws: BoundaryImport.Failure.self) {
                try await app.database.withOwnerConnection(logger: logger) { try await BoundaryImport.upsert(bad, on: $0, logger: logger) }
            }
            if case .success = BoundaryImport.parse(Data("{}".utf8)) { Issue.record("an empty object is not a FeatureCollection") }
        }
    }

    @Test func overdueFollowsTheClock() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let ticket = try await desk.intake()
            let tid = Self.id(ticket)
            app.clock.advance(by: 2 * 3600)
            #expect(try await desk.get("operator", "/api/v1/tickets/\(tid)").1["overdue"] as? Bool == false)
            app.clock.advance(by: 1)
            let (_, late) = try await desk.get("operator", "/api/v1/tickets/\(tid)")
            #expect(late["overdue"] as? Bool == true)
            #expect(Self.dispatches(late).first?["overdue"] as? Bool == true)
            let (_, list) = try await desk.get("operator", "/api/v1/tickets?overdue=true")
            #expect((list["items"] as? [JSON] ?? []).map(Self.id) == [tid])
            // The list shows it as overdue too, with its deadline.
            #expect((list["items"] as? [JSON])?.first?["overdue"] as? Bool == true)
            #expect((list["items"] as? [JSON])?.first?["nextDeadline"] as? String == (Self.dispatches(late).first?["deadlines"] as? [String: String])?["signBy"])
            let (_, onTime) = try await desk.get("operator", "/api/v1/tickets?overdue=false")
            #expect((onTime["items"] as? [JSON] ?? []).isEmpty)
        }
    }

    @Test func intakeIsValidatedAndReservedToTheCentre() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang"])
            let (status, problem) = try await desk.post("operator", "/api/v1/tickets",
                #"{"type":"rumour","categoryCode":"01","title":"","description":"","requester":{"name":"","phone":"12"},"location":{"districtCode":"120000","address":""},"urgent":false,"channel":"fax"}"#)
            #expect(status == 422)
            let fields = Set((problem["errors"] as? [JSON] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["type", "channel", "categoryCode", "title", "requester.name", "requester.phone", "location.districtCode", "location.address"])
            let (unknown, p2) = try await desk.post("operator", "/api/v1/tickets",
                #"{"type":"help","categoryCode":"9999","title":"t","description":"","requester":{"name":"李四","phone":"13900000000"},"location":{"districtCode":"110105","address":"x"},"urgent":false,"channel":"web"}"#)
            #expect(unknown == 422)
            #expect((p2["errors"] as? [JSON])?.first?["field"] as? String == "categoryCode")
            #expect(try await desk.post("chaoyang", "/api/v1/tickets", "{}").0 == 403)
            let (_, list) = try await desk.get("operator", "/api/v1/tickets")
            #expect((list["items"] as? [JSON] ?? []).isEmpty)
        }
    }

    @Test func aConsultationIsAnsweredAtOnce() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            let body = #"{"type":"consultation","categoryCode":"0502","title":"Fee rules","description":"How are property fees set?","requester":{"name":"王五","phone":"13700000000"},"location":{"districtCode":"110105","address":"x"},"urgent":false,"channel":"phone","answer":"By the contract; the street mediates disputes."}"#
            let (status, t) = try await desk.post("operator", "/api/v1/tickets", body)
            #expect(status == 201)
            #expect(t["status"] as? String == "closed")
            #expect(Self.dispatches(t).isEmpty)
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(Self.id(t))/events")
            #expect(Self.kinds(events) == ["received", "answered", "closed"])
        }
    }

    /// Every list filter alone and together: each query names only the conditions asked for (TicketListQuery), so
    /// each has its own SQL; the district admin's unfiltered pages run as prepared statements.
    @Test func listFiltersSelectTheirTickets() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang"])
            let a = try await desk.intake()
            app.clock.advance(by: 60)
            let b = try await desk.intake(category: "0502")
            app.clock.advance(by: 60)
            let c = try await desk.intake(street: nil, district: "110108")
            app.clock.advance(by: 60)
            let d = try await desk.intake(#","dispatch":"manual""#)
            let (ia, ib, ic, id) = (Self.id(a), Self.id(b), Self.id(c), Self.id(d))
            #expect(try await desk.post("operator", "/api/v1/tickets/\(ic)/supervise", #"{"note":"slow"}"#).0 == 200)
            func ids(_ query: String, as who: String = "operator") async throws -> [String] {
                let (status, page) = try await desk.get(who, "/api/v1/tickets?\(query)")
                #expect(status == 200, "\(query): \(page)")
                return (page["items"] as? [JSON] ?? []).map(Self.id)
            }
            let bCreated = try #require(b["createdAt"] as? String)
            let cases: [(String, [String])] = [
                ("", [id, ic, ib, ia]),
                ("status=received", [id]),
                ("categoryCode=0502", [ib]),
                ("districtCode=110108", [ic]),
                ("streetCode=110105001", [id, ib, ia]),
                ("unitId=110105001", [ib, ia]),
                ("type=complaint", [id, ic, ib, ia]),
                ("type=help", []),
                ("from=\(bCreated)", [id, ic, ib]),
                ("to=\(bCreated)", [ia]),
                ("q=\(try #require(a["number"] as? String))", [ia]),
                ("q=drilling", [id, ic, ib, ia]),
                ("q=50%25_off", []),
                ("districtCode=110105&categoryCode=0601", [id, ia]),
                ("districtCode=110105&status=dispatched&from=\(bCreated)&overdue=false", [ib]),
                ("supervised=true", [ic]),
                ("supervised=false", [id, ib, ia]),
                ("districtCode=110105&supervised=true", []),
                ("districtCode=110108&supervised=true", [ic]),
            ]
            for (query, expected) in cases {
                #expect(try await ids(query) == expected, "\(query)")
            }
            // The district admin: own district only, paged one at a time (the prepared district shapes).
            var seen: [String] = []
            var cursor: String?
            repeat {
                let (_, page) = try await desk.get("chaoyang", "/api/v1/tickets?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += (page["items"] as? [JSON] ?? []).map(Self.id)
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == [id, ib, ia])
            #expect(try await ids("districtCode=110108", as: "chaoyang") == [])
            #expect(try await ids("supervised=true", as: "chaoyang") == [])
            #expect(try await desk.get("operator", "/api/v1/tickets?supervised=yes").0 == 400)
        }
    }

    /// A unit's list comes from `ticket_units` (sql/0013), which follows each ticket's unit list: the handler's own
    /// list, page by page, and any list filtered by a unit, within the caller's own visibility.
    @Test func unitListsFollowTheTicketsUnits() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang", "haidian", "chaoyang-street", "haidian-street", "housing"])
            let t1 = Self.id(try await desk.intake())
            app.clock.advance(by: 60)
            let t2 = Self.id(try await desk.intake())
            app.clock.advance(by: 60)
            let t3 = Self.id(try await desk.intake(street: "110108001", district: "110108"))
            func ids(_ who: String, _ query: String = "") async throws -> [String] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let (status, page) = try await desk.get(who, "/api/v1/tickets?limit=1\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""))
                    #expect(status == 200, "\(who) \(query): \(page)")
                    seen += (page["items"] as? [JSON] ?? []).map(Self.id)
                    cursor = page["nextCursor"] as? String
                } while cursor != nil
                return seen
            }
            #expect(try await ids("chaoyang-street") == [t2, t1])
            #expect(try await ids("haidian-street") == [t3])
            #expect(try await ids("housing") == [])
            // The housing commission joins the first ticket: it shows in its list at once.
            let (status, _) = try await desk.post("operator", "/api/v1/tickets/\(t1)/dispatches", #"{"units":[{"unitId":"dept.housing","role":"assist"}]}"#)
            #expect(status == 200)
            #expect(try await ids("housing") == [t1])
            #expect(try await ids("operator", "&unitId=dept.housing") == [t1])
            #expect(try await ids("chaoyang", "&unitId=dept.housing") == [t1])
            #expect(try await ids("haidian", "&unitId=dept.housing") == [])
            #expect(try await ids("operator", "&unitId=110105001") == [t2, t1])
            // A handler's list filtered by another unit: tickets that both hold.
            #expect(try await ids("chaoyang-street", "&unitId=dept.housing") == [t1])
            #expect(try await ids("haidian-street", "&unitId=110105001") == [])
            #expect(try await ids("housing", "&districtCode=110108") == [])
            // The index holds exactly each ticket's units.
            let stray = try await app.database.withOwnerConnection(logger: TestEnvironment.logger) { c in
                try await c.first(Int.self, """
                    SELECT count(*)::int FROM (
                        (SELECT district_code, u, id FROM hotline.tickets, unnest(unit_ids) AS u
                         EXCEPT SELECT district_code, unit_id, ticket_id FROM hotline.ticket_units)
                        UNION ALL
                        (SELECT district_code, unit_id, ticket_id FROM hotline.ticket_units
                         EXCEPT SELECT district_code, u, id FROM hotline.tickets, unnest(unit_ids) AS u)) x
                    """, logger: TestEnvironment.logger)
            }
            #expect(stray == 0)
            // Row-level security on the index itself: a street handler reads only their own unit's rows.
            let street = Identity(kind: .user, id: "x", name: "x", role: .streetHandler, districtCode: DistrictCode("110108"), unitID: "110108001")
            let seen = try await Database(configuration: app.database, logger: TestEnvironment.logger).whileRunning { db in
                try await db.withIdentity(street, logger: TestEnvironment.logger) { c in
                    try await c.first(String.self, "SELECT string_agg(DISTINCT unit_id, ',') FROM hotline.ticket_units", logger: TestEnvironment.logger)
                }
            }
            #expect(seen == "110108001")
        }
    }

    @Test func listsPageByCursor() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator"])
            var ids: [String] = []
            for _ in 0..<5 {
                ids.append(Self.id(try await desk.intake()))
                app.clock.advance(by: 60)
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let (_, page) = try await desk.get("operator", "/api/v1/tickets?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += (page["items"] as? [JSON] ?? []).map(Self.id)
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == ids.reversed())
            #expect(try await desk.get("operator", "/api/v1/tickets?cursor=garbage").0 == 400)
        }
    }
}
