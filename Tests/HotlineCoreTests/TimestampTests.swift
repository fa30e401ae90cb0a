import Foundation
import HotlineCore
import Testing

@Suite struct TimestampTests {
    @Test func knownInstants() {
        #expect(Date(timeIntervalSince1970: 0).iso8601 == "1970-01-01T00:00:00Z")
        #expect(Date(timeIntervalSince1970: 951_782_400).iso8601 == "2000-02-29T00:00:00Z")
        #expect(Date(timeIntervalSince1970: 1_798_761_599.999).iso8601 == "2026-12-31T23:59:59Z")
        #expect(Date(timeIntervalSince1970: -1).iso8601 == "1969-12-31T23:59:59Z")
    }

    /// The direct writer gives what Foundation's ISO 8601 style gives, fractions of a second included (dropped).
    @Test func matchesFoundationsFormatStyle() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // 1900 to 2200, with fractions of a second.
            let t = Double.random(in: -2_208_988_800...7_258_118_400, using: &generator)
            let date = Date(timeIntervalSince1970: t)
            #expect(date.iso8601 == date.formatted(.iso8601), "\(t)")
        }
        for day in stride(from: Int64(-800), through: 80_000, by: 1) {   // every day from 1967 to 2189, at midnight
            let date = Date(timeIntervalSince1970: Double(day * 86_400))
            #expect(date.iso8601 == date.formatted(.iso8601))
        }
    }
}
