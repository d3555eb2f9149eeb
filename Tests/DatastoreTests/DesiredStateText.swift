// SPDX-License-Identifier: Apache-2.0
// A canonical, line-per-fact text of a node's planned desired state, for the golden tests: identity, every peer
// (name, address, AS, iBGP/eBGP, direction, reflection and session options), originated routes (blackhole or
// advertise-only), the export scope's verdict for chosen probe prefixes, tunnel endpoints, and how a route to every
// other node's block would be encapsulated (`Encapsulation.decide` with the remote node's address as next hop, as
// the kernel side does). Everything is sorted, so equal states give equal text.

import BGPWire
import ClusterModel

enum DesiredStateText {
    /// `remoteBlocks`: other nodes' blocks with their owner's Node, from the cluster's block assignment.
    static func render(
        _ configuration: DaemonConfiguration, probes: [IPPrefix], remoteBlocks: [(IPPrefix, NodeResource)]
    ) -> String {
        var lines: [String] = []
        let listen = configuration.listenAddress.map(bracketed) ?? "*"
        var identity = "node \(configuration.nodeName) router-id \(configuration.routerID) AS \(configuration.localAS)"
        identity += " listen \(listen):\(configuration.listenPort)"
        if let cluster = configuration.routeReflectorClusterID { identity += " rr-cluster-id \(cluster)" }
        if let v6 = configuration.ipv6Address { identity += " ipv6 \(v6)" }
        lines.append(identity)
        if !configuration.nodeSubnets.isEmpty {
            lines.append("  subnets " + configuration.nodeSubnets.map(\.description).joined(separator: " "))
        }
        for peer in configuration.peers { lines.append("  peer " + render(peer)) }
        for range in configuration.dynamicNeighbors {
            let asRange = "\(range.asNumbers.lowerBound)-\(range.asNumbers.upperBound)"
            lines.append("  dynamic \(range.name) \(range.range) AS \(asRange)")
        }
        for route in configuration.originated {
            lines.append("  route \(route.prefix) \(route.blackhole ? "blackhole" : "advertise") (\(route.reason))")
        }
        for probe in probes.sorted() {
            let verdict = configuration.exportScope.evaluate(probe)
            lines.append("  export \(probe) \(verdict.accepted ? "accept" : "reject") (\(verdict.reason))")
        }
        for endpoint in configuration.tunnelEndpoints {
            var line = "  tunnel \(endpoint.nodeName) \(endpoint.nodeAddress)"
            line += " ipip \(endpoint.ipipAddress.map(\.description) ?? "-")"
            line += " vxlan \(endpoint.vxlanAddress.map(\.description) ?? "-")"
            if let mac = endpoint.vxlanMAC { line += " mac " + mac.map { hex($0) }.joined(separator: ":") }
            lines.append(line)
        }
        for (block, owner) in remoteBlocks.sorted(by: { $0.0 < $1.0 }) {
            var line = "  remote \(block) of \(owner.metadata.name)"
            guard let nextHop = owner.bgp?.address(block.family) else {
                lines.append(line + " no next hop (the node has no \(block.family == .ipv4 ? "IPv4" : "IPv6") address)")
                continue
            }
            let encapsulation = Encapsulation.decide(
                prefix: block, nextHop: nextHop, pools: configuration.ipPools, nodeSubnets: configuration.nodeSubnets)
            line += " via \(nextHop) \(encapsulation)"
            if encapsulation == .vxlan {
                let vtep = configuration.tunnelEndpoints.first { $0.nodeName == owner.metadata.name }?.vxlanAddress
                line += " vtep \(vtep.map(\.description) ?? "-")"
            }
            lines.append(line)
        }
        for note in configuration.notes.sorted() { lines.append("  note \(note)") }
        return lines.joined(separator: "\n")
    }

    static func render(_ peer: PeerSpec) -> String {
        var parts = [
            peer.name, "\(bracketed(peer.address)):\(peer.port)", "AS \(peer.remoteAS)",
            peer.isInternal ? "iBGP" : "eBGP (local AS \(peer.localAS))", peer.passive ? "passive" : "active",
        ]
        if peer.routeReflectorClient { parts.append("rr-client") }
        if let source = peer.sourceAddress { parts.append("source \(source)") }
        parts.append("hold \(peer.holdTime)")
        if peer.password != nil { parts.append("password") }
        if let hops = peer.ttlSecurityHops { parts.append("ttl-security \(hops)") }
        if let ttl = peer.multihopTTL { parts.append("multihop \(ttl)") }
        if peer.nextHopMode != .auto { parts.append("next-hop \(peer.nextHopMode.rawValue)") }
        if let restart = peer.gracefulRestartTime { parts.append("graceful-restart \(restart)") }
        if let reachable = peer.reachableBy { parts.append("reachable-by \(reachable)") }
        if !peer.filters.isEmpty { parts.append("filters " + peer.filters.map(\.name).joined(separator: ",")) }
        parts.append("families " + peer.families.map(\.description).joined(separator: ","))
        return parts.joined(separator: " ")
    }

    private static func bracketed(_ address: IPAddress) -> String {
        address.family == .ipv6 ? "[\(address)]" : address.description
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
