import Foundation

/// The time, injected: deadlines, expiries and throttling read it from here, and tests pin or advance it instead of
/// sleeping.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    public var now: Date { read() }

    /// The machine's clock.
    public static let system = WallClock { Date() }
}
