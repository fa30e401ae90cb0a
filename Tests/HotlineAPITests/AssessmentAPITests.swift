import Foundation
import HTTPTypes
import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The monthly assessment against a fixture worked out by hand. Streets: A = 110105001 (建外), B = 110105002
/// (朝外), C = 110108001 (万寿路); department H = dept.housing. Every ticket is dispatched in 2026-11 (the test clock
/// starts 2026-11-18 16:26 Asia/Shanghai). Limits: sign-for 2 h, first contact 24 h (7-day class 0601).
///
///   A1  A: accept 10 min, contact 1 h, reply; callback resolved, satisfied
///   A2  A: accept 3 h (late sign-for), contact 4 h; callback resolved, basically satisfied
///   A3  A: accept 30 min, contact 25 h (late contact); callback not resolved, unsatisfied
///   A4  A: in time; callback not reached
///   A5  A lead + H assist (双派), both in time; callback resolved, satisfied
///   A6  A lead in time; A whistles H, H signs 3 h later (late); callback resolved, basically satisfied
///   A7  A returns it; approved, re-dispatched to B; B in time; callback resolved, satisfied   (A: not counted)
///   A8  A in time; callback resolved, satisfied; exempted by the supervisor                (counts for nobody)
///   A9  A in time; callback unresolved, unsatisfied; reopened; A contacts again in time, replies;
///       second callback resolved, satisfied (the latest callback counts)
///   B1  B: never signs for it
///   C1  C: in time; callback resolved, satisfied
///   C2  C: in time; callback not resolved, basically satisfied
///
/// Streets (weights 0.2 / 0.4 / 0.4, basically satisfied = 0.5):
///   A: dispatched 7 (A1–A6, A9), in time 5 (not A2, A3), called back 6 (not A4), resolved 5 (not A3),
///      points 1 + .5 + 0 + 1 + .5 + 1 = 4.0; rates 5/7 = .7143, 5/6 = .8333, 4/6 = .6667;
///      score .2·5/7 + .4·5/6 + .4·4/6 = .142857 + .333333 + .266667 = .742857 → .7429
///   B: dispatched 2 (A7, B1), in time 1, called back 1, resolved 1, points 1; rates .5, 1, 1; score .1 + .4 + .4 = .9
///   C: dispatched 2, in time 2, called back 2, resolved 1, points 1.5; rates 1, .5, .75; score .2 + .2 + .3 = .7
///   Ranks: B 1, A 2, C 3.
/// Department H: dispatched 2 (A5 assist, A6 whistle), in time 1, called back 2, resolved 2, points 1.5;
///   rates .5, 1, .75; score .1 + .4 + .3 = .8; rank 1.
/// Districts (tickets located there, judged by their lead):
///   110105: A1–A7, A9, B1 = 9 tickets, in time 6 (not A2, A3, B1), called back 7, resolved 6, points 5.0;
///           rates .6667, .8571, .7143; score .2·6/9 + .4·6/7 + .4·5/7 = .133333 + .342857 + .285714 = .761905 → .7619
///   110108: C1, C2: 2, 2, 2, 1, 1.5; rates 1, .5, .75; score .7
///   Ranks: 110105 1, 110108 2.
@Suite struct AssessmentAPITests {
    typealias JSON = [String: Any]
    typealias Desk = TicketAPITests.Desk

    /// Builds the fixture above; returns the ticket ids by name.
    func buildFixture(_ app: SeededApp) async throws -> (Desk, [String: String]) {
        // A handler for street B, made by the Chaoyang district admin.
        var desk = try await Desk(app, accounts: ["operator", "supervisor", "chaoyang", "chaoyang-street", "haidian-street", "housing", "admin", "analyst"])
        let (made, _) = try await desk.post("chaoyang", "/api/v1/users", #"{"username":"chaowai-street","displayName":"B","password":"long-enough-pw","role":"street_handler","districtCode":"110105","unitId":"110105002"}"#)
        #expect(made == 201)
        desk.tokens["chaowai-street"] = try await app.login("chaowai-street", password: "long-enough-pw")
        var ids: [String: String] = [:]
        let clock = app.clock
        func minutes(_ m: Double) { clock.advance(by: m * 60) }
        func intake(_ name: String, street: String, district: String = "110105") async throws -> (String, String) {
            let t = try await desk.intake(street: street, district: district)
            ids[name] = TicketAPITests.id(t)
            return (ids[name]!, TicketAPITests.dispatches(t).first?["id"] as? String ?? "")
        }
        func step(_ who: String, _ path: String, _ body: String = "{}") async throws -> JSON {
            let (status, json) = try await desk.post(who, path, body)
            #expect(status == 200, "\(who) \(path): \(json)")
            return json
        }
        func reply(_ who: String, _ d: String) async throws {
            _ = try await step(who, "/api/v1/dispatches/\(d)/reply", #"{"outcome":"resolved","text":"done"}"#)
        }
        func callback(_ t: String, reached: Bool = true, resolved: Bool, _ satisfaction: String) async throws {
            let body = reached ? #"{"reached":true,"resolved":\#(resolved),"satisfaction":"\#(satisfaction)"}"# : #"{"reached":false}"#
            _ = try await step("operator", "/api/v1/tickets/\(t)/callback", body)
        }
        func inTime(_ who: String, _ d: String) async throws {
            minutes(10); _ = try await step(who, "/api/v1/dispatches/\(d)/accept")
            minutes(50); _ = try await step(who, "/api/v1/dispatches/\(d)/contact")
        }
        let a = "chaoyang-street"

        var (t, d) = try await intake("A1", street: "110105001")
        try await inTime(a, d); try await reply(a, d); try await callback(t, resolved: true, "satisfied")

        (t, d) = try await intake("A2", street: "110105001")
        minutes(180); _ = try await step(a, "/api/v1/dispatches/\(d)/accept")
        minutes(60); _ = try await step(a, "/api/v1/dispatches/\(d)/contact")
        try await reply(a, d); try await callback(t, resolved: true, "basically_satisfied")

        (t, d) = try await intake("A3", street: "110105001")
        minutes(30); _ = try await step(a, "/api/v1/dispatches/\(d)/accept")
        minutes(25 * 60 - 30); _ = try await step(a, "/api/v1/dispatches/\(d)/contact")
        try await reply(a, d); try await callback(t, resolved: false, "unsatisfied")

        (t, d) = try await intake("A4", street: "110105001")
        try await inTime(a, d); try await reply(a, d); try await callback(t, reached: false, resolved: false, "")

        (t, d) = try await intake("A5", street: "110105001")
        var ticket = try await step("operator", "/api/v1/tickets/\(t)/dispatches", #"{"units":[{"unitId":"dept.housing","role":"assist"}]}"#)
        let h5 = TicketAPITests.dispatches(ticket).first { $0["unitId"] as? String == "dept.housing" }?["id"] as? String ?? ""
        try await inTime(a, d); try await inTime("housing", h5); try await reply(a, d)
        try await callback(t, resolved: true, "satisfied")

        (t, d) = try await intake("A6", street: "110105001")
        try await inTime(a, d)
        ticket = try await step(a, "/api/v1/tickets/\(t)/whistle", #"{"unitIds":["dept.housing"],"reason":"needs housing"}"#)
        let h6 = TicketAPITests.dispatches(ticket).first { $0["unitId"] as? String == "dept.housing" }?["id"] as? String ?? ""
        minutes(180); _ = try await step("housing", "/api/v1/dispatches/\(h6)/accept")
        minutes(30); _ = try await step("housing", "/api/v1/dispatches/\(h6)/contact")
        try await reply(a, d); try await callback(t, resolved: true, "basically_satisfied")

        (t, d) = try await intake("A7", street: "110105001")
        minutes(20); _ = try await step(a, "/api/v1/dispatches/\(d)/return", #"{"reason":"in Chaowai"}"#)
        ticket = try await step("supervisor", "/api/v1/dispatches/\(d)/return-review", #"{"decision":"approve","reassignTo":"110105002"}"#)
        let b7 = TicketAPITests.dispatches(ticket).first { $0["unitId"] as? String == "110105002" }?["id"] as? String ?? ""
        try await inTime("chaowai-street", b7); try await reply("chaowai-street", b7); try await callback(t, resolved: true, "satisfied")

        (t, d) = try await intake("A8", street: "110105001")
        try await inTime(a, d); try await reply(a, d); try await callback(t, resolved: true, "satisfied")
        _ = try await step("supervisor", "/api/v1/tickets/\(t)/exemption", #"{"reason":"duplicate of A1 (malicious repeat)"}"#)

        (t, d) = try await intake("A9", street: "110105001")
        try await inTime(a, d); try await reply(a, d); try await callback(t, resolved: false, "unsatisfied")
        minutes(60); _ = try await step("operator", "/api/v1/tickets/\(t)/reopen", #"{"reason":"still broken"}"#)
        minutes(60); _ = try await step(a, "/api/v1/dispatches/\(d)/contact")
        try await reply(a, d); try await callback(t, resolved: true, "satisfied")

        _ = try await intake("B1", street: "110105002")

        (t, d) = try await intake("C1", street: "110108001", district: "110108")
        try await inTime("haidian-street", d); try await reply("haidian-street", d); try await callback(t, resolved: true, "satisfied")
        (t, d) = try await intake("C2", street: "110108001", district: "110108")
        try await inTime("haidian-street", d); try await reply("haidian-street", d); try await callback(t, resolved: false, "basically_satisfied")
        return (desk, ids)
    }

    /// The weights of a parameters object: response, resolution, satisfaction.
    static func weights(_ parameters: JSON?) -> [Double?] {
        let w = parameters?["weights"] as? JSON
        return ["response", "resolution", "satisfaction"].map { w?[$0] as? Double }
    }

    func rows(_ desk: Desk, level: String, as who: String = "analyst") async throws -> [String: JSON] {
        let (status, body) = try await desk.get(who, "/api/v1/assessments?period=2026-11&level=\(level)")
        #expect(status == 200, "\(body)")
        var byUnit: [String: JSON] = [:]
        for row in body["rows"] as? [JSON] ?? [] { byUnit[row["unitId"] as? String ?? ""] = row }
        return byUnit
    }

    /// Compares one row with the hand-worked figures.
    func expectRow(_ row: JSON?, _ counts: [Int], _ points: Double, _ rates: [Double], _ score: Double, _ rank: Int, _ label: String) {
        let r = row ?? [:]
        #expect([r["dispatched"], r["respondedInTime"], r["calledBack"], r["resolved"]].map { $0 as? Int } == counts, "\(label)")
        #expect(r["satisfactionPoints"] as? Double == points, "\(label)")
        #expect([r["responseRate"], r["resolutionRate"], r["satisfactionRate"]].map { $0 as? Double } == rates, "\(label)")
        #expect(r["score"] as? Double == score, "\(label)")
        #expect(r["rank"] as? Int == rank, "\(label)")
    }

    @Test func theRatesScoresAndRanksMatchTheHandWorkedFixture() async throws {
        // The fixture spans days of test-clock time: tokens live longer than that.
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(20 * 86_400) }) { app in
            let (desk, ids) = try await buildFixture(app)
            let streets = try await rows(desk, level: "street")
            expectRow(streets["110105001"], [7, 5, 6, 5], 4.0, [0.7143, 0.8333, 0.6667], 0.7429, 2, "A")
            expectRow(streets["110105002"], [2, 1, 1, 1], 1.0, [0.5, 1.0, 1.0], 0.9, 1, "B")
            expectRow(streets["110108001"], [2, 2, 2, 1], 1.5, [1.0, 0.5, 0.75], 0.7, 3, "C")
            #expect(streets.count == 3)
            let departments = try await rows(desk, level: "department")
            expectRow(departments["dept.housing"], [2, 1, 2, 2], 1.5, [0.5, 1.0, 0.75], 0.8, 1, "H")
            let districts = try await rows(desk, level: "district")
            expectRow(districts["110105"], [9, 6, 7, 6], 5.0, [0.6667, 0.8571, 0.7143], 0.7619, 1, "110105")
            expectRow(districts["110108"], [2, 2, 2, 1], 1.5, [1.0, 0.5, 0.75], 0.7, 2, "110108")
            #expect(try await rows(desk, level: "enterprise").isEmpty)
            // Any date range: the same figures when the range holds the whole fixture.
            let (rangeStatus, range) = try await desk.get("analyst", "/api/v1/assessments?level=street&from=2026-11-01T00:00:00%2B08:00&to=2026-12-01T00:00:00%2B08:00")
            #expect(rangeStatus == 200)
            let rangeRows = Dictionary(uniqueKeysWithValues: (range["rows"] as? [JSON] ?? []).map { ($0["unitId"] as? String ?? "", $0) })
            expectRow(rangeRows["110105001"], [7, 5, 6, 5], 4.0, [0.7143, 0.8333, 0.6667], 0.7429, 2, "A in range")
            #expect(try await desk.get("analyst", "/api/v1/assessments?level=street&from=2026-11-01T00:00:00Z").0 == 400)

            // The parameters are shown with the results.
            let (_, body) = try await desk.get("chaoyang", "/api/v1/assessments?period=2026-11&level=street")
            #expect(body["published"] as? Bool == false)
            let parameters = body["parameters"] as? JSON
            #expect((parameters?["weights"] as? JSON)?["response"] as? Double == 0.2)
            #expect(parameters?["basicallySatisfiedValue"] as? Double == 0.5)

            // The drill-down lists the tickets behind A's counts; another district's unit is not there for Chaoyang.
            let (status, unit) = try await desk.get("chaoyang", "/api/v1/assessments/2026-11/units/110105001")
            #expect(status == 200)
            let numbersBehind = Set((unit["tickets"] as? [JSON] ?? []).compactMap { $0["ticketId"] as? String })
            #expect(numbersBehind == Set(["A1", "A2", "A3", "A4", "A5", "A6", "A9"].compactMap { ids[$0] }))
            #expect((unit["row"] as? JSON)?["score"] as? Double == 0.7429)
            #expect(try await desk.get("chaoyang", "/api/v1/assessments/2026-11/units/110108001").0 == 404)
            #expect(try await desk.get("chaoyang", "/api/v1/assessments/2026-11/units/dept.housing").0 == 404)
            #expect(try await desk.get("housing", "/api/v1/assessments/2026-11/units/dept.housing").0 == 200)
            // A district row explains itself too: its tickets judged by their lead (A7 by B's dispatch).
            let (districtStatus, district) = try await desk.get("chaoyang", "/api/v1/assessments/2026-11/units/110105")
            #expect(districtStatus == 200)
            #expect(Set((district["tickets"] as? [JSON] ?? []).compactMap { $0["ticketId"] as? String })
                    == Set(["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A9", "B1"].compactMap { ids[$0] }))
            #expect((district["row"] as? JSON)?["score"] as? Double == 0.7619)
            #expect(try await desk.get("chaoyang", "/api/v1/assessments/2026-11/units/110108").0 == 404)
            // Chaoyang sees the whole ranking table all the same.
            #expect(try await rows(desk, level: "street", as: "chaoyang").count == 3)
        }
    }

    @Test func publishedResultsAreFrozenAndUnpublishedOnesFollowTheTickets() async throws {
        // The fixture spans days of test-clock time: tokens live longer than that.
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(20 * 86_400) }) { app in
            let (desk, ids) = try await buildFixture(app)
            // Before publication, a change to a ticket changes the figures: exempt A4 (A: 6 dispatched, 4 in time).
            _ = try await desk.post("supervisor", "/api/v1/tickets/\(ids["A4"]!)/exemption", #"{"reason":"abusive caller"}"#)
            var streets = try await rows(desk, level: "street")
            #expect(streets["110105001"]?["dispatched"] as? Int == 6)
            #expect(streets["110105001"]?["responseRate"] as? Double == 0.6667)
            // Parameters are the city admin's, until publication.
            #expect(try await desk.send("chaoyang", .patch, "/api/v1/assessments/2026-11/parameters", #"{"weights":{"response":0.4,"resolution":0.3,"satisfaction":0.3},"basicallySatisfiedValue":0.6}"#).0 == 403)
            #expect(try await desk.send("admin", .patch, "/api/v1/assessments/2026-11/parameters", #"{"weights":{"response":0.5,"resolution":0.3,"satisfaction":0.3},"basicallySatisfiedValue":0.6}"#).0 == 422)
            #expect(try await desk.send("admin", .patch, "/api/v1/assessments/2026-11/parameters", #"{"weights":{"response":0.4,"resolution":0.3,"satisfaction":0.3},"basicallySatisfiedValue":0.6}"#).0 == 200)
            streets = try await rows(desk, level: "street")
            // B: .4·.5 + .3·1 + .3·1 = .8
            #expect(streets["110105002"]?["score"] as? Double == 0.8)
            #expect(try await desk.post("chaoyang", "/api/v1/assessments/2026-11/publish").0 == 403)
            // The month has not ended on the test clock: publishing it is refused and changes nothing.
            let (early, refusal) = try await desk.post("admin", "/api/v1/assessments/2026-11/publish")
            #expect(early == 422 && refusal["type"] as? String == "/problems/period-not-ended", "\(refusal)")
            #expect(try await desk.get("analyst", "/api/v1/assessments?period=2026-11&level=street").1["published"] as? Bool == false)
            #expect((try await desk.get("analyst", "/api/v1/assessments/2026-11/publications").1["items"] as? [JSON])?.isEmpty == true)
            // 2026-12-01T00:00+08:00 has passed: now it may be published.
            let monthEnd = AssessmentPeriod(year: 2026, month: 11).interval.to
            app.clock.advance(by: monthEnd.timeIntervalSince(app.clock.now) + 3600)
            var live: [String: [String: JSON]] = [:]
            for level in ["district", "street", "department", "enterprise"] { live[level] = try await rows(desk, level: level) }
            #expect(try await desk.post("admin", "/api/v1/assessments/2026-11/publish").0 == 204)
            // Publication (all levels from one scan) stores exactly what each level computed on its own.
            for level in ["district", "street", "department", "enterprise"] {
                let stored = try await rows(desk, level: level)
                #expect(Set(stored.keys) == Set(live[level]!.keys), "\(level)")
                for (unit, row) in stored {
                    for field in ["dispatched", "respondedInTime", "calledBack", "resolved", "rank"] {
                        #expect(row[field] as? Int == live[level]![unit]?[field] as? Int, "\(level) \(unit) \(field)")
                    }
                    for field in ["satisfactionPoints", "responseRate", "resolutionRate", "satisfactionRate", "score"] {
                        #expect(row[field] as? Double == live[level]![unit]?[field] as? Double, "\(level) \(unit) \(field)")
                    }
                }
            }
            let frozen = try await rows(desk, level: "street")
            // Changes after publication do not reach the published results…
            _ = try await desk.post("supervisor", "/api/v1/tickets/\(ids["A1"]!)/exemption", #"{"reason":"late finding"}"#)
            let after = try await rows(desk, level: "street")
            for unit in ["110105001", "110105002", "110108001"] {
                #expect(after[unit]?["dispatched"] as? Int == frozen[unit]?["dispatched"] as? Int)
                #expect(after[unit]?["score"] as? Double == frozen[unit]?["score"] as? Double)
            }
            #expect(after["110105001"]?["dispatched"] as? Int == 6)
            // …and nothing republishes or re-weights them.
            let (again, problem) = try await desk.post("admin", "/api/v1/assessments/2026-11/publish")
            #expect(again == 409)
            #expect(problem["type"] as? String == "/problems/assessment-published")
            #expect(try await desk.send("admin", .patch, "/api/v1/assessments/2026-11/parameters", #"{"weights":{"response":0.2,"resolution":0.4,"satisfaction":0.4},"basicallySatisfiedValue":0.5}"#).0 == 409)
            let (_, body) = try await desk.get("analyst", "/api/v1/assessments?period=2026-11&level=street")
            #expect(body["published"] as? Bool == true && body["revision"] as? Int == 1)
            #expect((problem["detail"] as? String)?.contains("/corrections") == true)
            // CSV download of the ranking.
            let csv = try await app.client.execute(
                uri: "/api/v1/assessments?period=2026-11&level=street&format=csv", method: .get, headers: bearer(desk.tokens["analyst"]!)
            ) { response in (response.headers[.contentType], String(buffer: response.body)) }
            #expect(csv.0?.hasPrefix("text/csv") == true)
            #expect(csv.1.split(separator: "\r\n").count == 4)
            #expect(csv.1.hasPrefix("rank,unitId,"))
        }
    }

    @Test func aPublishedMonthIsCorrectedByANewRevisionAndTheOldOneStaysReadable() async throws {
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(20 * 86_400) }) { app in
            let (desk, ids) = try await buildFixture(app)
            app.clock.advance(by: AssessmentPeriod(year: 2026, month: 11).interval.to.timeIntervalSince(app.clock.now) + 60)
            // Nothing to correct before the first publication.
            let (early, notYet) = try await desk.post("admin", "/api/v1/assessments/2026-11/corrections", #"{"reason":"wrong weights"}"#)
            #expect(early == 409 && notYet["type"] as? String == "/problems/assessment-not-published", "\(notYet)")
            #expect(try await desk.post("admin", "/api/v1/assessments/2026-11/publish").0 == 204)
            let first = try await rows(desk, level: "street")
            #expect(first["110105001"]?["dispatched"] as? Int == 7)
            // A ticket found abusive after publication is exempted; the published figures do not move…
            _ = try await desk.post("supervisor", "/api/v1/tickets/\(ids["A1"]!)/exemption", #"{"reason":"abusive caller"}"#)
            #expect(try await rows(desk, level: "street")["110105001"]?["dispatched"] as? Int == 7)
            // …until a city admin corrects the month, with a reason (and here other weights).
            #expect(try await desk.post("chaoyang", "/api/v1/assessments/2026-11/corrections", #"{"reason":"late exemption"}"#).0 == 403)
            #expect(try await desk.post("admin", "/api/v1/assessments/2026-11/corrections", #"{"reason":"  "}"#).0 == 422)
            #expect(try await desk.post("admin", "/api/v1/assessments/2026-11/corrections", #"{"reason":"r","weights":{"response":0.5,"resolution":0.3,"satisfaction":0.3},"basicallySatisfiedValue":0.5}"#).0 == 422)
            let (made, correction) = try await desk.post(
                "admin", "/api/v1/assessments/2026-11/corrections",
                #"{"reason":"A1 exempted after publication","weights":{"response":0.4,"resolution":0.3,"satisfaction":0.3},"basicallySatisfiedValue":0.5}"#)
            #expect(made == 201 && correction["revision"] as? Int == 2, "\(correction)")
            #expect(correction["reason"] as? String == "A1 exempted after publication")
            let (_, latest) = try await desk.get("analyst", "/api/v1/assessments?period=2026-11&level=street")
            #expect(latest["revision"] as? Int == 2 && latest["correctionReason"] as? String == "A1 exempted after publication")
            #expect(Self.weights(latest["parameters"] as? JSON) == [0.4, 0.3, 0.3])
            let corrected = try await rows(desk, level: "street")
            #expect(corrected["110105001"]?["dispatched"] as? Int == 6)
            // B: .4·.5 + .3·1 + .3·1 = .8 under the corrected weights.
            #expect(corrected["110105002"]?["score"] as? Double == 0.8)
            // Revision 1 is history, still readable as published.
            let (_, old) = try await desk.get("analyst", "/api/v1/assessments?period=2026-11&level=street&revision=1")
            let oldRows = (old["rows"] as? [JSON] ?? []).reduce(into: [String: JSON]()) { $0[$1["unitId"] as? String ?? ""] = $1 }
            #expect(old["revision"] as? Int == 1 && old["correctionReason"] == nil)
            #expect(oldRows["110105001"]?["dispatched"] as? Int == 7 && oldRows["110105002"]?["score"] as? Double == 0.9)
            #expect(try await desk.get("analyst", "/api/v1/assessments?period=2026-11&level=street&revision=3").0 == 404)
            let (_, history) = try await desk.get("chaoyang", "/api/v1/assessments/2026-11/publications")
            let items = history["items"] as? [JSON] ?? []
            #expect(items.map { $0["revision"] as? Int } == [1, 2])
            #expect(items.first?["reason"] == nil && items.last?["reason"] as? String == "A1 exempted after publication")
            #expect(items.allSatisfy { $0["publishedBy"] as? String == app.ids["admin"]?.uuidString.lowercased() })
            // The parameters of a published month are its latest revision's, and still not editable directly.
            #expect(Self.weights(try await desk.get("analyst", "/api/v1/assessments/2026-11/parameters").1) == [0.4, 0.3, 0.3])
            #expect(try await desk.send("admin", .patch, "/api/v1/assessments/2026-11/parameters", #"{"weights":{"response":0.2,"resolution":0.4,"satisfaction":0.4},"basicallySatisfiedValue":0.5}"#).0 == 409)
        }
    }

    @Test func aMonthThatHasNotEndedIsNotPublished() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["admin", "analyst"])
            for period in ["2026-11", "2027-05"] {
                let (status, problem) = try await desk.post("admin", "/api/v1/assessments/\(period)/publish")
                #expect(status == 422 && problem["type"] as? String == "/problems/period-not-ended", "\(period): \(problem)")
                let (_, ranking) = try await desk.get("analyst", "/api/v1/assessments?period=\(period)&level=district")
                #expect(ranking["published"] as? Bool == false && ranking["revision"] == nil)
                #expect((try await desk.get("analyst", "/api/v1/assessments/\(period)/publications").1["items"] as? [JSON])?.isEmpty == true)
            }
            // A month that has ended is published (2026-10 on the test clock's 2026-11-18).
            #expect(try await desk.post("admin", "/api/v1/assessments/2026-10/publish").0 == 204)
        }
    }

    /// Key-governance streets over a generated year (weak streets planted by the demo history): every street the
    /// endpoint lists for a month is, by the rule applied to that month's published ranking rows, high-volume and
    /// low-score, and "key" exactly when listed three months running.
    @Test func keyStreetsFollowTheRuleMonthByMonth() async throws {
        try await withSeededApp { app in
            let logger = TestEnvironment.logger
            let units = try UnitImport.parse(String(contentsOfFile: TestEnvironment.projectRoot + "/data/demo-units.csv", encoding: .utf8)).get()
            let end = Date(timeIntervalSince1970: 1_795_000_000)
            let history = DemoHistory(seed: 11, from: end.addingTimeInterval(-200 * 86_400), to: end, ticketsPerYear: 60_000)
            try await app.database.withOwnerConnection(logger: logger) { c in
                _ = try await UnitImport.upsert(units, on: c, logger: logger)
                _ = try await history.load(on: c, cipher: PersonalDataCipher(base64Key: testPersonalDataKey), logger: logger)
            }
            let desk = try await Desk(app, accounts: ["analyst"])
            let rule = KeyStreetRule()
            var listedByMonth: [String: Set<String>] = [:]
            for month in ["2026-08", "2026-09", "2026-10"] {
                let (_, body) = try await desk.get("analyst", "/api/v1/assessments?period=\(month)&level=street")
                let results = (body["rows"] as? [JSON] ?? []).map { r in
                    AssessmentResult(
                        counts: AssessmentCounts(unitID: r["unitId"] as? String ?? "", districtCode: nil, dispatched: r["dispatched"] as? Int ?? 0,
                                                 respondedInTime: 0, calledBack: 0, resolved: 0, satisfactionPoints: 0),
                        responseRate: nil, resolutionRate: nil, satisfactionRate: nil, score: r["score"] as? Double, rank: nil)
                }
                #expect(results.count > 300, "\(month)")
                listedByMonth[month] = rule.listed(results)
            }
            let (status, body) = try await desk.get("analyst", "/api/v1/assessments/2026-10/key-streets")
            #expect(status == 200)
            let streets = body["streets"] as? [JSON] ?? []
            #expect(Set(streets.compactMap { $0["unitId"] as? String }) == listedByMonth["2026-10"])
            #expect(!streets.isEmpty)
            for s in streets {
                let unit = s["unitId"] as? String ?? ""
                var expected: [String] = []
                for month in ["2026-10", "2026-09", "2026-08"] {
                    guard listedByMonth[month]?.contains(unit) == true else { break }
                    expected.insert(month, at: 0)
                }
                #expect(s["listedMonths"] as? [String] == expected, "\(unit)")
                #expect(s["key"] as? Bool == (expected.count == 3), "\(unit)")
            }
        }
    }

    /// A reopen does not launder a late response, and a unit added after a callback is not credited with it.
    @Test func reopensAndLateAssistsDoNotRewriteTheRecord() async throws {
        try await withSeededApp(configure: { $0.tokenLifetime = .seconds(20 * 86_400) }) { app in
            let desk = try await Desk(app, accounts: ["operator", "chaoyang-street", "housing", "analyst"])
            let t = try await desk.intake()
            let tid = TicketAPITests.id(t)
            let d = TicketAPITests.dispatches(t).first?["id"] as? String ?? ""
            app.clock.advance(by: 3 * 3600)  // signs late
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/accept")
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/contact")
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/reply", #"{"outcome":"resolved","text":"x"}"#)
            _ = try await desk.post("operator", "/api/v1/tickets/\(tid)/callback", #"{"reached":true,"resolved":false,"satisfaction":"unsatisfied"}"#)
            _ = try await desk.post("operator", "/api/v1/tickets/\(tid)/reopen", #"{"reason":"again"}"#)
            // After the reopen: an assisting department joins; the street contacts again at once.
            let (status, body) = try await desk.post("operator", "/api/v1/tickets/\(tid)/dispatches", #"{"units":[{"unitId":"dept.housing","role":"assist"}]}"#)
            #expect(status == 200, "\(body)")
            _ = try await desk.post("chaoyang-street", "/api/v1/dispatches/\(d)/contact")
            let streets = try await rows(desk, level: "street")
            // Still late (judged at the first contact); still the one callback, unresolved.
            expectRow(streets["110105001"], [1, 0, 1, 0], 0, [0, 0, 0], 0, 1, "A")
            let departments = try await rows(desk, level: "department")
            // The department came after the callback: dispatched, not called back; no rates but response → score 0.
            let h = departments["dept.housing"] ?? [:]
            #expect(h["dispatched"] as? Int == 1 && h["calledBack"] as? Int == 0)
            #expect(h["resolutionRate"] == nil && h["score"] as? Double == 0)
        }
    }

    @Test func exemptionIsReservedAndRecorded() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["operator", "supervisor", "admin"])
            let t = TicketAPITests.id(try await desk.intake())
            #expect(try await desk.post("operator", "/api/v1/tickets/\(t)/exemption", #"{"reason":"x"}"#).0 == 403)
            #expect(try await desk.post("admin", "/api/v1/tickets/\(t)/exemption", #"{"reason":"out of scope"}"#).0 == 200)
            #expect(try await desk.post("supervisor", "/api/v1/tickets/\(t)/exemption", #"{"reason":"again"}"#).0 == 409)
            let (_, events) = try await desk.get("operator", "/api/v1/tickets/\(t)/events")
            #expect(TicketAPITests.kinds(events).last == "exempted")
        }
    }
}
