// SPDX-License-Identifier: Apache-2.0
// The optional Authentication Section of a BFD Control packet (RFC 5880 §4.2-§4.4), parsed into its fields and
// kept as bytes. Checking digests and sequence numbers (§6.7) is not done here: it needs keys, which are
// configuration, and Swiftlet does not configure BFD authentication yet.

/// An Authentication Section (RFC 5880 §4.1: "Auth Type | Auth Len | Authentication Data").
///
/// Simple Password (§4.2):                   | Type=1 | Len | Key ID | Password (1-16) |
/// Keyed / Meticulous Keyed MD5 (§4.3):      | Type=2,3 | Len=24 | Key ID | Reserved | Sequence (4) | Digest (16) |
/// Keyed / Meticulous Keyed SHA1 (§4.4):     | Type=4,5 | Len=28 | Key ID | Reserved | Sequence (4) | Hash (20) |
public enum BFDAuthentication: Hashable, Sendable {
    case simplePassword(keyID: UInt8, password: [UInt8])
    case keyedMD5(keyID: UInt8, sequenceNumber: UInt32, digest: [UInt8])
    case meticulousKeyedMD5(keyID: UInt8, sequenceNumber: UInt32, digest: [UInt8])
    case keyedSHA1(keyID: UInt8, sequenceNumber: UInt32, hash: [UInt8])
    case meticulousKeyedSHA1(keyID: UInt8, sequenceNumber: UInt32, hash: [UInt8])
    /// A reserved Auth Type (0, 6-255): its data after Auth Type and Auth Len, verbatim.
    case unknown(type: UInt8, data: [UInt8])

    /// Auth Type values (RFC 5880 §4.1).
    public static let simplePasswordType: UInt8 = 1
    public static let keyedMD5Type: UInt8 = 2
    public static let meticulousKeyedMD5Type: UInt8 = 3
    public static let keyedSHA1Type: UInt8 = 4
    public static let meticulousKeyedSHA1Type: UInt8 = 5
    /// §4.2: the password is 1 to 16 bytes.
    public static let passwordLengths = 1...16
    /// §4.3: "Auth Len ... is 24"; §4.4: "is 28".
    public static let md5SectionLength = 24
    public static let sha1SectionLength = 28

    public var type: UInt8 {
        switch self {
        case .simplePassword: Self.simplePasswordType
        case .keyedMD5: Self.keyedMD5Type
        case .meticulousKeyedMD5: Self.meticulousKeyedMD5Type
        case .keyedSHA1: Self.keyedSHA1Type
        case .meticulousKeyedSHA1: Self.meticulousKeyedSHA1Type
        case .unknown(let type, _): type
        }
    }

    /// Auth Len: the whole section, Auth Type and Auth Len included.
    public var encodedLength: Int { encoded.count }

    /// Parses a section: `section` is every octet after the mandatory 24, as the packet's Length says.
    init(section: [UInt8]) throws(BFDPacketError) {
        let type = section[0]
        let length = Int(section[1])
        // Auth Len must describe exactly the octets Length left for the section.
        guard length == section.count else { throw .malformedAuthentication(type: type, length: length) }
        switch type {
        case Self.simplePasswordType:
            guard Self.passwordLengths.contains(length - 3) else {
                throw .malformedAuthentication(type: type, length: length)
            }
            self = .simplePassword(keyID: section[2], password: Array(section[3...]))
        case Self.keyedMD5Type, Self.meticulousKeyedMD5Type, Self.keyedSHA1Type, Self.meticulousKeyedSHA1Type:
            let isMD5 = type == Self.keyedMD5Type || type == Self.meticulousKeyedMD5Type
            guard length == (isMD5 ? Self.md5SectionLength : Self.sha1SectionLength) else {
                throw .malformedAuthentication(type: type, length: length)
            }
            // §4.3/§4.4: the Reserved octet "MUST be set to zero on transmit, and ignored on receipt".
            let keyID = section[2]
            let sequence = section[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let value = Array(section[8...])
            switch type {
            case Self.keyedMD5Type: self = .keyedMD5(keyID: keyID, sequenceNumber: sequence, digest: value)
            case Self.meticulousKeyedMD5Type:
                self = .meticulousKeyedMD5(keyID: keyID, sequenceNumber: sequence, digest: value)
            case Self.keyedSHA1Type: self = .keyedSHA1(keyID: keyID, sequenceNumber: sequence, hash: value)
            default: self = .meticulousKeyedSHA1(keyID: keyID, sequenceNumber: sequence, hash: value)
            }
        default:
            self = .unknown(type: type, data: Array(section[2...]))
        }
    }

    /// The section's bytes. Values of the wrong size are our own misuse and stop the process.
    var encoded: [UInt8] {
        func sequenced(_ keyID: UInt8, _ sequence: UInt32, _ value: [UInt8], size: Int) -> [UInt8] {
            precondition(value.count == size, "BFD auth type \(type) needs a \(size)-byte value")
            let body: [UInt8] = [keyID, 0, UInt8(sequence >> 24), UInt8(sequence >> 16 & 0xFF),
                                 UInt8(sequence >> 8 & 0xFF), UInt8(sequence & 0xFF)] + value
            return [type, UInt8(body.count + 2)] + body
        }
        switch self {
        case .simplePassword(let keyID, let password):
            precondition(Self.passwordLengths.contains(password.count), "BFD simple password must be 1-16 bytes")
            return [type, UInt8(password.count + 3), keyID] + password
        case .keyedMD5(let keyID, let sequence, let digest), .meticulousKeyedMD5(let keyID, let sequence, let digest):
            return sequenced(keyID, sequence, digest, size: 16)
        case .keyedSHA1(let keyID, let sequence, let hash), .meticulousKeyedSHA1(let keyID, let sequence, let hash):
            return sequenced(keyID, sequence, hash, size: 20)
        case .unknown(let type, let data):
            precondition(data.count <= 255 - BFDControlPacket.mandatoryLength - 2, "BFD auth data too long")
            return [type, UInt8(data.count + 2)] + data
        }
    }
}
