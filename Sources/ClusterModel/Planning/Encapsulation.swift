// SPDX-License-Identifier: Apache-2.0
// How a route to another node's block reaches it (calico/node `bird_ipam.cfg.template`, `calico_kernel_programming`):
// by IP pool, VXLAN routes are left to whoever programs VXLAN (Felix, or Swiftlet's own VXLAN device); IPIP with
// `Always` goes through the tunnel; IPIP with `CrossSubnet` goes through the tunnel only when the next hop is not
// on this node's subnet (`bgp_next_hop ~ <node's ipv4Address network>`); anything else is a plain route via the
// next hop. Routes outside every pool are plain.

import BGPWire

/// The encapsulation of one route to a remote block.
public enum Encapsulation: Hashable, Sendable, CustomStringConvertible {
    /// A plain route via the next hop (same L2 segment, or no overlay).
    case none
    /// `via NEXT_HOP dev tunl0 onlink`.
    case ipip
    /// `via VTEP dev vxlan.calico onlink`.
    case vxlan

    public var description: String {
        switch self {
        case .none: "none"
        case .ipip: "IPIP"
        case .vxlan: "VXLAN"
        }
    }

    /// The encapsulation for `prefix` learned with `nextHop`, given the pools and this node's subnet (the network of
    /// its `bgp.ipv4Address` / `ipv6Address` CIDR). The most specific pool containing the prefix decides.
    public static func decide(
        prefix: IPPrefix, nextHop: IPAddress, pools: [IPPoolResource], nodeSubnets: [IPPrefix]
    ) -> Encapsulation {
        let pool = pools.filter { $0.spec.cidr.contains(prefix) }.max { $0.spec.cidr.length < $1.spec.cidr.length }
        return decide(pool: pool, nextHop: nextHop, nodeSubnets: nodeSubnets)
    }

    /// The encapsulation for a route inside `pool` (the most specific pool containing its prefix; nil: none) with
    /// `nextHop`.
    public static func decide(pool: IPPoolResource?, nextHop: IPAddress, nodeSubnets: [IPPrefix]) -> Encapsulation {
        guard let pool else { return .none }
        let sameSubnet = nodeSubnets.contains { $0.contains(nextHop) }
        func applies(_ mode: IPPoolResource.EncapsulationMode) -> Bool {
            switch mode {
            case .never: false
            case .always: true
            case .crossSubnet: !sameSubnet
            }
        }
        if applies(pool.spec.vxlanMode) { return .vxlan }
        if applies(pool.spec.ipipMode) { return .ipip }
        return .none
    }
}
