// SPDX-License-Identifier: Apache-2.0
// Every node's tunnel endpoint (IPIP `tunl0` and VXLAN device addresses) for the kernel side. The Node resource's
// `spec.bgp.ipv4IPIPTunnelAddr` / `spec.ipv4VXLANTunnelAddr` win when set; otherwise the address comes from the
// node's own block, as calico/node does it: its tunnel address reconciler (`node/pkg/allocateip/allocateip.go`)
// auto-assigns the tunnel IP from an IPv4 pool whose ipipMode (resp. vxlanMode) is not Never, that allows the
// Tunnel use and selects the node, which Calico IPAM serves from the node's affine block, lowest ordinal first.
// Swiftlet has no per-address IPAM, so it takes the first address of the node's first such block: the address
// Calico hands out first in a fresh block, and one every node derives the same way for every other node.
// A derived VXLAN address also gets a derived MAC when the Node has none (Felix would pick a random one and write it
// to `vxlanTunnelMACAddr`; with no Felix nobody would, and the other nodes need it for their ARP and FDB entries):
// 66:73 and the four octets of the VTEP address, locally administered unicast (IEEE 802 U/L bit set, I/G clear),
// unique as the address is. An explicit address without a MAC stays without one (whoever set it owns the MAC).

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

    /// The MAC of a VXLAN device whose address Swiftlet derived: `66:73:a:b:c:d` for VTEP `a.b.c.d`.
    public static func derivedVXLANMAC(for vtep: IPAddress) -> [UInt8] {
        [0x66, 0x73] + vtep.bytes.suffix(4)
    }
}

extension Planning {
    /// Every node with a BGP IPv4 address, this one included, sorted by name, with explicit or block-derived tunnel
    /// addresses. `assignment` is the cluster's block table (affinities and the deterministic rule alike).
    func tunnelEndpoints(assignment: BlockAssignment) -> [TunnelEndpoint] {
        nodes.values.sorted { $0.metadata.name < $1.metadata.name }.compactMap { node in
            guard let address = node.bgp?.ipv4Address?.address else { return nil }
            let blocks = assignment.blocks(of: node.metadata.name).map(\.prefix)
            let explicitVTEP = node.vxlan.ipv4TunnelAddress
            let vtep = TunnelEndpoint.tunnelAddress(
                explicit: explicitVTEP, blocks: blocks, pools: ipPools, mode: \.vxlanMode)
            let derivedMAC = explicitVTEP == nil ? vtep.map(TunnelEndpoint.derivedVXLANMAC) : nil
            return TunnelEndpoint(
                nodeName: node.metadata.name, nodeAddress: address, vxlanAddress: vtep,
                vxlanMAC: node.vxlan.macAddress ?? derivedMAC,
                ipipAddress: TunnelEndpoint.tunnelAddress(
                    explicit: node.bgp?.ipv4IPIPTunnelAddress, blocks: blocks, pools: ipPools, mode: \.ipipMode))
        }
    }
}
