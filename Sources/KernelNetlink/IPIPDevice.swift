// SPDX-License-Identifier: Apache-2.0
// An IPIP device (linux/if_tunnel.h IFLA_IPTUN_*; RFC 2003), built into RTM_NEWLINK by NetlinkRequest+Link.swift.

import BGPWire

/// An IPIP device: `ip link add NAME type ipip local LOCAL`. Calico itself uses the fallback `tunl0`, which the
/// ipip module creates; this is for setups that want a named one.
public struct IPIPDevice: Hashable, Sendable {
    public var name: String
    /// IFLA_IPTUN_LOCAL: the outer source address (IPv4).
    public var local: IPAddress

    public init(name: String, local: IPAddress) {
        precondition(local.family == .ipv4, "IPIP carries IPv4 in IPv4")
        precondition(name.utf8.count < 16, "interface names are shorter than IFNAMSIZ (16)")
        self.name = name
        self.local = local
    }
}
