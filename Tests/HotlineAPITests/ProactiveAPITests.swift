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

/// Proactive governance over the API: suggestions from planted patterns, themes and their conversion, the task
/// ledger and its scheduler, effects, and who sees what. The test clock starts 2026-11-18 16:26 in Beijing.
@Suite struct ProactiveAPITests {
    typealias JSON = [String: Any]
    typealias Desk = TicketAPITests.Desk
    typealias Row = PlantedTickets.Row

    static let spikeStreets = ["110105001", "110105002", "110105003"]
    /// 自管锅炉房供热: a street-level heating class, planted to spike every November in three Chaoyang streets.
    static let seasonalClass = "0104"
    /// 物业服务: planted with high volume and poor resolution in 14 districts.
    static let broadClass = "0501"

    /// Two years (2024, 2025) of planted history: the broad class (4 a month in 14 districts, 30% resolved),
    /// three well-resolved background classes (2 a month in all 16 districts, 90% resolved), and the seasonal class
    /// (1 a month in each spike street, 10 in November).
    static func plantHistory(_ app: SeededApp) async throws {
        try await PlantedTickets.addStreets(["110105003"], into: app.database)
        let districts = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
                         "110113", "110114", "110115", "110116", "110117", "110118", "110119"]
        var rows: [Row] = []
        for year in [2024, 2025] {
            for month in 1...12 {
                for d in districts.prefix(14) {
                    rows.append(Row(d, broadClass, at: PlantedTickets.at(year, month), count: 4, resolved: month % 10 < 3 ? 2 : 1))
                }
                for d in districts {
                    for c in ["0201", "0301", "0602"] {
                        rows.append(Row(d, c, at: PlantedTickets.at(year, month, 12), count: 2, resolved: month == 6 ? 1 : 2))
                    }
                }
                for s in spikeStreets {
                    rows.append(Row("110105", street: s, seasonalClass, at: PlantedTickets.at(year, month, 15), count: month == 11 ? 10 : 1))
                }
            }
        }
        try await PlantedTickets.plant(rows, batch: "h", into: app.database)
    }

    @Test func suggestionsFindThePlantedPatternsAndSayWhy() async throws {
        try await withSeededApp { app in
            try await Self.plantHistory(app)
            let desk = try await Desk(app, accounts: ["planner", "analyst", "chaoyang", "haidian", "operator"])

            let (status, body) = try await desk.get("planner", "/api/v1/themes/suggestions?basisYear=2025&limit=5")
            #expect(status == 200, "\(body)")
            let ranking = body["ranking"] as? [JSON] ?? []
            #expect(ranking.count == 5)
            let first = try #require(ranking.first)
            #expect(first["categoryCode"] as? String == Self.broadClass, "high volume, shared, poorly resolved ranks first: \(ranking.map { $0["categoryCode"] ?? "" })")
            #expect(first["tickets"] as? Int == 14 * 12 * 4)
            #expect(first["commonInDistricts"] as? Int == 14)
            let components = first["components"] as? [String: Double] ?? [:]
            #expect(components["frequency"] == 1)
            #expect(components["spread"] == 14.0 / 16)
            let resolution = try #require(first["resolutionRate"] as? Double)
            #expect(abs(resolution - (2.0 * 5 + 7) / (4.0 * 12)) < 1e-9, "months 1, 2, 10, 11, 12 resolve 2 of 4, the rest 1")
            #expect((first["explanation"] as? String)?.contains("common in 14 of 16 districts") == true)
            #expect(first["seasonal"] as? Bool == false)

            // The seasonal class takes October of 2026, the month before its November peak, in its three streets.
            let themes = body["themes"] as? [JSON] ?? []
            let october = try #require(themes.first { $0["month"] as? String == "2026-10" })
            #expect(october["categoryCode"] as? String == Self.seasonalClass)
            #expect(october["reason"] as? String == "seasonal")
            #expect((october["explanation"] as? String)?.contains("November") == true)
            let problems = october["problems"] as? [JSON] ?? []
            #expect(Set(problems.compactMap { $0["streetCode"] as? String }) == Set(Self.spikeStreets))
            #expect(problems.allSatisfy { $0["tickets"] as? Int == 21 })
            // The broad class leads the months without a seasonal theme.
            #expect(themes.first { $0["month"] as? String == "2026-01" }?["categoryCode"] as? String == Self.broadClass)
            #expect(themes.count == 5, "the seasonal class and the four others with enough tickets")

            #expect(try await desk.get("analyst", "/api/v1/themes/suggestions?basisYear=2025").0 == 200)
            #expect(try await desk.get("chaoyang", "/api/v1/themes/suggestions?basisYear=2025").0 == 403)
            #expect(try await desk.get("planner", "/api/v1/themes/suggestions").0 == 400)

            // Forecast for November names the three streets, with each year's evidence.
            let (fs, forecast) = try await desk.get("planner", "/api/v1/proactive-tasks/suggestions?month=2026-11&districtCode=110105")
            #expect(fs == 200, "\(forecast)")
            let suggestions = forecast["suggestions"] as? [JSON] ?? []
            let heating = try #require(suggestions.first { $0["categoryCode"] as? String == Self.seasonalClass })
            #expect(heating["mode"] as? String == "forecast")
            #expect(heating["streetCodes"] as? [String] == Self.spikeStreets)
            #expect(heating["unitIds"] as? [String] == Self.spikeStreets)
            #expect((heating["evidence"] as? [JSON])?.count == 6, "three streets, two years")
            #expect((heating["schedule"] as? [String: String])?["end"] == "2026-10-31")
            #expect(!suggestions.contains { $0["categoryCode"] as? String == Self.broadClass }, "no seasonal rise: no forecast")
            // No rise in July; another district's admin sees only their own district.
            let july = try await desk.get("planner", "/api/v1/proactive-tasks/suggestions?month=2026-07")
            #expect((july.1["suggestions"] as? [JSON] ?? []).allSatisfy { $0["mode"] as? String != "forecast" })
            #expect(try await desk.get("chaoyang", "/api/v1/proactive-tasks/suggestions?month=2026-11").0 == 200)
            #expect(try await desk.get("haidian", "/api/v1/proactive-tasks/suggestions?month=2026-11&districtCode=110105").0 == 403)
            let haidian = try await desk.get("haidian", "/api/v1/proactive-tasks/suggestions?month=2026-11")
            #expect(haidian.1["districtCode"] as? String == "110108")
            #expect((haidian.1["suggestions"] as? [JSON] ?? []).isEmpty)
            #expect(try await desk.get("operator", "/api/v1/proactive-tasks/suggestions?month=2026-11").0 == 403)

            // A suggestion is a ready body: posting it makes the task.
            let ready = try JSONSerialization.data(withJSONObject: heating.filter { ["mode", "districtCode", "title", "categoryCode", "streetCodes", "unitIds", "schedule"].contains($0.key) })
            let (made, task) = try await desk.post("chaoyang", "/api/v1/proactive-tasks", String(decoding: ready, as: UTF8.self))
            #expect(made == 201, "\(task)")
            #expect(task["mode"] as? String == "forecast")
        }
    }

    @Test func themesArePlannedAndTurnedIntoDistrictTasksOnce() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["planner", "chaoyang", "haidian", "analyst", "chaoyang-street"])
            let theme = #"""
            {"month":"2027-03","title":"老楼加装电梯","summary":"Lifts in old buildings","leadUnitId":"dept.housing",
             "problems":[{"title":"加装电梯审批慢","categoryCode":"0503","districtCode":"110105"},
                         {"title":"加装电梯后运维","categoryCode":"0503","districtCode":"110108"}],
             "plan":{"policies":[{"title":"审批办法","ownerUnitId":"dept.housing","due":"2027-03-15"}],
                     "tasks":[{"title":"摸排老楼","ownerUnitId":"dept.housing","due":"2027-03-31"},
                              {"title":"入户宣讲","ownerUnitId":"110105001","due":"2027-03-20","districtCodes":["110105"]}],
                     "responsibilities":[{"title":"区级统筹","ownerUnitId":"gov.110105","due":"2027-03-31"}]}}
            """#
            #expect(try await desk.post("chaoyang", "/api/v1/themes", theme).0 == 403)
            let (status, created) = try await desk.post("planner", "/api/v1/themes", theme)
            #expect(status == 201, "\(created)")
            let id = created["id"] as? String ?? ""
            let plan = created["plan"] as? [String: [JSON]] ?? [:]
            #expect(plan["tasks"]?.map { $0["id"] as? String } == ["t1", "t2"])
            #expect(plan["policies"]?.first?["status"] as? String == "planned")
            #expect(try await desk.post("planner", "/api/v1/themes", theme).0 == 409, "one theme a month")
            let badLead = theme.replacingOccurrences(of: #""leadUnitId":"dept.housing""#, with: #""leadUnitId":"110105001""#)
                .replacingOccurrences(of: #""month":"2027-03""#, with: #""month":"2027-04""#)
            let (bad, problem) = try await desk.post("planner", "/api/v1/themes", badLead)
            #expect(bad == 422)
            #expect((problem["errors"] as? [JSON])?.first?["field"] as? String == "leadUnitId")
            #expect(try await desk.get("analyst", "/api/v1/themes/\(id)").0 == 200)
            #expect((try await desk.get("chaoyang-street", "/api/v1/themes?year=2027").1["items"] as? [JSON])?.count == 1)

            // One call: t1 in both problem districts, t2 in Chaoyang only.
            let (converted, result) = try await desk.post("planner", "/api/v1/themes/\(id)/proactive-tasks")
            #expect(converted == 201, "\(result)")
            let items = result["items"] as? [JSON] ?? []
            #expect(Set(items.map { "\($0["themeItemId"] ?? "")@\($0["districtCode"] ?? "")" }) == ["t1@110105", "t1@110108", "t2@110105"])
            let (again, second) = try await desk.post("planner", "/api/v1/themes/\(id)/proactive-tasks")
            #expect(again == 200, "nothing new the second time")
            #expect((second["items"] as? [JSON] ?? []).allSatisfy { $0["created"] as? Bool == false })
            #expect(Set((second["items"] as? [JSON] ?? []).compactMap { $0["taskId"] as? String }) == Set(items.compactMap { $0["taskId"] as? String }))

            let (_, listed) = try await desk.get("planner", "/api/v1/proactive-tasks?themeId=\(id)")
            #expect((listed["items"] as? [JSON])?.count == 3)
            let (_, chaoyangList) = try await desk.get("chaoyang", "/api/v1/proactive-tasks?themeId=\(id)")
            let mine = chaoyangList["items"] as? [JSON] ?? []
            #expect(mine.count == 2 && mine.allSatisfy { $0["districtCode"] as? String == "110105" })
            let t2 = try #require(mine.first { $0["themeItemId"] as? String == "t2" })
            #expect(t2["mode"] as? String == "campaign")
            #expect(t2["unitIds"] as? [String] == ["gov.110105", "110105001"])
            #expect((t2["schedule"] as? [String: String]) == ["kind": "once", "start": "2027-03-01", "end": "2027-03-20"])
            #expect(t2["status"] as? String == "planned")

            // Editing a list keeps item ids; a new item gets the next one.
            let patch = #"{"plan":{"tasks":[{"id":"t2","title":"入户宣讲","ownerUnitId":"110105001","due":"2027-03-20","status":"in_progress","districtCodes":["110105"]},{"title":"回头看","ownerUnitId":"dept.housing","due":"2027-03-31"}]}}"#
            let (patched, updated) = try await desk.send("planner", .patch, "/api/v1/themes/\(id)", patch)
            #expect(patched == 200, "\(updated)")
            #expect((updated["plan"] as? [String: [JSON]])?["tasks"]?.map { $0["id"] as? String } == ["t2", "t3"])
            #expect(try await desk.send("planner", .patch, "/api/v1/themes/\(id)", #"{"month":"2027-05"}"#).0 == 422)
            #expect(try await desk.send("analyst", .patch, "/api/v1/themes/\(id)", #"{"title":"x"}"#).0 == 403)
        }
    }

    /// A monthly task from Oct 31, through month ends, with the scheduler run by hand.
    @Test func theLedgerFollowsTheScheduleAndTheSchedulerRunsOnce() async throws {
        try await withSeededApp { app in
            var desk = try await Desk(app, accounts: ["chaoyang", "chaoyang-street", "planner", "analyst"])
            let body = #"{"districtCode":"110105","title":"自管锅炉房巡查","categoryCode":"0104","streetCodes":["110105001"],"mode":"forecast","schedule":{"kind":"monthly","start":"2026-10-31","end":"2027-03-31"}}"#
            let (status, task) = try await desk.post("chaoyang", "/api/v1/proactive-tasks", body)
            #expect(status == 201, "\(task)")
            let id = task["id"] as? String ?? ""
            #expect(task["occurrenceTotal"] as? Int == 6)
            #expect(task["unitIds"] as? [String] == ["110105001"], "the streets do it by default")
            func entries(_ t: JSON) -> [String] {
                (t["occurrences"] as? [JSON] ?? []).map { "\($0["n"] ?? "") \($0["scheduledOn"] ?? "")..\($0["dueOn"] ?? "") \($0["status"] ?? "")" }
            }
            // Written up to 31 days ahead of 2026-11-18.
            #expect(entries(task) == ["1 2026-10-31..2026-11-29 open", "2 2026-11-30..2026-12-30 open"])
            #expect(task["status"] as? String == "in_progress")
            #expect(task["nextDueOn"] as? String == "2026-11-29")

            // Forty days on (2026-12-28): the scheduler writes December's entry and marks November's overdue, once.
            app.clock.advance(by: 40 * 86_400)
            let results = try await Database(configuration: app.database, logger: TestEnvironment.logger).whileRunning { database in
                let store = ProactiveTaskStore(database: database)
                async let a = store.tick(now: app.clock.now, logger: TestEnvironment.logger)
                async let b = store.tick(now: app.clock.now, logger: TestEnvironment.logger)
                let first = try await [a, b]
                let again = try await store.tick(now: app.clock.now, logger: TestEnvironment.logger)
                return first + [again]
            }
            #expect(results.map(\.occurrencesCreated).reduce(0, +) == 1, "\(results)")
            #expect(results.map(\.markedOverdue).reduce(0, +) == 1, "\(results)")
            #expect(results[2] == ProactiveTaskStore.TickResult(ran: true, occurrencesCreated: 0, markedOverdue: 0), "a third run finds nothing to do")

            desk = try await Desk(app, accounts: ["chaoyang", "chaoyang-street", "planner", "analyst"])  // tokens expired
            let (_, later) = try await desk.get("chaoyang-street", "/api/v1/proactive-tasks/\(id)")
            #expect(entries(later) == ["1 2026-10-31..2026-11-29 overdue", "2 2026-11-30..2026-12-30 open", "3 2026-12-31..2027-01-30 open"])
            #expect(later["status"] as? String == "overdue")
            #expect((later["occurrences"] as? [JSON])?.first?["overdueSince"] as? String != nil)
            let (_, overdue) = try await desk.get("chaoyang", "/api/v1/proactive-tasks?status=overdue")
            #expect((overdue["items"] as? [JSON])?.map { $0["id"] as? String } == [id])

            // The street closes November out (销账); a closed entry stays closed; December's has started.
            #expect(try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(id)/occurrences/1/complete", #"{"report":" "}"#).0 == 422)
            let (done, afterDone) = try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(id)/occurrences/1/complete", #"{"report":"巡查锅炉房 12 处，整改 2 处"}"#)
            #expect(done == 200, "\(afterDone)")
            #expect(afterDone["status"] as? String == "in_progress")
            let closed = (afterDone["occurrences"] as? [JSON])?.first ?? [:]
            #expect(closed["status"] as? String == "done")
            #expect(closed["completedUnitId"] as? String == "110105001")
            let (again, conflict) = try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(id)/occurrences/1/complete", #"{"report":"again"}"#)
            #expect(again == 409 && conflict["type"] as? String == "/problems/occurrence-closed")
            #expect(try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(id)/occurrences/3/complete", #"{"report":"early"}"#).0 == 409)
            #expect(try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(id)/occurrences/9/complete", #"{"report":"x"}"#).0 == 404)
            #expect(try await desk.post("analyst", "/api/v1/proactive-tasks/\(id)/occurrences/2/complete", #"{"report":"x"}"#).0 == 403)
            #expect(try await desk.send("chaoyang-street", .patch, "/api/v1/proactive-tasks/\(id)", #"{"title":"x"}"#).0 == 403)

            // Shortening the end to January cancels nothing closed and leaves three entries; cancelling closes the rest.
            let (shortened, short) = try await desk.send("chaoyang", .patch, "/api/v1/proactive-tasks/\(id)", #"{"schedule":{"end":"2027-01-15"}}"#)
            #expect(shortened == 200, "\(short)")
            #expect(short["occurrenceTotal"] as? Int == 3)
            #expect(entries(short).last == "3 2026-12-31..2027-01-15 open")
            let (cancelled, gone) = try await desk.send("chaoyang", .patch, "/api/v1/proactive-tasks/\(id)", #"{"status":"cancelled"}"#)
            #expect(cancelled == 200)
            #expect(gone["status"] as? String == "cancelled")
            #expect(entries(gone) == ["1 2026-10-31..2026-11-29 done", "2 2026-11-30..2026-12-30 cancelled", "3 2026-12-31..2027-01-15 cancelled"])
            #expect(try await desk.send("chaoyang", .patch, "/api/v1/proactive-tasks/\(id)", #"{"title":"again"}"#).0 == 409)
        }
    }

    @Test func districtsAndUnitsSeeOnlyTheirTasks() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["chaoyang", "haidian", "chaoyang-street", "haidian-street", "planner", "analyst", "operator", "housing"])
            func create(_ who: String, _ units: String, district: String = "110105") async throws -> (Int, String) {
                let (status, task) = try await desk.post(who, "/api/v1/proactive-tasks",
                    #"{"districtCode":"\#(district)","title":"t","categoryCode":"0601","unitIds":\#(units),"mode":"area","schedule":{"kind":"once","start":"2026-11-18"}}"#)
                return (status, task["id"] as? String ?? "")
            }
            let (s1, jianwai) = try await create("chaoyang", #"["110105001","dept.housing"]"#)
            let (s2, chaowai) = try await create("planner", #"["110105002"]"#)
            #expect(s1 == 201 && s2 == 201)
            #expect(try await create("haidian", #"["110105001"]"#).0 == 403, "another district's admin plans only at home")
            #expect(try await create("chaoyang", #"["110108001"]"#).0 == 422, "units of another district")
            #expect(try await create("chaoyang-street", #"["110105001"]"#).0 == 403)

            for path in ["/api/v1/proactive-tasks/\(jianwai)", "/api/v1/proactive-tasks/\(jianwai)/effect"] {
                #expect(try await desk.get("haidian", path).0 == 404, "\(path)")
                #expect(try await desk.get("haidian-street", path).0 == 404, "\(path)")
                #expect(try await desk.get("chaoyang-street", path).0 == 200, "\(path)")
                #expect(try await desk.get("housing", path).0 == 200, "\(path)")
                #expect(try await desk.get("analyst", path).0 == 200, "\(path)")
            }
            #expect(try await desk.send("haidian", .patch, "/api/v1/proactive-tasks/\(jianwai)", #"{"title":"mine now"}"#).0 == 404)
            #expect(try await desk.post("haidian", "/api/v1/proactive-tasks/\(jianwai)/occurrences/1/complete", #"{"report":"x"}"#).0 == 404)
            // A street sees the task of its unit only, in the list too, and closes only its own.
            #expect(try await desk.get("chaoyang-street", "/api/v1/proactive-tasks/\(chaowai)").0 == 404)
            #expect(try await desk.post("chaoyang-street", "/api/v1/proactive-tasks/\(chaowai)/occurrences/1/complete", #"{"report":"x"}"#).0 == 404)
            let (_, streetList) = try await desk.get("chaoyang-street", "/api/v1/proactive-tasks")
            #expect((streetList["items"] as? [JSON])?.compactMap { $0["id"] as? String } == [jianwai])
            #expect((try await desk.get("haidian", "/api/v1/proactive-tasks").1["items"] as? [JSON])?.isEmpty == true)
            #expect((try await desk.get("chaoyang", "/api/v1/proactive-tasks").1["items"] as? [JSON])?.count == 2)
            #expect(try await desk.get("operator", "/api/v1/proactive-tasks").0 == 403)
            #expect(try await desk.post("housing", "/api/v1/proactive-tasks/\(jianwai)/occurrences/1/complete", #"{"report":"done"}"#).0 == 200)
            let (refused, closed) = try await desk.send("chaoyang", .patch, "/api/v1/proactive-tasks/\(jianwai)", #"{"status":"cancelled"}"#)
            #expect(refused == 409 && closed["type"] as? String == "/problems/task-closed", "a done task is not cancelled")
            // Pages: one item each, the cursor leads to the other.
            let (_, page1) = try await desk.get("planner", "/api/v1/proactive-tasks?limit=1")
            let cursor = try #require(page1["nextCursor"] as? String)
            let (_, page2) = try await desk.get("planner", "/api/v1/proactive-tasks?limit=1&cursor=\(cursor)")
            #expect(Set(((page1["items"] as? [JSON] ?? []) + (page2["items"] as? [JSON] ?? [])).compactMap { $0["id"] as? String }) == [jianwai, chaowai])
            #expect((try await desk.get("planner", "/api/v1/proactive-tasks?status=done").1["items"] as? [JSON])?.compactMap { $0["id"] as? String } == [jianwai])
            #expect(try await desk.get("planner", "/api/v1/proactive-tasks?status=late").0 == 400)
            #expect((try await desk.get("planner", "/api/v1/proactive-tasks?unitId=110105002").1["items"] as? [JSON])?.compactMap { $0["id"] as? String } == [chaowai])
        }
    }

    @Test func effectComparesTheWindowsAroundTheTask() async throws {
        try await withSeededApp { app in
            // The class 0602 in Jianwai: 30 in summer 2025, 40 in the spring before the task, 10 after it.
            // Other streets and classes must not count.
            try await PlantedTickets.plant([
                Row("110105", street: "110105001", "0602", at: PlantedTickets.at(2025, 7, 1), count: 30, resolved: 15),
                Row("110105", street: "110105001", "0602", at: PlantedTickets.at(2026, 4, 1), count: 40, resolved: 20),
                Row("110105", street: "110105001", "0602", at: PlantedTickets.at(2026, 7, 1), count: 10, resolved: 9),
                Row("110105", street: "110105002", "0602", at: PlantedTickets.at(2026, 7, 1), count: 50),
                Row("110105", street: "110105001", "0601", at: PlantedTickets.at(2026, 7, 1), count: 50),
            ], batch: "e", into: app.database)
            let desk = try await Desk(app, accounts: ["chaoyang", "chaoyang-street"])
            let (_, task) = try await desk.post("chaoyang", "/api/v1/proactive-tasks",
                #"{"districtCode":"110105","title":"商户噪声治理","categoryCode":"0602","streetCodes":["110105001"],"mode":"area","schedule":{"kind":"once","start":"2026-06-01","end":"2026-06-30"}}"#)
            let id = task["id"] as? String ?? ""
            let (status, effect) = try await desk.get("chaoyang-street", "/api/v1/proactive-tasks/\(id)/effect")
            #expect(status == 200, "\(effect)")
            func window(_ name: String) -> JSON { effect[name] as? JSON ?? [:] }
            #expect(window("after")["tickets"] as? Int == 10)
            #expect(window("before")["tickets"] as? Int == 40)
            #expect(window("yearEarlier")["tickets"] as? Int == 30)
            #expect(window("after")["resolutionRate"] as? Double == 0.9)
            #expect(window("before")["resolutionRate"] as? Double == 0.5)
            #expect(window("after")["from"] as? String == "2026-05-31T16:00:00Z")
            #expect(window("after")["to"] as? String == "2026-08-29T16:00:00Z")
            #expect(effect["changeFromBefore"] as? Double == -0.75)
            #expect(abs((effect["changeFromYearEarlier"] as? Double ?? 0) + 2.0 / 3) < 1e-9)
            #expect(effect["verdict"] as? String == "improved")

            // A task that began this month: too early to judge.
            let (_, fresh) = try await desk.post("chaoyang", "/api/v1/proactive-tasks",
                #"{"districtCode":"110105","title":"x","categoryCode":"0602","streetCodes":["110105001"],"mode":"area","schedule":{"kind":"once","start":"2026-11-01"}}"#)
            let (_, early) = try await desk.get("chaoyang", "/api/v1/proactive-tasks/\(fresh["id"] as? String ?? "")/effect?days=30")
            #expect(early["verdict"] as? String == "insufficient_data")
            #expect((early["reasons"] as? [String])?.first?.contains("still open") == true)
            #expect(try await desk.get("chaoyang", "/api/v1/proactive-tasks/\(id)/effect?days=3").0 == 400)
        }
    }

    @Test func badTaskBodiesAreRefusedAndChangeNothing() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["chaoyang"])
            let base = #"{"districtCode":"110105","title":"t","categoryCode":"0601","mode":"area","schedule":{"kind":"weekly","start":"2026-12-01","end":"2026-12-31"}}"#
            let cases: [(String, String, String)] = [
                ("categoryCode", #""0601""#, #""06""#),
                ("streetCodes", #""mode""#, #""streetCodes":["110108001"],"mode""#),
                ("schedule", #""end":"2026-12-31""#, #""end":"2026-11-30""#),
                ("schedule.start", #""start":"2026-12-01""#, #""start":"2026-02-30""#),
                ("themeId", #""mode":"area""#, #""mode":"campaign""#),
                ("title", #""title":"t""#, #""title":"  ""#),
            ]
            for (field, from, to) in cases {
                let (status, problem) = try await desk.post("chaoyang", "/api/v1/proactive-tasks", base.replacingOccurrences(of: from, with: to))
                #expect(status == 422, "\(field): \(problem)")
                #expect((problem["errors"] as? [JSON])?.first?["field"] as? String == field, "\(problem)")
            }
            #expect(try await desk.post("chaoyang", "/api/v1/proactive-tasks", "{").0 == 400)
            #expect((try await desk.get("chaoyang", "/api/v1/proactive-tasks").1["items"] as? [JSON])?.isEmpty == true)
            let (ok, task) = try await desk.post("chaoyang", "/api/v1/proactive-tasks", base)
            #expect(ok == 201)
            #expect(task["occurrenceTotal"] as? Int == 5)
            #expect(task["status"] as? String == "planned")
        }
    }
}
