// SPDX-License-Identifier: Apache-2.0
// RTM_NEWLINK for tunnel devices (linux/rtnetlink.h `struct ifinfomsg`, linux/if_link.h IFLA_*). The VXLAN request
// matches iproute2 6.1's octets (attribute order included: IFLA_VXLAN_LINK, _ID, _LOCAL, _LEARNING, _PORT).
// iproute2 fills in every IFLA_IPTUN_* default for ipip; this sends only IFLA_IPTUN_LOCAL and lets the kernel
// default the rest (ipip_netlink_parms starts from zeroed parameters with PMTU discovery on).

extension NetlinkRequest {
    /// `struct ifinfomsg`, 16 octets: | family (1) | pad (1) | type (2) | index (4) | flags (4) | change (4) |
    static let interfaceInfoSize = 16

    /// IFLA_* attribute types (linux/if_link.h).
    enum LinkAttribute {
        static let name: UInt16 = 3  // IFLA_IFNAME
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

    /// RTM_NEWLINK creating a VXLAN device (NLM_F_CREATE|NLM_F_EXCL: EEXIST if the name, or the VNI on this port,
    /// is taken).
    public static func newLink(_ device: VXLANDevice, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = beginNewLink(name: device.name, sequence: sequence, encoder: &encoder)
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

    private static func beginNewLink(name: String, sequence: UInt32, encoder: inout NetlinkEncoder) -> Int {
        let start = encoder.beginMessage(type: .newLink, flags: [.request, .ack, .create, .exclusive],
                                         sequence: sequence)
        encoder.appendZeros(interfaceInfoSize)  // AF_UNSPEC, no index (the kernel assigns one), no flags
        encoder.appendAttribute(LinkAttribute.name, string: name, nulTerminated: true)
        return start
    }
}
