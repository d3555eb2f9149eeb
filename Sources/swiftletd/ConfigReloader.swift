// SPDX-License-Identifier: Apache-2.0
// The one reload, shared by SIGHUP, `swiftletctl reload`, a changed config file and every etcd snapshot: read the
// configuration again (the file or directory, or the datastore's newest snapshot); if it does not load, keep the
// running configuration and return every error; otherwise apply it (the speaker touches only peers whose definition
// changed) and return what changed. Reloads run one at a time, in the order they were asked for.

import BFDTransport
import BGPTransport
import ClusterModel
import ControlProtocol
import Datastore
import KernelSync
import Logging

/// What one reload did.
enum ReloadOutcome: Sendable {
    case applied(ReloadReport)
    /// The file did not load; nothing changed.
    case rejected(ConfigErrors)

    /// The control protocol's answer.
    var response: ControlResponse {
        switch self {
        case .applied(let report): .reload(report)
        case .rejected(let errors): .error(code: .configInvalid, message: Self.rejectionMessage(errors))
        }
    }

    /// First line: what happened; then one `file:line:column: field: message` line per error.
    static func rejectionMessage(_ errors: ConfigErrors) -> String {
        (["reload rejected (\(errors.count) error(s)); the running configuration stays in force"]
            + errors.map(\.description)).joined(separator: "\n")
    }
}

/// Where the configuration comes from.
enum ConfigSource: Sendable {
    /// A file or a directory of resource files.
    case file(String)
    /// The etcd datastore; `endpoints` is for reports.
    case etcd(EtcdDatastore, endpoints: String)

    /// What reports and `show config` name as the configuration's origin.
    var description: String {
        switch self {
        case .file(let path): path
        case .etcd(_, let endpoints): "etcd \(endpoints)"
        }
    }
}

/// Reloads the configuration into the running daemon.
actor ConfigReloader {
    let speaker: BGPSpeaker
    let state: ConfigurationState
    let source: ConfigSource
    let nodeName: String
    let secretsDirectory: String?
    let kernel: KernelSync?
    let originations: RouteOriginations
    let logger: Logger
    /// The BFD sessions follow the peers (only changed ones are touched).
    let bfd: BFDService?
    /// The reload in progress or last finished; the next one waits for it.
    private var tail: Task<ReloadOutcome, Never>?

    init(
        speaker: BGPSpeaker, state: ConfigurationState, source: ConfigSource, nodeName: String,
        secretsDirectory: String?, kernel: KernelSync?, originations: RouteOriginations, logger: Logger,
        bfd: BFDService? = nil
    ) {
        self.bfd = bfd
        self.speaker = speaker
        self.state = state
        self.source = source
        self.nodeName = nodeName
        self.secretsDirectory = secretsDirectory
        self.kernel = kernel
        self.originations = originations
        self.logger = logger
    }

    /// Reloads and logs the outcome; `trigger` ("SIGHUP", "control", "file change", "etcd") goes into the log line.
    /// `snapshot` is the etcd datastore's new state; without it an etcd reload applies the datastore's newest one.
    func reload(trigger: String, snapshot: EtcdDatastore.Snapshot? = nil) async -> ReloadOutcome {
        let previous = tail
        let task = Task {
            _ = await previous?.value
            return await self.perform(trigger: trigger, snapshot: snapshot)
        }
        tail = task
        return await task.value
    }

    private func perform(trigger: String, snapshot: EtcdDatastore.Snapshot?) async -> ReloadOutcome {
        let outcome: ReloadOutcome
        switch await load(snapshot: snapshot) {
        case .failure(let errors):
            outcome = .rejected(errors)
        case .success(let configuration):
            outcome = .applied(await apply(configuration))
        }
        log(outcome, trigger: trigger)
        return outcome
    }

    private func load(snapshot: EtcdDatastore.Snapshot?) async -> Result<DaemonConfiguration, ConfigErrors> {
        switch source {
        case .file(let path):
            return ConfigLoader.load(path: path, nodeName: nodeName, secretsDirectory: secretsDirectory)
        case .etcd(let datastore, _):
            let current: EtcdDatastore.Snapshot
            if let snapshot { current = snapshot } else { current = await datastore.latest() }
            return Self.plan(current, nodeName: nodeName, secretsDirectory: secretsDirectory)
        }
    }

    /// An etcd snapshot planned for this node; keys that did not decode reject it as a whole, as a bad file does.
    static func plan(
        _ snapshot: EtcdDatastore.Snapshot, nodeName: String, secretsDirectory: String?
    ) -> Result<DaemonConfiguration, ConfigErrors> {
        guard snapshot.errors.isEmpty else { return .failure(ConfigErrors(snapshot.errors)) }
        return ConfigLoader.plan(
            resources: snapshot.resources, nodeName: nodeName, secretsDirectory: secretsDirectory, blockSource: .affinitiesOnly)
    }

    private func log(_ outcome: ReloadOutcome, trigger: String) {
        switch outcome {
        case .rejected(let errors):
            logger.error(
                "reload rejected; the running configuration stays in force",
                metadata: ["trigger": "\(trigger)", "errors": "\(errors.count)"])
            for error in errors {
                logger.error(
                    "configuration error",
                    metadata: [
                        "trigger": "\(trigger)", "file": "\(error.file)", "line": "\(error.line)",
                        "column": "\(error.column)", "field": "\(error.field)", "error": "\(error.message)",
                    ])
            }
        case .applied(let report):
            // etcd publishes every change in the cluster (another node's block claim, a re-registration); most change
            // nothing here and are not worth an info line each.
            let unchanged = report.peersAdded.isEmpty && report.peersRemoved.isEmpty && report.peersChanged.isEmpty
                && report.otherChanges.isEmpty
            logger.log(
                level: unchanged && trigger == "etcd" ? .debug : .info,
                unchanged ? "configuration reloaded, nothing changed" : "configuration reloaded",
                metadata: [
                    "trigger": "\(trigger)", "peers_added": "\(report.peersAdded.joined(separator: ","))",
                    "peers_removed": "\(report.peersRemoved.joined(separator: ","))",
                    "peers_changed": "\(report.peersChanged.joined(separator: ","))",
                    "peers_unchanged": "\(report.peersUnchanged.count)",
                    "other_changes": "\(report.otherChanges.joined(separator: "; "))",
                ])
            for note in report.notes { logger.notice("config note", metadata: ["note": "\(note)"]) }
        }
    }

    /// Applies a configuration that loaded; returns what changed.
    private func apply(_ planned: DaemonConfiguration) async -> ReloadReport {
        let configuration = Self.effective(planned, kernelRunning: kernel != nil)
        let old = await state.current
        var report = Self.compare(old: old, new: configuration)
        report.configFile = source.description
        await state.replace(configuration)
        await speaker.apply(configuration.peers.map { PeerDefinition($0, configuration: configuration) })
        await bfd?.apply(BFDPeerConfiguration.sessions(for: configuration))
        if old.exportScope != configuration.exportScope || old.communityAdvertisements != configuration.communityAdvertisements {
            await speaker.setExportPolicy(configuration.exportPolicy)
        }
        if old.dynamicNeighbors != configuration.dynamicNeighbors {
            await speaker.setDynamicNeighbors(
                configuration.dynamicNeighbors.map { DynamicNeighborDefinition($0, configuration: configuration) })
        }
        // Every reload: what is learned from the kernel also depends on pools, blocks, priorities and other nodes.
        await originations.configure(configuration)
        await kernel?.reconfigure(KernelSync.Configuration(configuration))
        return report
    }

    /// `configuration` as this process runs it: without a kernel adapter (`--no-kernel`, or netlink unavailable)
    /// nothing is programmed whatever the datastore says, so the graceful restart capability must not claim that
    /// forwarding state survives a restart (RFC 4724 §3, the F bit follows `kernel.programRoutes`).
    static func effective(_ configuration: DaemonConfiguration, kernelRunning: Bool) -> DaemonConfiguration {
        guard !kernelRunning else { return configuration }
        var result = configuration
        result.kernel.programRoutes = false
        return result
    }

    /// What applying `new` over `old` changes. Peers compare as the speaker compares them (their session
    /// definitions), so "changed" is exactly the set of sessions the speaker restarts.
    static func compare(old: DaemonConfiguration, new: DaemonConfiguration) -> ReloadReport {
        let before = Dictionary(
            old.peers.map { ($0.name, PeerDefinition($0, configuration: old)) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(
            new.peers.map { ($0.name, PeerDefinition($0, configuration: new)) }, uniquingKeysWith: { first, _ in first })
        var report = ReloadReport(configFile: "")
        for name in after.keys.sorted() {
            switch before[name] {
            case nil: report.peersAdded.append(name)
            case let definition? where definition != after[name]: report.peersChanged.append(name)
            default: report.peersUnchanged.append(name)
            }
        }
        report.peersRemoved = before.keys.filter { after[$0] == nil }.sorted()

        var other: [String] = []
        if old.listenAddress != new.listenAddress || old.listenPort != new.listenPort {
            other.append("listen address or port (takes effect on restart)")
        }
        if old.routerID != new.routerID || old.localAS != new.localAS || old.routeReflectorClusterID != new.routeReflectorClusterID {
            other.append("router ID, AS or cluster ID (sessions restarted; the routing engine takes it on restart)")
        }
        if old.exportScope != new.exportScope || old.communityAdvertisements != new.communityAdvertisements {
            other.append("export policy")
        }
        if old.dynamicNeighbors != new.dynamicNeighbors { other.append("dynamic neighbors") }
        if BFDPeerConfiguration.sessions(for: old) != BFDPeerConfiguration.sessions(for: new) { other.append("BFD sessions") }
        if old.originated != new.originated { other.append("originated routes") }
        if old.ipPools != new.ipPools { other.append("IP pools") }
        if old.kernel != new.kernel || old.nodeSubnets != new.nodeSubnets || old.tunnelEndpoints != new.tunnelEndpoints {
            other.append("kernel settings")
        }
        if old.ipv6Address != new.ipv6Address { other.append("IPv6 address") }
        if old.logSeverity != new.logSeverity { other.append("logSeverityScreen (not applied; use --log-level)") }
        report.otherChanges = other
        report.notes = new.notes
        return report
    }
}
