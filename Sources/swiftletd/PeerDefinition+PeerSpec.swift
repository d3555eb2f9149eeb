// SPDX-License-Identifier: Apache-2.0
// Config values (ClusterModel) into session values (BGPCore/BGPTransport). BGPCore never sees config types.

import BGPCore
import BGPTransport
import BGPWire
import ClusterModel

extension PeerDefinition {
    /// BIRD's `graceful restart time` default, which calico/node's template keeps.
    static let defaultRestartTime: UInt16 = 120
    /// The graceful restart capability's N bit (RFC 8538 §2).
    static let notificationFlag: UInt8 = 0x4

    init(_ spec: PeerSpec, configuration: DaemonConfiguration) {
        var session = SessionConfiguration(
            localAS: spec.localAS, peerAS: spec.remoteAS, localIdentifier: configuration.routerID,
            peerAddress: spec.address, holdTime: spec.holdTime, keepaliveTime: spec.keepaliveTime,
            connectRetryTime: .seconds(Int(spec.connectRetryTime)),
            delayOpenTime: spec.delayOpenTime.map { .seconds(Int($0)) }, passive: spec.passive,
            families: spec.families,
            // calico/node's BIRD template has `add paths on` (send and receive) on every session; ECMP sets then
            // reach peers that negotiate it (RFC 7911).
            addPath: spec.families.map { AddPathEntry(family: $0, mode: 3) }, hostname: configuration.nodeName)
        // RFC 8950: IPv4 routes over an IPv6 session carry IPv6 next hops when the peer agrees.
        session.extendedNextHop = spec.address.family == .ipv6
        // calico/node's BIRD template has `graceful restart;` on every session: the capability (RFC 4724 §3) with
        // the restart time (maxRestartTime / nodeMeshMaxRestartTime, else BIRD's 120 s) and every family. The F bit
        // says our forwarding state survives a restart: it does when we program the kernel (our routes stay there
        // across a restart and are swept only after End-of-RIB or the stale-route timer). The N bit (RFC 8538 §2):
        // a NOTIFICATION other than Cease/Hard Reset (a hold timer expiry, an error reset) keeps routes on both sides
        // as for a TCP failure; the Ceases that must flush go as Hard Reset (SessionStateMachine.hardResetIfRequired).
        session.gracefulRestart = GracefulRestartCapability(
            flags: Self.notificationFlag, restartTime: spec.gracefulRestartTime ?? Self.defaultRestartTime,
            families: spec.families.map { .init(family: $0, forwardingPreserved: configuration.kernel.programRoutes) })
        // RFC 9494: with `graceful restart;`, BIRD's default is `long lived graceful restart aware`, which sends the
        // LLGR capability with no families: we keep peers' routes long-lived when they ask (helper), and ask nobody
        // to keep ours. `longLivedGracefulRestart` stale times add our families (F bit as for graceful restart), so
        // peers keep our routes, depreferenced, that long after the restart time.
        session.longLivedGracefulRestart = spec.families.compactMap { family in
            guard let time = spec.longLivedStaleTimes[family], time > 0 else { return nil }
            return LongLivedGracefulRestartEntry(
                family: family, forwardingPreserved: configuration.kernel.programRoutes, staleTime: time)
        }
        let routing = RoutingPeer(
            name: spec.name, filters: spec.filters, nextHopMode: spec.nextHopMode.routing,
            isReflectorClient: spec.routeReflectorClient, allowASIn: Int(spec.allowedLocalASNumbers ?? 0),
            maximumPrefixes: spec.maximumPrefixes)
        self.init(
            name: spec.name, session: session, port: Int(spec.port), sourceAddress: spec.sourceAddress,
            socketOptions: PeerSocketOptions(
                password: spec.password, ttlSecurityHops: spec.ttlSecurityHops, multihopTTL: spec.multihopTTL),
            routing: routing)
    }
}

extension DynamicNeighborDefinition {
    init(_ range: DynamicNeighborRange, configuration: DaemonConfiguration) {
        var template = PeerDefinition(range.template, configuration: configuration)
        template.session.acceptedPeerASes = range.asNumbers
        template.session.passive = true
        self.init(name: range.name, range: range.range, template: template)
    }
}

extension BGPPeerResource.NextHopMode {
    var routing: ExportTarget.NextHopMode {
        switch self {
        case .auto: .auto
        case .self: .self
        case .keep: .keep
        }
    }
}
