// SPDX-License-Identifier: Apache-2.0
// Shared sample values for the ControlProtocol tests: a fixed "now" (2026-01-01 00:00:00 UTC), three sessions in the
// three BIRD display states, a fully populated detail and a status.

import ControlProtocol
import Foundation

enum ControlSamples {
    /// 2026-01-01 00:00:00 UTC.
    static let now: Double = 1_767_225_600
    static let utc = TimeZone(identifier: "UTC")!

    static let established = ProtocolSummary(
        name: "Mesh_10_0_0_2", state: .established, since: now - 3600 + 0.123, info: "Established",
        peerAddress: "10.0.0.2", peerAS: 64512, localAS: 64512)
    static let active = ProtocolSummary(
        name: "Node_192_0_2_1", state: .active, since: now - 3 * 86_400, info: "Socket: Connection refused",
        peerAddress: "192.0.2.1", peerAS: 65001, localAS: 64512)
    static let disabled = ProtocolSummary(
        name: "peer3", state: .disabled, since: now - 60,
        info: #"Received: Cease: Administrative Shutdown: "maintenance""#,
        peerAddress: "2001:db8::3", peerAS: 4_200_000_000, localAS: 64512)

    static let summaries = [established, active, disabled]

    static let detail = ProtocolDetail(
        summary: ProtocolSummary(
            name: "Mesh_10_0_0_2", state: .established, since: now - 3600 + 0.123, info: "",
            peerAddress: "10.0.0.2", peerAS: 64512, localAS: 64512, routesReceived: 3, routesAccepted: 2,
            routesAdvertised: 5),
        peerRouterID: "10.0.0.2", localPort: 43512, remotePort: 179, negotiatedHoldTime: 90, negotiatedKeepalive: 30,
        configuredHoldTime: 240, configuredKeepalive: 80, configuredConnectRetry: 120, passive: false,
        capabilitiesAdvertised: ["multiprotocol ipv4-unicast", "4-octet-as", "add-path ipv4-unicast receive"],
        capabilitiesReceived: ["multiprotocol ipv4-unicast", "4-octet-as", "graceful-restart"],
        capabilitiesNegotiated: ["multiprotocol ipv4-unicast", "4-octet-as"],
        messagesReceived: MessageCounts(open: 1, update: 4, notification: 1, keepalive: 120, routeRefresh: 0),
        messagesSent: MessageCounts(open: 1, update: 2, notification: 0, keepalive: 121, routeRefresh: 1),
        lastNotificationSent: nil,
        lastNotificationReceived: NotificationRecord(
            code: 6, subcode: 2, dataHex: "0b6d61696e74656e616e6365", text: "Cease: Administrative Shutdown",
            shutdownCommunication: "maintenance", at: now - 7200),
        flapCount: 2, lastStateChangeReason: "OPEN and KEEPALIVE exchanged")

    static let status = DaemonStatus(
        version: "0.1.0", routerID: "10.0.0.1", localAS: 64512, nodeName: "node-a", startedAt: now - 90_061.5,
        sessionsEstablished: 1, sessionsTotal: 3)
}
