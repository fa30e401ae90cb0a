import Foundation
import HotlineCore
import HotlineStore
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// A clock tests set and advance by hand.
public final class TestClock: Sendable {
    private let current: NIOLockedValueBox<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        current = NIOLockedValueBox(start)
    }

    public var now: Date { current.withLockedValue { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLockedValue { $0 += seconds } }
    public var wallClock: WallClock { WallClock { [self] in self.now } }
}

/// The accounts every identity test works with, one per role (two district admins, two street handlers).
public enum Fixtures {
    public static let password = "correct-horse-battery"

    /// username → (role, district, unit)
    public static let accounts: [String: (Role, String?, String?)] = [
        "admin": (.cityAdmin, nil, nil),
        "operator": (.centreOperator, nil, nil),
        "supervisor": (.centreSupervisor, nil, nil),
        "chaoyang": (.districtAdmin, "110105", nil),
        "haidian": (.districtAdmin, "110108", nil),
        "chaoyang-street": (.streetHandler, "110105", "110105001"),
        "haidian-street": (.streetHandler, "110108", "110108001"),
        "housing": (.departmentHandler, nil, "dept.housing"),
        "planner": (.proactivePlanner, nil, nil),
        "analyst": (.analyst, nil, nil),
    ]

    /// Two street units per district of interest, then the accounts above; returns username → id.
    @discardableResult
    public static func seedAccounts(_ config: DatabaseConfiguration) async throws -> [String: UUID] {
        let logger = TestEnvironment.logger
        let hasher = PasswordHasher(cost: 10)
        let streets = [
            Unit(id: "110105001", kind: .street, nameZh: "建外街道", nameEn: "Jianwai Subdistrict", districtCode: DistrictCode("110105"), streetType: .subdistrict),
            Unit(id: "110105002", kind: .street, nameZh: "朝外街道", nameEn: "Chaowai Subdistrict", districtCode: DistrictCode("110105"), streetType: .subdistrict),
            Unit(id: "110108001", kind: .street, nameZh: "万寿路街道", nameEn: "Wanshoulu Subdistrict", districtCode: DistrictCode("110108"), streetType: .subdistrict),
            Unit(id: "110108002", kind: .street, nameZh: "永定路街道", nameEn: "Yongdinglu Subdistrict", districtCode: DistrictCode("110108"), streetType: .subdistrict),
        ]
        return try await config.withOwnerConnection(logger: logger) { connection in
            _ = try await UnitImport.upsert(streets, on: connection, logger: logger)
            var ids: [String: UUID] = [:]
            for (username, (role, district, unit)) in accounts.sorted(by: { $0.key < $1.key }) {
                ids[username] = try await AccountMaintenance.addUser(
                    username: username, displayName: username, password: password, role: role,
                    districtCode: district.flatMap(DistrictCode.init), unitID: unit, hasher: hasher,
                    on: connection, logger: logger)
            }
            return ids
        }
    }

    /// The identity the database sees for a seeded account.
    public static func identity(_ username: String, ids: [String: UUID]) -> Identity {
        let (role, district, unit) = accounts[username]!
        return Identity(
            kind: .user, id: ids[username]!.uuidString.lowercased(), name: username, role: role,
            districtCode: district.flatMap(DistrictCode.init), unitID: unit)
    }
}
