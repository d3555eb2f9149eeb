// SPDX-License-Identifier: Apache-2.0
// The one owner of Swiftlet's kernel routes (issue #5; BIRD's `protocol kernel` with `persist`, `graceful restart`
// and `merge paths`). Loc-RIB changes and the node's own blocks come in; add/replace/delete batches go out through a
// RouteProgrammer; tunnel devices and their neighbours through a DeviceProgrammer.
//
// Rules, in the order they matter to an operator:
// - Only routes with our protocol number are ever replaced or deleted (RouteProgrammer's ownership rule). An add
//   that meets a route of another protocol with the same key fails with EEXIST: the prefix is marked foreign, logged
//   once, and left alone; it is tried again when the kernel reports that route gone.
// - Start: our routes are dumped first. A selection that matches the installed route sends nothing, so a restart
//   with the same table flaps nothing. Routes nobody wants any more stay until `sweep()`: the daemon calls it once
//   every peer has sent End-of-RIB or the stale-route timer ran out (RFC 4724 §4.1 semantics for our own restart).
// - Exit: nothing is removed (Calico's `persist`); the next start reconciles.
// - Next hops are resolved through the kernel (`gateway recursive`) and resolved again when links, addresses or
//   other protocols' routes change (`kernelChanged`).
//
// Everything is synchronous inside the actor: rtnetlink answers within the sendmsg (see RouteProgrammer), and a
// dump must not interleave with the changes computed from it.

import BGPCore
import BGPWire
import ClusterModel
import KernelNetlink
import Logging

/// Owns the kernel routes of Swiftlet's protocol number.
public actor KernelSync {
    /// What KernelSync plans from: the cluster and kernel parts of the daemon configuration.
    public struct Configuration: Hashable, Sendable {
        public var settings: KernelSettings
        public var pools: [IPPoolResource]
        public var nodeSubnets: [IPPrefix]
        public var tunnelEndpoints: [TunnelEndpoint]
        /// This node's name (its own tunnel endpoint).
        public var nodeName: String
        /// The node's own blocks: each gets a blackhole.
        public var blackholes: [IPPrefix]

        public init(
            settings: KernelSettings, pools: [IPPoolResource] = [], nodeSubnets: [IPPrefix] = [],
            tunnelEndpoints: [TunnelEndpoint] = [], nodeName: String = "", blackholes: [IPPrefix] = []
        ) {
            self.settings = settings
            self.pools = pools
            self.nodeSubnets = nodeSubnets
            self.tunnelEndpoints = tunnelEndpoints
            self.nodeName = nodeName
            self.blackholes = blackholes
        }
    }

    /// Where one prefix stands.
    public enum State: Hashable, Sendable {
        /// The kernel has the desired route.
        case installed
        /// Not installable yet (unresolved next hop, missing tunnel data); the text says why.
        case pending(String)
        /// The kernel refused it; the text is the errno and the kernel's extended-ack message.
        case failed(String)
        /// A route of another protocol holds the prefix with the same table and metric; left alone.
        case foreign
        /// `programClusterRoutes` leaves it to Felix.
        case leftToFelix(Encapsulation)
        /// `kernel.programRoutes` is false.
        case notProgrammed
        /// Installed by an earlier run, wanted by nobody; deleted at the sweep.
        case stale
    }

    /// One prefix as `show kernel` reports it.
    public struct Entry: Hashable, Sendable {
        public var prefix: IPPrefix
        public var state: State
        /// What Swiftlet wants installed (nil when nothing).
        public var desired: KernelRoute?
        /// What of ours the kernel holds (from the dump and every acknowledged change).
        public var installed: [KernelRoute]
        public var encapsulation: Encapsulation?
    }

    /// Totals for `show status` and metrics.
    public struct Counters: Hashable, Sendable {
        public var routesInstalled = 0
        public var routesPending = 0
        public var routesFailed = 0
        public var routesForeign = 0
        public var adds = 0
        public var replaces = 0
        public var deletes = 0
        public var failures = 0
        public var batches = 0
        /// Whether the stale routes of an earlier run have been swept (End-of-RIB from every peer, or the timer).
        public var swept = false
        public var lastError: String?
    }

    var configuration: Configuration
    var planner: KernelRoutePlanner
    private var routes: any RouteProgrammer
    var devices: (any DeviceProgrammer)?
    let logger: Logger

    /// The Loc-RIB's selections (locally originated paths excluded).
    private var selected: [IPPrefix: SelectedRoute] = [:]
    private var blackholes: Set<IPPrefix>
    /// Our routes in the kernel, by prefix (usually one; more when a metric changed or an old run left others).
    private var installed: [IPPrefix: [KernelRoute]] = [:]
    /// The plan per prefix for every prefix selected or blackholed.
    private var plans: [IPPrefix: KernelRoutePlanner.Plan] = [:]
    /// Prefixes whose last change failed, with the reason; and those held by another protocol's route.
    private var failed: [IPPrefix: String] = [:]
    private var foreign: Set<IPPrefix> = []
    /// Next-hop resolutions, cleared when the kernel's links, addresses or routes change.
    private var resolutions: [IPAddress: KernelRoutePlanner.Resolution?] = [:]
    var totals = Counters()
    private var started = false
    /// Tunnel devices: what was found or made, and why one is unusable (for `show kernel`).
    var deviceNotes: [String] = []
    /// The ARP/FDB entries programmed for remote VXLAN endpoints.
    var neighbours: Set<NeighbourEntry> = []
    /// Problems already logged (each is logged once until it clears).
    var reportedProblems: Set<String> = []

    public init(
        configuration: Configuration, routes: sending any RouteProgrammer, devices: sending (any DeviceProgrammer)?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.routes = routes
        self.devices = devices
        self.logger = logger
        self.blackholes = Set(configuration.blackholes)
        self.planner = KernelRoutePlanner(
            settings: configuration.settings, pools: configuration.pools, nodeSubnets: configuration.nodeSubnets,
            endpoints: configuration.tunnelEndpoints)
    }

    var settings: KernelSettings { configuration.settings }
    private var programming: Bool { settings.programRoutes }
    private var routeProtocol: RouteProtocol { RouteProtocol(rawValue: settings.routeProtocol) }

    // MARK: Events

    /// Dumps our routes, sets up the tunnel devices and installs the blackholes. Selections that arrived before are
    /// programmed too. Nothing stale is deleted here (see `sweep`).
    public func start() {
        started = true
        guard programming else {
            logger.notice("kernel programming is off (BGPConfiguration spec.kernel.programRoutes: false)")
            replanAll()
            return
        }
        rescanOurRoutes()
        setUpDevices()
        replanAll()
        syncAll(deletingUnwanted: false)
        logger.info(
            "kernel sync started", metadata: [
                "protocol": "\(routeProtocol.rawValue)", "table": "\(settings.table)",
                "installed": "\(installed.count)", "blackholes": "\(blackholes.count)",
            ])
    }

    /// Loc-RIB changes (in order; a later change of a prefix supersedes an earlier one).
    public func routesChanged(_ changes: [RouteChange]) {
        var touched: [IPPrefix] = []
        touched.reserveCapacity(changes.count)
        var withdrawn = Set<IPPrefix>()
        for change in changes {
            if let route = SelectedRoute(change) {
                selected[change.prefix] = route
                withdrawn.remove(change.prefix)
            } else if selected.removeValue(forKey: change.prefix) != nil {
                withdrawn.insert(change.prefix)
            } else {
                continue
            }
            touched.append(change.prefix)
        }
        guard started else { return }
        for prefix in touched { plans[prefix] = plan(prefix) }
        // An explicit withdrawal removes the route at once, before or after the sweep.
        sync(touched, deletingUnwanted: { withdrawn.contains($0) })
    }

    /// The kernel's links, addresses or other routes changed: resolve every next hop again and reprogram the
    /// prefixes whose route changed. `prefix` is a route of another protocol that was deleted (a foreign holder gone).
    public func kernelChanged(devicesChanged: Bool = false) {
        guard started, programming else { return }
        if devicesChanged { setUpDevices() }
        resolutions.removeAll(keepingCapacity: true)
        let before = plans
        replanAll()
        let changed = plans.keys.filter { before[$0] != plans[$0] } + foreign.filter { before[$0] == plans[$0] }
        foreign.subtract(changed)
        sync(changed, deletingUnwanted: { _ in self.totals.swept })
    }

    /// Reads our routes from the kernel again and reconciles: repairs anything another program changed or removed
    /// (BIRD's periodic kernel scan).
    public func rescan() {
        guard started, programming else { return }
        rescanOurRoutes()
        // Try foreign-held prefixes again too: the other route may be gone unseen, or an add we could not confirm
        // (ENOBUFS, timeout) may have been ours after all, which the dump now shows.
        foreign.removeAll()
        syncAll(deletingUnwanted: totals.swept)
    }

    /// Deletes our routes nobody wants: the ones an earlier run left. Called once the initial tables are complete.
    public func sweep() {
        guard !totals.swept else { return }
        totals.swept = true
        guard started, programming else { return }
        let stale = installed.keys.filter { plannedRoute($0) == nil }.count
        syncAll(deletingUnwanted: true)
        logger.info("stale kernel routes swept", metadata: ["deleted": "\(stale)"])
    }

    /// A new configuration (SIGHUP): pools, subnets, tunnel data, blackholes or kernel settings changed.
    public func reconfigure(_ new: Configuration) {
        guard new != configuration else { return }
        let devicesChanged = new.settings != configuration.settings || new.tunnelEndpoints != configuration.tunnelEndpoints
        configuration = new
        blackholes = Set(new.blackholes)
        let devices = planner.devices
        planner = KernelRoutePlanner(
            settings: new.settings, pools: new.pools, nodeSubnets: new.nodeSubnets, endpoints: new.tunnelEndpoints,
            devices: devices)
        guard started else { return }
        if devicesChanged && programming { setUpDevices() }
        replanAll()
        if programming { syncAll(deletingUnwanted: true) }
    }

    // MARK: Reports

    public func counters() -> Counters {
        var result = totals
        result.routesInstalled = 0
        for (prefix, routes) in installed where desiredMatches(prefix, routes) { result.routesInstalled += 1 }
        result.routesPending = plans.values.filter { if case .pending = $0 { return true } else { return false } }.count
        result.routesFailed = failed.count
        result.routesForeign = foreign.count
        return result
    }

    /// Device names by index, for reports (empty without a device programmer).
    public func interfaceNames() -> [UInt32: String] {
        guard var devices = self.devices else { return [:] }
        defer { self.devices = devices }
        let links = (try? devices.links()) ?? []
        return Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tunnel devices as set up, and why one is unusable.
    public func devicesReport() -> [String] { deviceNotes }

    public var kernelSettings: KernelSettings { configuration.settings }

    /// The entries for `prefix` (exact match), or every entry, sorted by prefix.
    public func entries(for prefix: IPPrefix? = nil) -> [Entry] {
        let keys: [IPPrefix]
        if let prefix {
            keys = [prefix]
        } else {
            keys = Set(plans.keys).union(installed.keys).sorted()
        }
        return keys.compactMap(entry)
    }

    private func entry(_ prefix: IPPrefix) -> Entry? {
        let plan = plans[prefix]
        let ours = installed[prefix] ?? []
        guard plan != nil || !ours.isEmpty else { return nil }
        let desired = plannedRoute(prefix)
        var encapsulation: Encapsulation?
        let state: State
        switch plan {
        case .install(_, let encap)?: encapsulation = encap
        case .leftToFelix(let encap)?: encapsulation = encap
        default: break
        }
        if !programming {
            state = .notProgrammed
        } else if foreign.contains(prefix) {
            state = .foreign
        } else if let error = failed[prefix] {
            state = .failed(error)
        } else if case .pending(let reason)? = plan {
            state = .pending(reason)
        } else if case .leftToFelix(let encap)? = plan {
            state = ours.isEmpty ? .leftToFelix(encap) : .stale
        } else if desired == nil {
            state = .stale
        } else if desiredMatches(prefix, ours) {
            state = .installed
        } else {
            state = .pending("not yet programmed")
        }
        return Entry(prefix: prefix, state: state, desired: desired, installed: ours, encapsulation: encapsulation)
    }

    private func desiredMatches(_ prefix: IPPrefix, _ ours: [KernelRoute]) -> Bool {
        guard let desired = plannedRoute(prefix) else { return false }
        return ours.contains { $0.key == desired.key && RouteReconciler.canonical($0) == RouteReconciler.canonical(desired) }
    }

    // MARK: Planning

    private func plan(_ prefix: IPPrefix) -> KernelRoutePlanner.Plan? {
        if blackholes.contains(prefix) { return .install(planner.blackhole(prefix), .none) }
        guard let route = selected[prefix] else { return nil }
        return planner.plan(prefix, route, resolve: resolve)
    }

    private func replanAll() {
        plans.removeAll(keepingCapacity: true)
        for prefix in blackholes { plans[prefix] = plan(prefix) }
        for prefix in selected.keys where plans[prefix] == nil { plans[prefix] = plan(prefix) }
    }

    private func plannedRoute(_ prefix: IPPrefix) -> KernelRoute? {
        if case .install(let route, _)? = plans[prefix] { return route }
        return nil
    }

    private func resolve(_ address: IPAddress) -> KernelRoutePlanner.Resolution? {
        if let known = resolutions[address] { return known }
        var resolution: KernelRoutePlanner.Resolution?
        if var devices = self.devices {
            do {
                resolution = try devices.resolve(address).map {
                    KernelRoutePlanner.Resolution(gateway: $0.gateway, interfaceIndex: $0.interfaceIndex)
                }
            } catch {
                logger.warning("next-hop lookup failed", metadata: ["next_hop": "\(address)", "error": "\(error)"])
            }
            self.devices = devices
        }
        resolutions[address] = resolution
        return resolution
    }

    // MARK: Programming

    private func syncAll(deletingUnwanted: Bool) {
        sync(Array(Set(plans.keys).union(installed.keys)), deletingUnwanted: { _ in deletingUnwanted })
    }

    /// Brings each prefix's installed routes to its plan: add or replace the desired route first, then delete our
    /// other routes for the prefix (make before break); with nothing desired, delete only when allowed.
    private func sync(_ prefixes: [IPPrefix], deletingUnwanted: (IPPrefix) -> Bool) {
        guard programming, !prefixes.isEmpty else { return }
        var operations: [RouteOperation] = []
        var deletions: [RouteOperation] = []
        for prefix in prefixes where !foreign.contains(prefix) {
            let ours = installed[prefix] ?? []
            guard let desired = plannedRoute(prefix) else {
                failed[prefix] = nil
                if !ours.isEmpty && deletingUnwanted(prefix) { deletions += ours.map { .delete($0) } }
                continue
            }
            if let same = ours.first(where: { $0.key == desired.key }) {
                if RouteReconciler.canonical(same) != RouteReconciler.canonical(desired) {
                    operations.append(.replace(desired))
                } else {
                    failed[prefix] = nil
                }
            } else {
                operations.append(.add(desired))
            }
            deletions += ours.filter { $0.key != desired.key }.map { .delete($0) }
        }
        apply(operations + deletions)
    }

    private func apply(_ operations: [RouteOperation]) {
        guard !operations.isEmpty else { return }
        let failures = routes.apply(operations)
        totals.batches += 1
        var refused: [RouteOperation: RouteFailure] = [:]
        for failure in failures { refused[failure.operation] = failure }
        for operation in operations {
            let prefix = operation.prefix
            if let failure = refused[operation] {
                totals.failures += 1
                record(failure)
                continue
            }
            failed[prefix] = nil
            if !reportedProblems.isEmpty { reportedProblems.remove("foreign \(prefix)") }
            let route = operation.route.installedForm
            switch operation {
            case .add:
                totals.adds += 1
                installed[prefix, default: []].append(route)
            case .replace:
                totals.replaces += 1
                installed[prefix, default: []].removeAll { $0.key == route.key }
                installed[prefix, default: []].append(route)
            case .delete:
                totals.deletes += 1
                installed[prefix]?.removeAll { $0.key == route.key }
                if installed[prefix]?.isEmpty == true { installed[prefix] = nil }
            }
        }
    }

    private func record(_ failure: RouteFailure) {
        let prefix = failure.prefix
        if case .add = failure.operation, failure.error == .fileExists {
            // Our dump is complete, so an existing route with this key belongs to another protocol.
            foreign.insert(prefix)
            if reportedProblems.insert("foreign \(prefix)").inserted {
                logger.warning(
                    "a route of another protocol holds this prefix; left alone",
                    metadata: ["prefix": "\(prefix)", "table": "\(failure.operation.route.table.rawValue)",
                               "metric": "\(failure.operation.route.priority)"])
            }
            return
        }
        let text = "\(failure)"
        if failed[prefix] != text {
            logger.error("kernel refused a route change", metadata: ["prefix": "\(prefix)", "error": "\(text)"])
        }
        failed[prefix] = text
        totals.lastError = text
    }

    /// Replaces what we know of our routes with a fresh dump.
    private func rescanOurRoutes() {
        do {
            let dumped = try routes.dump(protocol: routeProtocol)
            installed.removeAll(keepingCapacity: true)
            for route in dumped where route.table.rawValue == settings.table {
                installed[route.prefix, default: []].append(route)
            }
        } catch {
            let text = "dump of protocol \(routeProtocol.rawValue) routes failed: \(error.error)"
            totals.lastError = text
            logger.error("kernel route dump failed", metadata: ["error": "\(error.operation): \(error.error)"])
        }
    }
}
