// SPDX-License-Identifier: Apache-2.0
// RTM_NEWADDR and the RTM_GETADDR dump (linux/if_addr.h `struct ifaddrmsg`, IFA_*). Octets match iproute2 6.1:
// `ip addr replace A/N dev D` sends IFA_LOCAL then IFA_ADDRESS, both the address (no peer), and `ip addr show`
// a bare ifaddrmsg.

import BGPWire

extension NetlinkRequest {
    /// RTM_NEWADDR with NLM_F_CREATE|NLM_F_REPLACE: adds the address to the interface, or updates it if it is
    /// already there (same address and prefix length), so sending it twice is harmless. Other addresses of the
    /// interface are left alone.
    public static func replaceAddress(
        _ address: InterfaceAddress,
        interfaceIndex: UInt32,
        sequence: UInt32
    ) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .newAddress, flags: [.request, .ack, .create, .replace],
                                         sequence: sequence)
        appendAddressHeader(family: RouteMessage.family(address.address.family), prefixLength: address.prefixLength,
                            interfaceIndex: interfaceIndex, to: &encoder)
        encoder.appendAttribute(InterfaceAddressEntry.Attribute.local, address.address.bytes)
        encoder.appendAttribute(InterfaceAddressEntry.Attribute.address, address.address.bytes)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_GETADDR with NLM_F_DUMP: every address of `family` (nil: IPv4 and IPv6) on every interface.
    public static func addressDump(family: IPAddress.Family?, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .getAddress, flags: [.request, .dump], sequence: sequence)
        appendAddressHeader(family: family.map(RouteMessage.family) ?? 0, prefixLength: 0, interfaceIndex: 0,
                            to: &encoder)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// `struct ifaddrmsg`: | family (1) | prefixlen (1) | flags (1) | scope (1, RT_SCOPE_UNIVERSE) | index (4) |
    private static func appendAddressHeader(
        family: UInt8,
        prefixLength: UInt8,
        interfaceIndex: UInt32,
        to encoder: inout NetlinkEncoder
    ) {
        encoder.appendUInt8(family)
        encoder.appendUInt8(prefixLength)
        encoder.appendUInt8(0)
        encoder.appendUInt8(0)
        encoder.appendUInt32(interfaceIndex)
    }
}
