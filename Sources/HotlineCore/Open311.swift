import Foundation

/// Open311 GeoReport v2: the rules of the public interface that need no I/O. How the hotline's tickets look to the
/// ecosystem of 311 apps (docs/open311.md): services are the dispatch catalogue's classes, a service request is a
/// ticket, its public status is `open` until the ticket is closed.
public enum Open311 {
    /// At most this many requests in one list answer (GeoReport v2 allows servers to cap it).
    public static let maxResults = 1000
    /// The longest `start_date`…`end_date` span, and the default window (the last 90 days).
    public static let maxSpanSeconds: TimeInterval = 90 * 86_400
    /// The longest description a client may send (the ticket's own limit).
    public static let maxDescription = 4000

    /// `open` or `closed`: a ticket is open until it is closed; a merged duplicate (并单) is closed.
    public static func publicStatus(_ status: TicketStatus) -> String {
        status.isOpen ? "open" : "closed"
    }

    public enum RangeError: Error, Equatable {
        case endBeforeStart
        case spanTooLong
    }

    /// The `[start, end)` window of a list: both given → as given (at most 90 days); only one → 90 days from or up
    /// to it; neither → the last 90 days up to `now`.
    public static func window(start: Date?, end: Date?, now: Date) throws(RangeError) -> (from: Date, to: Date) {
        switch (start, end) {
        case let (start?, end?):
            guard end >= start else { throw .endBeforeStart }
            guard end.timeIntervalSince(start) <= maxSpanSeconds else { throw .spanTooLong }
            return (start, end)
        case let (start?, nil):
            return (start, start.addingTimeInterval(maxSpanSeconds))
        case let (nil, end?):
            return (end.addingTimeInterval(-maxSpanSeconds), end)
        case (nil, nil):
            // Up to a second past now, so a request made this very second is in the list.
            return (now.addingTimeInterval(-maxSpanSeconds), now.addingTimeInterval(1))
        }
    }

    /// The requester's name from GeoReport's `first_name` and `last_name`: Chinese names family name first with no
    /// space (张 + 三 → 张三), others "first last"; `匿名` (anonymous) when neither is given.
    public static func requesterName(first: String?, last: String?) -> String {
        let first = first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let last = last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if first.isEmpty && last.isEmpty { return "匿名" }
        if first.isEmpty { return last }
        if last.isEmpty { return first }
        let han = (first + last).unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
        return han ? last + first : first + " " + last
    }

    /// The ticket title for a request that has none: the class name, then the start of the description.
    public static func title(className: String, description: String) -> String {
        let text = description.split(whereSeparator: \.isNewline).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard !text.isEmpty else { return className }
        let head = text.unicodeScalars.count <= 60 ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(59))) + "…"
        return "\(className): \(head)"
    }
}

// MARK: service attributes

/// An extra field some services ask for (GeoReport's service definition `attributes`).
public struct ServiceAttribute: Sendable, Equatable {
    /// GeoReport's datatypes.
    public enum Datatype: String, Sendable {
        case string, number, datetime, text, singlevaluelist, multivaluelist
    }

    public var code: String
    public var datatype: Datatype
    public var required: Bool
    public var description: String
    public var datatypeDescription: String
    public var order: Int
    /// For the list datatypes: (key, name).
    public var values: [(key: String, name: String)]

    public init(
        code: String, datatype: Datatype, required: Bool, description: String, datatypeDescription: String = "",
        order: Int, values: [(key: String, name: String)] = []
    ) {
        self.code = code
        self.datatype = datatype
        self.required = required
        self.description = description
        self.datatypeDescription = datatypeDescription
        self.order = order
        self.values = values
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.datatype == rhs.datatype && lhs.required == rhs.required
            && lhs.description == rhs.description && lhs.order == rhs.order
            && lhs.values.map(\.key) == rhs.values.map(\.key) && lhs.values.map(\.name) == rhs.values.map(\.name)
    }
}

/// Which catalogue classes ask for extra fields, and what they are. A static map: the fields a class needs are part
/// of how the centre works a request, so they change with the code that reads them (docs/open311.md).
public enum ServiceAttributes {
    static let yesNo: [(key: String, name: String)] = [("yes", "是 Yes"), ("no", "否 No")]

    public static let byClass: [String: [ServiceAttribute]] = [
        // 室温不达标: the measured indoor temperature decides whether the heating company must act (18 °C standard).
        "0101": [
            ServiceAttribute(
                code: "indoor_temperature", datatype: .number, required: true,
                description: "室内温度（°C）Measured indoor temperature (°C)",
                datatypeDescription: "a number of degrees Celsius, e.g. 16.5", order: 1),
        ],
        // 燃气泄漏及异味: where the smell is.
        "0401": [
            ServiceAttribute(
                code: "gas_smell_location", datatype: .singlevaluelist, required: true,
                description: "异味位置 Where is the gas smell?", order: 1,
                values: [("indoors", "室内 Indoors"), ("outdoors", "室外 Outdoors")]),
        ],
        // 电梯故障: someone trapped makes it an emergency (2 hours).
        "0504": [
            ServiceAttribute(
                code: "people_trapped", datatype: .singlevaluelist, required: true,
                description: "是否有人被困 Is anyone trapped in the lift?", order: 1, values: yesNo),
        ],
        // 违法停车: the plate, if the requester saw it.
        "0701": [
            ServiceAttribute(
                code: "plate_number", datatype: .string, required: false,
                description: "车牌号 Licence plate of the vehicle", order: 1),
        ],
        // 拖欠工资: who owes, and how many are owed.
        "1301": [
            ServiceAttribute(
                code: "employer_name", datatype: .string, required: true,
                description: "用人单位名称 Name of the employer", order: 1),
            ServiceAttribute(
                code: "workers_affected", datatype: .number, required: false,
                description: "涉及人数 Number of workers owed wages", datatypeDescription: "a whole number", order: 2),
        ],
    ]

    public static func of(_ classCode: String) -> [ServiceAttribute] { byClass[classCode] ?? [] }

    /// What the requester answered, checked: the lines to add to the ticket's description (in the attributes'
    /// order), whether an answer makes the request urgent (someone trapped in a lift), and each problem found.
    public static func check(
        _ answers: [String: [String]], classCode: String
    ) -> (lines: [String], urgent: Bool, problems: [String]) {
        let attributes = of(classCode)
        var lines: [String] = []
        var problems: [String] = []
        var urgent = false
        for code in answers.keys.sorted() where !attributes.contains(where: { $0.code == code }) {
            problems.append("attribute[\(code)]: service \(classCode) has no such attribute")
        }
        for attribute in attributes.sorted(by: { $0.order < $1.order }) {
            let given = (answers[attribute.code] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
            guard !given.isEmpty else {
                if attribute.required { problems.append("attribute[\(attribute.code)]: required") }
                continue
            }
            let name = "attribute[\(attribute.code)]"
            if attribute.datatype != .multivaluelist, given.count > 1 {
                problems.append("\(name): give one value")
                continue
            }
            var shown = given
            switch attribute.datatype {
            case .number:
                guard let value = Double(given[0]), value.isFinite else { problems.append("\(name): must be a number"); continue }
                _ = value
            case .datetime:
                guard (try? Date(given[0], strategy: .iso8601)) != nil else {
                    problems.append("\(name): must be a date and time such as 2026-11-20T08:00:00+08:00"); continue
                }
            case .singlevaluelist, .multivaluelist:
                let keys = attribute.values.map(\.key)
                guard given.allSatisfy(keys.contains) else {
                    problems.append("\(name): one of \(keys.joined(separator: ", "))"); continue
                }
                shown = given.map { key in attribute.values.first { $0.key == key }?.name ?? key }
            case .string, .text:
                guard given[0].unicodeScalars.count <= 500 else { problems.append("\(name): at most 500 characters"); continue }
            }
            if attribute.code == "people_trapped", given == ["yes"] { urgent = true }
            lines.append("\(attribute.description): \(shown.joined(separator: ", "))")
        }
        return (lines, urgent, problems)
    }
}

// MARK: placing a request

/// Where an Open311 request without a point goes (docs/open311.md): the district its address names. (A point is
/// placed by the district boundaries, in the intake.)
public enum DistrictPlacement {
    /// The district an address names, by its Chinese name with 区 (朝阳区) or its pinyin as a whole word
    /// (Chaoyang, not Chaoyangmen); the earliest in the text wins. Nil when it names none.
    public static func district(namedIn address: String, districts: [District]) -> DistrictCode? {
        var best: (offset: Int, code: DistrictCode)?
        let folded = address.lowercased()
        for d in districts {
            var candidates: [Int] = []
            if let r = address.range(of: d.nameZh) { candidates.append(address.distance(from: address.startIndex, to: r.lowerBound)) }
            let pinyin = d.namePinyin.lowercased()
            var searchFrom = folded.startIndex
            while let r = folded.range(of: pinyin, range: searchFrom..<folded.endIndex) {
                let before = r.lowerBound == folded.startIndex ? nil : folded[folded.index(before: r.lowerBound)]
                let after = r.upperBound == folded.endIndex ? nil : folded[r.upperBound]
                if !(before?.isLetter ?? false), !(after?.isLetter ?? false) {
                    candidates.append(folded.distance(from: folded.startIndex, to: r.lowerBound))
                    break
                }
                searchFrom = r.upperBound
            }
            if let offset = candidates.min(), offset < (best?.offset ?? Int.max) { best = (offset, d.code) }
        }
        return best?.code
    }
}
