// SPDX-License-Identifier: Apache-2.0
// swiftletd's kernel side: opens the netlink programmers, feeds KernelSync the speaker's Loc-RIB changes (coalesced:
// everything that arrived while the previous batch was being programmed goes out as one batch), sweeps stale routes
// once every peer has sent End-of-RIB or the stale-route timer ran out, re-resolves next hops when the kernel's links,
// addresses or other routes change, and rescans our routes periodically (BIRD's kernel scan) to repair drift.
// Other programs' routes (Felix's workload routes) are learned for RouteOriginations at start, after route and link
// notifications and on every rescan (BIRD's `protocol kernel { learn; }`).
// On shutdown nothing is removed: routes persist for the next start (Calico's `persist`).

import BGPCore
import BGPTransport
import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Logging
import ServiceLifecycle
import Synchronization

/// Loc-RIB changes waiting for KernelSync, filled on the speaker's actor and drained by the kernel task.
final class RouteChangeInbox: Sendable {
    private let pending = Mutex<[RouteChange]>([])
    private let sweepRequested = Mutex(false)
    private let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func push(_ changes: [RouteChange]) {
        guard !changes.isEmpty else { return }
        pending.withLock { $0.append(contentsOf: changes) }
        signal.yield()
    }

    func take() -> [RouteChange] { pending.withLock { batch in defer { batch = [] }; return batch } }

    /// Asks the draining task to sweep after the changes queued so far: the sweep must see every table that
    /// arrived before it, and only the draining task keeps their order.
    func requestSweep() {
        sweepRequested.withLock { $0 = true }
        signal.yield()
    }

    func takeSweepRequest() -> Bool { sweepRequested.withLock { value in defer { value = false }; return value } }

    func finish() { signal.finish() }
}

/// Kernel notifications that matter to KernelSync, coalesced: a burst (a device coming up brings a dozen) becomes
/// one re-resolution.
final class KernelEventInbox: Sendable {
    struct Pending {
        var changed = false
        var devices = false
        var overrun = false
        /// Another program's route changed: the learned routes are read again.
        var routes = false
    }

    private let pending = Mutex(Pending())
    private let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>
    let ourProtocol: RouteProtocol

    init(ourProtocol: RouteProtocol) {
        self.ourProtocol = ourProtocol
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Called on the monitor's thread for every notification.
    func handle(_ change: KernelChange) {
        pending.withLock { pending in
            switch change {
            case .route(_, _, let routeProtocol, _) where routeProtocol == ourProtocol:
                // Our own changes echoed back; drift is repaired by the periodic rescan.
                return
            case .route: pending.changed = true; pending.routes = true
            case .address: pending.changed = true
            case .link: pending.changed = true; pending.devices = true; pending.routes = true
            case .overrun: pending.changed = true; pending.devices = true; pending.overrun = true; pending.routes = true
            }
        }
        signal.yield()
    }

    func take() -> Pending { pending.withLock { value in defer { value = Pending() }; return value } }

    func finish() { signal.finish() }
}

extension KernelSync.Configuration {
    init(_ configuration: DaemonConfiguration) {
        self.init(
            settings: configuration.kernel, pools: configuration.ipPools, nodeSubnets: configuration.nodeSubnets,
            tunnelEndpoints: configuration.tunnelEndpoints, nodeName: configuration.nodeName,
            blackholes: configuration.originated.filter(\.blackhole).map(\.prefix))
    }
}

/// Runs KernelSync for the daemon's lifetime.
struct KernelService: Service {
    let kernel: KernelSync
    let speaker: BGPSpeaker
    let inbox: RouteChangeInbox
    let events: KernelEventInbox
    let monitor: NetlinkMonitor?
    /// Where learned routes go; nil: none are learned.
    let originations: RouteOriginations?
    /// Asks for the kernel's routes to be learned again; requests that come while a read runs or during the pause
    /// after it are one request.
    let relearnRequests: AsyncStream<Void>
    let relearnRequest: AsyncStream<Void>.Continuation
    let staleRouteSweepTime: Duration
    let logger: Logger
    /// How often our routes are read back and repaired.
    static let rescanInterval: Duration = .seconds(30)
    /// The least time between two reads of the whole table for learned routes (BIRD scans every 2 s): a burst of
    /// pod changes on a node with a large BGP table must not keep the daemon dumping it.
    static let relearnSpacing: Duration = .seconds(1)

    /// Opens the netlink sockets; nil (logged) when the kernel cannot be reached, so the daemon runs without it.
    static func make(
        configuration: DaemonConfiguration, speaker: BGPSpeaker, originations: RouteOriginations? = nil,
        logger: Logger
    ) async -> KernelService? {
        let settings = configuration.kernel
        let routes: NetlinkRouteProgrammer
        let devices: NetlinkDeviceProgrammer
        do throws(KernelCallError) {
            routes = try NetlinkRouteProgrammer(routeProtocol: RouteProtocol(rawValue: settings.routeProtocol))
            devices = try NetlinkDeviceProgrammer()
        } catch {
            logger.error(
                "cannot open a netlink socket; running without kernel routes",
                metadata: ["error": "\(error.operation): \(error.error)"])
            return nil
        }
        let kernel = KernelSync(
            configuration: KernelSync.Configuration(configuration), routes: routes, devices: devices,
            logger: Logger(label: "kernel"))
        let inbox = RouteChangeInbox()
        await speaker.observeRoutes { changes in inbox.push(changes) }
        let events = KernelEventInbox(ourProtocol: RouteProtocol(rawValue: settings.routeProtocol))
        var monitor: NetlinkMonitor?
        do throws(KernelCallError) {
            // The kernel drops the echoes of our own route changes (a BPF filter): 100k installs must not wake us
            // 100k times. The handler still ignores any that get through.
            monitor = try NetlinkMonitor(ignoringRouteProtocol: events.ourProtocol) { change in events.handle(change) }
        } catch {
            logger.error(
                "cannot watch the kernel's links, addresses and routes; next hops are re-resolved only by the periodic rescan",
                metadata: ["error": "\(error.operation): \(error.error)"])
        }
        var learning: RouteOriginations?
        if let originations, await originations.startLearning() { learning = originations }
        let (relearnRequests, relearnRequest) = AsyncStream.makeStream(
            of: Void.self, bufferingPolicy: .bufferingNewest(1))
        return KernelService(
            kernel: kernel, speaker: speaker, inbox: inbox, events: events, monitor: monitor, originations: learning,
            relearnRequests: relearnRequests, relearnRequest: relearnRequest,
            staleRouteSweepTime: .seconds(Int(settings.staleRouteSweepTime)), logger: logger)
    }

    func run() async throws {
        await kernel.start()
        // After our own dump: the monitor's groups are joined already, so no change after this read is missed.
        await originations?.relearn()
        do throws(KernelCallError) {
            try monitor?.start()
        } catch {
            logger.error("kernel monitor did not start", metadata: ["error": "\(error.operation): \(error.error)"])
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await drain() }
                group.addTask { await followKernel() }
                group.addTask { await sweepWhenConverged() }
                group.addTask { await rescanPeriodically() }
                group.addTask { await relearnWhenAsked() }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            inbox.finish()
            events.finish()
            relearnRequest.finish()
        }
        monitor?.stop()
        logger.info("kernel routes left installed for the next start (persist)")
    }

    /// Programs the changes as they come, all that accumulated per round.
    private func drain() async {
        for await _ in inbox.signals {
            let batch = inbox.take()
            if !batch.isEmpty {
                let started = ContinuousClock.now
                await kernel.routesChanged(batch)
                logger.debug(
                    "kernel batch", metadata: [
                        "changes": "\(batch.count)", "took": "\(ContinuousClock.now - started)",
                    ])
            }
            if inbox.takeSweepRequest() { await kernel.sweep() }
        }
    }

    /// Re-resolves next hops (and re-checks tunnel devices) after kernel notifications, a burst at a time.
    private func followKernel() async {
        for await _ in events.signals {
            // A device coming up sends a burst (link, addresses, connected routes): take it as one.
            try? await Task.sleep(for: .milliseconds(50))
            let pending = events.take()
            if pending.routes { relearnRequest.yield() }
            guard pending.changed else { continue }
            if pending.overrun { await kernel.rescan() }
            await kernel.kernelChanged(devicesChanged: pending.devices)
        }
    }

    /// Stale routes of an earlier run are deleted once every configured peer has delivered its table (End-of-RIB
    /// for each negotiated family), or when the stale-route timer runs out.
    private func sweepWhenConverged() async {
        let clock = ContinuousClock()
        let deadline = clock.now + staleRouteSweepTime
        while !Task.isCancelled {
            let waiting = await speaker.peersAwaitingEndOfRIB()
            if waiting.isEmpty {
                logger.info("every peer sent End-of-RIB; sweeping stale kernel routes")
                break
            }
            if clock.now >= deadline {
                logger.notice(
                    "stale-route timer ran out; sweeping stale kernel routes",
                    metadata: ["still_waiting_for": "\(waiting.joined(separator: ","))"])
                break
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        guard !Task.isCancelled else { return }
        inbox.requestSweep()
        // Keep the task group alive.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Reads the kernel's routes for RouteOriginations when asked, then pauses `relearnSpacing` (a rate limit, not
    /// a wait for anything: requests during the pause are served right after it).
    private func relearnWhenAsked() async {
        // Runs until shutdown even when nothing is learned: the first task of the group to return ends the others.
        for await _ in relearnRequests {
            guard let originations else { continue }
            await originations.relearn()
            try? await Task.sleep(for: Self.relearnSpacing)
        }
    }

    private func rescanPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.rescanInterval)
            if Task.isCancelled { return }
            await kernel.rescan()
            relearnRequest.yield()
        }
    }
}
