// SPDX-License-Identifier: Apache-2.0
// `show protocols` as birdc prints it, so people and Calico-era scripts that read BIRD's table keep working:
// `Name Proto Table State Since Info` with BIRD's column widths (`%-10s %-10s %-10s %-6s %-12s  %s`, wider when a
// value is longer, so columns stay aligned), Table "---", State "up"/"start"/"down", and Info the FSM state padded
// to 14 columns followed by the last error, exactly like BIRD's `bgp_get_status`.

import Foundation

/// Renders protocol summaries as birdc's `show protocols` table.
public enum ProtocolTable {
    public static let header = ["Name", "Proto", "Table", "State", "Since", "Info"]

    /// The table, header first, one line per session, each line ending in "\n" and without trailing spaces.
    /// `now` decides between time of day and date in the Since column (BIRD switches after 20 hours).
    public static func render(
        _ summaries: [ProtocolSummary], now: Double = Date().timeIntervalSince1970, timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        let rows = [header] + summaries.map { row($0, time: time) }
        let minimum = [10, 10, 10, 6, 12]
        let widths = minimum.indices.map { column in
            max(minimum[column], rows.map { $0[column].count }.max() ?? 0)
        }
        var out = ""
        for row in rows {
            var line = ""
            for column in 0..<5 {
                line += row[column].padded(to: widths[column]) + (column == 4 ? "  " : " ")
            }
            line += row[5]
            out += line.trimmingTrailingSpaces + "\n"
        }
        return out
    }

    /// The Info column: BIRD prints the state description in 14 columns and then the last error; a protocol that
    /// is down prints only the error.
    public static func info(for summary: ProtocolSummary) -> String {
        let extra = summary.info.terminalSafe
        if summary.state == .disabled { return extra }
        let state = summary.state.rawValue.terminalSafe
        if extra.isEmpty || extra == state { return state }
        return state.padded(to: 14) + extra
    }

    static func row(_ summary: ProtocolSummary, time: ControlTimeFormat) -> [String] {
        [
            summary.name.terminalSafe, summary.kind.terminalSafe, "---", summary.state.birdState,
            time.short(summary.since), info(for: summary),
        ]
    }
}
