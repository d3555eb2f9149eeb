// SPDX-License-Identifier: Apache-2.0
// `show status` in birdc's shape: version, router ID, server time, start time, and a last line scripts can grep
// ("Daemon is up and running"), plus Swiftlet's node name, local AS and session totals.

import Foundation

/// Renders the daemon status.
public enum StatusReport {
    /// The report, each line ending in "\n".
    public static func render(
        _ status: DaemonStatus, now: Double = Date().timeIntervalSince1970, timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        let kernel = status.kernel.map { counters in
            "Kernel: protocol \(counters.routeProtocol), table \(counters.table)"
                + (counters.programming ? "" : ", programming off") + "; " + KernelReportText.summary(counters) + "\n"
        } ?? ""
        let datastore = status.datastore.map { store -> String in
            guard store.kind == "etcd" else { return "Datastore: \(store.kind) \(store.source.terminalSafe)\n" }
            var line = "Datastore: etcd \(store.source.terminalSafe), "
                + (store.connected ? "connected" : "DISCONNECTED (sessions and routes kept)")
            if let revision = store.revision { line += ", revision \(revision)" }
            if let snapshots = store.snapshots { line += ", \(snapshots) change(s) applied" }
            if let lease = store.lease { line += ", lease \(lease.terminalSafe)" }
            if let blocks = store.blocks { line += ", blocks " + (blocks.isEmpty ? "none" : blocks.joined(separator: " ").terminalSafe) }
            if let error = store.lastError { line += "; last error: \(error.terminalSafe)" }
            return line + "\n"
        } ?? ""
        return """
            Swiftlet \(status.version.terminalSafe)
            Router ID is \(status.routerID.terminalSafe)
            Local AS is \(status.localAS)
            Node name is \(status.nodeName.terminalSafe)
            Current server time is \(time.long(now))
            Last reboot on \(time.long(status.startedAt)) (up \(ControlTimeFormat.duration(now - status.startedAt)))
            Sessions: \(status.sessionsEstablished) of \(status.sessionsTotal) established
            \(kernel)\(datastore)Daemon is up and running

            """
    }
}
