import Crypto
import Foundation
import HotlineCore

/// Encrypts requesters' personal data (AES-256-GCM) and makes the keyed hash that finds repeat callers without
/// decrypting (HMAC-SHA256). Both keys derive (HKDF) from one secret from configuration (`HOTLINE_PII_KEY`, 32
/// bytes, base64): the database alone never holds what is needed to read a name or a phone number.
public struct PersonalDataCipher: Sendable {
    private let encryptionKey: SymmetricKey
    private let hashKey: SymmetricKey

    public enum Failure: Error, CustomStringConvertible {
        case badKey
        case undecryptable
        public var description: String {
            switch self {
            case .badKey: "HOTLINE_PII_KEY must be 32 random bytes, base64-encoded (e.g. `openssl rand -base64 32`)"
            case .undecryptable: "personal data could not be decrypted with the configured key"
            }
        }
    }

    public init(base64Key: String) throws {
        guard let data = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw Failure.badKey
        }
        self.init(keyData: data)
    }

    public init(keyData: Data) {
        let master = SymmetricKey(data: keyData)
        encryptionKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("hotline personal data encryption v1".utf8), outputByteCount: 32)
        hashKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("hotline phone hash v1".utf8), outputByteCount: 32)
    }

    /// A fresh random key, base64 (for tests and first setup).
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    /// nonce ‖ ciphertext ‖ tag. `context` (e.g. "<ticket id>/phone") is authenticated with it, so a ciphertext
    /// moved to another row or column no longer opens.
    public func seal(_ text: String, context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(Data(text.utf8), using: encryptionKey, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Failure.undecryptable }
        return Array(combined)
    }

    public func open(_ sealed: [UInt8], context: String) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed))
            let data = try AES.GCM.open(box, using: encryptionKey, authenticating: Data(context.utf8))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw Failure.undecryptable
        }
    }

    /// Keyed hash of a normalised phone number, hex: equal numbers give equal hashes; without the key it reveals
    /// nothing (a plain hash of an 11-digit number would be brute-forced in seconds).
    public func phoneHash(_ normalizedPhone: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(normalizedPhone.utf8), using: hashKey).lowercaseHex
    }
}
