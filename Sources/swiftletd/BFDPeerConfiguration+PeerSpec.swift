// SPDX-License-Identifier: Apache-2.0
// Config values (ClusterModel's `PeerSpec.bfd`) into BFD sessions (BFDTransport). One session per configured BGP
// peer with BFD on; dynamic neighbors get none (their addresses are not known in advance).

import BFD
import BFDTransport
import ClusterModel

extension BFDPeerConfiguration {
    /// The BFD session of a configured BGP peer, or nil when BFD is off for it.
    ///
    /// Single hop or multihop: the planner decides when the config leaves it open (single hop, RFC 5881, when the
    /// peer is in the subnet of the node's `bgp.ipv4Address`/`ipv6Address` and the session is not eBGP multihop;
    /// multihop, RFC 5883, otherwise). Should a spec still say nil, the same rule runs here on the node's subnets.
    /// Packets leave from the session's source address when it has one (`sourceAddress: UseNodeIP`, the default),
    /// else from the address the kernel picks for the route to the peer.
    init?(_ spec: PeerSpec, configuration: DaemonConfiguration) {
        guard let bfd = spec.bfd else { return nil }
        let multihop = bfd.multihop ?? !configuration.nodeSubnets.contains { $0.contains(spec.address) }
        self.init(
            name: spec.name, remote: spec.address,
            local: spec.sourceAddress.flatMap { $0.family == spec.address.family ? $0 : nil }, multihop: multihop,
            timing: BFDSession.Configuration(
                desiredMinTXInterval: bfd.minTxInterval, requiredMinRXInterval: bfd.minRxInterval,
                detectMultiplier: max(1, bfd.multiplier)))
    }

    /// Every BFD session `configuration` asks for.
    static func sessions(for configuration: DaemonConfiguration) -> [BFDPeerConfiguration] {
        configuration.peers.compactMap { BFDPeerConfiguration($0, configuration: configuration) }
    }
}
