// SPDX-License-Identifier: Apache-2.0
// What a node originates and may export, from IP pools, block affinities and BGPConfiguration, as calico/node
// renders it into BIRD:
// - its blocks (`BlockAssignment`) as blackhole routes (`bird_aggr.cfg.template` `static_template`, which skips
//   /32 and /128 blocks: a single address needs no aggregate);
// - the service ranges of `BGPConfiguration(default)` (confd `updateGlobalRoutes`): every `serviceClusterIPs` CIDR,
//   the `serviceExternalIPs` and (with `serviceLoadBalancerAggregation: Enabled`, the default)
//   `serviceLoadBalancerIPs` CIDRs that are not single addresses (those are advertised per service, from the nodes
//   that run it); none of them on a node labelled `node.kubernetes.io/exclude-from-external-load-balancers=true`;
// - `ExportScope` from the same facts plus every pool;
// - `prefixAdvertisements` of `node.<name>`, else of `default` (confd reads the node key first).

import BGPPolicy
import BGPWire

extension Planning {
    /// The label that keeps a node from advertising service ranges (confd `ExcludeServiceAdvertisement`).
    static let excludeFromLoadBalancersLabel = "node.kubernetes.io/exclude-from-external-load-balancers"

    struct PlannedRoutes {
        var originated: [OriginatedRoute]
        var exportScope: ExportScope
        var communityAdvertisements: [CommunityAdvertisement]
        /// Every node's blocks (tunnel addresses come from them).
        var assignment: BlockAssignment
    }

    mutating func plannedRoutes(_ local: Local) -> PlannedRoutes {
        checkPoolOverlaps()
        checkAffinityOverlaps()
        for pool in ipPools where !pool.spec.nodeSelector.isSupported {
            notes.append(
                "\(pool.metadata.fieldPath(kind: IPPoolResource.kind, "spec.nodeSelector")): selector "
                    + "\"\(pool.spec.nodeSelector.text)\" uses syntax Swiftlet does not evaluate yet; it matches no node")
        }
        let assignment = BlockAssignment.compute(
            pools: ipPools, affinities: blockAffinities, nodes: nodes.values.sorted { $0.metadata.name < $1.metadata.name },
            applyRule: blockSource == .affinitiesOrRule)
        notes.append(contentsOf: assignment.notes)
        let blocks = assignment.blocks(of: nodeName)

        var originated: [IPPrefix: OriginatedRoute] = [:]
        for block in blocks where Int(block.prefix.length) < block.prefix.family.bitWidth {
            originated[block.prefix] = OriginatedRoute(prefix: block.prefix, blackhole: true, reason: block.reason)
        }
        let services = serviceRanges(local)
        for range in services.advertised where originated[range.cidr] == nil {
            originated[range.cidr] = OriginatedRoute(prefix: range.cidr, blackhole: false, reason: range.field)
        }
        let scope = ExportScope(
            ownBlocks: blocks.filter(\.isConfirmed).map(\.prefix), serviceRanges: services.exported,
            pools: ipPools.map { ExportScope.Pool(name: $0.metadata.name, cidr: $0.spec.cidr, disableBGPExport: $0.spec.disableBGPExport) })
        let advertisements =
            nodeConfigs[nodeName]?.spec.prefixAdvertisements ?? clusterConfig?.spec.prefixAdvertisements ?? []
        return PlannedRoutes(
            originated: originated.values.sorted { $0.prefix < $1.prefix }, exportScope: scope,
            communityAdvertisements: advertisements, assignment: assignment)
    }

    /// The service ranges this node originates, and those its export scope accepts (the same, plus on a route
    /// reflector every external and load balancer range: `bird_ipam.cfg.template`, "Configured as a RR - accept any
    /// routes within configured LB service IP ranges").
    mutating func serviceRanges(_ local: Local) -> (advertised: [ExportScope.ServiceRange], exported: [ExportScope.ServiceRange]) {
        guard let config = clusterConfig else { return ([], []) }
        let spec = config.spec
        let excluded = local.node.metadata.labels[Self.excludeFromLoadBalancersLabel] == "true"
        var advertised: [ExportScope.ServiceRange] = []
        var perService: [ExportScope.ServiceRange] = []
        for cidr in spec.serviceClusterIPs {
            advertised.append(.init(cidr: cidr, field: "serviceClusterIPs"))
        }
        let aggregateLoadBalancers = (spec.serviceLoadBalancerAggregation ?? .enabled) == .enabled
        for (field, cidrs, global) in [
            ("serviceExternalIPs", spec.serviceExternalIPs, true),
            ("serviceLoadBalancerIPs", spec.serviceLoadBalancerIPs, aggregateLoadBalancers),
        ] {
            for cidr in cidrs {
                let range = ExportScope.ServiceRange(cidr: cidr, field: field)
                if global && Int(cidr.length) < cidr.family.bitWidth {
                    advertised.append(range)
                } else {
                    perService.append(range)
                }
            }
        }
        if !excluded {
            for range in perService {
                notes.append(
                    "\(config.metadata.fieldPath(kind: BGPConfigurationResource.kind, "spec.\(range.field)")): "
                        + "\(range.cidr) is advertised by Calico per Kubernetes service; Swiftlet does not watch services, "
                        + "so it is not advertised")
            }
        }
        var exported = excluded ? [] : advertised
        if local.bgp.routeReflectorClusterID != nil {
            let all = spec.serviceLoadBalancerIPs.map { ExportScope.ServiceRange(cidr: $0, field: "serviceLoadBalancerIPs") }
                + spec.serviceExternalIPs.map { ExportScope.ServiceRange(cidr: $0, field: "serviceExternalIPs") }
            exported += all.filter { !exported.contains($0) }
        }
        return (excluded ? [] : advertised, exported)
    }

    /// Calico refuses overlapping pools (the IPPool status condition `CIDROverlap`); blocks from both would collide.
    mutating func checkPoolOverlaps() {
        for (index, pool) in ipPools.enumerated() {
            if let other = ipPools[..<index].first(where: { $0.spec.cidr.overlaps(pool.spec.cidr) }) {
                errors.append(
                    pool.metadata.error(
                        kind: IPPoolResource.kind, field: "spec.cidr",
                        "\(pool.spec.cidr) overlaps IPPool(\(other.metadata.name)) \(other.spec.cidr)"))
            }
        }
    }

    /// A block belongs to one node (Calico's IPAM block has one affinity).
    mutating func checkAffinityOverlaps() {
        let live = blockAffinities.filter(\.spec.isLive)
        for (index, affinity) in live.enumerated() {
            let clash = live[..<index].first {
                $0.spec.node != affinity.spec.node && $0.spec.cidr.overlaps(affinity.spec.cidr)
            }
            guard let clash else { continue }
            errors.append(
                affinity.metadata.error(
                    kind: BlockAffinityResource.kind, field: "spec.cidr",
                    "\(affinity.spec.cidr) overlaps \(clash.spec.cidr), affine to node \(clash.spec.node) "
                        + "(BlockAffinity(\(clash.metadata.name)))"))
        }
    }
}
