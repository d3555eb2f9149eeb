// SPDX-License-Identifier: Apache-2.0
// `show config`: the DaemonConfiguration in force as the control protocol's ConfigReport. The TCP-MD5 password
// becomes "set or not"; everything else is shown as resolved.

import ClusterModel
import ControlProtocol

enum ConfigReportBuilder {
    static func report(_ c: DaemonConfiguration, configFile: String, kernelActive: Bool) -> ConfigReport {
        let k = c.kernel
        return ConfigReport(
            configFile: configFile, nodeName: c.nodeName, routerID: c.routerID.description, localAS: c.localAS,
            listenAddress: c.listenAddress?.description, listenPort: c.listenPort,
            ipv6Address: c.ipv6Address?.description, routeReflectorClusterID: c.routeReflectorClusterID?.description,
            logSeverity: c.logSeverity.rawValue, peers: c.peers.map(peer),
            dynamicNeighbors: c.dynamicNeighbors.map { range in
                ConfigReport.DynamicNeighbor(
                    name: range.name, range: range.range.description,
                    asNumbers: range.asNumbers.lowerBound == range.asNumbers.upperBound
                        ? "\(range.asNumbers.lowerBound)" : "\(range.asNumbers.lowerBound)-\(range.asNumbers.upperBound)",
                    template: peer(range.template))
            },
            originated: c.originated.map {
                ConfigReport.OriginatedRoute(prefix: $0.prefix.description, blackhole: $0.blackhole, reason: $0.reason)
            },
            pools: c.ipPools.map { pool in
                ConfigReport.Pool(
                    name: pool.metadata.name, cidr: pool.spec.cidr.description, blockSize: Int(pool.spec.blockSize),
                    ipipMode: pool.spec.ipipMode.rawValue, vxlanMode: pool.spec.vxlanMode.rawValue,
                    natOutgoing: pool.spec.natOutgoing, disabled: pool.spec.disabled,
                    disableBGPExport: pool.spec.disableBGPExport, nodeSelector: pool.spec.nodeSelector.description,
                    allowedUses: pool.spec.allowedUses.map(\.rawValue))
            },
            communityAdvertisements: c.communityAdvertisements.map { advertisement in
                "\(advertisement.cidr): " + advertisement.communities.map { "\($0)" }.joined(separator: ", ")
            },
            kernel: ConfigReport.Kernel(
                programRoutes: k.programRoutes, routeProtocol: Int(k.routeProtocol), table: k.table,
                ipv4NormalRoutePriority: k.ipv4NormalRoutePriority, ipv6NormalRoutePriority: k.ipv6NormalRoutePriority,
                programClusterRoutes: k.programClusterRoutes.rawValue, ipipDevice: k.ipipDevice,
                manageIPIPDevice: k.manageIPIPDevice, ipipFallback: k.ipipFallback.rawValue, ipipMTU: k.ipipMTU,
                vxlanDevice: k.vxlanDevice, vxlanVNI: k.vxlanVNI, vxlanPort: k.vxlanPort,
                manageVXLANDevice: k.manageVXLANDevice, vxlanMTU: k.vxlanMTU,
                staleRouteSweepTime: Int(k.staleRouteSweepTime), nodeSubnets: c.nodeSubnets.map(\.description),
                active: kernelActive),
            notes: c.notes)
    }

    static func peer(_ p: PeerSpec) -> ConfigReport.Peer {
        ConfigReport.Peer(
            name: p.name, address: p.address.description, port: p.port, remoteAS: p.remoteAS, localAS: p.localAS,
            passive: p.passive, holdTime: Int(p.holdTime), keepaliveTime: Int(p.effectiveKeepaliveTime),
            connectRetryTime: Int(p.connectRetryTime), delayOpenTime: p.delayOpenTime.map(Int.init),
            password: p.password != nil, sourceAddress: p.sourceAddress?.description,
            ttlSecurityHops: p.ttlSecurityHops.map(Int.init), multihopTTL: p.multihopTTL.map(Int.init),
            families: p.families.map(\.description), gracefulRestartTime: p.gracefulRestartTime.map(Int.init),
            nextHopMode: p.nextHopMode.rawValue, maximumPrefixes: p.maximumPrefixes,
            allowedLocalASNumbers: p.allowedLocalASNumbers, reachableBy: p.reachableBy?.description,
            routeReflectorClient: p.routeReflectorClient, filters: p.filters.map(\.name),
            bfd: p.bfd.map(bfdText),
            longLivedStaleTimes: p.longLivedStaleTimes.isEmpty
                ? nil : Dictionary(uniqueKeysWithValues: p.longLivedStaleTimes.map { ($0.key.description, Int($0.value)) }))
    }

    /// "300ms/300ms x3 single-hop".
    static func bfdText(_ settings: BFDSettings) -> String {
        func ms(_ d: Duration) -> String {
            let micros = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
            return micros % 1000 == 0 ? "\(micros / 1000)ms" : "\(micros)us"
        }
        let hops = settings.multihop.map { $0 ? " multihop" : " single-hop" } ?? ""
        return "\(ms(settings.minTxInterval))/\(ms(settings.minRxInterval)) x\(settings.multiplier)\(hops)"
    }
}
