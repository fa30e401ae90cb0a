import HotlineStore
import Testing

@Suite struct CredentialsTests {
    @Test func bcryptHashesVerifyAndTheDecoyNeverMatches() async throws {
        let hasher = PasswordHasher(cost: 10)
        let hash = try await hasher.hash("correct-horse-battery")
        #expect(hash.hasPrefix("$2b$10$"))
        #expect(try await hasher.verify("correct-horse-battery", hash: hash))
        #expect(try await !hasher.verify("wrong-horse-battery", hash: hash))
        #expect(try await !hasher.verify("correct-horse-battery", hash: nil))
        // Salted: the same password hashes differently each time.
        #expect(try await hasher.hash("correct-horse-battery") != hash)
    }

    @Test func tokensAreRandomAndStoredAsDigests() {
        let a = Tokens.random(prefix: Tokens.sessionPrefix)
        let b = Tokens.random(prefix: Tokens.sessionPrefix)
        #expect(a != b)
        #expect(a.hasPrefix("hts_") && a.count == 4 + 43)
        #expect(Tokens.hash(a).count == 64)
        #expect(Tokens.hash(a) == Tokens.hash(a))
        #expect(Tokens.hash(a) != Tokens.hash(b))
    }
}
