/// Requesters' personal data: validation and masking. Encryption is the store's job (`PersonalDataCipher`).
public enum PersonalData {
    /// A phone number reduced to digits, with a leading `+86`/`0086` country code removed; nil when it is not a
    /// plausible Chinese number (mobile `1[3-9]` + 9 digits, or a landline of 10–12 digits with its `0` area
    /// code, or an 8-digit Beijing local number).
    public static func normalizedPhone(_ raw: String) -> String? {
        var digits = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case " ", "-", "(", ")", "+": continue
            default: return nil
            }
        }
        if raw.trimmingLeadingSpaces.hasPrefix("+86") || digits.hasPrefix("0086") {
            digits = String(digits.dropFirst(digits.hasPrefix("0086") ? 4 : 2))
        }
        let bytes = Array(digits.utf8)
        if bytes.count == 11, bytes[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(bytes[1]) { return digits }
        if bytes.first == UInt8(ascii: "0"), (10...12).contains(bytes.count) { return digits }
        if bytes.count == 8, bytes.first != UInt8(ascii: "0") { return digits }
        return nil
    }

    /// `138****5678`: the first three and last four digits (fewer for short numbers), the rest as `*`.
    public static func maskPhone(_ phone: String) -> String {
        let chars = Array(phone)
        let keepHead = chars.count >= 11 ? 3 : 2
        let keepTail = chars.count >= 8 ? 4 : 2
        guard chars.count > keepHead + keepTail else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(keepHead)) + String(repeating: "*", count: chars.count - keepHead - keepTail)
            + String(chars.suffix(keepTail))
    }

    /// `张*` / `欧***` / `J***`: the first character, the rest as `*`.
    public static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }
}

extension String {
    var trimmingLeadingSpaces: Substring { drop(while: { $0 == " " }) }
}
