// SPDX-License-Identifier: Apache-2.0
// Hand-built BGP bytes for misbehaviour cases: every length field is explicit, so a case can get it wrong on purpose.

import BGPWire

enum RawBGP {
    static let marker = [UInt8](repeating: 0xFF, count: 16)

    /// A message: marker, Length (the real one unless `length` overrides it), Type, body.
    static func message(type: UInt8, body: [UInt8] = [], length: Int? = nil, marker: [UInt8] = marker) -> [UInt8] {
        marker + u16(length ?? (19 + body.count)) + [type] + body
    }

    /// An UPDATE body: Withdrawn Routes Length (real unless overridden), withdrawn, Total Path Attribute Length,
    /// attributes, NLRI.
    static func updateBody(
        withdrawn: [UInt8] = [], withdrawnLength: Int? = nil, attributes: [UInt8], nlri: [UInt8]
    ) -> [UInt8] {
        u16(withdrawnLength ?? withdrawn.count) + withdrawn + u16(attributes.count) + attributes + nlri
    }

    /// One path attribute; Extended Length when the value needs it (RFC 4271 §4.3).
    static func attribute(flags: UInt8, code: UInt8, value: [UInt8]) -> [UInt8] {
        if value.count > 255 { return [flags | 0x10, code] + u16(value.count) + value }
        return [flags, code, UInt8(value.count)] + value
    }

    static func origin(_ value: UInt8) -> [UInt8] { attribute(flags: 0x40, code: 1, value: [value]) }

    /// AS_PATH of one AS_SEQUENCE, in 4 or 2 octets per AS as the session negotiated.
    static func asPath(_ asns: [UInt32], fourOctet: Bool) -> [UInt8] {
        attribute(flags: 0x40, code: 2, value: asns.isEmpty ? [] : [2, UInt8(asns.count)] + asns.flatMap { asn in
            fourOctet ? u32(asn) : u16(Int(asn > 0xFFFF ? 23456 : asn))
        })
    }

    static func nextHop(_ address: IPAddress) -> [UInt8] { attribute(flags: 0x40, code: 3, value: address.bytes) }

    /// MP_REACH_NLRI for IPv4 unicast (RFC 4760 §3).
    static func mpReachIPv4(nextHop: IPAddress, nlri: [UInt8]) -> [UInt8] {
        attribute(flags: 0x80, code: 14, value: u16(1) + [1, 4] + nextHop.bytes + [0] + nlri)
    }

    /// One host route in NLRI encoding.
    static func host(_ address: IPAddress) -> [UInt8] { [32] + address.bytes }

    static func u16(_ value: Int) -> [UInt8] { [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
    static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
