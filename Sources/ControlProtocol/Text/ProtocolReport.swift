// SPDX-License-Identifier: Apache-2.0
// `show protocol NAME` (birdc's `show protocols all NAME`): the table row, then an indented block of "Label: value"
// lines for the session, its capabilities, message counters, last NOTIFICATIONs and route counters. Peer-supplied
// text (shutdown communications) has its control characters escaped.

import Foundation

/// Renders one session in detail.
public enum ProtocolReport {
    /// The report, each line ending in "\n".
    public static func render(
        _ detail: ProtocolDetail, now: Double = Date().timeIntervalSince1970, timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        let s = detail.summary
        var out = ProtocolTable.render([s], now: now, timeZone: timeZone)
        func line(_ label: String, _ value: String, indent: Int = 4) {
            // Values line up at column 28 whatever the label's indent.
            let text = String(repeating: " ", count: indent) + (label + ":").padded(to: 28 - indent) + value
            out += text.trimmingTrailingSpaces + "\n"
        }
        func heading(_ text: String, indent: Int = 4) {
            out += String(repeating: " ", count: indent) + text + "\n"
        }
        func seconds(_ value: Int?) -> String { value.map(String.init) ?? "-" }

        line("BGP state", s.state.rawValue.terminalSafe, indent: 2)
        line("Neighbor address", s.peerAddress.terminalSafe)
        line("Neighbor AS", String(s.peerAS))
        line("Local AS", String(s.localAS))
        line("Neighbor ID", detail.peerRouterID?.terminalSafe ?? "-")
        line("Passive", detail.passive ? "yes" : "no")
        line("Local port", detail.localPort.map(String.init) ?? "-")
        line("Neighbor port", detail.remotePort.map(String.init) ?? "-")
        line("Hold time", "\(seconds(detail.negotiatedHoldTime)) (configured \(detail.configuredHoldTime))")
        line("Keepalive time", "\(seconds(detail.negotiatedKeepalive)) (configured \(detail.configuredKeepalive))")
        line("Connect retry time", String(detail.configuredConnectRetry))
        if !s.info.isEmpty { line("Last error", s.info.terminalSafe) }
        if let reason = detail.lastStateChangeReason { line("Last state change", reason.terminalSafe) }
        line("Flaps", String(detail.flapCount))
        for (title, names) in [
            ("Local capabilities", detail.capabilitiesAdvertised),
            ("Neighbor capabilities", detail.capabilitiesReceived),
            ("Negotiated capabilities", detail.capabilitiesNegotiated),
        ] where !names.isEmpty || title == "Local capabilities" {
            heading(title)
            for name in names { heading(name.terminalSafe, indent: 6) }
        }
        out += "    " + "Messages".padded(to: 16) + "received".rightAligned(to: 12) + "sent".rightAligned(to: 12) + "\n"
        let received = detail.messagesReceived
        let sent = detail.messagesSent
        for (name, inCount, outCount) in [
            ("OPEN", received.open, sent.open), ("UPDATE", received.update, sent.update),
            ("NOTIFICATION", received.notification, sent.notification),
            ("KEEPALIVE", received.keepalive, sent.keepalive),
            ("ROUTE-REFRESH", received.routeRefresh, sent.routeRefresh),
        ] {
            out += "      " + name.padded(to: 14) + String(inCount).rightAligned(to: 12)
                + String(outCount).rightAligned(to: 12) + "\n"
        }
        line("Notification sent", notification(detail.lastNotificationSent, time: time))
        line("Notification received", notification(detail.lastNotificationReceived, time: time))
        line("Routes", routes(s), indent: 2)
        return out
    }

    /// BIRD's "3 imported, 0 filtered, 2 exported, 1 preferred", leaving out counters the daemon did not send (BIRD
    /// leaves out "filtered" when it keeps no filtered routes); from a daemon that sends none of them, the older
    /// "3 received, 2 accepted, 5 advertised".
    static func routes(_ s: ProtocolSummary) -> String {
        let counters = [
            (s.routesImported, "imported"), (s.routesFiltered, "filtered"), (s.routesExported, "exported"),
            (s.routesPreferred, "preferred"),
        ].compactMap { count, word in count.map { "\($0) \(word)" } }
        guard counters.isEmpty else { return counters.joined(separator: ", ") }
        return "\(s.routesReceived) received, \(s.routesAccepted) accepted, \(s.routesAdvertised) advertised"
    }

    /// `Cease: Administrative Shutdown: "maintenance" (6/2, data 0b6d…) at 12:00:00.000`, or "none".
    static func notification(_ record: NotificationRecord?, time: ControlTimeFormat) -> String {
        guard let record else { return "none" }
        let data = record.dataHex.isEmpty ? "" : ", data \(record.dataHex.terminalSafe)"
        return "\(record.summary.terminalSafe) (\(record.code)/\(record.subcode)\(data)) at \(time.short(record.at))"
    }
}
