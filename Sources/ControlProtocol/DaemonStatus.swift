// SPDX-License-Identifier: Apache-2.0
// The answer to `show status`: who this daemon is and how many of its sessions are up. Times are Unix seconds so the
// CLI can print them in the operator's time zone.

/// Daemon identity and session totals (`birdc show status`).
public struct DaemonStatus: Hashable, Sendable, Codable {
    /// Swiftlet's version string, such as "0.1.0".
    public var version: String
    /// The BGP identifier in dotted-quad form.
    public var routerID: String
    public var localAS: UInt32
    /// The Calico node name this daemon runs as.
    public var nodeName: String
    /// When the daemon started, Unix seconds.
    public var startedAt: Double
    public var sessionsEstablished: Int
    public var sessionsTotal: Int
    /// Kernel route totals; nil from a daemon without a kernel adapter.
    public var kernel: KernelCounters?

    public init(
        version: String, routerID: String, localAS: UInt32, nodeName: String, startedAt: Double,
        sessionsEstablished: Int, sessionsTotal: Int, kernel: KernelCounters? = nil
    ) {
        self.kernel = kernel
        self.version = version
        self.routerID = routerID
        self.localAS = localAS
        self.nodeName = nodeName
        self.startedAt = startedAt
        self.sessionsEstablished = sessionsEstablished
        self.sessionsTotal = sessionsTotal
    }
}
