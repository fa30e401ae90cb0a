import Foundation
import Hummingbird
import NIOCore

/// The two formats of every Open311 resource, chosen by the path's extension: XML (the spec's required one) and
/// JSON (the spec's array conventions).
enum Open311Format: String, CaseIterable, Sendable {
    case json, xml

    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .xml: "text/xml; charset=utf-8"
        }
    }
}

/// A value that renders in both formats: JSON through `Encodable`, XML through `xml`.
protocol Open311Document: Encodable, Sendable {
    /// The document's XML, without the declaration.
    var xml: XMLTree { get }
}

/// A minimal XML tree, enough for GeoReport's documents; text is escaped when rendered.
struct XMLTree: Sendable {
    var name: String
    var text: String?
    var children: [XMLTree]

    init(_ name: String, _ text: String? = nil) {
        self.name = name
        self.text = text
        self.children = []
    }

    init(_ name: String, children: [XMLTree]) {
        self.name = name
        self.text = nil
        self.children = children
    }

    /// `<name>text</name>` when there is a value; nothing when it is nil.
    static func optional(_ name: String, _ text: String?) -> [XMLTree] {
        text.map { [XMLTree(name, $0)] } ?? []
    }

    func render(into out: inout String, indent: Int = 0) {
        let pad = String(repeating: "  ", count: indent)
        if children.isEmpty {
            if let text, !text.isEmpty {
                out += "\(pad)<\(name)>\(Self.escape(text))</\(name)>\n"
            } else {
                out += "\(pad)<\(name)/>\n"
            }
        } else {
            out += "\(pad)<\(name)>\n"
            for child in children { child.render(into: &out, indent: indent + 1) }
            out += "\(pad)</\(name)>\n"
        }
    }

    /// Escapes markup and drops the characters XML 1.0 cannot carry at all (C0 controls but tab, LF and CR; U+FFFE,
    /// U+FFFF), so the document stays well-formed whatever a ticket's text holds.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Open311Format {
    /// The response for `document` with `status`.
    func response(_ document: some Open311Document, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            data = (try? encoder.encode(document)) ?? Data("[]".utf8)
        case .xml:
            var text = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
            document.xml.render(into: &text)
            data = Data(text.utf8)
        }
        return Response(
            status: status, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Dates as GeoReport wants them: W3C/ISO 8601 with a zone. Shown in Beijing time (+08:00; China has no daylight
/// saving), e.g. `2026-11-20T10:30:00+08:00`.
enum Open311Date {
    static let beijing = TimeZone(secondsFromGMT: 8 * 3600)!

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: beijing))
    }

    /// Parses `2026-11-20T10:30:00+08:00`, `…Z`, with or without fractional seconds; a bare `2026-11-20` is
    /// midnight in Beijing. Nil for anything without a zone.
    static func parse(_ raw: String) -> Date? {
        if let date = try? Date(raw, strategy: .iso8601) { return date }
        if let date = try? Date(raw, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if raw.count == 10,
           let date = try? Date(raw, strategy: Date.ISO8601FormatStyle(timeZone: beijing).year().month().day()) {
            return date
        }
        return nil
    }
}
