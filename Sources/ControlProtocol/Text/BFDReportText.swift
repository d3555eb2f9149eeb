// SPDX-License-Identifier: Apache-2.0
// `show bfd` as text, shaped like birdc's `show bfd sessions` (`IP address  Interface  State  Since  Interval
// Timeout`, intervals and timeout in seconds) with the BGP session, the mode, the multiplier and the diagnostic added;
// the Interval and Timeout columns are the negotiated transmit interval and Detection Time in force.

import Foundation

/// Renders a `BFDReport`.
public enum BFDReportText {
    public static let header = [
        "Peer", "Local", "Protocol", "Mode", "State", "Since", "Interval", "Timeout", "Local tx/rx/mult",
        "Remote tx/rx/mult", "Diagnostic",
    ]

    public static func render(
        _ report: BFDReport, now: Double = Date().timeIntervalSince1970, timeZone: TimeZone = .current
    ) -> String {
        guard !report.sessions.isEmpty else { return "No BFD sessions\n" }
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        let rows = [header] + report.sessions.map { row($0, time: time) }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in rows {
            let line = row.indices.map { row[$0].padded(to: widths[$0]) }.joined(separator: "  ")
            out += line.trimmingTrailingSpaces + "\n"
        }
        for session in report.sessions {
            if let error = session.error { out += "\(session.name.terminalSafe): \(error.terminalSafe)\n" }
        }
        return out
    }

    static func row(_ session: BFDSessionRow, time: ControlTimeFormat) -> [String] {
        let local = session.localAddress.map { "\($0)" } ?? "*"
        return [
            session.peerAddress.terminalSafe, (local + (session.sourcePort.map { ":\($0)" } ?? "")).terminalSafe,
            session.name.terminalSafe, session.mode, session.state.terminalSafe, time.short(session.since),
            seconds(session.transmitMilliseconds), seconds(session.detectionMilliseconds),
            "\(milliseconds(session.desiredMinTxMilliseconds))/\(milliseconds(session.requiredMinRxMilliseconds))/\(session.multiplier)",
            session.remoteMultiplier == 0
                ? "-"
                : "\(milliseconds(session.remoteDesiredMinTxMilliseconds))/\(milliseconds(session.remoteRequiredMinRxMilliseconds))/\(session.remoteMultiplier)",
            session.diagnostic.terminalSafe,
        ]
    }

    /// BIRD prints intervals in seconds with three decimals ("0.300").
    static func seconds(_ milliseconds: Double?) -> String {
        guard let milliseconds else { return "-" }
        return String(format: "%.3f", milliseconds / 1000)
    }

    static func milliseconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))ms" : String(format: "%.1fms", value)
    }
}
