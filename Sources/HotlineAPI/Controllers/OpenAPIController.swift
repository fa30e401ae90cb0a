import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The API's contract, `docs/openapi.yaml` (OpenAPI 3.1), as the server was started with it.
///
/// | method | path          | answer                                                             |
/// |--------|---------------|--------------------------------------------------------------------|
/// | GET    | /openapi.yaml | the document                                                       |
/// | GET    | /docs         | a readable page: every operation with its summary, then the document |
///
/// The file is read once, when the router is built; when it cannot be read both answer 404.
struct OpenAPIController {
    let document: String?

    init(path: String) {
        document = try? String(contentsOfFile: path, encoding: .utf8)
    }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/openapi.yaml", use: yaml)
        router.get("/docs", use: page)
    }

    @Sendable func yaml(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard let document else { throw Problem.notFound("The OpenAPI document is not installed on this server.") }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: document)))
    }

    @Sendable func page(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard let document else { throw Problem.notFound("The OpenAPI document is not installed on this server.") }
        var rows = ""
        for op in Self.operations(document) {
            rows += "<tr><td class=m>\(op.method.uppercased())</td><td><code>\(Self.html(op.path))</code></td><td>\(Self.html(op.summary))</td></tr>\n"
        }
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Hotline API</title>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em}
            table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
            td.m{font-weight:600;font-family:monospace}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:13px}</style></head>
            <body><h1>Hotline API</h1>
            <p>The contract of every route, OpenAPI 3.1: <a href="/openapi.yaml">/openapi.yaml</a>. Everything under
            <code>/api/v1</code> but the login needs <code>Authorization: Bearer &lt;token or API key&gt;</code>; errors are
            <code>application/problem+json</code>. <code>/open311/v2</code> is Open311 GeoReport v2.</p>
            <table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
            \(rows)</tbody></table>
            <h2>The document</h2><pre>\(Self.html(document))</pre></body></html>
            """
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8",
                      .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Method, path and summary of every operation, read off the document's layout (paths at two spaces, methods at
    /// four, in block or flow style). The tests use the same reading to hold the document and the router in step.
    static func operations(_ document: String) -> [(method: String, path: String, summary: String)] {
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        var result: [(method: String, path: String, summary: String)] = []
        var path: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line == "paths:"
                path = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let text = line.dropFirst(4)
                guard let colon = text.firstIndex(of: ":"), methods.contains(String(text[..<colon])) else { continue }
                result.append((String(text[..<colon]), path, Self.summary(inline: String(text[colon...]))))
            } else if line.hasPrefix("      summary: "), let last = result.indices.last, result[last].summary.isEmpty {
                result[last].summary = Self.unquote(String(line.dropFirst("      summary: ".count)))
            }
        }
        return result
    }

    static func summary(inline text: String) -> String {
        guard let r = text.range(of: "summary: ") else { return "" }
        let rest = text[r.upperBound...]
        if rest.hasPrefix("\"") {
            let body = rest.dropFirst()
            return String(body[..<(body.firstIndex(of: "\"") ?? body.endIndex)])
        }
        return String(rest[..<(rest.firstIndex(of: ",") ?? rest.endIndex)])
    }

    static func unquote(_ s: String) -> String {
        guard s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 else { return s }
        return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
    }

    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
}
