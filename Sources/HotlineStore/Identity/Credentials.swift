import Crypto
import Foundation
import HotlineCore
import HummingbirdBcrypt
import NIOPosix

/// Password hashing (bcrypt) and bearer secrets (random tokens stored only as SHA-256).
public struct PasswordHasher: Sendable {
    /// bcrypt's cost: 2^cost rounds. 12 by default (about a quarter second here); at least 10.
    public let cost: UInt8
    /// A hash of a random password, verified against when a login names no account, so that "no such user" takes
    /// as long as "wrong password".
    private let decoy: String

    public init(cost: UInt8 = 12) {
        precondition(cost >= 10 && cost <= 31, "bcrypt cost must be 10...31")
        self.cost = cost
        self.decoy = Bcrypt.hash(Tokens.random(prefix: "decoy_"), cost: cost)
    }

    /// Hashes off the event loops (bcrypt is deliberately slow).
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks a password against a stored hash, or against the decoy when there is none (always false then).
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let decoy = self.decoy
        return try await NIOThreadPool.singleton.runIfActive {
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return hash != nil && matches
        }
    }
}

/// Random bearer secrets: a readable prefix (`hts_` login token, `hlk_` API key) and 256 random bits, base64url.
public enum Tokens {
    public static let sessionPrefix = "hts_"
    public static let apiKeyPrefix = "hlk_"

    public static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = generator.next() }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + base64
    }

    /// What the database stores and looks up: hex SHA-256 of the whole secret.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).lowercaseHex
    }
}
