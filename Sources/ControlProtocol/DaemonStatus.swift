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
    /// Where the configuration comes from and, for etcd, how that is going; nil from an older daemon.
    public var datastore: DatastoreStatus?

    public init(
        version: String, routerID: String, localAS: UInt32, nodeName: String, startedAt: Double,
        sessionsEstablished: Int, sessionsTotal: Int, kernel: KernelCounters? = nil, datastore: DatastoreStatus? = nil
    ) {
        self.kernel = kernel
        self.datastore = datastore
        self.version = version
        self.routerID = routerID
        self.localAS = localAS
        self.nodeName = nodeName
        self.startedAt = startedAt
        self.sessionsEstablished = sessionsEstablished
        self.sessionsTotal = sessionsTotal
    }
}

/// The datastore line of `show status`.
public struct DatastoreStatus: Hashable, Sendable, Codable {
    /// "file" or "etcd".
    public var kind: String
    /// The config path, or the etcd endpoints.
    public var source: String
    /// etcd: both watches run and the lease is kept alive. Always true for a file.
    public var connected: Bool
    /// etcd: the newest revision applied.
    public var revision: Int64?
    /// etcd: changes applied since start.
    public var snapshots: Int?
    /// etcd: the node's lease (hexadecimal).
    public var lease: String?
    /// etcd: the IPAM blocks this node holds.
    public var blocks: [String]?
    /// etcd: the last failure, while disconnected.
    public var lastError: String?

    public init(
        kind: String, source: String, connected: Bool = true, revision: Int64? = nil, snapshots: Int? = nil,
        lease: String? = nil, blocks: [String]? = nil, lastError: String? = nil
    ) {
        self.kind = kind
        self.source = source
        self.connected = connected
        self.revision = revision
        self.snapshots = snapshots
        self.lease = lease
        self.blocks = blocks
        self.lastError = lastError
    }
}
