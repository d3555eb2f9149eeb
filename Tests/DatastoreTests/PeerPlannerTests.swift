// SPDX-License-Identifier: Apache-2.0
// The planner against calico/node's rules: mesh direction (bird.cfg.template), names, global vs node-specific
// peers and their de-duplication (confd client.go `updatePeersV1`), AS and timer defaults, and its own errors.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("PeerPlanner")
struct PeerPlannerTests {
    static func node(_ name: String, _ v4: String?, v6: String? = nil, asNumber: Int? = nil, labels: String = "",
        clusterID: String? = nil) -> String
    {
        var lines = ["apiVersion: projectcalico.org/v3", "kind: Node", "metadata:", "  name: \(name)"]
        if !labels.isEmpty { lines.append("  labels: {\(labels)}") }
        lines += ["spec:", "  bgp:"]
        if let v4 { lines.append("    ipv4Address: \(v4)") }
        if let v6 { lines.append("    ipv6Address: \(v6)") }
        if let asNumber { lines.append("    asNumber: \(asNumber)") }
        if let clusterID { lines.append("    routeReflectorClusterID: \(clusterID)") }
        return lines.joined(separator: "\n")
    }

    static func config(_ spec: String, name: String = "default") -> String {
        "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: \(name)\nspec:\n"
            + spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    static func peer(_ name: String, _ spec: String) -> String {
        "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: \(name)\nspec:\n"
            + spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    static func yaml(_ documents: String...) -> String { documents.joined(separator: "\n---\n") }

    func plan(_ yaml: String, node: String, secrets: [SecretReference: String] = [:]) throws -> DaemonConfiguration {
        switch ConfigFixtures.plan(yaml, node: node, secrets: secrets) {
        case .success(let config): return config
        case .failure(let errors):
            Issue.record("unexpected errors:\n\(errors)")
            throw errors
        }
    }

    func planErrors(_ yaml: String, node: String, secrets: [SecretReference: String] = [:]) -> [String] {
        if case .failure(let errors) = ConfigFixtures.plan(yaml, node: node, secrets: secrets) {
            return errors.map(\.description)
        }
        return []
    }

    // MARK: Mesh direction

    @Test("Mesh: passive towards a peer whose address text is greater (bird.cfg.template `gt $onode_ip $node_ip`)")
    func meshPassiveRule() {
        let ip = ConfigFixtures.ip
        #expect(PeerPlanner.meshIsPassive(local: ip("10.0.0.1"), remote: ip("10.0.0.2")))
        #expect(!PeerPlanner.meshIsPassive(local: ip("10.0.0.2"), remote: ip("10.0.0.1")))
        // Text, not numbers: "10.0.0.10" < "10.0.0.9".
        #expect(PeerPlanner.meshIsPassive(local: ip("10.0.0.10"), remote: ip("10.0.0.9")))
        #expect(!PeerPlanner.meshIsPassive(local: ip("10.0.0.9"), remote: ip("10.0.0.10")))
        #expect(PeerPlanner.meshIsPassive(local: ip("fd00::2"), remote: ip("fd00::a")))
        #expect(!PeerPlanner.meshIsPassive(local: ip("fd00::a"), remote: ip("fd00::2")))
    }

    @Test("Mesh both ways: the lower address text waits, the higher one connects")
    func meshBothWays() throws {
        let yaml = Self.yaml(Self.node("a", "192.168.1.9/24"), Self.node("b", "192.168.1.10/24"))
        let a = try plan(yaml, node: "a")
        let b = try plan(yaml, node: "b")
        #expect(a.peers.map(\.name) == ["Mesh_192_168_1_10"])
        #expect(b.peers.map(\.name) == ["Mesh_192_168_1_9"])
        #expect(a.peers[0].passive == false)  // "192.168.1.9" > "192.168.1.10"
        #expect(b.peers[0].passive == true)
    }

    @Test("Mesh skips route reflectors, and a route reflector skips the mesh (bird.cfg.template)")
    func meshAndReflectors() throws {
        let yaml = Self.yaml(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"),
            Self.node("rr", "10.0.0.3/24", clusterID: "244.0.0.1"))
        #expect(try plan(yaml, node: "a").peers.map(\.name) == ["Mesh_10_0_0_2"])
        #expect(try plan(yaml, node: "rr").peers.isEmpty)
    }

    @Test("Mesh off: nodeToNodeMeshEnabled false leaves only explicit peers")
    func meshOff() throws {
        let yaml = Self.yaml(
            Self.config("nodeToNodeMeshEnabled: false"), Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"))
        #expect(try plan(yaml, node: "a").peers.isEmpty)
    }

    @Test("Mesh uses each node's AS (eBGP when they differ), the other node's listenPort, and nodeMeshPassword")
    func meshDetails() throws {
        let yaml = Self.yaml(
            Self.config("asNumber: 65000\nnodeMeshPassword:\n  secretKeyRef: {name: mesh, key: pw}"),
            Self.config("listenPort: 1790", name: "node.b"),
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24", asNumber: 65002))
        let a = try plan(yaml, node: "a", secrets: [SecretReference(name: "mesh", key: "pw"): "hunter2"])
        let peer = try #require(a.peer(named: "Mesh_10_0_0_2"))
        #expect(peer.localAS == 65000 && peer.remoteAS == 65002)
        #expect(peer.port == 1790)
        #expect(peer.password == "hunter2")
        #expect(a.listenPort == 179)
        let b = try plan(yaml, node: "b", secrets: [SecretReference(name: "mesh", key: "pw"): "hunter2"])
        #expect(b.localAS == 65002 && b.listenPort == 1790)
    }

    @Test("Families: the peer's family, plus the other one when the node has it and the peer has no session of its own")
    func families() throws {
        let yaml = Self.yaml(
            Self.config("nodeToNodeMeshEnabled: true"),
            Self.node("a", "10.0.0.1/24", v6: "fd00::1/64"), Self.node("b", "10.0.0.2/24"),
            Self.peer("tor", "peerIP: 10.0.0.254\nasNumber: 65000"))
        let a = try plan(yaml, node: "a")
        #expect(a.peer(named: "Global_10_0_0_254")?.families == [.ipv4Unicast, .ipv6Unicast])
        #expect(a.peer(named: "Mesh_10_0_0_2")?.families == [.ipv4Unicast, .ipv6Unicast])
        #expect(try plan(yaml, node: "b").peer(named: "Global_10_0_0_254")?.families == [.ipv4Unicast])
    }

    // MARK: Explicit peers

    @Test("Names: Global_ without node or nodeSelector, Node_ for node, _port_ for an explicit port, '.'/':' → '_'")
    func names() throws {
        let yaml = Self.yaml(
            Self.config("nodeToNodeMeshEnabled: false"),
            Self.node("a", "10.0.0.1/24", v6: "fd00::1/64"), Self.node("b", "10.0.0.2/24"),
            Self.peer("g", "peerIP: 192.0.2.1\nasNumber: 65000"),
            Self.peer("n", "node: a\npeerIP: \"[2001:db8::1]:1790\"\nasNumber: 65000"),
            Self.peer("p", "node: a\npeerIP: 192.0.2.2:1790\nasNumber: 65000"),
            Self.peer("other", "node: b\npeerIP: 192.0.2.3\nasNumber: 65000"))
        let a = try plan(yaml, node: "a")
        #expect(a.peers.map(\.name) == ["Global_192_0_2_1", "Node_192_0_2_2_port_1790", "Node_2001_db8__1_port_1790"])
        #expect(a.peer(named: "Node_2001_db8__1_port_1790")?.port == 1790)
        #expect(a.peer(named: "Node_2001_db8__1_port_1790")?.sourceAddress == ConfigFixtures.ip("fd00::1"))
    }

    @Test("A node-specific peering never duplicates a global one for the same address (confd globalPass)")
    func globalWins() throws {
        let yaml = Self.yaml(
            Self.config("nodeToNodeMeshEnabled: false"), Self.node("a", "10.0.0.1/24"),
            Self.peer("g", "peerIP: 192.0.2.1\nasNumber: 65000"),
            Self.peer("n", "node: a\npeerIP: 192.0.2.1\nasNumber: 65000"))
        #expect(try plan(yaml, node: "a").peers.map(\.name) == ["Global_192_0_2_1"])
    }

    @Test("A global peer at our own address is skipped (bird.cfg.template 'Skipping ourselves')")
    func skipSelf() throws {
        let yaml = Self.yaml(Self.node("a", "10.0.0.1/24"), Self.peer("g", "peerIP: 10.0.0.1\nasNumber: 64512"))
        #expect(try plan(yaml, node: "a").peers.isEmpty)
    }

    @Test("nodeSelector: all() and simple label terms match; other syntax matches nothing and is noted")
    func selectors() throws {
        let yaml = Self.yaml(
            Self.config("nodeToNodeMeshEnabled: false"),
            Self.node("a", "10.0.0.1/24", labels: "rack: r1"),
            Self.peer("all", "nodeSelector: all()\npeerIP: 192.0.2.1\nasNumber: 65000"),
            Self.peer("r1", "nodeSelector: rack == 'r1' && has(rack)\npeerIP: 192.0.2.2\nasNumber: 65000"),
            Self.peer("r2", "nodeSelector: rack == 'r2'\npeerIP: 192.0.2.3\nasNumber: 65000"),
            Self.peer("or", "nodeSelector: rack == 'r1' || rack == 'r2'\npeerIP: 192.0.2.4\nasNumber: 65000"))
        let a = try plan(yaml, node: "a")
        #expect(a.peers.map(\.name) == ["Node_192_0_2_1", "Node_192_0_2_2"])
        #expect(a.notes.contains { $0.hasPrefix("BGPPeer(or).spec.nodeSelector") })
    }

    @Test("Peer defaults: hold 240s (BIRD), keepalive hold/3, connect retry 5s, UseNodeIP source, active")
    func defaults() throws {
        let yaml = Self.yaml(Self.node("a", "10.0.0.1/24"), Self.peer("g", "peerIP: 192.0.2.1\nasNumber: 65000"))
        let peer = try #require(try plan(yaml, node: "a").peer(named: "Global_192_0_2_1"))
        #expect(peer.holdTime == 240 && peer.keepaliveTime == nil && peer.effectiveKeepaliveTime == 80)
        #expect(peer.connectRetryTime == 5 && peer.delayOpenTime == nil)
        #expect(peer.sourceAddress == ConfigFixtures.ip("10.0.0.1") && !peer.passive)
        #expect(peer.localAS == 64512 && peer.remoteAS == 65000)
    }

    @Test("Swiftlet extensions: timers, passive, localASNumber, multihop, sourceAddress None; node.<name> timer defaults")
    func extensions() throws {
        let yaml = Self.yaml(
            Self.config("holdTime: 30s\nconnectRetryTime: 10s", name: "node.a"),
            Self.config("holdTime: 60s\nlistenAddress: 10.0.0.1"),
            Self.node("a", "10.0.0.1/24"),
            Self.peer("x", "peerIP: 192.0.2.1\nasNumber: 65000\npassive: true\nlocalASNumber: 65123\nmultihop: 4\n"
                + "delayOpenTime: 5s\nkeepaliveTime: 10\nsourceAddress: None"),
            Self.peer("y", "peerIP: 192.0.2.2\nasNumber: 65000\nholdTime: 0s"))
        let a = try plan(yaml, node: "a")
        #expect(a.listenAddress == ConfigFixtures.ip("10.0.0.1"))
        let x = try #require(a.peer(named: "Global_192_0_2_1"))
        #expect(x.passive && x.localAS == 65123 && x.multihopTTL == 4 && x.delayOpenTime == 5)
        #expect(x.holdTime == 30 && x.keepaliveTime == 10 && x.connectRetryTime == 10 && x.sourceAddress == nil)
        #expect(a.peer(named: "Global_192_0_2_2")?.holdTime == 0)
    }

    @Test("bindMode NodeIP listens on the node's address")
    func bindMode() throws {
        let yaml = Self.yaml(Self.config("bindMode: NodeIP\nlistenPort: 1790"), Self.node("a", "10.0.0.1/24"))
        let a = try plan(yaml, node: "a")
        #expect(a.listenAddress == ConfigFixtures.ip("10.0.0.1") && a.listenPort == 1790)
    }

    @Test("Local AS: node asNumber, else BGPConfiguration default, else 64512 (Calico)")
    func localAS() throws {
        #expect(try plan(Self.node("a", "10.0.0.1/24"), node: "a").localAS == 64512)
        #expect(try plan(Self.yaml(Self.config("asNumber: 65000"), Self.node("a", "10.0.0.1/24")), node: "a").localAS == 65000)
        #expect(try plan(Self.yaml(Self.config("asNumber: 65000"), Self.node("a", "10.0.0.1/24", asNumber: 65001)), node: "a").localAS == 65001)
    }

    // MARK: Planner errors

    @Test("A node name without a Node resource is an error naming the node")
    func unknownNode() {
        let errors = planErrors(Self.node("a", "10.0.0.1/24"), node: "node-9")
        #expect(errors == [#"t.yaml: Node(node-9): no Node resource is named "node-9" (known nodes: a)"#])
    }

    @Test("A node without bgp.ipv4Address has no router ID: an error at the node")
    func noRouterID() {
        let errors = planErrors(Self.node("a", nil, v6: "fd00::1/64"), node: "a")
        #expect(errors == [#"t.yaml:6:3: Node(a).spec.bgp.ipv4Address: required for this node: its IPv4 address is the BGP router ID"#])
    }

    @Test("A missing secret is an error naming the resource's password field")
    func missingSecret() {
        let yaml = Self.yaml(
            Self.node("a", "10.0.0.1/24"),
            Self.peer("tor", "peerIP: 192.0.2.1\nasNumber: 65000\npassword:\n  secretKeyRef: {name: s, key: k}"))
        let errors = planErrors(yaml, node: "a")
        #expect(errors == [#"t.yaml:17:5: BGPPeer(tor).spec.password.secretKeyRef: secret "s" has no key "k" (or the secret does not exist)"#])
    }

    @Test("An optional secret that is missing means no password")
    func optionalSecret() throws {
        let yaml = Self.yaml(
            Self.node("a", "10.0.0.1/24"),
            Self.peer("tor", "peerIP: 192.0.2.1\nasNumber: 65000\npassword:\n  secretKeyRef: {name: s, key: k, optional: true}"))
        #expect(try plan(yaml, node: "a").peers.first?.password == nil)
    }
}
