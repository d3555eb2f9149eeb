// SPDX-License-Identifier: Apache-2.0
// Reading RTM_NEWLINK (linux/rtnetlink.h `struct ifinfomsg`, linux/if_link.h IFLA_*) into a LinkInfo: IFLA_IFNAME,
// IFLA_MTU, IFLA_ADDRESS, and IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA { IFLA_VXLAN_* } }. Everything else
// the kernel sends (statistics, queues, XDP, ...) is skipped.

import BGPWire

extension LinkInfo {
    /// Reads the payload of an RTM_NEWLINK (or RTM_DELLINK) message.
    public init(linkMessagePayload payload: [UInt8]) throws(NetlinkParseError) {
        guard payload.count >= NetlinkRequest.interfaceInfoSize else {
            throw .badValue(field: "ifinfomsg", length: payload.count)
        }
        let index = payload.netlinkUInt32(at: 4)
        let flags = payload.netlinkUInt32(at: 8)
        var name = ""
        var mtu: UInt32 = 0
        var address: LinkLayerAddress?
        var kind: String?
        var data: ArraySlice<UInt8>?
        typealias Attribute = NetlinkRequest.LinkAttribute
        for attribute in try NetlinkAttribute.parse(payload[NetlinkRequest.interfaceInfoSize...]) {
            switch attribute.type {
            case Attribute.name: name = attribute.string
            case Attribute.mtu: mtu = try attribute.uint32("IFLA_MTU")
            case Attribute.address:
                // lo reports six zero octets; that is no address anyone could program.
                if attribute.value.count == 6 && attribute.value.contains(where: { $0 != 0 }) {
                    address = LinkLayerAddress(Array(attribute.value))
                }
            case Attribute.linkInfo:
                for info in try NetlinkAttribute.parse(attribute.value) {
                    switch info.type {
                    case Attribute.infoKind: kind = info.string
                    case Attribute.infoData: data = info.value
                    default: break  // IFLA_INFO_XSTATS, IFLA_INFO_SLAVE_KIND, ...
                    }
                }
            default: break
            }
        }
        var vxlan: VXLAN?
        if kind == "vxlan", let data { vxlan = try Self.vxlan(data) }
        self.init(index: index, name: name, kind: kind, mtu: mtu, isUp: flags & NetlinkRequest.interfaceFlagUp != 0,
                  linkLayerAddress: address, vxlan: vxlan)
    }

    /// IFLA_INFO_DATA of a VXLAN device. The kernel always reports ID, PORT and LEARNING (vxlan_fill_info).
    private static func vxlan(_ data: ArraySlice<UInt8>) throws(NetlinkParseError) -> VXLAN {
        typealias Attribute = NetlinkRequest.LinkAttribute
        var result = VXLAN(vni: 0, port: 0, local: nil, learning: false)
        for attribute in try NetlinkAttribute.parse(data) {
            switch attribute.type {
            case Attribute.vxlanID: result.vni = try attribute.uint32("IFLA_VXLAN_ID")
            case Attribute.vxlanPort:
                guard attribute.value.count == 2 else {
                    throw .badValue(field: "IFLA_VXLAN_PORT", length: attribute.value.count)
                }
                let value = attribute.value
                result.port = UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])
            case Attribute.vxlanLearning: result.learning = attribute.value.first.map { $0 != 0 } ?? false
            case Attribute.vxlanLink:
                let index = try attribute.uint32("IFLA_VXLAN_LINK")
                result.parentInterfaceIndex = index == 0 ? nil : index
            case Attribute.vxlanLocal:
                let local = try KernelRoute.address(attribute, family: .ipv4, "IFLA_VXLAN_LOCAL")
                if local != IPAddress(ipv4: 0) { result.local = local }
            case Attribute.vxlanLocal6:
                let local = try KernelRoute.address(attribute, family: .ipv6, "IFLA_VXLAN_LOCAL6")
                if local != IPAddress(ipv6High: 0, low: 0) { result.local = local }
            default: break
            }
        }
        return result
    }
}
