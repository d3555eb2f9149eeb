// SPDX-License-Identifier: Apache-2.0
// The misbehaviour table: name → bytes → what RFC 4271 / RFC 7606 / RFC 6608 say the DUT must answer. A new case
// is one row.

import BGPWire

/// What the DUT should do with a case's bytes.
enum ExpectedOutcome: Sendable, Hashable {
    /// A NOTIFICATION with this code and subcode; `data` checked only when given.
    case notification(code: UInt8, subcode: UInt8, data: [UInt8]?)
    /// No NOTIFICATION and the session still answers (RFC 7606 treat-as-withdraw or attribute discard).
    case sessionKept

    var text: String {
        switch self {
        case .notification(let code, let subcode, let data):
            "notification \(code)/\(subcode)" + (data.map { " data \($0.hexString.isEmpty ? "(empty)" : $0.hexString)" } ?? "")
        case .sessionKept: "session kept"
        }
    }
}

/// What a case's byte builder may use from the session.
struct CaseContext: Sendable {
    var settings: SpeakerSettings
    var timing: NegotiatedTiming
    /// A host route to announce, unique per case.
    var route: IPAddress

    var fourOctetAS: Bool { timing.encode.fourOctetAS }

    /// ORIGIN IGP, AS_PATH [our AS], NEXT_HOP our address: a valid attribute block for eBGP.
    var validAttributes: [UInt8] {
        RawBGP.origin(0) + RawBGP.asPath([settings.localAS], fourOctet: fourOctetAS) + RawBGP.nextHop(settings.address)
    }
}

struct MisbehaviourCase: Sendable {
    var name: String
    var reference: String
    var expected: ExpectedOutcome
    var bytes: @Sendable (CaseContext) -> [UInt8]

    static let all: [MisbehaviourCase] = [
        MisbehaviourCase(
            name: "bad-marker", reference: "RFC 4271 §6.1 Connection Not Synchronized",
            expected: .notification(code: 1, subcode: 1, data: nil)
        ) { _ in RawBGP.message(type: 4, marker: [0x00] + [UInt8](repeating: 0xFF, count: 15)) },

        MisbehaviourCase(
            name: "bad-length", reference: "RFC 4271 §6.1 Bad Message Length (Length 18)",
            expected: .notification(code: 1, subcode: 2, data: [0x00, 0x12])
        ) { _ in RawBGP.message(type: 4, length: 18) },

        MisbehaviourCase(
            name: "bad-type", reference: "RFC 4271 §6.1 Bad Message Type (type 9)",
            expected: .notification(code: 1, subcode: 3, data: [0x09])
        ) { _ in RawBGP.message(type: 9) },

        MisbehaviourCase(
            name: "short-update", reference: "RFC 4271 §6.1 Bad Message Length (UPDATE of 22 octets)",
            expected: .notification(code: 1, subcode: 2, data: [0x00, 0x16])
        ) { _ in RawBGP.message(type: 2, body: [0, 0, 0]) },

        MisbehaviourCase(
            name: "withdrawn-overrun", reference: "RFC 4271 §6.3 Malformed Attribute List (Withdrawn Routes Length too large)",
            expected: .notification(code: 3, subcode: 1, data: nil)
        ) { _ in RawBGP.message(type: 2, body: RawBGP.updateBody(withdrawnLength: 16, attributes: [], nlri: [])) },

        MisbehaviourCase(
            name: "bad-origin", reference: "RFC 7606 §7.1 ORIGIN value 5: treat-as-withdraw",
            expected: .sessionKept
        ) { c in
            let attributes = RawBGP.origin(5) + RawBGP.asPath([c.settings.localAS], fourOctet: c.fourOctetAS)
                + RawBGP.nextHop(c.settings.address)
            return RawBGP.message(type: 2, body: RawBGP.updateBody(attributes: attributes, nlri: RawBGP.host(c.route)))
        },

        MisbehaviourCase(
            name: "dup-mp-reach", reference: "RFC 7606 §3 (g) MP_REACH_NLRI twice: Malformed Attribute List",
            expected: .notification(code: 3, subcode: 1, data: nil)
        ) { c in
            let reach = RawBGP.mpReachIPv4(nextHop: c.settings.address, nlri: RawBGP.host(c.route))
            let attributes = reach + reach + RawBGP.origin(0)
                + RawBGP.asPath([c.settings.localAS], fourOctet: c.fourOctetAS)
            return RawBGP.message(type: 2, body: RawBGP.updateBody(attributes: attributes, nlri: []))
        },

        MisbehaviourCase(
            name: "unknown-wellknown",
            reference: "RFC 4271 §6.3 Unrecognized Well-known Attribute (type 200, flags 0x40), Data = the attribute",
            expected: .notification(code: 3, subcode: 2, data: [0x40, 200, 2, 0xAB, 0xCD])
        ) { c in
            let attributes = c.validAttributes + RawBGP.attribute(flags: 0x40, code: 200, value: [0xAB, 0xCD])
            return RawBGP.message(type: 2, body: RawBGP.updateBody(attributes: attributes, nlri: RawBGP.host(c.route)))
        },

        MisbehaviourCase(
            name: "nlri-length-33", reference: "RFC 7606 §5.3 / RFC 4271 §6.3 Invalid Network Field (/33)",
            expected: .notification(code: 3, subcode: 10, data: nil)
        ) { c in
            RawBGP.message(type: 2, body: RawBGP.updateBody(attributes: c.validAttributes, nlri: [33] + c.route.bytes + [0]))
        },

        MisbehaviourCase(
            name: "as-path-zero-segment", reference: "RFC 7606 §7.2 AS_PATH segment of length 0: treat-as-withdraw",
            expected: .sessionKept
        ) { c in
            let attributes = RawBGP.origin(0) + RawBGP.attribute(flags: 0x40, code: 2, value: [2, 0])
                + RawBGP.nextHop(c.settings.address)
            return RawBGP.message(type: 2, body: RawBGP.updateBody(attributes: attributes, nlri: RawBGP.host(c.route)))
        },

        MisbehaviourCase(
            name: "open-again", reference: "RFC 6608 §4: OPEN in Established → FSM Error 5/3",
            expected: .notification(code: 5, subcode: 3, data: nil)
        ) { c in
            var buffer = c.settings.openBytes(allocator: .init())
            return buffer.readBytes(length: buffer.readableBytes)!
        },

        MisbehaviourCase(
            name: "huge-message", reference: "RFC 4271 §6.1 / RFC 8654: 5000 octets without Extended Message",
            expected: .notification(code: 1, subcode: 2, data: [0x13, 0x88])
        ) { _ in RawBGP.message(type: 2, body: [0, 0, 0, 0] + [UInt8](repeating: 0, count: 5000 - 23)) },
    ]

    static func named(_ name: String) -> MisbehaviourCase? { all.first { $0.name == name } }
}
