import Foundation
import HTTPTypes
import HotlineAPI
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Server bugs of the proactive-governance routes found while documenting them in docs/openapi.yaml and running the
/// contract test (scripts/contract-test), each pinned by a test.
@Suite struct ProactiveFindingsTests {
    typealias JSON = [String: Any]
    typealias Desk = TicketAPITests.Desk

    static func task(district: String = "110105", title: String = "t", schedule: String) -> String {
        #"{"districtCode":"\#(district)","title":"\#(title)","categoryCode":"0601","mode":"area","schedule":\#(schedule)}"#
    }

    static func firstField(_ problem: JSON) -> String? { (problem["errors"] as? [JSON])?.first?["field"] as? String }

    /// Schedule days far from today took the server down: a monthly task from 9999-12-01 trapped computing its
    /// second month (year 10000), and the effect of a task from 1900 trapped on the year before. Days are now
    /// 2000-01-01 to 2100-12-31 (422 beyond), for schedules and for plan items' due days.
    @Test func scheduleDaysOutsideTheRangeAre422() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["planner"])
            for schedule in [#"{"kind":"monthly","start":"9999-12-01"}"#, #"{"kind":"once","start":"1900-01-01"}"#,
                             #"{"kind":"weekly","start":"2026-12-01","end":"2101-01-01"}"#] {
                let (status, problem) = try await desk.post("planner", "/api/v1/proactive-tasks", Self.task(schedule: schedule))
                #expect(status == 422, "\(schedule): \(problem)")
                #expect(Self.firstField(problem) == "schedule")
            }
            let (made, task) = try await desk.post("planner", "/api/v1/proactive-tasks", Self.task(schedule: #"{"kind":"weekly","start":"2026-12-01"}"#))
            #expect(made == 201, "\(task)")
            let (patched, problem) = try await desk.send(
                "planner", .patch, "/api/v1/proactive-tasks/\(task["id"] as? String ?? "")", #"{"schedule":{"end":"2200-01-01"}}"#)
            #expect(patched == 422 && Self.firstField(problem) == "schedule", "\(problem)")

            let theme = #"{"month":"2027-03","title":"x","leadUnitId":"dept.housing","problems":[{"title":"p","categoryCode":"0503"}],"plan":{"tasks":[{"title":"t","ownerUnitId":"dept.housing","due":"1999-03-31"}]}}"#
            let (refused, themeProblem) = try await desk.post("planner", "/api/v1/themes", theme)
            #expect(refused == 422 && Self.firstField(themeProblem) == "plan.tasks[0].due", "\(themeProblem)")
        }
    }

    /// A district code of the right shape that names none of the 16 districts (110103) was a 500 on task creation (no
    /// partition takes the row), and a theme conversion to it blamed `unitIds`. Now 422 naming the field.
    @Test func aDistrictCodeThatNamesNoDistrictIs422() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["planner"])
            let (status, problem) = try await desk.post(
                "planner", "/api/v1/proactive-tasks", Self.task(district: "110103", schedule: #"{"kind":"once","start":"2026-12-01"}"#))
            #expect(status == 422, "\(problem)")
            #expect(Self.firstField(problem) == "districtCode")

            let theme = #"{"month":"2027-03","title":"x","leadUnitId":"dept.housing","problems":[{"title":"p","categoryCode":"0503"}],"plan":{"tasks":[{"title":"t","ownerUnitId":"dept.housing","due":"2027-03-31"}]}}"#
            for (bad, field) in [(#""categoryCode":"0503""#, "problems[0].districtCode"), (#""due":"2027-03-31""#, "plan.tasks[0].districtCodes")] {
                let body = theme.replacingOccurrences(
                    of: bad, with: bad + (field.hasPrefix("problems") ? #","districtCode":"110103""# : #","districtCodes":["110103"]"#))
                let (refused, themeProblem) = try await desk.post("planner", "/api/v1/themes", body)
                #expect(refused == 422 && Self.firstField(themeProblem) == field, "\(themeProblem)")
            }
            let (created, made) = try await desk.post("planner", "/api/v1/themes", theme)
            #expect(created == 201, "\(made)")
            let (converted, result) = try await desk.post(
                "planner", "/api/v1/themes/\(made["id"] as? String ?? "")/proactive-tasks", #"{"districtCodes":["110105","110103"]}"#)
            #expect(converted == 422 && Self.firstField(result) == "districtCodes", "\(result)")
            #expect((try await desk.get("planner", "/api/v1/proactive-tasks").1["items"] as? [JSON])?.isEmpty == true, "nothing made")
        }
    }

    /// Lengths were counted in grapheme clusters, the database counts code points: a title of 150 decomposed é (300
    /// code points) passed the check and broke the table's CHECK, a 500. Now 422, for tasks, themes and reports.
    @Test func lengthsAreCountedAsTheDatabaseCounts() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["planner"])
            let long = String(repeating: "e\u{301}", count: 150)
            let (status, problem) = try await desk.post(
                "planner", "/api/v1/proactive-tasks", Self.task(title: long, schedule: #"{"kind":"once","start":"2026-11-18"}"#))
            #expect(status == 422 && Self.firstField(problem) == "title", "\(problem)")
            let theme = #"{"month":"2027-03","title":"\#(long)","leadUnitId":"dept.housing","problems":[{"title":"p","categoryCode":"0503"}]}"#
            let (themeStatus, themeProblem) = try await desk.post("planner", "/api/v1/themes", theme)
            #expect(themeStatus == 422 && Self.firstField(themeProblem) == "title", "\(themeProblem)")

            let (made, task) = try await desk.post("planner", "/api/v1/proactive-tasks", Self.task(schedule: #"{"kind":"once","start":"2026-11-18"}"#))
            #expect(made == 201, "\(task)")
            let report = String(repeating: "e\u{301}", count: 2001)
            let (closed, closeProblem) = try await desk.post(
                "planner", "/api/v1/proactive-tasks/\(task["id"] as? String ?? "")/occurrences/1/complete", #"{"report":"\#(report)"}"#)
            #expect(closed == 422 && Self.firstField(closeProblem) == "report", "\(closeProblem)")
        }
    }

    /// A NUL character in a theme's problems or plan (stored as jsonb) was a 500 (22P05); now 400 like NUL elsewhere.
    @Test func aNulCharacterInAThemeIs400() async throws {
        try await withSeededApp { app in
            let desk = try await Desk(app, accounts: ["planner"])
            let theme = #"{"month":"2027-03","title":"x","leadUnitId":"dept.housing","problems":[{"title":"a\u0000b","categoryCode":"0503"}]}"#
            let (status, problem) = try await desk.post("planner", "/api/v1/themes", theme)
            #expect(status == 400, "\(problem)")
            #expect(problem["type"] as? String == "/problems/malformed-request")
        }
    }
}
