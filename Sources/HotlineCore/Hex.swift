extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, two digits a byte: for digests (SHA-256, HMAC) kept as text. A table lookup instead of
    /// `String(format: "%02x")` per byte, which went through `vfprintf` and cost about 5% of an intake's CPU
    /// (docs/benchmarks.md).
    public var lowercaseHex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
