// SPDX-License-Identifier: Apache-2.0
// What one fake speaker says about itself in OPEN, and the timing that follows from the DUT's answer.

import BGPWire
import NIOCore

/// Our side of one session: AS, hold time, identifier.
struct SpeakerSettings: Sendable {
    var localAS: UInt32
    var remoteAS: UInt32
    var holdTime: UInt16
    /// BGP Identifier; also the source address and the NEXT_HOP of announced routes.
    var address: IPAddress

    /// OPEN with 4-octet AS (RFC 6793), MP IPv4 unicast (RFC 4760) and route refresh (RFC 2918).
    var open: OpenMessage {
        OpenMessage(
            asNumber: localAS, holdTime: holdTime, bgpIdentifier: address,
            capabilities: [.multiprotocol(.ipv4Unicast), .routeRefresh, .fourOctetAS(localAS)])
    }

    /// The encoded OPEN, built once per connection.
    func openBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        buffer.writeBGPMessage(.open(open), context: .beforeOpen)
        return buffer
    }
}

/// What the OPEN exchange settled (RFC 4271 §4.2 hold time, RFC 6793 4-octet AS).
struct NegotiatedTiming: Sendable {
    /// Negotiated hold time in seconds; 0 means no keepalives (RFC 4271 §4.4).
    var holdTime: UInt16
    var encode: EncodeContext

    init(ours: OpenMessage, theirs: OpenMessage) {
        holdTime = min(ours.holdTime, theirs.holdTime)
        let theirFourOctet = theirs.capabilities.contains { if case .fourOctetAS = $0 { true } else { false } }
        encode = EncodeContext(fourOctetAS: theirFourOctet)
    }

    /// RFC 4271 §10: KeepaliveTime is one third of the hold time.
    var keepaliveInterval: TimeAmount? {
        holdTime == 0 ? nil : .milliseconds(Int64(holdTime) * 1000 / 3)
    }
}

extension ByteBuffer {
    /// A KEEPALIVE: 16 octets of ones, length 19, type 4. Shared by every session; writing it copies nothing.
    static let bgpKeepalive: ByteBuffer = {
        var buffer = ByteBuffer()
        buffer.writeBGPMessage(.keepalive, context: .beforeOpen)
        return buffer
    }()
}
