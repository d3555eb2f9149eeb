// SPDX-License-Identifier: Apache-2.0
// A VXLAN device as Calico's VXLAN mode uses it (linux/if_link.h IFLA_VXLAN_*; RFC 7348), built into RTM_NEWLINK
// by NetlinkRequest+Link.swift.

import BGPWire

/// A VXLAN device: `ip link add NAME type vxlan id VNI local LOCAL [dev PARENT] dstport PORT nolearning`.
public struct VXLANDevice: Hashable, Sendable {
    public var name: String
    /// VXLAN Network Identifier (24 bits); Calico uses 4096 (IPv4) and 6096 (IPv6).
    public var vni: UInt32
    /// The local VTEP address (IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6).
    public var local: IPAddress
    /// IFLA_VXLAN_LINK: the device the encapsulated packets leave by, if pinned.
    public var parentInterfaceIndex: UInt32?
    /// UDP destination port; 4789 is the IANA port (RFC 7348 §5). The kernel's own default is 8472.
    public var port: UInt16
    /// Source-address learning; Calico turns it off and programs FDB entries itself.
    public var learning: Bool

    public init(name: String, vni: UInt32, local: IPAddress, parentInterfaceIndex: UInt32? = nil,
                port: UInt16 = 4789, learning: Bool = false) {
        precondition(vni < 1 << 24, "a VNI has 24 bits")
        precondition(name.utf8.count < 16, "interface names are shorter than IFNAMSIZ (16)")
        self.name = name
        self.vni = vni
        self.local = local
        self.parentInterfaceIndex = parentInterfaceIndex
        self.port = port
        self.learning = learning
    }
}
