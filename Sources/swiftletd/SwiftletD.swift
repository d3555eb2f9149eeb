// SPDX-License-Identifier: Apache-2.0
// swiftletd: wiring only. Loads the configuration (a file or directory, or etcd), starts the speaker and the control
// socket under swift-service-lifecycle, reloads on SIGHUP, on a changed file and on every etcd change (only changed
// peers are touched) and on SIGTERM/SIGINT sends Cease to every peer before exiting 0 (with `--graceful-restart`:
// closes the sessions without NOTIFICATION, so peers keep our routes, RFC 4724). `--check` validates the
// configuration like `bird -p`.

import ArgumentParser
import BFDTransport
import BGPTransport
import BGPWire
import ClusterModel
import ControlProtocol
import Datastore
import EtcdClient
import KernelSync
import Logging
import NIOPosix
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

@main
struct SwiftletD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftletd",
        abstract: "Swiftlet, a BGP route-distribution daemon for Calico-style container networks.",
        version: SpeakerControlHandler.version)

    @Option(name: .long, help: "Configuration file, or directory of *.yaml/*.yml/*.json files (Calico v3 resources); file datastore.")
    var config: String = "/etc/swiftlet/swiftlet.yaml"

    @Option(name: .long, help: "Where the cluster's resources come from: file (--config, the default) or etcd.")
    var datastore: String = "file"

    @Option(name: .long, help: "Seconds between checks of the configuration file for changes (file datastore); 0: only SIGHUP.")
    var configPollInterval: Double = 2

    @Option(name: .long, help: "etcd v3 endpoints, comma-separated (http://127.0.0.1:2379); etcd datastore.")
    var etcdEndpoints: String = "http://127.0.0.1:2379"

    @Option(name: .long, help: "CA certificate (PEM) for https etcd endpoints.")
    var etcdCaCert: String?

    @Option(name: .long, help: "Client certificate (PEM) for etcd.")
    var etcdCert: String?

    @Option(name: .long, help: "Client key (PEM) for etcd.")
    var etcdKey: String?

    @Option(name: .long, help: "Seconds this node's etcd registration outlives the process (its lease TTL).")
    var etcdLeaseTtl: Int64 = 30

    @Option(name: .long, help: "Seconds a block's owner must be gone from etcd before the block is released.")
    var blockReleaseDelay: Double = 300

    @Option(name: .long, help: "etcd: this node's IPv4 address and prefix length (Node spec.bgp.ipv4Address), e.g. 10.0.0.11/24.")
    var nodeIp: String?

    @Option(name: .long, help: "etcd: this node's IPv6 address and prefix length (Node spec.bgp.ipv6Address).")
    var nodeIpv6: String?

    @Option(name: .long, help: "etcd: this node's AS number (Node spec.bgp.asNumber).")
    var nodeAs: UInt32?

    @Option(name: .long, help: "etcd: labels merged into the Node resource, k=v,k2=v2.")
    var nodeLabels: String?

    @Option(name: .long, help: "This node's name (default: $NODENAME, then the host name).")
    var node: String?

    @Option(name: .long, help: "Directory of mounted secrets: DIR/<secret>/<key>.")
    var secretsDir: String?

    @Option(name: .long, help: "Control socket path for swiftletctl.")
    var controlSocket: String = ControlClient.defaultSocketPath

    @Option(name: .long, help: "Log format: logfmt or json.")
    var logFormat: String = "logfmt"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log level: trace, debug, info, notice, warning, error, critical; per subsystem as SUBSYSTEM=LEVEL.",
            discussion: """
                Repeatable and comma-separated; a later item wins: --log-level info --log-level kernel=debug,session=warning. \
                Subsystems (logger labels): \(LogLevels.subsystems.joined(separator: ", ")). Default: info.
                """,
            valueName: "level|subsystem=level"))
    var logLevel: [String] = []

    @Option(name: .long, help: "Write one message about one peer at most this many times per --log-repeat-window, then count it (info and above).")
    var logRepeatLimit: Int = 20

    @Option(name: .long, help: "Seconds of the repeat window; the count is logged as \"repeated K times\" when it ends. 0: no limit.")
    var logRepeatWindow: Double = 60

    @Option(name: .long, help: "Also answer BIRD's control protocol on this socket (for calico/node and birdcl), e.g. /var/run/calico/bird.ctl.")
    var birdSocket: String?

    @Option(name: .long, help: "BIRD-compatible socket for the IPv6 sessions (calico/node's bird6.ctl).")
    var bird6Socket: String?

    @Option(name: .long, help: "Serve Prometheus metrics on HOST:PORT (/metrics); off by default.")
    var metricsAddress: String?

    @Flag(name: .long, help: "Leave the kernel's routes alone whatever the configuration says (no netlink at all).")
    var noKernel = false

    @Flag(name: .long, help: "Validate the configuration and exit: 0 if valid, 1 with errors naming file, line and field.")
    var check = false

    @Flag(name: .long, help: "etcd: leave the cluster for good and exit: release this node's blocks and delete its Node resource.")
    var leave = false

    @Flag(
        name: .long,
        help: "Graceful restart (RFC 4724, like `bird -R`): OPENs after this start carry the Restart State bit, nothing is advertised until every peer sent End-of-RIB (or --selection-deferral-time), and SIGTERM closes the sessions without NOTIFICATION so peers keep our routes for the restart time.")
    var gracefulRestart = false

    @Option(
        name: .long,
        help: "With --graceful-restart: seconds to wait for End-of-RIB from every peer before advertising anyway (RFC 4724 §4.1 Selection_Deferral_Timer).")
    var selectionDeferralTime: Int = 360

    func validate() throws {
        do { _ = try LogLevels.parse(logLevel) } catch { throw ValidationError(error.description) }
        guard LogLineFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format is logfmt or json") }
        guard logRepeatLimit >= 1 else { throw ValidationError("--log-repeat-limit must be at least 1") }
        guard logRepeatWindow >= 0 else { throw ValidationError("--log-repeat-window must not be negative") }
        guard ["file", "etcd"].contains(datastore) else { throw ValidationError("--datastore is file or etcd") }
        guard configPollInterval >= 0 else { throw ValidationError("--config-poll-interval must not be negative") }
        guard selectionDeferralTime >= 0 else { throw ValidationError("--selection-deferral-time must not be negative") }
        guard etcdLeaseTtl >= 2 else { throw ValidationError("--etcd-lease-ttl must be at least 2 seconds") }
        guard blockReleaseDelay >= 0 else { throw ValidationError("--block-release-delay must not be negative") }
        guard !leave || datastore == "etcd" else { throw ValidationError("--leave needs --datastore etcd") }
        do { _ = try parsedLabels() } catch { throw ValidationError(error.description) }
        for (flag, value, family) in [("--node-ip", nodeIp, IPAddress.Family.ipv4), ("--node-ipv6", nodeIpv6, .ipv6)] {
            guard let value else { continue }
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let address = IPAddress(String(parts[0])), address.family == family,
                let length = Int(parts[1]), length >= 0, length <= family.bitWidth
            else {
                throw ValidationError("\(flag) expects an \(family == .ipv4 ? "IPv4" : "IPv6") address with a prefix length, got \"\(value)\"")
            }
        }
    }

    /// `--node-labels k=v,k2=v2`.
    func parsedLabels() throws(LabelError) -> [String: String] {
        var labels: [String: String] = [:]
        for item in (nodeLabels ?? "").split(separator: ",") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty else { throw LabelError(description: "--node-labels: expected k=v, got \"\(item)\"") }
            labels[String(pair[0])] = String(pair[1])
        }
        return labels
    }

    struct LabelError: Error, CustomStringConvertible { var description: String }

    func run() async throws {
        let nodeName = node ?? ProcessInfoLite.environment("NODENAME") ?? ProcessInfoLite.hostname()
        if datastore == "etcd" { return try await runWithEtcd(nodeName: nodeName) }
        let loaded = ConfigLoader.load(path: config, nodeName: nodeName, secretsDirectory: secretsDir)
        if check {
            switch loaded {
            case .success(let configuration):
                print("\(config): OK (node \(configuration.nodeName), AS \(configuration.localAS), \(configuration.peers.count) peer(s))")
                for note in configuration.notes { print("note: \(note)") }
                return
            case .failure(let errors):
                for error in errors { printError("\(error)") }
                throw ExitCode(1)
            }
        }
        guard case .success(let configuration) = loaded else {
            if case .failure(let errors) = loaded { for error in errors { printError("\(error)") } }
            throw ExitCode(1)
        }

        let logWriter = bootstrapLogging()
        try await serve(configuration, source: .file(config), nodeName: nodeName, logWriter: logWriter, follower: nil)
    }

    /// The etcd datastore: register, claim blocks, wait for a configuration that plans, then serve it and every
    /// change after it. `--check` reads and plans without registering.
    private func runWithEtcd(nodeName: String) async throws {
        let logWriter = bootstrapLogging()
        let logger = Logger(label: "swiftletd")
        let endpoints = etcdEndpoints.split(separator: ",").map { String($0) }
        let tls = (etcdCaCert ?? etcdCert ?? etcdKey) == nil ? nil : EtcdTLS(caFile: etcdCaCert, certFile: etcdCert, keyFile: etcdKey)
        let client: EtcdClient
        do {
            client = try EtcdClient(endpoints: endpoints, tls: tls, logger: Logger(label: "datastore"))
        } catch {
            printError("swiftletd: etcd: \(error)")
            throw ExitCode(1)
        }
        let registration = NodeRegistration(
            ipv4Address: nodeIp, ipv6Address: nodeIpv6, asNumber: nodeAs, labels: (try? parsedLabels()) ?? [:])
        let store = EtcdDatastore(
            client: client,
            options: .init(
                nodeName: nodeName, registration: registration, leaseTTL: etcdLeaseTtl,
                blockReleaseDelay: .milliseconds(Int64(blockReleaseDelay * 1000))),
            logger: Logger(label: "datastore"))
        let source = ConfigSource.etcd(store, endpoints: etcdEndpoints)
        if leave {
            do {
                let released = try await store.leave()
                print("node \(nodeName) left \(source.description): released \(released.count) block(s) \(released.map(\.description).joined(separator: " "))")
                try? await client.shutdown()
                return
            } catch {
                printError("swiftletd: etcd \(etcdEndpoints): \(error)")
                try? await client.shutdown()
                throw ExitCode(1)
            }
        }
        if check {
            defer { Task { try? await client.shutdown() } }
            let snapshot: EtcdDatastore.Snapshot
            do {
                snapshot = try await store.readOnlySnapshot()
            } catch {
                printError("swiftletd: etcd \(etcdEndpoints): \(error)")
                throw ExitCode(1)
            }
            switch ConfigReloader.plan(snapshot, nodeName: nodeName, secretsDirectory: secretsDir) {
            case .success(let configuration):
                print("\(source.description): OK (node \(configuration.nodeName), AS \(configuration.localAS), \(configuration.peers.count) peer(s))")
                for note in configuration.notes { print("note: \(note)") }
                return
            case .failure(let errors):
                for error in errors { printError("\(error)") }
                throw ExitCode(1)
            }
        }
        var snapshot: EtcdDatastore.Snapshot
        do {
            snapshot = try await store.start()
        } catch {
            logger.critical("cannot register in etcd", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info(
            "etcd datastore ready",
            metadata: [
                "endpoints": "\(etcdEndpoints)", "revision": "\(snapshot.revision)",
                "resources": "\(snapshot.resources.count)",
                "blocks": "\(snapshot.ownBlocks.map(\.description).joined(separator: ","))",
            ])
        // Serve only a configuration that plans; until then keep following etcd (and log what is wrong once per change).
        let follower = Task { await store.run() }
        var iterator = store.snapshots.makeAsyncIterator()
        while true {
            switch ConfigReloader.plan(snapshot, nodeName: nodeName, secretsDirectory: secretsDir) {
            case .success(let configuration):
                try await serve(configuration, source: source, nodeName: nodeName, logWriter: logWriter, follower: follower)
                try? await client.shutdown()
                return
            case .failure(let errors):
                logger.error("the cluster configuration in etcd does not plan; waiting for a change", metadata: ["errors": "\(errors.count)"])
                for error in errors { logger.error("configuration error", metadata: ["error": "\(error)"]) }
            }
            guard let next = await iterator.next() else { throw ExitCode(1) }
            snapshot = next
        }
    }

    /// Runs the daemon on `configuration` until SIGTERM/SIGINT. `follower` is the etcd datastore's running task.
    private func serve(
        _ configuration: DaemonConfiguration, source: ConfigSource, nodeName: String, logWriter: LogWriter,
        follower: Task<Void, Never>?
    ) async throws {
        let logger = Logger(label: "swiftletd")
        for note in configuration.notes { logger.notice("config note", metadata: ["note": "\(note)"]) }

        let group = MultiThreadedEventLoopGroup.singleton
        let speaker = BGPSpeaker(
            group: group, logger: Logger(label: "session"), routing: configuration.routeEngineConfiguration)
        // The one owner of what the speaker originates: configured prefixes and routes learned from the kernel.
        let originations = RouteOriginations(speaker: speaker, logger: Logger(label: "kernel"))
        let kernelService =
            noKernel ? nil : await KernelService.make(
                configuration: configuration, speaker: speaker, originations: originations, logger: logger)
        if noKernel { logger.notice("--no-kernel: the kernel's routes are left alone") }
        let state = ConfigurationState(ConfigReloader.effective(configuration, kernelRunning: kernelService != nil))
        // BFD (RFC 5880/5881/5883) on its own event loop thread; its forwarding failures end BGP sessions.
        let bfdService = await BFDLifecycleService.start(
            speaker: speaker, sessions: BFDPeerConfiguration.sessions(for: configuration), logger: Logger(label: "bfd"))
        let reloader = ConfigReloader(
            speaker: speaker, state: state, source: source, nodeName: nodeName, secretsDirectory: secretsDir,
            kernel: kernelService?.kernel, originations: originations, logger: logger, bfd: bfdService.bfd)
        if gracefulRestart { await speaker.startRestarting(selectionDeferralTime: .seconds(selectionDeferralTime)) }
        let daemon = SpeakerService(
            speaker: speaker, state: state, reloader: reloader, originations: originations, gracefulRestart: gracefulRestart)
        let control = ControlServer(
            socketPath: controlSocket,
            handler: SpeakerControlHandler(
                speaker: speaker, configuration: { await state.current }, startedAt: ProcessInfoLite.now(),
                kernel: kernelService?.kernel, configFile: source.description, datastore: { await source.status() },
                reload: { await reloader.reload(trigger: "control") }, bfd: bfdService.bfd),
            eventLoopGroup: group, logger: Logger(label: "control"))
        var serviceList: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: daemon), .init(service: control), .init(service: bfdService),
        ]
        if let kernelService { serviceList.append(.init(service: kernelService)) }
        switch source {
        case .etcd(let store, _):
            if let follower {
                serviceList.append(
                    .init(service: DatastoreService(datastore: store, follower: follower, reloader: reloader, logger: logger)))
            }
        case .file(let path):
            if configPollInterval > 0 {
                serviceList.append(
                    .init(
                        service: ConfigFileWatcher(
                            path: path, interval: .milliseconds(Int64(configPollInterval * 1000)), reloader: reloader,
                            logger: logger)))
            }
        }
        for (path, family) in [(birdSocket, BirdSocketFamily.ipv4), (bird6Socket, .ipv6)] {
            guard let path else { continue }
            if let service = BirdControlService.make(
                path: path, family: family, speaker: speaker, configuration: { await state.current },
                kernel: kernelService?.kernel, startedAt: ProcessInfoLite.now(), logger: Logger(label: "bird-socket"))
            {
                serviceList.append(.init(service: service))
            }
        }
        if let metricsAddress,
            let service = MetricsService.make(
                address: metricsAddress, speaker: speaker, kernel: kernelService?.kernel,
                datastore: { await source.status() }, bfd: bfdService.bfd, logger: Logger(label: "metrics"))
        {
            serviceList.append(.init(service: service))
        }
        let services = ServiceGroup(
            configuration: .init(
                services: serviceList,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "starting", metadata: [
                "version": "\(SpeakerControlHandler.version)", "node": "\(nodeName)", "router_id": "\(configuration.routerID)",
                "datastore": "\(source.description)",
                "as": "\(configuration.localAS)", "peers": "\(configuration.peers.count)",
            ])
        // Windows of suppressed repeats end on time even when nothing else is logged.
        let repeatFlush = Task {
            while !Task.isCancelled, logRepeatWindow > 0 {
                try? await Task.sleep(for: .seconds(1))
                logWriter.flushExpired()
            }
        }
        defer { repeatFlush.cancel() }
        try await services.run()
        logger.info("stopped")
        logWriter.flushExpired()
    }

    /// One writer for every logger: per-subsystem levels from --log-level, repeats limited per message and peer.
    private func bootstrapLogging() -> LogWriter {
        let levels = (try? LogLevels.parse(logLevel)) ?? LogLevels()
        let writer = LogfmtLogHandler.stderrWriter(
            format: LogLineFormat(rawValue: logFormat) ?? .logfmt,
            limiter: LogRepeatLimiter(limit: logRepeatLimit, window: logRepeatWindow))
        LoggingSystem.bootstrap { label in
            LogfmtLogHandler(label: label, logLevel: Logger.Level(levels.level(for: label)), writer: writer)
        }
        return writer
    }

    private func printError(_ text: String) {
        let line = text + "\n"
        line.utf8CString.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }
}

/// The configuration in force; replaced only by a reload that loaded cleanly.
actor ConfigurationState {
    var current: DaemonConfiguration
    init(_ configuration: DaemonConfiguration) { current = configuration }
    func replace(_ configuration: DaemonConfiguration) { current = configuration }
}

/// Runs the speaker: listen, bring peers up, reload on SIGHUP, Cease everyone on shutdown.
struct SpeakerService: Service {
    let speaker: BGPSpeaker
    let state: ConfigurationState
    /// The reload SIGHUP shares with `swiftletctl reload`.
    let reloader: ConfigReloader
    let originations: RouteOriginations
    /// `--graceful-restart`: shutdown leaves the peers our routes (no Cease).
    var gracefulRestart = false

    func run() async throws {
        let configuration = await state.current
        try await speaker.listen(address: configuration.listenAddress, port: Int(configuration.listenPort))
        await originations.configure(configuration)
        await speaker.setDynamicNeighbors(configuration.dynamicNeighbors.map { DynamicNeighborDefinition($0, configuration: configuration) })
        await speaker.apply(configuration.peers.map { PeerDefinition($0, configuration: configuration) })
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                await reload()
            }
        } onGracefulShutdown: {
            Task { await speaker.shutdown(keepRoutes: gracefulRestart) }
        }
        await speaker.shutdown(keepRoutes: gracefulRestart)
    }

    /// SIGHUP: the shared reload; it logs what changed, or every error while the running configuration stays.
    @discardableResult
    func reload() async -> ReloadOutcome {
        await reloader.reload(trigger: "SIGHUP")
    }
}

/// The few process facts swiftletd needs, without Foundation's ProcessInfo.
enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
