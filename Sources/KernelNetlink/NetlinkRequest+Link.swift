// SPDX-License-Identifier: Apache-2.0
// RTM_NEWLINK for tunnel devices and for changing a device's MAC, MTU and IFF_UP; RTM_GETLINK by name and as a dump
// (linux/rtnetlink.h `struct ifinfomsg`, linux/if_link.h IFLA_*). The VXLAN request matches iproute2 6.1's octets
// (attribute order included: IFLA_ADDRESS, IFLA_MTU, IFLA_IFNAME, then IFLA_VXLAN_LINK, _ID, _LOCAL, _LEARNING,
// _PORT). iproute2 fills in every IFLA_IPTUN_* default for ipip; this sends only IFLA_IPTUN_LOCAL and lets the
// kernel default the rest (ipip_netlink_parms starts from zeroed parameters with PMTU discovery on).

extension NetlinkRequest {
    /// `struct ifinfomsg`, 16 octets: | family (1) | pad (1) | type (2) | index (4) | flags (4) | change (4) |
    static let interfaceInfoSize = 16

    /// IFLA_* attribute types (linux/if_link.h).
    enum LinkAttribute {
        static let address: UInt16 = 1  // IFLA_ADDRESS (the link-layer address)
        static let name: UInt16 = 3  // IFLA_IFNAME
        static let mtu: UInt16 = 4  // IFLA_MTU (u32)
        static let extendedMask: UInt16 = 29  // IFLA_EXT_MASK (u32, RTEXT_FILTER_*)
        static let linkInfo: UInt16 = 18  // IFLA_LINKINFO
        static let infoKind: UInt16 = 1  // IFLA_INFO_KIND
        static let infoData: UInt16 = 2  // IFLA_INFO_DATA
        static let vxlanID: UInt16 = 1  // IFLA_VXLAN_ID
        static let vxlanLink: UInt16 = 3  // IFLA_VXLAN_LINK
        static let vxlanLocal: UInt16 = 4  // IFLA_VXLAN_LOCAL
        static let vxlanLearning: UInt16 = 7  // IFLA_VXLAN_LEARNING
        static let vxlanPort: UInt16 = 15  // IFLA_VXLAN_PORT (network byte order)
        static let vxlanLocal6: UInt16 = 17  // IFLA_VXLAN_LOCAL6
        static let tunnelLocal: UInt16 = 2  // IFLA_IPTUN_LOCAL
    }

    /// `IFF_UP` (linux/if.h), in `ifi_flags` and `ifi_change`.
    static let interfaceFlagUp: UInt32 = 0x1
    /// AF_PACKET: the family iproute2 puts in a link dump request.
    static let familyPacket: UInt8 = 17
    /// RTEXT_FILTER_VF and RTEXT_FILTER_SKIP_STATS (linux/rtnetlink.h), as iproute2 asks for them.
    static let extendedFilterVF: UInt32 = 1
    static let extendedFilterSkipStats: UInt32 = 8

    /// RTM_NEWLINK creating a VXLAN device (NLM_F_CREATE|NLM_F_EXCL: EEXIST if the name, or the VNI on this port,
    /// is taken), with its MAC (IFLA_ADDRESS) and MTU in the same request when given, so the device never exists
    /// with a random MAC: `ip link add NAME address MAC mtu MTU type vxlan ...`.
    public static func newLink(
        _ device: VXLANDevice,
        linkLayerAddress: LinkLayerAddress? = nil,
        mtu: UInt32? = nil,
        sequence: UInt32
    ) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .newLink, flags: [.request, .ack, .create, .exclusive],
                                         sequence: sequence)
        encoder.appendZeros(interfaceInfoSize)  // AF_UNSPEC, no index (the kernel assigns one), no flags
        appendAddressAndMTU(linkLayerAddress: linkLayerAddress, mtu: mtu, to: &encoder)
        encoder.appendAttribute(LinkAttribute.name, string: device.name, nulTerminated: true)
        let info = encoder.beginNested(LinkAttribute.linkInfo)
        encoder.appendAttribute(LinkAttribute.infoKind, string: "vxlan", nulTerminated: false)
        let data = encoder.beginNested(LinkAttribute.infoData)
        if let parent = device.parentInterfaceIndex { encoder.appendAttribute(LinkAttribute.vxlanLink, uint32: parent) }
        encoder.appendAttribute(LinkAttribute.vxlanID, uint32: device.vni)
        if device.local.family == .ipv4 {
            encoder.appendAttribute(LinkAttribute.vxlanLocal, device.local.bytes)
        } else {
            encoder.appendAttribute(LinkAttribute.vxlanLocal6, device.local.bytes)
        }
        encoder.appendAttribute(LinkAttribute.vxlanLearning, uint8: device.learning ? 1 : 0)
        encoder.appendAttribute(LinkAttribute.vxlanPort, bigEndianUInt16: device.port)
        encoder.endNested(data)
        encoder.endNested(info)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_NEWLINK creating an IPIP device.
    public static func newLink(_ device: IPIPDevice, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = beginNewLink(name: device.name, sequence: sequence, encoder: &encoder)
        let info = encoder.beginNested(LinkAttribute.linkInfo)
        encoder.appendAttribute(LinkAttribute.infoKind, string: "ipip", nulTerminated: false)
        let data = encoder.beginNested(LinkAttribute.infoData)
        encoder.appendAttribute(LinkAttribute.tunnelLocal, device.local.bytes)
        encoder.endNested(data)
        encoder.endNested(info)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_NEWLINK changing an existing device, named by index: its MAC and MTU when given, and IFF_UP when `up` is
    /// set (`ifi_change` says which flags to touch, so nil leaves the state alone):
    /// `ip link set dev NAME address MAC mtu MTU up|down`. The kernel applies all of it or none.
    public static func setLink(
        index: UInt32,
        linkLayerAddress: LinkLayerAddress? = nil,
        mtu: UInt32? = nil,
        up: Bool? = nil,
        sequence: UInt32
    ) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .newLink, flags: [.request, .ack], sequence: sequence)
        appendInterfaceInfo(family: 0, index: index, flags: up == true ? interfaceFlagUp : 0,
                            change: up == nil ? 0 : interfaceFlagUp, to: &encoder)
        appendAddressAndMTU(linkLayerAddress: linkLayerAddress, mtu: mtu, to: &encoder)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_GETLINK for one device by name, without statistics: what iproute2 sends to look a name up. The answer
    /// is one RTM_NEWLINK, or NLMSG_ERROR with ENODEV when there is no such device.
    public static func getLink(named name: String, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .getLink, flags: [.request], sequence: sequence)
        encoder.appendZeros(interfaceInfoSize)
        encoder.appendAttribute(LinkAttribute.extendedMask, uint32: extendedFilterVF | extendedFilterSkipStats)
        encoder.appendAttribute(LinkAttribute.name, string: name, nulTerminated: true)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_GETLINK with NLM_F_DUMP: every device, as `ip link show` asks for them (AF_PACKET, RTEXT_FILTER_VF).
    public static func linkDump(sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .getLink, flags: [.request, .dump], sequence: sequence)
        appendInterfaceInfo(family: familyPacket, index: 0, flags: 0, change: 0, to: &encoder)
        encoder.appendAttribute(LinkAttribute.extendedMask, uint32: extendedFilterVF)
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// `struct ifinfomsg`: | family (1) | pad (1) | type (2) | index (4) | flags (4) | change (4) |
    private static func appendInterfaceInfo(
        family: UInt8,
        index: UInt32,
        flags: UInt32,
        change: UInt32,
        to encoder: inout NetlinkEncoder
    ) {
        encoder.appendUInt8(family)
        encoder.appendUInt8(0)
        encoder.appendUInt16(0)  // ifi_type: ARPHRD_NETROM (0), what iproute2 leaves
        encoder.appendUInt32(index)
        encoder.appendUInt32(flags)
        encoder.appendUInt32(change)
    }

    private static func appendAddressAndMTU(
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        to encoder: inout NetlinkEncoder
    ) {
        if let linkLayerAddress { encoder.appendAttribute(LinkAttribute.address, linkLayerAddress.bytes) }
        if let mtu { encoder.appendAttribute(LinkAttribute.mtu, uint32: mtu) }
    }

    private static func beginNewLink(name: String, sequence: UInt32, encoder: inout NetlinkEncoder) -> Int {
        let start = encoder.beginMessage(type: .newLink, flags: [.request, .ack, .create, .exclusive],
                                         sequence: sequence)
        encoder.appendZeros(interfaceInfoSize)  // AF_UNSPEC, no index (the kernel assigns one), no flags
        encoder.appendAttribute(LinkAttribute.name, string: name, nulTerminated: true)
        return start
    }
}
