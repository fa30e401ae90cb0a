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

/// docs/security.md's matrix is the specification: every route is in it, it names no route that does not exist,
/// and every `no` cell is refused with 403 for that role.
@Suite struct SecurityMatrixTests {
    struct Row {
        var method: String
        var path: String
        var cells: [String: String]
    }

    static let roleColumns = ["city_admin", "centre_operator", "centre_supervisor", "district_admin", "street_handler",
                              "department_handler", "proactive_planner", "analyst"]
    /// A seeded account for each role column.
    static let accountFor: [String: String] = [
        "city_admin": "admin", "centre_operator": "operator", "centre_supervisor": "supervisor",
        "district_admin": "chaoyang", "street_handler": "chaoyang-street", "department_handler": "housing",
        "proactive_planner": "planner", "analyst": "analyst",
    ]

    /// A unit each role may open in the assessment drill-down.
    static let ownUnit: [String: String] = [
        "district_admin": "110105001", "street_handler": "110105001", "department_handler": "dept.housing",
    ]

    static func matrix() throws -> [Row] {
        let text = try String(contentsOfFile: TestEnvironment.projectRoot + "/docs/security.md", encoding: .utf8)
        guard text.range(of: "<!-- matrix:start -->") != nil else {
            throw TestEnvironment.Missing(description: "docs/security.md has no matrix markers")
        }
        // Every table between a start and an end marker (the API's, then Open311's).
        var tables: [Substring] = []
        var rest = text[...]
        while let start = rest.range(of: "<!-- matrix:start -->"), let end = rest.range(of: "<!-- matrix:end -->"),
              start.upperBound <= end.lowerBound {
            tables.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        var rows: [Row] = []
        for line in tables.joined(separator: "\n").split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2 + roleColumns.count, ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(cells[0]) else { continue }
            let path = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            rows.append(Row(method: cells[0], path: path, cells: Dictionary(uniqueKeysWithValues: zip(roleColumns, cells[2...]))))
        }
        return rows
    }

    @Test func matrixAndRouterListTheSameRoutes() async throws {
        try await withTestDatabase { database in
            let router = try buildRouter(
                database: Database(configuration: database, logger: TestEnvironment.logger),
                migrator: try Migrator(directory: TestEnvironment.sqlDirectory),
                configuration: try makeTestConfiguration(database))
            let routed = Set(router.routes.map { "\($0.method) \($0.path)" }.filter { $0.contains(" /api/") || $0.contains(" /open311/") })
            let documented = Set(try Self.matrix().map { "\($0.method) \($0.path)" })
            #expect(routed.subtracting(documented).isEmpty, "routes missing from docs/security.md: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "docs/security.md names routes that do not exist: \(documented.subtracting(routed).sorted())")
            #expect(try Self.matrix().allSatisfy { row in row.cells.values.allSatisfy { ["open", "yes", "no", "self", "own district", "own unit", "api key"].contains($0) } })
        }
    }

    @Test func everyNoCellIs403() async throws {
        let rows = try Self.matrix()
        try await withSeededApp { app in
            var tokens: [String: String] = [:]
            for (role, username) in Self.accountFor { tokens[role] = try await app.login(username) }
            // A ticket every seeded account can see: in Chaoyang, led by the Jianwai street, assisted by the housing
            // department and the Chaoyang government. Each role acts on the dispatch of its own unit where it has one.
            let ticket = try await app.client.execute(
                uri: "/api/v1/tickets", method: .post, headers: bearer(tokens["centre_operator"]!).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"type":"complaint","categoryCode":"0601","title":"t","description":"","requester":{"name":"张三","phone":"13812345678"},"location":{"districtCode":"110105","streetCode":"110105001","address":"x"},"urgent":false,"channel":"phone"}"#)
            ) { $0.json() }
            let ticketID = ticket["id"] as? String ?? ""
            let assisted = try await app.client.execute(
                uri: "/api/v1/tickets/\(ticketID)/dispatches", method: .post,
                headers: bearer(tokens["centre_operator"]!).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"units":[{"unitId":"dept.housing","role":"assist"},{"unitId":"gov.110105","role":"assist"}]}"#)
            ) { $0.json() }
            var dispatchOf: [String: String] = [:]
            for d in assisted["dispatches"] as? [[String: Any]] ?? [] {
                dispatchOf[d["unitId"] as? String ?? ""] = d["id"] as? String
            }
            let ownDispatch: [String: String] = [
                "street_handler": dispatchOf["110105001"] ?? "", "department_handler": dispatchOf["dept.housing"] ?? "",
                "district_admin": dispatchOf["gov.110105"] ?? "",
            ]
            #expect(ownDispatch.values.allSatisfy { !$0.isEmpty })
            // Open311 intake takes a machine client's key in `api_key`: one client per city-level role; the other
            // roles cannot have a client, so their login token stands in (and must be refused).
            var apiKeys: [String: String] = [:]
            for role in Self.roleColumns {
                guard let r = Role(rawValue: role), !r.needsDistrict, r.unitKinds == nil else { continue }
                apiKeys[role] = try await app.database.withOwnerConnection(logger: TestEnvironment.logger) { connection in
                    try await AccountMaintenance.addClient(name: "matrix-\(role.replacingOccurrences(of: "_", with: "-"))", role: r, on: connection, logger: TestEnvironment.logger).key
                }
            }
            var checked = 0
            for row in rows where row.path.hasPrefix("/open311/") {
                for (role, cell) in row.cells {
                    let uri = row.path.replacingOccurrences(of: "{service_code}", with: "0601")
                        .replacingOccurrences(of: "{service_request_id}", with: ticketID)
                        .replacingOccurrences(of: "{token}", with: ticket["number"] as? String ?? "")
                    let status: HTTPResponse.Status
                    if row.method == "GET" {
                        status = try await app.client.execute(uri: uri, method: .get) { $0.status }
                    } else {
                        let key = apiKeys[role] ?? tokens[role]!
                        status = try await app.client.execute(
                            uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                            body: ByteBuffer(string: "api_key=\(key)")) { $0.status }
                    }
                    if cell == "no" {
                        #expect(status == .forbidden, "\(role) \(row.method) \(row.path)")
                    } else {
                        #expect(status != .forbidden && status != .unauthorized, "\(role) \(row.method) \(row.path) got \(status)")
                    }
                    checked += 1
                }
            }
            for row in rows where !row.path.hasPrefix("/open311/") {
                for (role, cell) in row.cells {
                    let id: String =
                        row.path.hasPrefix("/api/v1/tickets/") ? ticketID
                        : row.path.hasPrefix("/api/v1/dispatches/") ? (ownDispatch[role] ?? dispatchOf["110105001"] ?? "")
                        : app.ids["admin"]!.uuidString.lowercased()
                    let uri = row.path.replacingOccurrences(of: "{id}", with: id)
                        .replacingOccurrences(of: "{period}", with: "2026-11")
                        .replacingOccurrences(of: "{unitId}", with: Self.ownUnit[role] ?? "110105001")
                        .replacingOccurrences(of: "{n}", with: "1")
                    let method = HTTPRequest.Method(row.method)!
                    let body: ByteBuffer? = method == .get ? nil : ByteBuffer(string: "{}")
                    let headers = bearer(tokens[role]!).merging([.contentType: "application/json"])
                    try await app.client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                        if cell == "no" {
                            #expect(response.status == .forbidden, "\(role) \(row.method) \(row.path)")
                        } else {
                            #expect(response.status != .forbidden && response.status != .unauthorized,
                                    "\(role) \(row.method) \(row.path) got \(response.status)")
                        }
                    }
                    checked += 1
                    // Logging out ends the session: log in again for the following rows.
                    if row.path == "/api/v1/auth/logout" { tokens[role] = try await app.login(Self.accountFor[role]!) }
                }
            }
            #expect(checked == rows.count * Self.roleColumns.count)
        }
    }
}
