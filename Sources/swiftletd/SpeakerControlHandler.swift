// SPDX-License-Identifier: Apache-2.0
// Answers control-socket requests from the speaker's state: the `show` views and the operator commands.

import BFDTransport
import BGPCore
import BGPTransport
import BGPWire
import ClusterModel
import ControlProtocol
import KernelSync

struct SpeakerControlHandler: ControlRequestHandler {
    let speaker: BGPSpeaker
    let configuration: @Sendable () async -> DaemonConfiguration
    let startedAt: Double
    /// nil when the daemon runs without the kernel (`--no-kernel`, or no netlink).
    let kernel: KernelSync?
    /// The configuration file, for `show config`.
    var configFile = ""
    /// The datastore line of `show status`; nil leaves it out.
    var datastore: (@Sendable () async -> DatastoreStatus)?
    /// The shared reload (SIGHUP does the same); nil answers `reload` with an error.
    var reload: (@Sendable () async -> ReloadOutcome)?
    /// The BFD sessions for `show bfd`; nil answers with none.
    var bfd: BFDService?
    static let version = "swiftletd 0.1.0"

    func handle(_ request: ControlRequest) async -> ControlResponse {
        switch request {
        case .showStatus:
            let config = await configuration()
            let peers = await speaker.status()
            return .status(DaemonStatus(
                version: Self.version, routerID: config.routerID.description, localAS: config.localAS,
                nodeName: config.nodeName, startedAt: startedAt,
                sessionsEstablished: peers.filter { $0.state == .established }.count, sessionsTotal: peers.count,
                kernel: await kernel.asyncMap(KernelReportBuilder.counters), datastore: await datastore?()))
        case .showKernel(let text):
            guard let kernel else {
                return .error(code: .invalidRequest, message: "this daemon does not program the kernel (--no-kernel or no netlink)")
            }
            var prefix: IPPrefix?
            if let text {
                guard let parsed = IPPrefix(text) else {
                    return .error(code: .invalidRequest, message: "not a prefix: \(text)")
                }
                prefix = parsed
            }
            return .kernel(await KernelReportBuilder.report(kernel, prefix: prefix))
        case .showProtocols:
            return .protocols(await speaker.status().map(Self.summary))
        case .showProtocol(let name):
            guard let status = await speaker.status(of: name) else { return unknown(name) }
            return .protocol(Self.detail(status))
        case .disable(let name, let message):
            return await speaker.disable(name, message: message) ? .ok("\(name): disabled") : unknown(name)
        case .enable(let name):
            return await speaker.enable(name) ? .ok("\(name): enabled") : unknown(name)
        case .restart(let name, let message):
            return await speaker.restart(name, message: message) ? .ok("\(name): restarted") : unknown(name)
        case .reload:
            guard let reload else { return .error(code: .internal, message: "this daemon cannot reload") }
            return await reload().response
        case .showBFD:
            guard let bfd else { return .bfd(BFDReport(sessions: [])) }
            return .bfd(await BFDReportBuilder.report(bfd))
        case .showConfig:
            return .config(ConfigReportBuilder.report(await configuration(), configFile: configFile, kernelActive: kernel != nil))
        case .showRoute(let query):
            let result = await speaker.routing { engine in RouteReportBuilder.report(query, engine: engine) }
            switch result {
            case .success(let report): return .route(report)
            case .failure(.badPrefix(let text)):
                return .error(code: .invalidRequest, message: "not a prefix or address: \(text)")
            case .failure(.unknownPeer(let name)):
                return .error(code: .unknownProtocol, message: "no Established protocol named \(name)")
            case .failure(.peerRequired):
                return .error(code: .invalidRequest, message: "--received and --advertised need --peer NAME")
            }
        }
    }

    private func unknown(_ name: String) -> ControlResponse {
        .error(code: .unknownProtocol, message: "no protocol named \(name)")
    }

    static func summary(_ status: PeerStatus) -> ProtocolSummary {
        ProtocolSummary(
            name: status.name, state: status.enabled ? ProtocolState(rawValue: status.state.rawValue) : .disabled,
            since: status.since, info: status.info, peerAddress: status.address.description, peerAS: status.peerAS,
            localAS: status.localAS, routesReceived: status.prefixesReceived,
            routesAccepted: status.routes?.imported ?? 0, routesAdvertised: status.routes?.exported ?? 0,
            routesImported: status.routes?.imported, routesFiltered: status.routes?.filtered,
            routesExported: status.routes?.exported, routesPreferred: status.routes?.preferred)
    }

    static func detail(_ status: PeerStatus) -> ProtocolDetail {
        func counts(_ map: [MessageType: Int]) -> MessageCounts {
            MessageCounts(
                open: map[.open] ?? 0, update: map[.update] ?? 0, notification: map[.notification] ?? 0,
                keepalive: map[.keepalive] ?? 0, routeRefresh: map[.routeRefresh] ?? 0)
        }
        func record(_ entry: (BGPNotification, Double)?) -> NotificationRecord? {
            guard let (n, at) = entry else { return nil }
            return NotificationRecord(
                code: Int(n.code.rawValue), subcode: Int(n.subcode), dataHex: n.data.map { String(format: "%02x", $0) }.joined(),
                text: n.name, shutdownCommunication: n.shutdownCommunication ?? n.hardResetInner?.shutdownCommunication,
                at: at)
        }
        let negotiated = status.negotiated
        return ProtocolDetail(
            summary: summary(status), peerRouterID: negotiated?.peerIdentifier.description, remotePort: status.port,
            negotiatedHoldTime: negotiated.map { Int($0.holdTime) }, negotiatedKeepalive: negotiated.map { Int($0.keepaliveInterval) },
            configuredHoldTime: Int(status.configuredHoldTime), configuredKeepalive: Int(status.configuredKeepaliveTime),
            configuredConnectRetry: Int(status.configuredConnectRetry.components.seconds),
            passive: status.passive, capabilitiesAdvertised: status.advertisedCapabilities.map(describe),
            capabilitiesReceived: negotiated?.peerOpen.capabilities.map(describe) ?? [],
            capabilitiesNegotiated: negotiated.map(negotiatedNames) ?? [],
            messagesReceived: counts(status.messagesIn), messagesSent: counts(status.messagesOut),
            lastNotificationSent: record(status.lastNotificationSent),
            lastNotificationReceived: record(status.lastNotificationReceived), flapCount: status.flaps,
            lastStateChangeReason: status.info)
    }

    static func describe(_ capability: Capability) -> String {
        switch capability {
        case .multiprotocol(let f): "multiprotocol \(f)"
        case .fourOctetAS(let asn): "4-octet-as \(asn)"
        case .addPath(let entries): "add-path " + entries.map { "\($0.family) \($0.mode == 1 ? "receive" : $0.mode == 2 ? "send" : "send-receive")" }.joined(separator: ", ")
        case .gracefulRestart(let gr): "graceful-restart \(gr.restartTime)s" + (gr.restarting ? " restarting" : "")
        case .longLivedGracefulRestart(let entries):
            "long-lived-graceful-restart"
                + entries.map { " \($0.family) \($0.staleTime)s" + ($0.forwardingPreserved ? " F" : "") }.joined(separator: ",")
        case .fqdn(let host, _): "fqdn \(host)"
        case .unknown(let code, _): "capability \(code)"
        default: capability.name
        }
    }

    static func negotiatedNames(_ n: NegotiatedSession) -> [String] {
        var names = n.families.sorted().map { "multiprotocol \($0)" }
        if n.fourOctetAS { names.append("4-octet-as") }
        if n.routeRefresh { names.append("route-refresh") }
        if n.enhancedRouteRefresh { names.append("enhanced-route-refresh") }
        if n.extendedMessage { names.append("extended-message") }
        for f in n.addPathReceive.sorted() { names.append("add-path \(f) receive") }
        for f in n.addPathSend.sorted() { names.append("add-path \(f) send") }
        if n.peerGracefulRestart != nil { names.append("graceful-restart (peer)") }
        if n.peerLongLivedGracefulRestart != nil && n.localLongLivedGracefulRestart != nil {
            names.append("long-lived-graceful-restart")
        }
        return names
    }
}

import Foundation

extension Optional {
    /// `map` for an async transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let self else { return nil }
        return await transform(self)
    }
}
