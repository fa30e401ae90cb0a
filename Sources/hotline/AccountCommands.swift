import ArgumentParser
import Foundation
import HotlineCore
import HotlineStore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `hotline user add|disable`: accounts, for the people who run the machine (as the owner role).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage user accounts.", subcommands: [Add.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from standard input (or prompted for), never from an argument.")

        @OptionGroup var common: CommonOptions
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Login name: lowercase letters, digits, . _ -") var username: String
        @Option(help: "Role: \(Role.allCases.map(\.rawValue).joined(separator: ", "))") var role: String
        @Option(help: "District code, for district_admin and street_handler") var district: String?
        @Option(help: "Unit id, for street_handler and department_handler") var unit: String?
        @Option(help: "Name shown in the timeline (default: the username)") var displayName: String?
        @Option(help: "bcrypt cost. [HOTLINE_BCRYPT_COST, default 12]") var bcryptCost: Int?

        func run() async throws {
            let logger = try common.makeLogger(label: "hotline.user")
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role \(role)") }
            var districtCode: DistrictCode?
            if let district {
                guard let code = DistrictCode(district) else { throw ValidationError("\(district) is not a district code") }
                districtCode = code
            }
            let password = try readPassword()
            let hasher = PasswordHasher(cost: try bcryptCostValue(bcryptCost))
            let id = try await db.configuration().withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.inTransaction(connection, logger: logger) {
                    try await AccountMaintenance.addUser(
                        username: username, displayName: displayName ?? username, password: password, role: role,
                        districtCode: districtCode, unitID: unit, hasher: hasher, on: connection, logger: logger)
                }
            }
            print("user \(username) added (\(role.rawValue)), id \(id.uuidString.lowercased())")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user; their tokens stop working at once.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Login name") var username: String

        func run() async throws {
            let logger = try common.makeLogger(label: "hotline.user")
            try await db.configuration().withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.disableUser(username: username, on: connection, logger: logger)
            }
            print("user \(username) disabled")
        }
    }
}

/// `hotline client add|revoke`: machine clients (the hotline centre's systems) with API keys.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage machine clients and their API keys.", subcommands: [Add.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a client and print its API key once.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Client name: lowercase letters, digits, . _ -") var name: String
        @Option(help: "Role (city-level): centre_operator, centre_supervisor, city_admin, proactive_planner, analyst")
        var role: String = "centre_operator"

        func run() async throws {
            let logger = try common.makeLogger(label: "hotline.client")
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role \(role)") }
            let created = try await db.configuration().withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.addClient(name: name, role: role, on: connection, logger: logger)
            }
            FileHandle.standardError.write(Data("client \(name) added (\(role.rawValue)); its API key, shown only now:\n".utf8))
            print(created.key)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a client's API key.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Client name") var name: String

        func run() async throws {
            let logger = try common.makeLogger(label: "hotline.client")
            let revoked = try await db.configuration().withOwnerConnection(logger: logger) { connection in
                try await AccountMaintenance.revokeClient(name: name, on: connection, logger: logger)
            }
            guard revoked else { throw CommandFailure("no live client named \(name)") }
            print("client \(name) revoked")
        }
    }
}

func bcryptCostValue(_ option: Int?) throws -> UInt8 {
    UInt8(try intSetting(option, "BCRYPT_COST", 12, in: 10...16))
}

/// A password from a prompt without echo (terminal) or from the first line of standard input (scripts).
func readPassword() throws -> String {
    if isatty(STDIN_FILENO) != 0 {
        guard let first = getpass("Password: ").map({ String(cString: $0) }),
              let second = getpass("Again: ").map({ String(cString: $0) }) else {
            throw CommandFailure("no password given")
        }
        guard first == second else { throw CommandFailure("the passwords differ") }
        return first
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw CommandFailure("give the password on standard input")
    }
    return line
}

/// A command that could not do its work (as opposed to wrong arguments): printed as `Error: …`, without usage.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
