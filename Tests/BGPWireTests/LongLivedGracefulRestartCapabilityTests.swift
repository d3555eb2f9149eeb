// SPDX-License-Identifier: Apache-2.0
// The Long-Lived Graceful Restart capability (code 71, RFC 9494 §3.1) byte for byte: tuples of AFI, SAFI, flags and
// a 24-bit stale time, zero tuples (BIRD's "aware" form), reserved flag bits kept but not read, our own tuples
// clamped to 24 bits, and every length that is not a multiple of 7 refused as a malformed OPEN (2/0).

import BGPTestSupport
import BGPWire
import NIOCore
import Testing

@Suite("Long-Lived Graceful Restart capability (RFC 9494 §3.1)")
struct LongLivedGracefulRestartCapabilityTests {
    typealias B = MessageBytes

    static func open(_ capability: [UInt8]) throws -> OpenMessage {
        try MalformedOpenTests.open(MalformedOpenTests.openWith(capability: capability))
    }

    /// The OPEN carrying `capabilities`, encoded (so the TLVs can be compared with the bytes they came from).
    static func encoded(_ capabilities: [Capability]) -> [UInt8] {
        var buffer = ByteBuffer()
        let open = OpenMessage(myAS: 65001, holdTime: 90, bgpIdentifier: IPAddress("192.0.2.1")!, optionalParameters: [capabilities])
        buffer.writeBGPMessage(.open(open), context: .beforeOpen)
        return Array(buffer: buffer)
    }

    @Test("Two tuples: IPv4 unicast with F and 3600 s, IPv6 unicast without F and the largest time; both ways")
    func twoTuples() throws {
        let value: [UInt8] = [0, 1, 1, 0x80, 0x00, 0x0E, 0x10, 0, 2, 1, 0x00, 0xFF, 0xFF, 0xFF]
        let bytes = B.capability(code: 71, value: value)
        let expected = Capability.longLivedGracefulRestart([
            LongLivedGracefulRestartEntry(family: .ipv4Unicast, forwardingPreserved: true, staleTime: 3600),
            LongLivedGracefulRestartEntry(family: .ipv6Unicast, forwardingPreserved: false, staleTime: 0xFF_FFFF),
        ])
        #expect(try Self.open(bytes).capabilities == [expected])
        #expect(expected.valueBytes == value)
        #expect(Self.encoded([expected]) == MalformedOpenTests.openWith(capability: bytes))
    }

    @Test("Zero tuples: a helper that asks nobody to keep its routes (BIRD 'long lived graceful restart aware')")
    func empty() throws {
        #expect(try Self.open(B.capability(code: 71, value: [])).capabilities == [.longLivedGracefulRestart([])])
        #expect(Capability.longLivedGracefulRestart([]).valueBytes == [])
    }

    @Test("Reserved flag bits are kept verbatim but not read: only 0x80 is the F bit (RFC 9494 §3.1)")
    func reservedBits() throws {
        let open = try Self.open(B.capability(code: 71, value: [0, 1, 1, 0x7F, 0, 0, 60]))
        guard case .longLivedGracefulRestart(let entries) = open.capabilities.first else {
            Issue.record("decoded \(open.capabilities)")
            return
        }
        #expect(entries.map(\.forwardingPreserved) == [false])
        #expect(entries.map(\.staleTime) == [60])
        #expect(Capability.longLivedGracefulRestart(entries).valueBytes == [0, 1, 1, 0x7F, 0, 0, 60])
    }

    @Test("Our tuples: reserved bits zero, a stale time above 24 bits clamped rather than wrapped")
    func ownTuples() {
        let entry = LongLivedGracefulRestartEntry(family: .ipv4Unicast, forwardingPreserved: true, staleTime: 0x100_0000)
        #expect(entry.flags == 0x80)
        #expect(entry.staleTime == LongLivedGracefulRestartEntry.maximumStaleTime)
        #expect(LongLivedGracefulRestartEntry(family: .ipv4Unicast, forwardingPreserved: false, staleTime: 1).flags == 0)
    }

    @Test("A length that is not a multiple of 7 is a malformed OPEN, 2/0 (RFC 9494 §3.1, RFC 5492 §4)", arguments: [1, 3, 6, 8, 13, 15])
    func malformedLength(_ length: Int) {
        let bytes = MalformedOpenTests.openWith(capability: B.capability(code: 71, value: Array(repeating: 1, count: length)))
        #expect(MalformedDecode.thrown(bytes, context: .beforeOpen) == MalformedOpenTests.malformed)
    }
}
