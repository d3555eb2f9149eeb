// SPDX-License-Identifier: Apache-2.0
// Byte builders for hand-made BGP messages (RFC 4271 §4, RFC 4760 §3-4, RFC 9072 §2), so malformed-input tests
// spell only the octets under test and let these compute every surrounding length field. Nothing here validates:
// the point is to build exactly the bytes a broken peer would send.

/// Builders for raw BGP message bytes. Every function returns wire octets; lengths are computed unless a test
/// overrides them on purpose.
public enum MessageBytes {
    /// The 16-octet all-ones marker (RFC 4271 §4.1).
    public static let marker = [UInt8](repeating: 0xFF, count: 16)

    /// Message type codes as raw octets (RFC 4271 §4.1, RFC 2918 §3).
    public static let openType: UInt8 = 1
    public static let updateType: UInt8 = 2
    public static let notificationType: UInt8 = 3
    public static let keepaliveType: UInt8 = 4
    public static let routeRefreshType: UInt8 = 5

    /// Two octets, network order.
    public static func u16(_ value: Int) -> [UInt8] { [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }

    /// Four octets, network order.
    public static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    // MARK: Header

    /// A whole message: marker, Length (computed from `body` unless `length` is given), Type, body.
    public static func message(type: UInt8, body: [UInt8], length: Int? = nil, marker: [UInt8] = MessageBytes.marker) -> [UInt8] {
        marker + u16(length ?? (19 + body.count)) + [type] + body
    }

    /// A KEEPALIVE, optionally with a (forbidden) body.
    public static func keepalive(body: [UInt8] = []) -> [UInt8] { message(type: keepaliveType, body: body) }

    /// A NOTIFICATION with the given body (code, subcode, data).
    public static func notification(body: [UInt8]) -> [UInt8] { message(type: notificationType, body: body) }

    /// A ROUTE-REFRESH with the given body (normally AFI (2), subtype (1), SAFI (1)).
    public static func routeRefresh(body: [UInt8]) -> [UInt8] { message(type: routeRefreshType, body: body) }

    // MARK: OPEN

    /// An OPEN whose Optional Parameters are `parameters` verbatim, with Opt Parm Len computed (or given).
    public static func open(
        version: UInt8 = 4, myAS: UInt16 = 65001, holdTime: UInt16 = 90, identifier: [UInt8] = [192, 0, 2, 1],
        parameters: [UInt8] = [], parametersLength: Int? = nil
    ) -> [UInt8] {
        let body =
            [version] + u16(Int(myAS)) + u16(Int(holdTime)) + identifier
            + [UInt8(parametersLength ?? parameters.count)] + parameters
        return message(type: openType, body: body)
    }

    /// One optional parameter in the RFC 4271 form: type (1), length (1), value.
    public static func parameter(type: UInt8, value: [UInt8]) -> [UInt8] { [type, UInt8(value.count)] + value }

    /// A Capabilities optional parameter (type 2, RFC 5492 §4) holding `capabilities` verbatim.
    public static func capabilitiesParameter(_ capabilities: [UInt8]) -> [UInt8] {
        parameter(type: 2, value: capabilities)
    }

    /// One capability TLV: code (1), length (1, computed unless given), value.
    public static func capability(code: UInt8, value: [UInt8], length: Int? = nil) -> [UInt8] {
        [code, UInt8(length ?? value.count)] + value
    }

    /// An OPEN in the RFC 9072 §2 extended form: Opt Parm Len 255, Non-Ext OP Type 255, a two-octet Extended
    /// Optional Parameters Length, then parameters with two-octet lengths.
    public static func extendedOpen(
        myAS: UInt16 = 65001, holdTime: UInt16 = 90, identifier: [UInt8] = [192, 0, 2, 1],
        parameters: [(type: UInt8, value: [UInt8])], extendedLength: Int? = nil
    ) -> [UInt8] {
        var encoded: [UInt8] = []
        for parameter in parameters { encoded += [parameter.type] + u16(parameter.value.count) + parameter.value }
        let body =
            [4] + u16(Int(myAS)) + u16(Int(holdTime)) + identifier + [255, 255]
            + u16(extendedLength ?? encoded.count) + encoded
        return message(type: openType, body: body)
    }

    // MARK: UPDATE

    /// An UPDATE: Withdrawn Routes Length, withdrawn, Total Path Attribute Length, attributes, NLRI. Either
    /// length can be overridden to build the RFC 4271 §6.3 "too large" cases.
    public static func update(
        withdrawn: [UInt8] = [], attributes: [UInt8] = [], nlri: [UInt8] = [], withdrawnLength: Int? = nil,
        attributesLength: Int? = nil
    ) -> [UInt8] {
        let body =
            u16(withdrawnLength ?? withdrawn.count) + withdrawn + u16(attributesLength ?? attributes.count)
            + attributes + nlri
        return message(type: updateType, body: body)
    }

    /// One path attribute: flags, type code, length (two octets when `flags` has Extended Length 0x10; computed
    /// unless given), value.
    public static func attribute(flags: UInt8, code: UInt8, value: [UInt8], length: Int? = nil) -> [UInt8] {
        let count = length ?? value.count
        let lengthBytes = flags & 0x10 != 0 ? u16(count) : [UInt8(count & 0xFF)]
        return [flags, code] + lengthBytes + value
    }

    /// Attribute flag octets (RFC 4271 §4.3).
    public static let wellKnown: UInt8 = 0x40  // transitive
    public static let optionalTransitive: UInt8 = 0xC0
    public static let optionalNonTransitive: UInt8 = 0x80

    /// ORIGIN (type 1) with the given value.
    public static func origin(_ value: UInt8 = 0) -> [UInt8] { attribute(flags: wellKnown, code: 1, value: [value]) }

    /// AS_PATH (type 2) holding one AS_SEQUENCE; empty `asns` gives a zero-length AS_PATH.
    public static func asPath(_ asns: [UInt32], fourOctet: Bool = true) -> [UInt8] {
        attribute(flags: wellKnown, code: 2, value: asPathValue(asns, fourOctet: fourOctet))
    }

    /// The value of an AS_PATH/AS4_PATH that is one AS_SEQUENCE (type 2).
    public static func asPathValue(_ asns: [UInt32], fourOctet: Bool = true) -> [UInt8] {
        guard !asns.isEmpty else { return [] }
        var value: [UInt8] = [2, UInt8(asns.count)]
        for asn in asns { value += fourOctet ? u32(asn) : u16(Int(asn)) }
        return value
    }

    /// NEXT_HOP (type 3).
    public static func nextHop(_ address: [UInt8] = [192, 0, 2, 254]) -> [UInt8] {
        attribute(flags: wellKnown, code: 3, value: address)
    }

    /// ORIGIN IGP, AS_PATH 65001 and NEXT_HOP 192.0.2.254: the well-known mandatory set (4-octet ASes unless told).
    public static func mandatory(fourOctet: Bool = true) -> [UInt8] {
        origin() + asPath([65001], fourOctet: fourOctet) + nextHop()
    }

    /// MP_REACH_NLRI (type 14): AFI, SAFI, next-hop length and next hop, Reserved, NLRI.
    public static func mpReach(
        afi: UInt16 = 2, safi: UInt8 = 1, nextHop: [UInt8], nextHopLength: Int? = nil, nlri: [UInt8]
    ) -> [UInt8] {
        let value = u16(Int(afi)) + [safi, UInt8(nextHopLength ?? nextHop.count)] + nextHop + [0] + nlri
        return attribute(flags: optionalNonTransitive, code: 14, value: value)
    }

    /// MP_UNREACH_NLRI (type 15): AFI, SAFI, withdrawn routes.
    public static func mpUnreach(afi: UInt16 = 2, safi: UInt8 = 1, withdrawn: [UInt8]) -> [UInt8] {
        attribute(flags: optionalNonTransitive, code: 15, value: u16(Int(afi)) + [safi] + withdrawn)
    }

    /// An IPv4 NLRI entry: length in bits, then just enough prefix octets.
    public static func ipv4Prefix(_ octets: [UInt8], length: UInt8) -> [UInt8] {
        [length] + octets.prefix((Int(length) + 7) / 8)
    }

    /// 2001:db8::1, the documentation IPv6 address, as 16 octets.
    public static let ipv6DocumentationAddress: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]

    /// 2001:db8::/32 as an NLRI entry.
    public static let ipv6DocumentationPrefix: [UInt8] = [32, 0x20, 0x01, 0x0D, 0xB8]
}
