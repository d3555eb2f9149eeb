// SPDX-License-Identifier: Apache-2.0
// The cluster model's routing decisions (ClusterModel) as routing-engine values (BGPCore). BGPCore never sees
// configuration types.

import BGPCore
import BGPWire
import ClusterModel

extension DaemonConfiguration {
    /// Node-wide settings of the routing engine.
    var routeEngineConfiguration: RouteEngine.Configuration {
        // ECMP sets of up to 16 paths for the kernel, as calico/node's BIRD `merge paths on` (its default limit).
        RouteEngine.Configuration(
            routerID: routerID, localAS: localAS, clusterID: routeReflectorClusterID,
            decision: DecisionOptions(maximumPaths: 16), exportPolicy: exportPolicy, localIPv6: ipv6Address)
    }

    /// Calico's export rules after the BGPFilters: the node's `ExportScope` and `prefixAdvertisements`.
    var exportPolicy: ExportPolicy {
        let scope = exportScope
        return ExportPolicy(
            scope: { prefix in
                let verdict = scope.evaluate(prefix)
                return ScopeVerdict(accepted: verdict.accepted, reason: verdict.reason)
            },
            communityAdvertisements: communityAdvertisements)
    }

    /// What this node originates into BGP (blocks and service ranges; the blackholes are the kernel's business).
    var originations: [RouteEngine.Origination] {
        originated.map { RouteEngine.Origination(prefix: $0.prefix) }
    }
}
