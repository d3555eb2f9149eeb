// SPDX-License-Identifier: Apache-2.0
// RTM_NEWNEIGH (linux/neighbour.h `struct ndmsg`, NDA_*), with NLM_F_CREATE|NLM_F_REPLACE so programming an entry
// twice is harmless, and RTM_DELNEIGH. Octets and attribute order match iproute2 6.1 (`ip neigh replace`: NDA_DST
// then NDA_LLADDR; `bridge fdb replace`: NDA_LLADDR then NDA_DST; the deletes keep the replace's ndmsg, and
// `ip neigh del` sends no NDA_LLADDR).

import BGPWire

extension NetlinkRequest {
    /// NDA_DST, NDA_LLADDR (linux/neighbour.h).
    enum NeighbourAttribute {
        static let destination: UInt16 = 1
        static let linkLayerAddress: UInt16 = 2
    }

    /// NUD_PERMANENT (linux/neighbour.h): never expires, never probed.
    static let neighbourStatePermanent: UInt16 = 0x80
    /// NUD_NOARP: `bridge fdb` starts every entry from this state and adds NUD_PERMANENT (bridge/fdb.c); the VXLAN
    /// driver needs only one of NUD_PERMANENT or NUD_REACHABLE, and the extra bit keeps our octets equal to its.
    static let neighbourStateNoARP: UInt16 = 0x40
    /// NTF_SELF: the entry is for the device's own table (the VXLAN FDB), not a bridge master's.
    static let neighbourFlagSelf: UInt8 = 0x02

    /// RTM_NEWNEIGH for one permanent entry.
    public static func newNeighbour(_ entry: NeighbourEntry, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .newNeighbour, flags: [.request, .ack, .create, .replace],
                                         sequence: sequence)
        switch entry {
        case .arp(let address, let linkLayerAddress, let interfaceIndex):
            appendNeighbourHeader(family: RouteMessage.family(address.family), interfaceIndex: interfaceIndex,
                                  state: neighbourStatePermanent, flags: 0, to: &encoder)
            encoder.appendAttribute(NeighbourAttribute.destination, address.bytes)
            encoder.appendAttribute(NeighbourAttribute.linkLayerAddress, linkLayerAddress.bytes)
        case .bridgeForwarding(let linkLayerAddress, let destination, let interfaceIndex):
            appendNeighbourHeader(family: RouteMessage.familyBridge, interfaceIndex: interfaceIndex,
                                  state: neighbourStatePermanent | neighbourStateNoARP, flags: neighbourFlagSelf,
                                  to: &encoder)
            encoder.appendAttribute(NeighbourAttribute.linkLayerAddress, linkLayerAddress.bytes)
            encoder.appendAttribute(NeighbourAttribute.destination, destination.bytes)
        }
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_DELNEIGH for one entry: an ARP entry is named by address and device, an FDB entry by MAC, device and
    /// destination (the VXLAN FDB can hold several destinations for one MAC). A missing entry gives ENOENT.
    public static func deleteNeighbour(_ entry: NeighbourEntry, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .deleteNeighbour, flags: [.request, .ack], sequence: sequence)
        switch entry {
        case .arp(let address, _, let interfaceIndex):
            appendNeighbourHeader(family: RouteMessage.family(address.family), interfaceIndex: interfaceIndex,
                                  state: neighbourStatePermanent, flags: 0, to: &encoder)
            encoder.appendAttribute(NeighbourAttribute.destination, address.bytes)
        case .bridgeForwarding(let linkLayerAddress, let destination, let interfaceIndex):
            appendNeighbourHeader(family: RouteMessage.familyBridge, interfaceIndex: interfaceIndex,
                                  state: neighbourStatePermanent | neighbourStateNoARP, flags: neighbourFlagSelf,
                                  to: &encoder)
            encoder.appendAttribute(NeighbourAttribute.linkLayerAddress, linkLayerAddress.bytes)
            encoder.appendAttribute(NeighbourAttribute.destination, destination.bytes)
        }
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// `struct ndmsg`, 12 octets: | family (1) | pad (3) | ifindex (4) | state (2) | flags (1) | type (1) |
    private static func appendNeighbourHeader(
        family: UInt8,
        interfaceIndex: UInt32,
        state: UInt16,
        flags: UInt8,
        to encoder: inout NetlinkEncoder
    ) {
        encoder.appendUInt8(family)
        encoder.appendZeros(3)
        encoder.appendUInt32(interfaceIndex)
        encoder.appendUInt16(state)
        encoder.appendUInt8(flags)
        encoder.appendUInt8(0)  // ndm_type: RTN_UNSPEC
    }
}
