// SPDX-License-Identifier: Apache-2.0
// `swiftletctl reload` in text: the one-line summary, then one line per peer that was touched and per other change.
// Unchanged peers are only counted.

/// Renders an applied reload.
public enum ReloadReportText {
    /// The report, each line ending in "\n".
    public static func render(_ report: ReloadReport) -> String {
        var out = report.summary.terminalSafe + "\n"
        for name in report.peersAdded { out += "  added      \(name.terminalSafe)\n" }
        for name in report.peersRemoved { out += "  removed    \(name.terminalSafe)\n" }
        for name in report.peersChanged { out += "  restarted  \(name.terminalSafe) (definition changed)\n" }
        for change in report.otherChanges { out += "  changed    \(change.terminalSafe)\n" }
        for note in report.notes { out += "  note       \(note.terminalSafe)\n" }
        return out
    }
}
