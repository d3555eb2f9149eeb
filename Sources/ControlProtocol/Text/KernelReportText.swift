// SPDX-License-Identifier: Apache-2.0
// `show kernel` as text: a header with the totals, then one block per prefix with its state, the desired route and
// what of ours the kernel holds, in `ip route` words so it can be compared with `ip route show proto bird`.

/// Renders kernel reports and the kernel line of `show status`.
public enum KernelReportText {
    public static func render(_ report: KernelReport) -> String {
        var out = header(report.counters)
        for entry in report.routes {
            let state = entry.state.rawValue
            var line = entry.prefix.terminalSafe.padding(to: 20) + " " + state.padding(to: 10)
            if let encapsulation = entry.encapsulation, encapsulation != "none" { line += " [\(encapsulation.terminalSafe)]" }
            if let reason = entry.reason { line += " " + reason.terminalSafe }
            out += line + "\n"
            if let desired = entry.desired, entry.state != .installed || entry.installed.count != 1 {
                out += "    want: \(desired.terminalSafe)\n"
            }
            for route in entry.installed { out += "    have: \(route.terminalSafe)\n" }
        }
        return out
    }

    static func header(_ counters: KernelCounters) -> String {
        var out = "Kernel routes (protocol \(counters.routeProtocol), table \(counters.table))"
        out += counters.programming ? "" : ": programming off (spec.kernel.programRoutes: false)"
        out += "\n"
        out += summary(counters) + "\n"
        for device in counters.devices { out += "Device \(device.terminalSafe)\n" }
        if let error = counters.lastError { out += "Last error: \(error.terminalSafe)\n" }
        return out
    }

    /// "N installed, N pending, N failed, N foreign; changes: N add, N replace, N delete, N refused in N batches;
    /// stale routes swept|not swept yet".
    public static func summary(_ counters: KernelCounters) -> String {
        "Routes: \(counters.installed) installed, \(counters.pending) pending, \(counters.failed) failed, "
            + "\(counters.foreign) foreign; changes: \(counters.adds) add, \(counters.replaces) replace, "
            + "\(counters.deletes) delete, \(counters.failures) refused in \(counters.batches) batches; "
            + (counters.swept ? "stale routes swept" : "stale routes not swept yet")
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
