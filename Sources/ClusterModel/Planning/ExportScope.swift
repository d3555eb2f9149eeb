// SPDX-License-Identifier: Apache-2.0
// Which prefixes this node may advertise to any BGP peer: calico/node's `calico_export_to_bgp_peers`
// (`bird_ipam.cfg.template`), which every session's export filter calls after its BGPFilter rules. In order:
//
//   1. inside a pool with `disableBGPExport` → reject (`BGPExportFilterForDisabledIPPools`, first in the function);
//   2. `calico_aggr()` (`bird_aggr.cfg.template`), per confirmed block of this node:
//      `if ( net = block ) then { accept; }` and `if ( net ~ block ) then { reject; }` — the block is exported as
//      one aggregate and the workload routes beneath it are not;
//   3. the static routes (service ranges) → accept (`if ( net ~ cidr ) then { accept; }`); on a route reflector
//      also anything inside the `serviceLoadBalancerIPs` / `serviceExternalIPs` ranges;
//   4. inside any other pool → accept (`BGPExportFilterForEnabledIPPools`). confd's `processIPPool` ignores
//      `disabled`, so a disabled pool is still exported, and so is a /32 borrowed from another node's block (no
//      `calico_aggr` rule of ours covers it);
//   5. anything else falls off the end of the function and the filter's final `reject;`.
//
// Not modelled: the interface-based rejects between 1 and 2 (`reject_local_routes`, iBGP tunnel routes on `*.cali`
// and `tunl0`) need the kernel's routes, and `calico_aggr`'s `krt_metric < NormalRoutePriority` exception (elevated
// routes inside an own block, for live migration) needs the kernel metric.

import BGPWire

/// The export rules common to every session of one node.
public struct ExportScope: Hashable, Sendable {
    /// An IP pool as the export rules see it.
    public struct Pool: Hashable, Sendable {
        public var name: String
        public var cidr: IPPrefix
        public var disableBGPExport: Bool

        public init(name: String, cidr: IPPrefix, disableBGPExport: Bool) {
            self.name = name
            self.cidr = cidr
            self.disableBGPExport = disableBGPExport
        }
    }

    /// A service range whose routes are accepted, with the BGPConfiguration field it came from.
    public struct ServiceRange: Hashable, Sendable {
        public var cidr: IPPrefix
        /// `serviceClusterIPs`, `serviceExternalIPs` or `serviceLoadBalancerIPs`.
        public var field: String

        public init(cidr: IPPrefix, field: String) {
            self.cidr = cidr
            self.field = field
        }
    }

    /// This node's confirmed blocks (exported exactly; nothing beneath them is).
    public var ownBlocks: [IPPrefix]
    public var serviceRanges: [ServiceRange]
    public var pools: [Pool]

    /// With nothing configured every prefix is rejected, as Calico does on a node with no pools.
    public init(ownBlocks: [IPPrefix] = [], serviceRanges: [ServiceRange] = [], pools: [Pool] = []) {
        self.ownBlocks = ownBlocks
        self.serviceRanges = serviceRanges
        self.pools = pools
    }

    /// Whether `prefix` may be advertised, and a short reason for `show route detail`.
    public func evaluate(_ prefix: IPPrefix) -> (accepted: Bool, reason: String) {
        if let pool = pools.first(where: { $0.disableBGPExport && $0.cidr.contains(prefix) }) {
            return (false, "IP pool \(pool.name) has disableBGPExport")
        }
        for block in ownBlocks where block.contains(prefix) {
            return block == prefix ? (true, "own block") : (false, "inside own block \(block)")
        }
        if let range = serviceRanges.first(where: { $0.cidr.contains(prefix) }) {
            return (true, "\(range.field) range \(range.cidr)")
        }
        if let pool = pools.first(where: { $0.cidr.contains(prefix) }) {
            return (true, "in IP pool \(pool.name)")
        }
        return (false, "not in any IP pool or service range")
    }
}
