// SPDX-License-Identifier: Apache-2.0
// BFD Control packets (RFC 5880 §4): golden bytes written by hand from the §4.1-§4.4 layouts, checked both ways;
// one row per §6.8.6 packet-level reception check; and a property-based round trip.

import BFD
import NIOCore
import PropertyBased
import Testing

@Suite("BFD Control packet")
struct BFDControlPacketTests {
    // MARK: Golden bytes

    struct Golden: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var packet: BFDControlPacket
        var testDescription: String { name }
    }

    static let goldens: [Golden] = [
        Golden(
            name: "Down, your discriminator 0, 1 s / 300 ms x3 (§4.1)",
            bytes: [
                0x20, 0x40, 0x03, 0x18,  // version 1, diag 0 | Down, no flags | mult 3 | length 24
                0x00, 0x00, 0x00, 0x01,  // my discriminator
                0x00, 0x00, 0x00, 0x00,  // your discriminator
                0x00, 0x0F, 0x42, 0x40,  // desired min TX 1,000,000 µs
                0x00, 0x04, 0x93, 0xE0,  // required min RX 300,000 µs
                0x00, 0x00, 0x00, 0x00,  // required min echo RX 0
            ],
            packet: BFDControlPacket(
                state: .down, detectMultiplier: 3, myDiscriminator: 1, yourDiscriminator: 0,
                desiredMinTXInterval: 1_000_000, requiredMinRXInterval: 300_000)),
        Golden(
            name: "Up with Poll, diag 3, echo 50 ms (§4.1)",
            bytes: [
                0x23, 0xE0, 0x05, 0x18,  // version 1, diag 3 | Up, P | mult 5 | length 24
                0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04,
                0x00, 0x04, 0x93, 0xE0, 0x00, 0x04, 0x93, 0xE0, 0x00, 0x00, 0xC3, 0x50,
            ],
            packet: BFDControlPacket(
                diagnostic: .neighborSignaledSessionDown, state: .up, poll: true, detectMultiplier: 5,
                myDiscriminator: 0xDEAD_BEEF, yourDiscriminator: 0x0102_0304, desiredMinTXInterval: 300_000,
                requiredMinRXInterval: 300_000, requiredMinEchoRXInterval: 50_000)),
        Golden(
            name: "Init with Final, C and D, diag 7 (§4.1)",
            bytes: [
                0x27, 0x9A, 0x01, 0x18,  // diag 7 | Init, F, C, D | mult 1 | length 24
                0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09,
                0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            ],
            packet: BFDControlPacket(
                diagnostic: .administrativelyDown, state: .`init`, final: true, controlPlaneIndependent: true,
                demand: true, detectMultiplier: 1, myDiscriminator: 7, yourDiscriminator: 9,
                desiredMinTXInterval: .max, requiredMinRXInterval: 0, requiredMinEchoRXInterval: 1)),
        Golden(
            name: "AdminDown with a Simple Password section (§4.2)",
            bytes: [
                0x27, 0x04, 0x03, 0x20,  // diag 7 | AdminDown, A | mult 3 | length 32
                0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x0F, 0x42, 0x40, 0x00, 0x0F, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00,
                0x01, 0x08, 0x07, 0x73, 0x77, 0x69, 0x66, 0x74,  // type 1, len 8, key 7, "swift"
            ],
            packet: BFDControlPacket(
                diagnostic: .administrativelyDown, state: .adminDown, detectMultiplier: 3, myDiscriminator: 2,
                yourDiscriminator: 0, desiredMinTXInterval: 1_000_000, requiredMinRXInterval: 1_000_000,
                authentication: .simplePassword(keyID: 7, password: Array("swift".utf8)))),
        Golden(
            name: "Up with a Keyed MD5 section (§4.3)",
            bytes: [
                0x20, 0xC4, 0x03, 0x30,  // Up, A | length 48
                0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
                0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 0x00, 0x00, 0x00, 0x00,
                0x02, 0x18, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,  // type 2, len 24, key 1, reserved, seq 256
            ] + [UInt8](repeating: 0xAB, count: 16),
            packet: BFDControlPacket(
                state: .up, detectMultiplier: 3, myDiscriminator: 2, yourDiscriminator: 3,
                desiredMinTXInterval: 100_000, requiredMinRXInterval: 100_000,
                authentication: .keyedMD5(keyID: 1, sequenceNumber: 256, digest: [UInt8](repeating: 0xAB, count: 16)))),
        Golden(
            name: "Up with a Meticulous Keyed SHA1 section (§4.4)",
            bytes: [
                0x20, 0xC4, 0x03, 0x34,  // Up, A | length 52
                0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
                0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 0x00, 0x00, 0x00, 0x00,
                0x05, 0x1C, 0x02, 0x00, 0x01, 0x02, 0x03, 0x04,  // type 5, len 28, key 2, reserved, seq
            ] + [UInt8](repeating: 0x11, count: 20),
            packet: BFDControlPacket(
                state: .up, detectMultiplier: 3, myDiscriminator: 2, yourDiscriminator: 3,
                desiredMinTXInterval: 100_000, requiredMinRXInterval: 100_000,
                authentication: .meticulousKeyedSHA1(
                    keyID: 2, sequenceNumber: 0x0102_0304, hash: [UInt8](repeating: 0x11, count: 20)))),
    ]

    @Test("Golden packets decode to their value and encode to their bytes (RFC 5880 §4)", arguments: goldens)
    func golden(_ golden: Golden) throws {
        #expect(try BFDControlPacket(decoding: golden.bytes) == golden.packet)
        #expect(golden.packet.bytes == golden.bytes)
        #expect(golden.packet.encodedLength == golden.bytes.count)
    }

    @Test("The reader consumes the whole datagram; octets after Length are ignored (RFC 5880 §6.8.6)")
    func trailingOctets() throws {
        let golden = Self.goldens[0]
        var buffer = ByteBuffer(bytes: golden.bytes + [0, 0, 0])
        #expect(try buffer.readBFDControlPacket() == golden.packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test("The MD5/SHA1 Reserved octet is ignored on receipt and written as zero (RFC 5880 §4.3)")
    func reservedOctetIgnored() throws {
        var bytes = Self.goldens[4].bytes
        bytes[27] = 0xFF
        let packet = try BFDControlPacket(decoding: bytes)
        #expect(packet == Self.goldens[4].packet)
        #expect(packet.bytes == Self.goldens[4].bytes)
    }

    @Test("A reserved Auth Type is kept verbatim (RFC 5880 §4.1)")
    func unknownAuthentication() throws {
        let bytes: [UInt8] =
            [0x20, 0x44, 0x03, 0x1C, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x40, 0, 0x0F, 0x42, 0x40, 0, 0, 0, 0]
            + [0x09, 0x04, 0xAA, 0xBB]
        let packet = try BFDControlPacket(decoding: bytes)
        #expect(packet.authentication == .unknown(type: 9, data: [0xAA, 0xBB]))
        #expect(packet.bytes == bytes)
    }

    // MARK: Reception checks (RFC 5880 §6.8.6)

    struct Malformed: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var error: BFDPacketError
        var testDescription: String { name }
    }

    /// The first golden (Down, your discriminator 0) with `edit` applied.
    static func down(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = goldens[0].bytes
        edit(&bytes)
        return bytes
    }

    /// The second golden (Up, both discriminators set) with `edit` applied.
    static func up(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = goldens[1].bytes
        edit(&bytes)
        return bytes
    }

    static let malformed: [Malformed] = [
        Malformed(name: "23 octets", bytes: Array(goldens[0].bytes.prefix(23)), error: .truncated(received: 23)),
        Malformed(name: "version 0", bytes: down { $0[0] = 0x00 }, error: .unsupportedVersion(0)),
        Malformed(name: "version 2", bytes: down { $0[0] = 0x40 }, error: .unsupportedVersion(2)),
        Malformed(
            name: "Length 23 with A clear", bytes: down { $0[3] = 23 },
            error: .lengthTooShort(length: 23, minimum: 24)),
        Malformed(
            name: "Length 24 with A set", bytes: down { $0[1] |= 0x04 },
            error: .lengthTooShort(length: 24, minimum: 26)),
        Malformed(
            name: "Length beyond the UDP payload", bytes: down { $0[3] = 25 },
            error: .lengthExceedsPayload(length: 25, received: 24)),
        Malformed(name: "Detect Mult 0", bytes: down { $0[2] = 0 }, error: .zeroDetectMultiplier),
        Malformed(name: "M bit set", bytes: down { $0[1] |= 0x01 }, error: .multipointSet),
        Malformed(name: "My Discriminator 0", bytes: down { $0[7] = 0 }, error: .zeroMyDiscriminator),
        Malformed(
            name: "Your Discriminator 0 in Up", bytes: up { $0[8...11] = [0, 0, 0, 0] },
            error: .zeroYourDiscriminator(state: .up)),
        Malformed(
            name: "Your Discriminator 0 in Init", bytes: down { $0[1] = 0x80 },
            error: .zeroYourDiscriminator(state: .`init`)),
        Malformed(
            name: "An Authentication Section with A clear", bytes: down { $0[3] = 28; $0 += [1, 4, 1, 0x61] },
            error: .authenticationSectionWithoutABit(length: 28)),
        Malformed(
            name: "Auth Len disagrees with Length", bytes: down { $0[1] |= 0x04; $0[3] = 28; $0 += [1, 5, 1, 0x61] },
            error: .malformedAuthentication(type: 1, length: 5)),
        Malformed(
            name: "Simple Password of 0 bytes (§4.2)", bytes: down { $0[1] |= 0x04; $0[3] = 27; $0 += [1, 3, 1] },
            error: .malformedAuthentication(type: 1, length: 3)),
        Malformed(
            name: "Keyed MD5 with Auth Len 28 (§4.3)",
            bytes: down { $0[1] |= 0x04; $0[3] = 52; $0 += [2, 28] + [UInt8](repeating: 0, count: 26) },
            error: .malformedAuthentication(type: 2, length: 28)),
        Malformed(
            name: "Keyed SHA1 with Auth Len 24 (§4.4)",
            bytes: down { $0[1] |= 0x04; $0[3] = 48; $0 += [4, 24] + [UInt8](repeating: 0, count: 22) },
            error: .malformedAuthentication(type: 4, length: 24)),
    ]

    @Test("Packets RFC 5880 §6.8.6 discards are refused with the reason", arguments: malformed)
    func refused(_ row: Malformed) {
        #expect(throws: row.error) { try BFDControlPacket(decoding: row.bytes) }
        var buffer = ByteBuffer(bytes: row.bytes)
        #expect(throws: row.error) { try buffer.readBFDControlPacket() }
        #expect(buffer.readableBytes == row.bytes.count, "a refused packet leaves the reader index alone")
    }

    // MARK: Round trip

    static var authentication: Generator<BFDAuthentication?, AnySequence<Any>> {
        zip(Gen<Int>.int(in: 0...6), Gen<UInt8>.uint8(), Gen<UInt32>.uint32(), Gen<UInt8>.uint8().array(of: 0...20))
            .map { kind, keyID, sequence, bytes -> BFDAuthentication? in
                func sized(_ n: Int) -> [UInt8] { Array((bytes + [UInt8](repeating: 0x5A, count: n)).prefix(n)) }
                switch kind {
                case 0: return nil
                case 1: return .simplePassword(keyID: keyID, password: sized(max(1, min(16, bytes.count))))
                case 2: return .keyedMD5(keyID: keyID, sequenceNumber: sequence, digest: sized(16))
                case 3: return .meticulousKeyedMD5(keyID: keyID, sequenceNumber: sequence, digest: sized(16))
                case 4: return .keyedSHA1(keyID: keyID, sequenceNumber: sequence, hash: sized(20))
                case 5: return .meticulousKeyedSHA1(keyID: keyID, sequenceNumber: sequence, hash: sized(20))
                default: return .unknown(type: 6 + keyID % 250, data: bytes)
                }
            }.eraseToAny()
    }

    static var packet: Generator<BFDControlPacket, AnySequence<Any>> {
        zip(
            Gen<UInt8>.uint8(in: 0...31), Gen<UInt8>.uint8(in: 0...3), Gen<UInt8>.uint8(in: 0...15),
            Gen<UInt8>.uint8(in: 1...255), Gen<UInt32>.uint32(in: 1...UInt32.max), Gen<UInt32>.uint32(),
            zip(Gen<UInt32>.uint32(), Gen<UInt32>.uint32(), Gen<UInt32>.uint32()), authentication
        ).map { diag, stateBits, flags, multiplier, my, your, intervals, authentication in
            let state = BFDState(rawValue: stateBits)!
            // §6.8.6: Your Discriminator may be 0 only in Down and AdminDown.
            let your = your == 0 && (state == .`init` || state == .up) ? 1 : your
            return BFDControlPacket(
                diagnostic: BFDDiagnostic(rawValue: diag), state: state, poll: flags & 1 != 0,
                final: flags & 2 != 0, controlPlaneIndependent: flags & 4 != 0, demand: flags & 8 != 0,
                detectMultiplier: multiplier, myDiscriminator: my, yourDiscriminator: your,
                desiredMinTXInterval: intervals.0, requiredMinRXInterval: intervals.1,
                requiredMinEchoRXInterval: intervals.2, authentication: authentication)
        }.eraseToAny()
    }

    @Test("decode(encode(p)) == p for generated packets (RFC 5880 §4)")
    func roundTrip() async {
        await propertyCheck(count: 500, input: Self.packet) { packet in
            let bytes = packet.bytes
            #expect(bytes.count == packet.encodedLength)
            #expect(Int(bytes[3]) == bytes.count, "Length covers the whole packet")
            #expect(bytes[1] & 0x01 == 0, "M is never set (§6.8.7)")
            #expect((try? BFDControlPacket(decoding: bytes)) == packet)
        }
    }
}
