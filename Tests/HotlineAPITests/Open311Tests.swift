import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
@testable import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Open311 GeoReport v2 over HTTP on a real database: every resource in both formats, every error, intake through
/// the centre's API key into the same workflow, and no personal data in anything the public reads.
@Suite struct Open311Tests {
    typealias JSON = [String: Any]

    /// A machine client of the given role; returns its API key.
    static func apiKey(_ app: SeededApp, name: String = "open311-app", role: Role = .centreOperator) async throws -> String {
        try await app.database.withOwnerConnection(logger: TestEnvironment.logger) { connection in
            try await AccountMaintenance.addClient(name: name, role: role, on: connection, logger: TestEnvironment.logger).key
        }
    }

    struct Reply: Sendable {
        var status: Int
        var contentType: String
        var text: String

        var jsonArray: [JSON] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [JSON] ?? []
        }
        var jsonObject: JSON {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? JSON ?? [:]
        }
    }

    static func get(_ app: SeededApp, _ uri: String) async throws -> Reply {
        try await app.client.execute(uri: uri, method: .get) { r in
            Reply(status: Int(r.status.code), contentType: r.headers[.contentType] ?? "", text: String(buffer: r.body))
        }
    }

    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    static func post(_ app: SeededApp, _ format: String = "json", _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> Reply {
        var all: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        for h in headers { all.append(h) }
        return try await app.client.execute(
            uri: "/open311/v2/requests.\(format)", method: .post, headers: all, body: ByteBuffer(string: form(fields))
        ) { r in Reply(status: Int(r.status.code), contentType: r.headers[.contentType] ?? "", text: String(buffer: r.body)) }
    }

    /// A complete request: noise at night in Chaoyang, with the requester's personal data.
    static func fields(_ key: String, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("api_key", key), ("service_code", "0601"), ("address_string", "北京市朝阳区建国门外大街1号"),
         ("description", "工地夜间施工 Drilling after 22:00"), ("first_name", "三"), ("last_name", "张"),
         ("phone", "13812345678"), ("email", "zhang.san@example.com")] + extra
    }

    /// Parses XML for real (well-formed or nil) and returns each element's text by name, in document order.
    static func xmlTexts(_ text: String) -> [(String, String)]? {
        final class Collector: NSObject, XMLParserDelegate {
            var items: [(String, String)] = []
            var current = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) { current = "" }
            func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                items.append((name, current.trimmingCharacters(in: .whitespacesAndNewlines)))
                current = ""
            }
        }
        let parser = XMLParser(data: Data(text.utf8))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector.items : nil
    }

    static func xmlValue(_ text: String, _ name: String) -> String? { xmlTexts(text)?.first { $0.0 == name }?.1 }

    @Test func discoveryAndServicesInBothFormats() async throws {
        try await withSeededApp { app in
            let discovery = try await Self.get(app, "/open311/v2/discovery.json")
            #expect(discovery.status == 200)
            #expect(discovery.contentType.hasPrefix("application/json"))
            let endpoints = discovery.jsonObject["endpoints"] as? [JSON] ?? []
            #expect(endpoints.first?["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoints.first?["formats"] as? [String] == ["text/xml", "application/json"])
            let discoveryXML = try await Self.get(app, "/open311/v2/discovery.xml")
            #expect(discoveryXML.contentType.hasPrefix("text/xml"))
            #expect(discoveryXML.text.hasPrefix(#"<?xml version="1.0" encoding="utf-8"?>"#))
            #expect(Self.xmlTexts(discoveryXML.text)?.filter { $0.0 == "format" }.map(\.1) == ["text/xml", "application/json"])

            let services = try await Self.get(app, "/open311/v2/services.json")
            #expect(services.status == 200)
            let list = services.jsonArray
            #expect(list.count > 90, "every active class of the catalogue")
            #expect(list.allSatisfy { ($0["service_code"] as? String)?.count == 4 }, "classes only, codes as strings")
            let heating = try #require(list.first { $0["service_code"] as? String == "0101" })
            #expect(heating["service_name"] as? String == "室温不达标")
            #expect(heating["group"] as? String == "供热")
            #expect(heating["metadata"] as? Bool == true)
            #expect(heating["type"] as? String == "realtime")
            #expect((heating["keywords"] as? String)?.contains("Heating") == true)
            #expect(list.first { $0["service_code"] as? String == "0601" }?["metadata"] as? Bool == false)

            let servicesXML = try await Self.get(app, "/open311/v2/services.xml")
            let texts = try #require(Self.xmlTexts(servicesXML.text), "well-formed XML")
            #expect(texts.filter { $0.0 == "service_code" }.count == list.count)
            #expect(texts.contains { $0 == ("group", "供热") })

            // A service definition, in both formats; a class without attributes has none.
            let definition = try await Self.get(app, "/open311/v2/services/0504.json")
            #expect(definition.jsonObject["service_code"] as? String == "0504")
            let attribute = try #require((definition.jsonObject["attributes"] as? [JSON])?.first)
            #expect(attribute["code"] as? String == "people_trapped")
            #expect(attribute["datatype"] as? String == "singlevaluelist")
            #expect(attribute["required"] as? Bool == true)
            #expect((attribute["values"] as? [JSON])?.compactMap { $0["key"] as? String } == ["yes", "no"])
            let definitionXML = try await Self.get(app, "/open311/v2/services/0504.xml")
            #expect(Self.xmlValue(definitionXML.text, "code") == "people_trapped")
            #expect(Self.xmlTexts(definitionXML.text)?.filter { $0.0 == "key" }.map(\.1) == ["yes", "no"])
            let plain = try await Self.get(app, "/open311/v2/services/0601.json")
            #expect(plain.status == 200)
            #expect((plain.jsonObject["attributes"] as? [Any])?.isEmpty == true)

            // The configured jurisdiction is accepted; another one is 404.
            #expect(try await Self.get(app, "/open311/v2/services.json?jurisdiction_id=beijing.gov.cn").status == 200)
            let wrong = try await Self.get(app, "/open311/v2/services.json?jurisdiction_id=sfgov.org")
            #expect(wrong.status == 404)
            #expect(wrong.jsonArray.first?["code"] as? Int == 404)
        }
    }

    @Test func errorsAreTheSpecsErrorListInBothFormats() async throws {
        try await withSeededApp { app in
            let key = try await Self.apiKey(app)
            for format in ["json", "xml"] {
                func check(_ reply: Reply, _ status: Int, _ fragment: String, _ label: String) {
                    #expect(reply.status == status, "\(format) \(label): \(reply.text)")
                    if format == "json" {
                        #expect(reply.contentType.hasPrefix("application/json"))
                        let errors = reply.jsonArray
                        #expect(!errors.isEmpty && errors.allSatisfy { $0["code"] as? Int == status }, "\(label)")
                        #expect(errors.contains { ($0["description"] as? String)?.contains(fragment) == true }, "\(label): \(reply.text)")
                    } else {
                        #expect(reply.contentType.hasPrefix("text/xml"))
                        let texts = Self.xmlTexts(reply.text) ?? []
                        #expect(texts.last?.0 == "errors", "\(label)")
                        #expect(texts.contains { $0 == ("code", String(status)) }, "\(label)")
                        #expect(texts.contains { $0.0 == "description" && $0.1.contains(fragment) }, "\(label): \(reply.text)")
                    }
                }
                // 404: unknown service, request, token, jurisdiction.
                check(try await Self.get(app, "/open311/v2/services/9999.\(format)"), 404, "9999", "unknown service")
                check(try await Self.get(app, "/open311/v2/requests/\(UUID().uuidString).\(format)"), 404, "No service request", "unknown request")
                check(try await Self.get(app, "/open311/v2/requests/not-an-id.\(format)"), 404, "No service request", "malformed id")
                check(try await Self.get(app, "/open311/v2/tokens/BJ00000000.\(format)"), 404, "token", "unknown token")
                check(try await Self.post(app, format, Self.fields(key, [("jurisdiction_id", "nyc.gov")])), 404, "nyc.gov", "unknown jurisdiction")
                // 403: no api_key, a wrong one, a login token, a client that is not the centre's.
                check(try await Self.post(app, format, Self.fields(key).filter { $0.0 != "api_key" }), 403, "api_key", "no key")
                check(try await Self.post(app, format, Self.fields("hlk_wrong")), 403, "Invalid api_key", "wrong key")
                let session = try await app.login("operator")
                check(try await Self.post(app, format, Self.fields(session)), 403, "Invalid api_key", "login token")
                let analystKey = try await Self.apiKey(app, name: "analytics-\(format)", role: .analyst)
                check(try await Self.post(app, format, Self.fields(analystKey)), 403, "Invalid api_key", "analyst client")
                // 400: what is missing or wrong, named by its parameter.
                check(try await Self.post(app, format, Self.fields(key).filter { $0.0 != "service_code" }), 400, "service_code", "no service")
                check(try await Self.post(app, format, Self.fields(key).map { $0.0 == "service_code" ? ($0.0, "0600") : $0 }), 400, "no service 0600", "unknown service")
                check(try await Self.post(app, format, Self.fields(key).filter { $0.0 != "address_string" }), 400, "lat and long, or address_string", "no location")
                check(try await Self.post(app, format, Self.fields(key).map { $0.0 == "address_string" ? ($0.0, "建国门外大街1号") : $0 }), 400, "address_string", "address without district")
                check(try await Self.post(app, format, Self.fields(key, [("lat", "39.9")])), 400, "lat, long", "lat without long")
                check(try await Self.post(app, format, Self.fields(key, [("lat", "31.23"), ("long", "121.47")])), 400, "lat:", "a point in Shanghai")
                check(try await Self.post(app, format, Self.fields(key).filter { $0.0 != "phone" }), 400, "phone: required", "no phone")
                check(try await Self.post(app, format, Self.fields(key).map { $0.0 == "phone" ? ($0.0, "12") : $0 }), 400, "phone:", "bad phone")
                check(try await Self.post(app, format, Self.fields(key).map { $0.0 == "description" ? ($0.0, String(repeating: "噪", count: 4001)) : $0 }), 400, "description: at most 4000", "long description")
                check(try await Self.post(app, format, Self.fields(key).map { $0.0 == "service_code" ? ($0.0, "0504") : $0 }), 400, "attribute[people_trapped]: required", "missing attribute")
                check(try await Self.post(app, format, Self.fields(key, [("attribute[people_trapped]", "maybe")]).map { $0.0 == "service_code" ? ($0.0, "0504") : $0 }), 400, "one of yes, no", "bad list value")
                check(try await Self.post(app, format, Self.fields(key, [("attribute[colour]", "red")])), 400, "no such attribute", "unknown attribute")
                // List parameters.
                check(try await Self.get(app, "/open311/v2/requests.\(format)?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), 400, "90 days", "span")
                check(try await Self.get(app, "/open311/v2/requests.\(format)?start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z"), 400, "before", "end before start")
                check(try await Self.get(app, "/open311/v2/requests.\(format)?start_date=yesterday"), 400, "start_date", "bad date")
                check(try await Self.get(app, "/open311/v2/requests.\(format)?status=pending"), 400, "status", "bad status")
            }
        }
    }

    @Test func aRequestPostedThroughOpen311IsATicketOfTheSameWorkflow() async throws {
        try await withSeededApp { app in
            let key = try await Self.apiKey(app)
            let created = try await Self.post(app, "json", Self.fields(key), headers: [HTTPField.Name("Idempotency-Key")!: "o311-1"])
            #expect(created.status == 201, "\(created.text)")
            let item = try #require(created.jsonArray.first)
            let id = try #require(item["service_request_id"] as? String)
            let token = try #require(item["token"] as? String)
            #expect((item["service_notice"] as? String)?.contains(token) == true)

            // In the JSON API: channel open311, the requester recorded for the centre, auto-dispatched like any intake
            // (a street-direction class with no street → the district government, 兜底).
            let operatorToken = try await app.login("operator")
            let ticket = try await app.client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: bearer(operatorToken)) { $0.json() }
            #expect(ticket["channel"] as? String == "open311")
            #expect(ticket["number"] as? String == token)
            #expect(ticket["categoryCode"] as? String == "0601")
            #expect(ticket["districtCode"] as? String == "110105")
            #expect(ticket["status"] as? String == "dispatched")
            #expect(ticket["type"] as? String == "help")
            #expect((ticket["requester"] as? JSON)?["name"] as? String == "张三")
            #expect((ticket["requester"] as? JSON)?["phone"] as? String == "13812345678")
            let dispatches = ticket["dispatches"] as? [JSON] ?? []
            #expect(dispatches.map { $0["unitId"] as? String } == ["gov.110105"])

            // The same Idempotency-Key replays the first ticket; with another request it is a conflict.
            let replay = try await Self.post(app, "json", Self.fields(key), headers: [HTTPField.Name("Idempotency-Key")!: "o311-1"])
            #expect(replay.status == 200)
            #expect(replay.jsonArray.first?["service_request_id"] as? String == id)
            let reused = try await Self.post(
                app, "json", Self.fields(key).map { $0.0 == "description" ? ($0.0, "other") : $0 },
                headers: [HTTPField.Name("Idempotency-Key")!: "o311-1"])
            #expect(reused.status == 409)

            // Public reads: open, handled by the district government, expected by the handling deadline.
            let one = try await Self.get(app, "/open311/v2/requests/\(id).json")
            #expect(one.status == 200)
            let request = try #require(one.jsonArray.first)
            #expect(one.jsonArray.count == 1)
            #expect(request["service_request_id"] as? String == id)
            #expect(request["status"] as? String == "open")
            #expect(request["service_code"] as? String == "0601")
            #expect(request["service_name"] as? String == "夜间施工噪声")
            #expect(request["agency_responsible"] as? String == "朝阳区人民政府")
            #expect(request["address"] as? String == "北京市朝阳区建国门外大街1号")
            #expect(request["description"] as? String == "工地夜间施工 Drilling after 22:00")
            let handleBy = try #require(dispatches.first?["deadlines"] as? JSON)["handleBy"] as? String
            #expect((request["expected_datetime"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
                    == handleBy.flatMap { try? Date($0, strategy: .iso8601) })
            #expect((request["requested_datetime"] as? String)?.hasSuffix("+08:00") == true)
            #expect(request["status_notes"] == nil)
            let oneXML = try await Self.get(app, "/open311/v2/requests/\(id).xml")
            #expect(Self.xmlValue(oneXML.text, "service_request_id") == id)
            #expect(Self.xmlValue(oneXML.text, "status") == "open")

            // Tokens: the ticket number stands for the request, in both formats.
            let byToken = try await Self.get(app, "/open311/v2/tokens/\(token).json")
            #expect(byToken.jsonArray.first?["service_request_id"] as? String == id)
            #expect(byToken.jsonArray.first?["token"] as? String == token)
            let byTokenXML = try await Self.get(app, "/open311/v2/tokens/\(token).xml")
            #expect(Self.xmlValue(byTokenXML.text, "service_request_id") == id)

            // The district government handles it through the JSON API; the reply becomes the public status notes.
            let chaoyang = try await app.login("chaoyang")
            let dispatchID = dispatches.first?["id"] as? String ?? ""
            for (action, body) in [("accept", "{}"), ("contact", "{}"), ("reply", #"{"outcome":"resolved","text":"已责令停止夜间施工 Night work stopped."}"#)] {
                let status = try await app.client.execute(
                    uri: "/api/v1/dispatches/\(dispatchID)/\(action)", method: .post,
                    headers: bearer(chaoyang).merging([.contentType: "application/json"]), body: ByteBuffer(string: body)
                ) { Int($0.status.code) }
                #expect(status == 200, "\(action)")
            }
            let replied = try await Self.get(app, "/open311/v2/requests/\(id).json").jsonArray.first ?? [:]
            #expect(replied["status"] as? String == "open", "open until closed")
            #expect(replied["status_notes"] as? String == "已责令停止夜间施工 Night work stopped.")
            let callback = try await app.client.execute(
                uri: "/api/v1/tickets/\(id)/callback", method: .post,
                headers: bearer(operatorToken).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"reached":true,"resolved":true,"satisfaction":"satisfied","comment":"internal: 张三 very happy"}"#)
            ) { Int($0.status.code) }
            #expect(callback == 200)
            let closed = try await Self.get(app, "/open311/v2/requests/\(id).xml")
            #expect(Self.xmlValue(closed.text, "status") == "closed")
            #expect(!closed.text.contains("internal"), "callback comments are internal")

            // Lists: by status, class, ids; a closed request leaves the open list.
            let openList = try await Self.get(app, "/open311/v2/requests.json?status=open")
            #expect(!openList.jsonArray.contains { $0["service_request_id"] as? String == id })
            let closedList = try await Self.get(app, "/open311/v2/requests.json?status=closed&service_code=0601,0101")
            #expect(closedList.jsonArray.contains { $0["service_request_id"] as? String == id })
            let other = try await Self.get(app, "/open311/v2/requests.json?service_code=0101")
            #expect(other.jsonArray.isEmpty)
            let byIDs = try await Self.get(app, "/open311/v2/requests.xml?service_request_id=\(id),\(UUID().uuidString),junk&status=open")
            #expect(Self.xmlTexts(byIDs.text)?.filter { $0.0 == "service_request_id" }.map(\.1) == [id], "ids ignore the other filters")
            let window = try await Self.get(app, "/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z")
            #expect(window.status == 200 && window.jsonArray.isEmpty)
        }
    }

    @Test func attributesPointsAndXMLIntake() async throws {
        try await withSeededApp { app in
            let key = try await Self.apiKey(app)
            // Someone trapped in a lift: the attribute makes the request urgent (2 hours); a point near Jianwai with no
            // imported boundary lands in the district of the nearest seat (Chaoyang). XML answer.
            let trapped = try await Self.post(app, "xml", [
                ("api_key", key), ("service_code", "0504"), ("lat", "39.9087"), ("long", "116.4470"),
                ("attribute[people_trapped]", "yes"), ("phone", "+86 138 1234 5678"), ("description", "电梯停在两层之间"),
            ])
            #expect(trapped.status == 201, "\(trapped.text)")
            let id = try #require(Self.xmlValue(trapped.text, "service_request_id"))
            #expect(Self.xmlValue(trapped.text, "token")?.hasPrefix("BJ") == true)
            let operatorToken = try await app.login("operator")
            let ticket = try await app.client.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: bearer(operatorToken)) { $0.json() }
            #expect(ticket["urgent"] as? Bool == true)
            #expect(ticket["tier"] as? String == "2h")
            #expect(ticket["districtCode"] as? String == "110105")
            #expect((ticket["description"] as? String)?.contains("是否有人被困 Is anyone trapped in the lift?: 是 Yes") == true)
            #expect((ticket["requester"] as? JSON)?["name"] as? String == "匿名")
            let location = ticket["location"] as? JSON ?? [:]
            #expect(location["lat"] as? Double == 39.9087)
            let request = try await Self.get(app, "/open311/v2/requests/\(id).json").jsonArray.first ?? [:]
            #expect(request["lat"] as? Double == 39.9087)
            #expect(request["long"] as? Double == 116.447)
            #expect(request["agency_responsible"] as? String == "朝阳区人民政府")
        }
    }

    @Test func noPersonalDataInAnyOpen311Answer() async throws {
        try await withSeededApp { app in
            let key = try await Self.apiKey(app)
            // One request through Open311 and one through the JSON API, each with a distinctive requester.
            let posted = try await Self.post(app, "json", [
                ("api_key", key), ("service_code", "0101"), ("address_string", "海淀区万寿路1号"), ("description", "室内太冷"),
                ("attribute[indoor_temperature]", "14.5"), ("first_name", "Wenjing"), ("last_name", "Oyang"),
                ("phone", "13987654321"), ("email", "wenjing.oyang@example.org"),
            ])
            #expect(posted.status == 201, "\(posted.text)")
            let postedID = posted.jsonArray.first?["service_request_id"] as? String ?? ""
            let operatorToken = try await app.login("operator")
            let viaAPI = try await app.client.execute(
                uri: "/api/v1/tickets", method: .post, headers: bearer(operatorToken).merging([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"type":"complaint","categoryCode":"0802","title":"垃圾","description":"楼下垃圾三天没清","requester":{"name":"欧阳修远","phone":"13700001111"},"location":{"districtCode":"110108","address":"万寿路2号"},"urgent":false,"channel":"phone"}"#)
            ) { $0.json() }
            let apiID = viaAPI["id"] as? String ?? ""
            let apiNumber = viaAPI["number"] as? String ?? ""
            let postedNumber = posted.jsonArray.first?["token"] as? String ?? ""
            let secrets = ["Wenjing", "Oyang", "13987654321", "139****4321", "wenjing.oyang", "example.org",
                           "欧阳修远", "欧***", "13700001111", "137****1111", "W*"]
            var answers: [String] = []
            for format in ["json", "xml"] {
                for path in ["requests.\(format)", "requests/\(postedID).\(format)", "requests/\(apiID).\(format)",
                             "requests.\(format)?service_request_id=\(postedID),\(apiID)", "tokens/\(postedNumber).\(format)",
                             "tokens/\(apiNumber).\(format)", "services.\(format)", "services/0101.\(format)", "discovery.\(format)"] {
                    let reply = try await Self.get(app, "/open311/v2/\(path)")
                    #expect(reply.status == 200, "\(path)")
                    answers.append(reply.text)
                }
            }
            let list = try await Self.get(app, "/open311/v2/requests.json")
            #expect(Set(list.jsonArray.compactMap { $0["service_request_id"] as? String }) == [postedID, apiID])
            let publicKeys: Set<String> = [
                "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat", "long",
            ]
            #expect(list.jsonArray.allSatisfy { Set($0.keys).isSubset(of: publicKeys) })
            for text in answers {
                for secret in secrets { #expect(!text.contains(secret), "\(secret) leaked") }
            }
            // What the requester wrote stays: the description, with the attribute answered.
            #expect(answers[1].contains("室内太冷"))
            #expect(answers[1].contains("14.5"))
        }
    }

    @Test func formParsingAndXMLEscaping() throws {
        let form = try #require(FormFields("a=1&b=x+y&c=%E4%BD%A0%E5%A5%BD&attribute%5Bplate_number%5D=%E4%BA%ACA&attribute[k][]=1&attribute[k][]=2&empty="))
        #expect(form.first("b") == "x y")
        #expect(form.first("c") == "你好")
        #expect(form.first("empty") == "")
        #expect(form.attributes == ["plate_number": ["京A"], "k": ["1", "2"]])
        #expect(FormFields("a=%zz") == nil)
        #expect(XMLTree.escape("a<b>&\"'\u{1}\u{FFFF}\tz") == "a&lt;b&gt;&amp;&quot;&apos;\tz")
        var out = ""
        XMLTree("r", children: [XMLTree("x", "1 < 2"), XMLTree("e", "")]).render(into: &out)
        #expect(out == "<r>\n  <x>1 &lt; 2</x>\n  <e/>\n</r>\n")
    }
}
