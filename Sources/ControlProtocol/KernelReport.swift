// SPDX-License-Identifier: Apache-2.0
// The answer to `show kernel [PREFIX]`: what Swiftlet wants in the kernel, what the kernel holds of ours, and why a
// prefix is not installed (pending next hop, refused with the kernel's own text, held by another protocol, left to
// Felix), plus the totals `show status` also prints. Routes are rendered in `ip route` words by the daemon, which
// knows the interface names.

/// Kernel totals (`show status`, `show kernel`).
public struct KernelCounters: Hashable, Sendable, Codable {
    /// False when `kernel.programRoutes` is off: nothing is installed or removed.
    public var programming: Bool
    public var routeProtocol: Int
    public var table: UInt32
    public var installed: Int
    public var pending: Int
    public var failed: Int
    public var foreign: Int
    public var adds: Int
    public var replaces: Int
    public var deletes: Int
    public var failures: Int
    /// Netlink batches sent (each one or more sendmsg calls).
    public var batches: Int
    /// Whether routes left by an earlier run have been swept (after End-of-RIB from every peer, or the timer).
    public var swept: Bool
    public var lastError: String?
    /// Tunnel devices and their state, such as "vxlan.calico (index 7)" or "tunl0: the kernel has no ipip support".
    public var devices: [String]

    public init(
        programming: Bool, routeProtocol: Int, table: UInt32, installed: Int = 0, pending: Int = 0, failed: Int = 0,
        foreign: Int = 0, adds: Int = 0, replaces: Int = 0, deletes: Int = 0, failures: Int = 0, batches: Int = 0,
        swept: Bool = false, lastError: String? = nil, devices: [String] = []
    ) {
        self.programming = programming
        self.routeProtocol = routeProtocol
        self.table = table
        self.installed = installed
        self.pending = pending
        self.failed = failed
        self.foreign = foreign
        self.adds = adds
        self.replaces = replaces
        self.deletes = deletes
        self.failures = failures
        self.batches = batches
        self.swept = swept
        self.lastError = lastError
        self.devices = devices
    }
}

/// One prefix in `show kernel`.
public struct KernelRouteEntry: Hashable, Sendable, Codable {
    public enum State: String, Hashable, Sendable, Codable {
        case installed, pending, failed, foreign, felix, off, stale
    }

    public var prefix: String
    public var state: State
    /// Why it is pending or failed, or who holds it.
    public var reason: String?
    /// The desired route in `ip route` words (`10.244.0.64/26 via 10.0.1.3 dev eth0 proto bird metric 1024`).
    public var desired: String?
    /// Our routes the kernel holds for the prefix, in the same words.
    public var installed: [String]
    /// "none", "IPIP" or "VXLAN".
    public var encapsulation: String?

    public init(
        prefix: String, state: State, reason: String? = nil, desired: String? = nil, installed: [String] = [],
        encapsulation: String? = nil
    ) {
        self.prefix = prefix
        self.state = state
        self.reason = reason
        self.desired = desired
        self.installed = installed
        self.encapsulation = encapsulation
    }
}

/// `show kernel [PREFIX]`.
public struct KernelReport: Hashable, Sendable, Codable {
    public var counters: KernelCounters
    public var routes: [KernelRouteEntry]

    public init(counters: KernelCounters, routes: [KernelRouteEntry]) {
        self.counters = counters
        self.routes = routes
    }
}
