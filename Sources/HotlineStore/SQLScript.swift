/// Splits a SQL script into single statements, because PostgresNIO sends one statement per query.
///
/// A `;` ends a statement only outside quotes and comments. The scanner knows PostgreSQL's lexical forms that can
/// hide a semicolon: `'…'` strings (with `''`), `E'…'` strings (with backslash escapes), `"…"` identifiers,
/// `$tag$…$tag$` dollar quotes (function bodies), `-- …` line comments and nested `/* … */` block comments.
/// Statements holding only comments and white space are dropped. psql meta-commands (`\…`) are not supported.
public enum SQLScript {
    public static func split(_ script: String) -> [String] {
        let bytes = Array(script.utf8)
        var statements: [String] = []
        var start = 0
        var hasCode = false
        var i = 0
        let n = bytes.count

        func emit(upTo end: Int) {
            if hasCode {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                let trimmed = text.trimmingWhitespace()
                if !trimmed.isEmpty { statements.append(trimmed) }
            }
            hasCode = false
        }

        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "-") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "-"):
                while i < n && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "/") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "*"):
                var depth = 1
                i += 2
                while i < n && depth > 0 {
                    if bytes[i] == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "*") {
                        depth += 1; i += 2
                    } else if bytes[i] == UInt8(ascii: "*") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/") {
                        depth -= 1; i += 2
                    } else {
                        i += 1
                    }
                }
                continue
            case UInt8(ascii: "'"):
                hasCode = true
                let backslashEscapes = i > 0 && (bytes[i - 1] == UInt8(ascii: "E") || bytes[i - 1] == UInt8(ascii: "e"))
                    && !(i > 1 && isIdentifierByte(bytes[i - 2]))
                i += 1
                while i < n {
                    if backslashEscapes && bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if bytes[i] == UInt8(ascii: "'") {
                        if i + 1 < n && bytes[i + 1] == UInt8(ascii: "'") { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                continue
            case UInt8(ascii: "\""):
                hasCode = true
                i += 1
                while i < n {
                    if bytes[i] == UInt8(ascii: "\"") {
                        if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                continue
            case UInt8(ascii: "$"):
                hasCode = true
                // `$tag$` opens a dollar quote unless `$` follows an identifier character (then it is part of a
                // name such as `a$b`) or starts a positional parameter (`$1`).
                if let tagEnd = dollarTagEnd(bytes, from: i), !(i > 0 && isIdentifierByte(bytes[i - 1])) {
                    let tag = bytes[i...tagEnd]
                    var j = tagEnd + 1
                    var closed = false
                    while j < n {
                        if bytes[j] == UInt8(ascii: "$"), j + tag.count <= n, bytes[j..<(j + tag.count)].elementsEqual(tag) {
                            j += tag.count
                            closed = true
                            break
                        }
                        j += 1
                    }
                    i = closed ? j : n
                    continue
                }
                i += 1
                continue
            case UInt8(ascii: ";"):
                emit(upTo: i)
                i += 1
                start = i
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                i += 1
                continue
            default:
                hasCode = true
                i += 1
            }
        }
        emit(upTo: n)
        return statements
    }

    /// If `bytes[i]` opens a dollar-quote tag (`$$` or `$name$`), the index of its closing `$`.
    private static func dollarTagEnd(_ bytes: [UInt8], from i: Int) -> Int? {
        var j = i + 1
        guard j < bytes.count else { return nil }
        if bytes[j] == UInt8(ascii: "$") { return j }
        // A tag starts with a letter or underscore (so `$1` is a parameter), then letters, digits, underscores.
        guard isIdentifierStart(bytes[j]) else { return nil }
        while j < bytes.count && (isIdentifierStart(bytes[j]) || (bytes[j] >= 48 && bytes[j] <= 57)) { j += 1 }
        return j < bytes.count && bytes[j] == UInt8(ascii: "$") ? j : nil
    }

    private static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 128
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= 48 && b <= 57) || b == 36
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
