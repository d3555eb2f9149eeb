// SPDX-License-Identifier: Apache-2.0
// swiftletd in a lab namespace: Calico v3 YAML config + secrets directory, control socket, swiftletctl polls.
import Foundation

/// What swiftletd is told about this node and its peers (rendered as Calico v3 resources).
struct SwiftletConfig: Sendable {
    struct Peer: Sendable {
        /// BGPPeer name; also the protocol name in `swiftletctl show protocols`.
        var name: String
        var peerIP: String
        var asNumber: UInt32
        var holdTime: Int? = 9
        var passive: Bool = false
        /// Stored in the secrets directory as `<dir>/bgp/<name>` and referenced by `secretKeyRef`.
        var password: String? = nil
        /// BGPPeer `ttlSecurity` (GTSM hops), `multihop` (outgoing TTL) and `sourceAddress` (`UseNodeIP`/`None`).
        var ttlSecurity: Int? = nil
        var multihop: Int? = nil
        var sourceAddress: String? = nil
        /// BGPFilter names (`spec.filters`), in order.
        var filters: [String] = []
        /// A dynamic neighbor range (`spec.peerIPRange`, a Swiftlet extension) instead of `peerIP`; always passive.
        var peerIPRange: String? = nil
    }

    var node: String = "node-a"
    var asNumber: UInt32 = 64512
    var ipv4Address: String?
    var ipv6Address: String?
    var listenPort: Int = 179
    var holdTime: Int = 9
    var peers: [Peer] = []
    /// BGPConfiguration `nodeToNodeMeshEnabled` (mesh sessions to every other Node in `resources`).
    var meshEnabled: Bool = false
    /// BGPConfiguration `connectRetryTime` (a Swiftlet extension; nil: the 5 s default).
    var connectRetryTime: Int? = nil
    /// This Node's `spec.bgp.routeReflectorClusterID`.
    var routeReflectorClusterID: String? = nil
    /// This Node's `metadata.labels`.
    var labels: [String: String] = [:]
    /// More documents appended as they are (other Nodes, IPPools, BlockAffinities, BGPFilters; see `Calico`).
    var resources: [String] = []
    /// More fields of this Node's `spec` besides `bgp`, as YAML flow entries (`ipv4VXLANTunnelAddr: 10.244.0.1`).
    var nodeSpec: [String] = []
    /// More fields of `BGPConfiguration(default).spec`, as YAML flow entries (`kernel: {metric: 1024}`).
    var configurationSpec: [String] = []

    var yaml: String {
        var bgp: [String] = []
        if let ipv4Address { bgp.append("ipv4Address: \(ipv4Address)") }
        if let ipv6Address { bgp.append("ipv6Address: \"\(ipv6Address)\"") }
        if let routeReflectorClusterID { bgp.append("routeReflectorClusterID: \(routeReflectorClusterID)") }
        var global = [
            "asNumber: \(asNumber)", "nodeToNodeMeshEnabled: \(meshEnabled)", "listenPort: \(listenPort)",
            "holdTime: \(holdTime)s",
        ]
        if let connectRetryTime { global.append("connectRetryTime: \(connectRetryTime)s") }
        global += configurationSpec
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }
        var text = """
            apiVersion: projectcalico.org/v3
            kind: BGPConfiguration
            metadata: {name: default}
            spec: {\(global.joined(separator: ", "))}
            ---
            apiVersion: projectcalico.org/v3
            kind: Node
            metadata: {name: \(node), labels: {\(labelText.joined(separator: ", "))}}
            spec: {\((["bgp: {\(bgp.joined(separator: ", "))}"] + nodeSpec).joined(separator: ", "))}

            """
        for peer in peers {
            var spec = ["node: \(node)"]
            if let range = peer.peerIPRange {
                spec.append("peerIPRange: \(range)")
            } else {
                spec.append("peerIP: \(peer.peerIP)")
            }
            spec.append("asNumber: \(peer.asNumber)")
            if let holdTime = peer.holdTime { spec.append("holdTime: \(holdTime)s") }
            if peer.peerIPRange == nil || peer.passive { spec.append("passive: \(peer.passive)") }
            if !peer.filters.isEmpty { spec.append("filters: [\(peer.filters.joined(separator: ", "))]") }
            if let ttlSecurity = peer.ttlSecurity { spec.append("ttlSecurity: \(ttlSecurity)") }
            if let multihop = peer.multihop { spec.append("multihop: \(multihop)") }
            if let sourceAddress = peer.sourceAddress { spec.append("sourceAddress: \(sourceAddress)") }
            if peer.password != nil {
                spec.append("password: {secretKeyRef: {name: \(SwiftletDaemon.secretName), key: \(peer.name)}}")
            }
            text += """
                ---
                apiVersion: projectcalico.org/v3
                kind: BGPPeer
                metadata: {name: \(peer.name)}
                spec: {\(spec.joined(separator: ", "))}

                """
        }
        for resource in resources {
            text += "---\n" + resource + (resource.hasSuffix("\n") ? "" : "\n")
        }
        return text
    }
}

final class SwiftletDaemon: BGPDaemon, @unchecked Sendable {
    static let secretName = "bgp"
    static var daemonBinary: URL { Interop.builtExecutable("swiftletd") }
    static var ctlBinary: URL { Interop.builtExecutable("swiftletctl") }

    let namespace: Namespace
    let config: SwiftletConfig
    /// Names this instance's files in the lab: `<name>.log`, `<name>.sock` (several swiftletd may share a lab).
    let name: String
    let configFile: URL
    let secretsDirectory: URL
    let controlSocket: URL
    private(set) var process: BackgroundProcess?
    /// `--log-level` (debug by default: the log is kept with a failed scenario's files); nil leaves it out.
    var logLevel: String? = "debug"
    /// More command-line flags for `start` (`--graceful-restart`).
    var extraArguments: [String] = []
    var label: String { "swiftletd \(config.node)" }
    var mainProcess: BackgroundProcess? { process }

    /// `name` "swiftletd" (the default) keeps the file names of a lab with one swiftletd: swiftlet.yaml, secrets/,
    /// swiftletd.sock, swiftletd.log; any other name prefixes them all.
    init(_ namespace: Namespace, config: SwiftletConfig, name: String = "swiftletd") throws {
        self.namespace = namespace
        self.config = config
        self.name = name
        let lab = namespace.lab
        let single = name == "swiftletd"
        configFile = try lab.write(single ? "swiftlet.yaml" : "\(name).yaml", config.yaml)
        let secrets = single ? "secrets" : "\(name)-secrets"
        secretsDirectory = lab.file(secrets)
        controlSocket = lab.file("\(name).sock")
        let secretDir = secretsDirectory.appendingPathComponent(Self.secretName)
        try FileManager.default.createDirectory(at: secretDir, withIntermediateDirectories: true)
        for peer in config.peers {
            if let password = peer.password {
                _ = try lab.write("\(secrets)/\(Self.secretName)/\(peer.name)", password, mode: 0o600)
            }
        }
    }

    func start() async throws {
        try? FileManager.default.removeItem(at: controlSocket)
        process = try namespace.spawn(
            name,
            [
                Self.daemonBinary.path, "--config", configFile.path, "--node", config.node,
                "--secrets-dir", secretsDirectory.path, "--control-socket", controlSocket.path,
            ] + (logLevel.map { ["--log-level", $0] } ?? []) + extraArguments)
        let up = await Poll.until(timeout: .seconds(15)) {
            if !(process?.isRunning ?? false) { return true }
            return (try? ctl(["show", "protocols", "--json"]))?.ok ?? false
        }
        if !up || !(process?.isRunning ?? false) {
            throw HarnessError("swiftletd did not start (control socket):\n\(process?.logText ?? "")")
        }
    }

    /// SIGTERM (Cease to peers) and wait for the exit.
    func stop() { process?.stop() }

    /// `swiftletctl --socket <socket> ARGS…`
    @discardableResult
    func ctl(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Self.ctlBinary.path, "--socket", controlSocket.path] + arguments, timeout: .seconds(10))
    }

    /// Loose, so it survives changes to the JSON shape: some object in `show protocol(s) --json` has a string
    /// value equal to `peer` (the session name, such as "Node_10_200_1_2", or the peer's address) and a string
    /// value "Established".
    func isEstablished(peer: String) throws -> Bool {
        try state(peer: peer) == "Established"
    }

    /// The state string of the session named `peer` or with peer address `peer` (nil if not listed).
    func state(peer: String) throws -> String? {
        let all = try ctl(["show", "protocols", "--json"])
        guard all.ok, let object = Self.objects(in: all.stdout).first(where: { $0.values.contains { $0 as? String == peer } })
        else { return nil }
        if let state = object["state"] as? String { return state }
        return object.values.contains { ($0 as? String) == "Established" } ? "Established" : "?"
    }

    /// The session name swiftletd gave the peer at `address` (Calico style: "Node_10_200_1_2").
    func sessionName(peerAddress address: String) throws -> String? {
        let all = try ctl(["show", "protocols", "--json"])
        let object = Self.objects(in: all.stdout).first { $0.values.contains { $0 as? String == address } }
        return object?["name"] as? String
    }

    func describe(peer: String) -> String {
        let detail = (try? ctl(["show", "protocols", "all"]))?.output ?? ""
        let log = process?.logText.split(separator: "\n").suffix(20).joined(separator: "\n") ?? ""
        return detail + "\n" + log
    }

    var log: String { process?.logText ?? "" }

    /// Every JSON object in `text` (one document, or one per line), nested ones included.
    static func objects(in text: String) -> [[String: Any]] {
        var documents: [Any] = []
        if let whole = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) {
            documents = [whole]
        } else {
            documents = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed])
            }
        }
        var result: [[String: Any]] = []
        func visit(_ value: Any) {
            if let object = value as? [String: Any] {
                result.append(object)
                object.values.forEach(visit)
            } else if let array = value as? [Any] {
                array.forEach(visit)
            }
        }
        documents.forEach(visit)
        return result
    }
}
