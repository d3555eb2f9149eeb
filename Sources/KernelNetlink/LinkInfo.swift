// SPDX-License-Identifier: Apache-2.0
// A network device as the kernel reports it in RTM_NEWLINK (a dump, a get by name, or a notification): the fields
// Swiftlet checks before and after programming a tunnel device. LinkInfo+Netlink.swift reads it.

import BGPWire

/// One network device: `ip -d link show`, reduced to what the device programmer needs.
public struct LinkInfo: Hashable, Sendable, CustomStringConvertible {
    /// The VXLAN parameters of a VXLAN device (IFLA_INFO_DATA, linux/if_link.h IFLA_VXLAN_*).
    public struct VXLAN: Hashable, Sendable {
        /// IFLA_VXLAN_ID.
        public var vni: UInt32
        /// IFLA_VXLAN_PORT (host order here; network order on the wire).
        public var port: UInt16
        /// IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6; nil when the device has no fixed source address.
        public var local: IPAddress?
        /// IFLA_VXLAN_LEARNING.
        public var learning: Bool
        /// IFLA_VXLAN_LINK; nil when not pinned to a device.
        public var parentInterfaceIndex: UInt32?

        public init(vni: UInt32, port: UInt16, local: IPAddress?, learning: Bool, parentInterfaceIndex: UInt32? = nil) {
            self.vni = vni
            self.port = port
            self.local = local
            self.learning = learning
            self.parentInterfaceIndex = parentInterfaceIndex
        }
    }

    /// `ifi_index`.
    public var index: UInt32
    /// IFLA_IFNAME.
    public var name: String
    /// IFLA_INFO_KIND: "vxlan", "ipip", "veth", ...; nil for devices without a driver kind (lo, most hardware).
    public var kind: String?
    /// IFLA_MTU.
    public var mtu: UInt32
    /// IFF_UP in `ifi_flags`: administratively up (not whether the carrier is).
    public var isUp: Bool
    /// IFLA_ADDRESS when it is an Ethernet address (6 octets); nil for lo's all-zero one, tunnels without one
    /// (ipip has a 4-octet IFLA_ADDRESS), and devices that report none.
    public var linkLayerAddress: LinkLayerAddress?
    /// For kind "vxlan": its parameters.
    public var vxlan: VXLAN?

    public init(
        index: UInt32,
        name: String,
        kind: String? = nil,
        mtu: UInt32,
        isUp: Bool,
        linkLayerAddress: LinkLayerAddress? = nil,
        vxlan: VXLAN? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.isUp = isUp
        self.linkLayerAddress = linkLayerAddress
        self.vxlan = vxlan
    }

    public var description: String {
        var text = "\(index): \(name)" + (kind.map { " (\($0))" } ?? "") + " mtu \(mtu) " + (isUp ? "up" : "down")
        if let linkLayerAddress { text += " \(linkLayerAddress)" }
        if let vxlan {
            text += " vni \(vxlan.vni) port \(vxlan.port)" + (vxlan.local.map { " local \($0)" } ?? "")
        }
        return text
    }
}
