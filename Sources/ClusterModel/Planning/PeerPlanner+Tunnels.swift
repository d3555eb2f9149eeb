// SPDX-License-Identifier: Apache-2.0
// Every node's tunnel endpoint (IPIP `tunl0` and VXLAN device addresses) for the kernel side. The Node resource's
// `spec.bgp.ipv4IPIPTunnelAddr` / `spec.ipv4VXLANTunnelAddr` win when set; otherwise the address comes from the
// node's own block, as calico/node does it: its tunnel address reconciler (`node/pkg/allocateip/allocateip.go`)
// auto-assigns the tunnel IP from an IPv4 pool whose ipipMode (resp. vxlanMode) is not Never, that allows the
// Tunnel use and selects the node, which Calico IPAM serves from the node's affine block, lowest ordinal first.
// Swiftlet has no per-address IPAM, so it takes the first address of the node's first such block: the address
// Calico hands out first in a fresh block, and one every node derives the same way for every other node.

import BGPWire

extension TunnelEndpoint {
    /// The tunnel address to use: `explicit` when set, else the first address of the first of `blocks` (sorted by
    /// prefix) that lies in an IPv4 pool whose `mode` is not Never and that may hold tunnel addresses.
    public static func tunnelAddress(
        explicit: IPAddress?, blocks: [IPPrefix], pools: [IPPoolResource],
        mode: (IPPoolResource.Spec) -> IPPoolResource.EncapsulationMode
    ) -> IPAddress? {
        if let explicit { return explicit }
        let candidates = pools.filter { pool in
            pool.spec.cidr.family == .ipv4 && mode(pool.spec) != .never
                && (pool.spec.allowedUses.isEmpty || pool.spec.allowedUses.contains(.tunnel))
        }
        return blocks.sorted().first { block in candidates.contains { $0.spec.cidr.contains(block) } }?.address
    }
}

extension Planning {
    /// Every node with a BGP IPv4 address, this one included, sorted by name, with explicit or block-derived tunnel
    /// addresses. `assignment` is the cluster's block table (affinities and the deterministic rule alike).
    func tunnelEndpoints(assignment: BlockAssignment) -> [TunnelEndpoint] {
        nodes.values.sorted { $0.metadata.name < $1.metadata.name }.compactMap { node in
            guard let address = node.bgp?.ipv4Address?.address else { return nil }
            let blocks = assignment.blocks(of: node.metadata.name).map(\.prefix)
            return TunnelEndpoint(
                nodeName: node.metadata.name, nodeAddress: address,
                vxlanAddress: TunnelEndpoint.tunnelAddress(
                    explicit: node.vxlan.ipv4TunnelAddress, blocks: blocks, pools: ipPools, mode: \.vxlanMode),
                vxlanMAC: node.vxlan.macAddress,
                ipipAddress: TunnelEndpoint.tunnelAddress(
                    explicit: node.bgp?.ipv4IPIPTunnelAddress, blocks: blocks, pools: ipPools, mode: \.ipipMode))
        }
    }
}
