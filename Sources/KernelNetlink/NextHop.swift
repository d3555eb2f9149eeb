// SPDX-License-Identifier: Apache-2.0
// One next hop of a unicast KernelRoute: a single-path route's RTA_GATEWAY/RTA_VIA, RTA_OIF and RTNH_F_ONLINK, or
// one `struct rtnexthop` of RTA_MULTIPATH (linux/rtnetlink.h).

import BGPWire

/// One next hop of a unicast route.
public struct NextHop: Hashable, Sendable {
    /// The gateway; nil for a directly connected route (`dev X` only, scope link). An IPv6 gateway on an IPv4
    /// route (RFC 8950) is sent as `RTA_VIA`.
    public var gateway: IPAddress?
    /// `RTA_OIF` / `rtnh_ifindex`; nil lets the kernel pick the interface from the gateway.
    public var interfaceIndex: UInt32?
    /// RTNH_F_ONLINK: the gateway is on the link even though no address on it covers it (Calico's IPIP and VXLAN
    /// routes: `via PEER dev tunl0 onlink`).
    public var onLink: Bool
    /// ECMP weight, 1...256 (`rtnh_hops` + 1); meaningful only on multipath routes.
    public var weight: UInt16

    public init(gateway: IPAddress?, interfaceIndex: UInt32? = nil, onLink: Bool = false, weight: UInt16 = 1) {
        precondition((1...256).contains(weight), "a next hop's weight is 1...256")
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.onLink = onLink
        self.weight = weight
    }
}
