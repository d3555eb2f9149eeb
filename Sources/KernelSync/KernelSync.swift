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

    /// Everything known about one prefix, in one table so that a route change costs one or two hash lookups (a
    /// full table is 100k prefixes arriving in a burst).
    struct PrefixState {
        /// The Loc-RIB's selection (locally originated paths excluded).
        var selected: SelectedRoute?
        /// One of the node's own blocks.
        var blackhole = false
        /// The planner's verdict, for every prefix selected or blackholed.
        var plan: KernelRoutePlanner.Plan?
        /// Our routes in the kernel (usually one; more when a metric changed or an old run left others).
        var installed: InstalledRoutes = []
        /// Why the last change of the prefix failed.
        var failure: String?
        /// A route of another protocol holds the desired key.
        var foreign = false

        var isEmpty: Bool { selected == nil && !blackhole && installed.isEmpty }

        var desired: KernelRoute? {
            if case .install(let route, _)? = plan { return route }
            return nil
        }
    }

    private var table = PrefixTable<PrefixState>()
    /// Next-hop resolutions, cleared when the kernel's links, addresses or routes change.
    private var resolutions: [IPAddress: KernelRoutePlanner.Resolution?] = [:]
    var totals = Counters()
    /// How long the last batch took to program, and all batches together (metrics: `swiftlet_kernel_sync_seconds`).
    public private(set) var lastBatchDuration: Duration?
    public private(set) var batchDurationTotal: Duration = .zero
    private var started = false
    /// Tunnel devices: what was found or made, and why one is unusable (for `show kernel`).
    var deviceNotes: [String] = []
    /// The ARP/FDB entries programmed for remote VXLAN endpoints.
    var neighbours: Set<NeighbourEntry> = []
    /// Problems already logged (each is logged once until it clears).
    var reportedProblems: Set<String> = []
    /// Foreign-held prefixes being tried again (their warning is logged again only if they were taken meanwhile).
    private var retryingForeign: Set<IPPrefix> = []

    public init(
        configuration: Configuration, routes: sending any RouteProgrammer, devices: sending (any DeviceProgrammer)?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.routes = routes
        self.devices = devices
        self.logger = logger
        self.planner = KernelRoutePlanner(
            settings: configuration.settings, pools: configuration.pools, nodeSubnets: configuration.nodeSubnets,
            endpoints: configuration.tunnelEndpoints)
        for prefix in configuration.blackholes {
            var state = table[prefix] ?? PrefixState()
            state.blackhole = true
            table[prefix] = state
        }
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
                "routes": "\(table.count)", "blackholes": "\(configuration.blackholes.count)",
            ])
    }

    /// Loc-RIB changes (in order; a later change of a prefix supersedes an earlier one).
    public func routesChanged(_ changes: [RouteChange]) {
        var batch = Batch()
        batch.operations.reserveCapacity(changes.count)
        for change in changes {
            let prefix = change.prefix
            let selection = SelectedRoute(change)
            if let index = table.slot(of: prefix) {
                if selection == nil && table[slot: index].selected == nil { continue }
                table[slot: index].selected = selection
                if started {
                    table[slot: index].plan = plan(prefix, table[slot: index])
                    // An explicit withdrawal removes the route at once, before or after the sweep.
                    reconcile(prefix, &table[slot: index], deletingUnwanted: true, into: &batch)
                }
                // Withdrawn and (expected to be) deleted: forget the prefix.
                if table[slot: index].isEmpty { table.remove(at: index) }
            } else {
                guard let selection else { continue }
                var state = PrefixState(selected: selection)
                if started {
                    state.plan = plan(prefix, state)
                    reconcile(prefix, &state, deletingUnwanted: true, into: &batch)
                }
                table[prefix] = state
            }
        }
        apply(batch)
    }

    /// The kernel's links, addresses or other routes changed: resolve every next hop again and reprogram the
    /// prefixes whose route changed, and try again the ones another protocol held.
    public func kernelChanged(devicesChanged: Bool = false) {
        guard started, programming else { return }
        if devicesChanged { setUpDevices() }
        resolutions.removeAll(keepingCapacity: true)
        var batch = Batch()
        for index in table.occupied {
            let prefix = table.key(at: index)
            let before = table[slot: index].plan
            let after = plan(prefix, table[slot: index])
            guard after != before || table[slot: index].foreign else { continue }
            table[slot: index].plan = after
            if table[slot: index].foreign {
                table[slot: index].foreign = false
                retryingForeign.insert(prefix)
            }
            reconcile(prefix, &table[slot: index], deletingUnwanted: totals.swept, into: &batch)
        }
        apply(batch)
    }

    /// Reads our routes from the kernel again and reconciles: repairs anything another program changed or removed
    /// (BIRD's periodic kernel scan).
    public func rescan() {
        guard started, programming else { return }
        rescanOurRoutes()
        // Try foreign-held prefixes again too: the other route may be gone unseen, or an add we could not confirm
        // (ENOBUFS, timeout) may have been ours after all, which the dump now shows.
        for index in table.occupied where table[slot: index].foreign {
            table[slot: index].foreign = false
            retryingForeign.insert(table.key(at: index))
        }
        syncAll(deletingUnwanted: totals.swept)
    }

    /// Deletes our routes nobody wants: the ones an earlier run left. Called once the initial tables are complete.
    public func sweep() {
        guard !totals.swept else { return }
        totals.swept = true
        guard started, programming else { return }
        var stale = 0
        table.forEachValue { if $0.desired == nil && !$0.installed.isEmpty { stale += 1 } }
        syncAll(deletingUnwanted: true)
        logger.info("stale kernel routes swept", metadata: ["deleted": "\(stale)"])
    }

    /// A new configuration (SIGHUP): pools, subnets, tunnel data, blackholes or kernel settings changed.
    public func reconfigure(_ new: Configuration) {
        var new = new
        if new.settings.routeProtocol != settings.routeProtocol || new.settings.table != settings.table {
            // The programmer and every installed route carry the old number and table; moving them is a restart.
            logger.warning(
                "kernel routeProtocol/table changed; takes effect on restart",
                metadata: ["protocol": "\(settings.routeProtocol)", "table": "\(settings.table)"])
            new.settings.routeProtocol = settings.routeProtocol
            new.settings.table = settings.table
        }
        guard new != configuration else { return }
        let devicesChanged = new.settings != configuration.settings || new.tunnelEndpoints != configuration.tunnelEndpoints
        configuration = new
        let blackholes = Set(new.blackholes)
        for index in table.occupied {
            table[slot: index].blackhole = blackholes.contains(table.key(at: index))
        }
        for prefix in blackholes where table[prefix] == nil { table[prefix] = PrefixState(blackhole: true) }
        let devices = planner.devices
        planner = KernelRoutePlanner(
            settings: new.settings, pools: new.pools, nodeSubnets: new.nodeSubnets, endpoints: new.tunnelEndpoints,
            devices: devices)
        guard started else { return }
        if devicesChanged && programming { setUpDevices() }
        replanAll()
        // Before the sweep, routes an earlier run left are still waiting for the peers' tables.
        if programming { syncAll(deletingUnwanted: totals.swept) }
    }

    // MARK: Reports

    public func counters() -> Counters {
        var result = totals
        table.forEachValue { state in
            if state.foreign {
                result.routesForeign += 1
            } else if state.failure != nil {
                result.routesFailed += 1
            } else if case .pending? = state.plan {
                result.routesPending += 1
            } else if Self.desiredIsInstalled(state) {
                result.routesInstalled += 1
            }
        }
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
        if let prefix { return table[prefix].flatMap { entry(prefix, $0) }.map { [$0] } ?? [] }
        return table.liveKeys.sorted().compactMap { entry($0, table[$0]!) }
    }

    private func entry(_ prefix: IPPrefix, _ state: PrefixState) -> Entry? {
        guard state.plan != nil || !state.installed.isEmpty else { return nil }
        var encapsulation: Encapsulation?
        switch state.plan {
        case .install(_, let encap)?: encapsulation = encap
        case .leftToFelix(let encap)?: encapsulation = encap
        default: break
        }
        let result: State
        if !programming {
            result = .notProgrammed
        } else if state.foreign {
            result = .foreign
        } else if let error = state.failure {
            result = .failed(error)
        } else if case .pending(let reason)? = state.plan {
            result = .pending(reason)
        } else if case .leftToFelix(let encap)? = state.plan {
            result = state.installed.isEmpty ? .leftToFelix(encap) : .stale
        } else if state.desired == nil {
            result = .stale
        } else if Self.desiredIsInstalled(state) {
            result = .installed
        } else {
            result = .pending("not yet programmed")
        }
        return Entry(
            prefix: prefix, state: result, desired: state.desired, installed: state.installed.all,
            encapsulation: encapsulation)
    }

    private static func desiredIsInstalled(_ state: PrefixState) -> Bool {
        guard let desired = state.desired else { return false }
        return state.installed.contains {
            $0.key == desired.key && RouteReconciler.canonical($0) == RouteReconciler.canonical(desired)
        }
    }

    // MARK: Planning

    private func plan(_ prefix: IPPrefix, _ state: PrefixState) -> KernelRoutePlanner.Plan? {
        if state.blackhole { return .install(planner.blackhole(prefix), .none) }
        guard let route = state.selected else { return nil }
        return planner.plan(prefix, route, resolve: resolve)
    }

    private func replanAll() {
        for index in table.occupied {
            table[slot: index].plan = plan(table.key(at: index), table[slot: index])
        }
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
        guard programming else { return }
        var batch = Batch()
        for index in table.occupied {
            reconcile(table.key(at: index), &table[slot: index], deletingUnwanted: deletingUnwanted, into: &batch)
        }
        apply(batch)
    }

    /// Route changes on their way to the kernel: additions and replacements first, then deletions (make before
    /// break), with what a replacement replaced so a refusal can be undone.
    struct Batch {
        var operations: [RouteOperation] = []
        var deletions: [RouteOperation] = []
        var replaced: [IPPrefix: KernelRoute] = [:]
    }

    /// What brings one prefix's installed routes to its plan: add or replace the desired route (first), then delete
    /// our other routes for the prefix (make before break); with nothing desired, delete only when allowed. The
    /// state is updated as if the kernel accepted everything, so the common case needs no second lookup; `apply`
    /// undoes what the kernel refused.
    private func reconcile(_ prefix: IPPrefix, _ state: inout PrefixState, deletingUnwanted: Bool, into batch: inout Batch) {
        guard programming, !state.foreign else { return }
        guard let desired = state.desired else {
            state.failure = nil
            if !state.installed.isEmpty && deletingUnwanted {
                for route in state.installed { batch.deletions.append(.delete(route)) }
                state.installed = []
            }
            return
        }
        let expected = desired.installedForm
        if state.installed.isEmpty {
            batch.operations.append(.add(desired))
            state.installed = [expected]
            state.failure = nil
            return
        }
        if let same = state.installed.route(withKey: desired.key) {
            if RouteReconciler.canonical(same) != RouteReconciler.canonical(desired) {
                batch.operations.append(.replace(desired))
                batch.replaced[prefix] = same
                state.installed.set(expected)
            }
        } else {
            batch.operations.append(.add(desired))
            state.installed.append(expected)
        }
        state.failure = nil
        guard state.installed.count > 1 else { return }
        for route in state.installed where route.key != desired.key { batch.deletions.append(.delete(route)) }
        state.installed.removeAll { $0.key != desired.key }
    }

    /// Sends a batch in address order (the kernel's FIB trie, net/ipv4/fib_trie.c, does less rebalancing when a
    /// burst arrives sorted) and undoes, per refused change, what `reconcile` assumed.
    private func apply(_ batch: Batch) {
        var operations = batch.operations
        var deletions = batch.deletions
        guard !operations.isEmpty || !deletions.isEmpty else { return }
        if operations.count > 1 { operations.sort { $0.prefix < $1.prefix } }
        if deletions.count > 1 { deletions.sort { $0.prefix < $1.prefix } }
        operations += deletions
        let clock = ContinuousClock()
        let batchStart = clock.now
        let failures = routes.apply(operations)
        let elapsed = clock.now - batchStart
        lastBatchDuration = elapsed
        batchDurationTotal += elapsed
        totals.batches += 1
        for operation in operations {
            switch operation {
            case .add: totals.adds += 1
            case .replace: totals.replaces += 1
            case .delete: totals.deletes += 1
            }
        }
        for failure in failures {
            totals.failures += 1
            let prefix = failure.prefix
            let route = failure.operation.route
            var state = table.removeValue(forKey: prefix) ?? PrefixState()
            switch failure.operation {
            case .add:
                totals.adds -= 1
                state.installed.removeAll { $0.key == route.key }
            case .replace:
                totals.replaces -= 1
                state.installed.removeAll { $0.key == route.key }
                if let previous = batch.replaced[prefix] { state.installed.append(previous) }
            case .delete:
                // ESRCH: not there (not ours); anything else: unknown. Either way the next rescan tells.
                totals.deletes -= 1
            }
            record(failure, &state)
            if !state.isEmpty { table[prefix] = state }
        }
        if !retryingForeign.isEmpty {
            for prefix in retryingForeign where table[prefix]?.foreign == false {
                reportedProblems.remove("foreign \(prefix)")
            }
            retryingForeign.removeAll()
        }
    }

    private func record(_ failure: RouteFailure, _ state: inout PrefixState) {
        let prefix = failure.prefix
        if case .add = failure.operation, failure.error == .fileExists {
            // Our dump is complete, so an existing route with this key belongs to another protocol.
            state.foreign = true
            if reportedProblems.insert("foreign \(prefix)").inserted {
                logger.warning(
                    "a route of another protocol holds this prefix; left alone",
                    metadata: ["prefix": "\(prefix)", "table": "\(failure.operation.route.table.rawValue)",
                               "metric": "\(failure.operation.route.priority)"])
            }
            return
        }
        let text = "\(failure)"
        if state.failure != text {
            logger.error("kernel refused a route change", metadata: ["prefix": "\(prefix)", "error": "\(text)"])
        }
        state.failure = text
        totals.lastError = text
    }

    /// Replaces what we know of our routes with a fresh dump.
    private func rescanOurRoutes() {
        do {
            let dumped = try routes.dump(protocol: routeProtocol)
            for index in table.occupied { table[slot: index].installed = [] }
            for route in dumped where route.table.rawValue == settings.table {
                var state = table[route.prefix] ?? PrefixState()
                state.installed.append(route)
                table[route.prefix] = state
            }
            table.removeAll { $0.isEmpty }
        } catch {
            let text = "dump of protocol \(routeProtocol.rawValue) routes failed: \(error.error)"
            totals.lastError = text
            logger.error("kernel route dump failed", metadata: ["error": "\(error.operation): \(error.error)"])
        }
    }
}
