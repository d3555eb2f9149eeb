// SPDX-License-Identifier: Apache-2.0
// What `/metrics` says, read from the speaker and KernelSync at scrape time (a pull model: exact, nothing to keep in
// step). Each scrape fills fresh swift-prometheus registries with gauges and counters set to the current values and
// emits them; metrics recorded through swift-metrics (MetricsSystem) live in a long-lived registry emitted after it.
// Labels are bounded by the configured peers: per peer, per message type, per address family, per kernel route
// state; never per prefix. Names and meanings: docs/metrics.md.

import BFDTransport
import BGPCore
import BGPTransport
import BGPWire
import ControlProtocol
import KernelSync
import Prometheus

struct MetricsCollector: Sendable {
    let speaker: BGPSpeaker
    let kernel: KernelSync?
    /// swift-metrics' registry (MetricsSystem is bootstrapped with a PrometheusMetricsFactory over it).
    let shared: PrometheusCollectorRegistry
    let version: String
    /// The datastore's state at scrape time; nil leaves the `swiftlet_datastore_*` metrics out.
    var datastore: (@Sendable () async -> DatastoreStatus)? = nil
    /// The BFD sessions; nil leaves the `swiftlet_bfd_*` metrics out.
    var bfd: BFDService? = nil

    /// The BGP4-MIB (RFC 4273) bgpPeerState numbering.
    static func stateCode(_ state: PeerState) -> Int {
        switch state {
        case .idle: 1
        case .connect: 2
        case .active: 3
        case .openSent: 4
        case .openConfirm: 5
        case .established: 6
        }
    }

    static let states: [PeerState] = [.idle, .connect, .active, .openSent, .openConfirm, .established]

    static let messageTypes: [(MessageType, String)] = [
        (.open, "open"), (.update, "update"), (.notification, "notification"), (.keepalive, "keepalive"),
        (.routeRefresh, "route_refresh"),
    ]

    struct RIBSizes: Sendable {
        var ipv4: (prefixes: Int, paths: Int)
        var ipv6: (prefixes: Int, paths: Int)
        var originated: Int
    }

    /// The exposition text (format 0.0.4).
    func render(now: Double) async -> [UInt8] {
        // One registry per family, emitted in the order first used: a registry emits its families in hash order,
        // and a scrape read by a person should list sessions first and process metrics last.
        var registries: [PrometheusCollectorRegistry] = []
        var byName: [String: PrometheusCollectorRegistry] = [:]
        func registry(_ name: String) -> PrometheusCollectorRegistry {
            if let registry = byName[name] { return registry }
            let registry = PrometheusCollectorRegistry()
            registries.append(registry)
            byName[name] = registry
            return registry
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            registry(name).makeGauge(name: name, labels: labels, help: help).set(value)
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            gauge(name, help, labels, Double(value))
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            registry(name).makeCounter(name: name, labels: labels, help: help).increment(by: Int64(max(0, value)))
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let counter = registry(name).makeCounter(name: name, labels: labels, help: help)
            if value > 0 { counter.increment(by: value) }
        }

        func gauge(_ name: String, _ help: String, _ value: Double) { gauge(name, help, [], value) }
        func gauge(_ name: String, _ help: String, _ value: Int) { gauge(name, help, [], Double(value)) }
        func counter(_ name: String, _ help: String, _ value: Int) { counter(name, help, [], value) }
        func counter(_ name: String, _ help: String, _ value: Double) { counter(name, help, [], value) }

        gauge("swiftlet_build_info", "Always 1; the version is in the label.", [("version", version)], 1)

        // MARK: Sessions
        let peers = await speaker.status()
        // 1: the peer restarts and we keep its routes (RFC 4724 §4.2); 2: some are long-lived stale (RFC 9494 §4.2);
        // 3: we restart and wait for its End-of-RIB before advertising (RFC 4724 §4.1).
        let restartStates = await speaker.routing { engine in
            var states: [String: Int] = [:]
            for (name, restart) in engine.gracefulRestart.restarts { states[name] = restart.isLongLived ? 2 : 1 }
            for name in engine.restartDeferral?.awaiting ?? [] where states[name] == nil { states[name] = 3 }
            return states
        }
        var perState: [PeerState: Int] = [:]
        for status in peers {
            perState[status.state, default: 0] += 1
            let peer = [("peer", status.name), ("peer_address", status.address.description), ("peer_as", "\(status.peerAS)")]
            let established = status.state == .established
            gauge(
                "swiftlet_bgp_session_state",
                "BGP FSM state (BGP4-MIB numbering): 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.",
                peer, Self.stateCode(status.state))
            gauge("swiftlet_bgp_session_up", "1 when the session is Established, else 0.", peer, established ? 1 : 0)
            gauge("swiftlet_bgp_session_enabled", "0 when the session was disabled by the operator, else 1.", peer, status.enabled ? 1 : 0)
            gauge(
                "swiftlet_bgp_session_state_change_timestamp_seconds", "Unix time of the session's last state change.", peer,
                status.since)
            gauge(
                "swiftlet_bgp_session_established_seconds", "How long the session has been Established (0 when it is not).",
                peer, established ? max(0, now - status.since) : 0)
            counter("swiftlet_bgp_session_flaps_total", "Times the session went down from Established.", peer, status.flaps)
            for (type, name) in Self.messageTypes {
                counter(
                    "swiftlet_bgp_messages_received_total", "BGP messages received from the peer, by type.",
                    peer + [("type", name)], status.messagesIn[type] ?? 0)
                counter(
                    "swiftlet_bgp_messages_sent_total", "BGP messages sent to the peer, by type.", peer + [("type", name)],
                    status.messagesOut[type] ?? 0)
            }
            counter(
                "swiftlet_bgp_prefix_announcements_received_total",
                "Prefixes announced in UPDATEs from the peer (NLRI and MP_REACH_NLRI), counting repeats.", peer,
                status.prefixesReceived)
            let routes = status.routes
            gauge(
                "swiftlet_bgp_prefixes_received",
                "Routes the peer currently announces (Adj-RIB-In: accepted + filtered; 0 when not Established).", peer,
                routes.map { $0.imported + $0.filtered } ?? 0)
            gauge(
                "swiftlet_bgp_prefixes_accepted", "Routes from the peer accepted by import policy (in the Loc-RIB).", peer,
                routes?.imported ?? 0)
            gauge("swiftlet_bgp_prefixes_filtered", "Routes from the peer rejected by import policy.", peer, routes?.filtered ?? 0)
            gauge("swiftlet_bgp_prefixes_preferred", "Routes from the peer selected as best.", peer, routes?.preferred ?? 0)
            gauge(
                "swiftlet_bgp_prefixes_advertised", "Prefixes advertised to the peer (its update group's Adj-RIB-Out).", peer,
                routes?.exported ?? 0)
            for (direction, record) in [("sent", status.lastNotificationSent), ("received", status.lastNotificationReceived)] {
                let labels = peer + [("direction", direction)]
                gauge(
                    "swiftlet_bgp_last_error_code", "Error code of the last NOTIFICATION sent or received (0: none).", labels,
                    Int(record?.0.code.rawValue ?? 0))
                gauge(
                    "swiftlet_bgp_last_error_subcode", "Error subcode of the last NOTIFICATION sent or received (0: none).",
                    labels, Int(record?.0.subcode ?? 0))
                gauge(
                    "swiftlet_bgp_last_error_timestamp_seconds",
                    "Unix time of the last NOTIFICATION sent or received (0: none).", labels, record?.1 ?? 0)
            }
            gauge(
                "swiftlet_bgp_graceful_restart_state",
                "Graceful restart state: 0 none, 1 the peer restarts and its routes are kept stale (RFC 4724), 2 some are long-lived stale (RFC 9494), 3 we restart and wait for its End-of-RIB.",
                peer, restartStates[status.name] ?? 0)
            gauge(
                "swiftlet_bgp_graceful_restart_peer_capable", "1 when the Established peer advertised the graceful restart capability.",
                peer, status.negotiated?.peerGracefulRestart != nil ? 1 : 0)
        }
        for state in Self.states {
            gauge("swiftlet_bgp_peers", "Configured and dynamic peers, by session state.", [("state", state.rawValue)], perState[state] ?? 0)
        }

        // MARK: BFD
        if let bfd {
            for session in await bfd.status() {
                let peer = [("peer", session.name), ("peer_address", session.remote.description)]
                gauge("swiftlet_bfd_session_up", "1 when the BFD session is Up, else 0.", peer, session.state == .up ? 1 : 0)
                gauge(
                    "swiftlet_bfd_session_state", "BFD session state (RFC 5880 §4.1): 0 AdminDown, 1 Down, 2 Init, 3 Up.",
                    peer, Int(session.state.rawValue))
                counter("swiftlet_bfd_state_changes_total", "Changes of the BFD session's state.", peer, session.stateChanges)
                counter("swiftlet_bfd_packets_sent_total", "BFD Control packets sent.", peer, session.packetsSent)
                counter(
                    "swiftlet_bfd_packets_received_total", "BFD Control packets received for the session.", peer,
                    session.packetsReceived)
                counter(
                    "swiftlet_bfd_packets_discarded_total",
                    "BFD Control packets for the session that it discarded (RFC 5880 §6.8.6).", peer, session.packetsDiscarded)
                gauge(
                    "swiftlet_bfd_detection_time_seconds", "The Detection Time in force (0 until the peer is heard).", peer,
                    session.detectionTime.map(Self.seconds) ?? 0)
            }
            counter(
                "swiftlet_bfd_packets_unmatched_total",
                "Received datagrams that were not valid BFD Control packets or matched no session.",
                await bfd.serviceCounters().packetsUnmatched)
        }

        // MARK: RIB
        let rib = await speaker.routing { engine in
            RIBSizes(
                ipv4: engine.locRIB.count(for: .ipv4), ipv6: engine.locRIB.count(for: .ipv6),
                originated: engine.originatedPrefixes.count)
        }
        for (family, sizes) in [("ipv4", rib.ipv4), ("ipv6", rib.ipv6)] {
            gauge("swiftlet_rib_prefixes", "Prefixes in the Loc-RIB, by address family.", [("family", family)], sizes.prefixes)
            gauge("swiftlet_rib_paths", "Paths in the Loc-RIB (every candidate, not only the best), by address family.", [("family", family)], sizes.paths)
        }
        gauge("swiftlet_rib_originated_prefixes", "Prefixes this node originates (its IPAM blocks and advertised services).", [], rib.originated)

        // MARK: Kernel
        if let datastore {
            let status = await datastore()
            let kind = [("datastore", status.kind)]
            gauge(
                "swiftlet_datastore_connected",
                "1 while the datastore is reachable (etcd: both watches run and the lease is kept alive; a file: always).",
                kind, status.connected ? 1 : 0)
            if let revision = status.revision {
                gauge("swiftlet_datastore_revision", "The newest etcd revision applied.", kind, Double(revision))
            }
            if let snapshots = status.snapshots {
                counter("swiftlet_datastore_changes_total", "Datastore changes applied (each one a reload).", kind, snapshots)
            }
            if let blocks = status.blocks {
                gauge("swiftlet_datastore_blocks", "IPAM blocks this node holds in the datastore.", kind, Double(blocks.count))
            }
        }
        if let kernel {
            let totals = await kernel.counters()
            let settings = await kernel.kernelSettings
            let last = await kernel.lastBatchDuration
            let total = await kernel.batchDurationTotal
            gauge("swiftlet_kernel_programming", "1 when swiftletd programs the kernel's routing table.", settings.programRoutes ? 1 : 0)
            for (state, count) in [
                ("installed", totals.routesInstalled), ("pending", totals.routesPending), ("failed", totals.routesFailed),
                ("foreign", totals.routesForeign),
            ] {
                gauge(
                    "swiftlet_kernel_routes",
                    "Kernel routes by state: installed, pending (next hop unresolved), failed (refused), foreign (held by another protocol).",
                    [("state", state)], count)
            }
            for (op, count) in [("add", totals.adds), ("replace", totals.replaces), ("delete", totals.deletes)] {
                counter("swiftlet_kernel_changes_total", "Route changes the kernel accepted, by operation.", [("op", op)], count)
            }
            counter("swiftlet_kernel_failures_total", "Route changes the kernel refused.", totals.failures)
            counter("swiftlet_kernel_batches_total", "Batches of route changes sent to the kernel.", totals.batches)
            gauge(
                "swiftlet_kernel_sync_seconds", "How long the last batch of route changes took to program (0 before the first).",
                last.map(Self.seconds) ?? 0)
            counter("swiftlet_kernel_sync_seconds_total", "Time spent programming batches of route changes.", Self.seconds(total))
            gauge(
                "swiftlet_kernel_stale_routes_swept",
                "1 once routes left by an earlier run were swept (End-of-RIB from every peer, or the timer).", totals.swept ? 1 : 0)
        } else {
            gauge("swiftlet_kernel_programming", "1 when swiftletd programs the kernel's routing table.", 0)
        }

        // MARK: Process
        let process = ProcessMetrics.current()
        if let value = process.residentMemoryBytes {
            gauge("process_resident_memory_bytes", "Resident memory size in bytes.", value)
        }
        if let value = process.virtualMemoryBytes {
            gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", value)
        }
        if let value = process.cpuSeconds {
            counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", value)
        }
        if let value = process.startTimeSeconds {
            gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", value)
        }
        if let value = process.openFDs { gauge("process_open_fds", "Number of open file descriptors.", value) }
        if let value = process.maxFDs { gauge("process_max_fds", "Maximum number of open file descriptors.", value) }
        if let value = process.threads { gauge("process_threads", "Number of OS threads in the process.", value) }

        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096 + peers.count * 4096)
        for registry in registries { registry.emit(into: &buffer) }
        shared.emit(into: &buffer)
        return buffer
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
