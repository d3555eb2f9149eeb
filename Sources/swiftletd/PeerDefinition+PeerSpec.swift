// SPDX-License-Identifier: Apache-2.0
// Config values (ClusterModel) into session values (BGPCore/BGPTransport). BGPCore never sees config types.

import BGPCore
import BGPTransport
import BGPWire
import ClusterModel

extension PeerDefinition {
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
        if let restart = spec.gracefulRestartTime {
            // Advertise restart time and families; forwarding state is kept by the kernel layer (issue #8).
            session.gracefulRestart = GracefulRestartCapability(
                flags: 0, restartTime: restart, families: spec.families.map { .init(family: $0, forwardingPreserved: false) })
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
