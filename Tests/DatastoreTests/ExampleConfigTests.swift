// SPDX-License-Identifier: Apache-2.0
// Every file in config/ must parse (docs/architecture.md §12.8, OpenBGPD's example check), and each example plans
// the sessions its comments promise: names, direction, AS numbers, timers.

import BGPWire
import ClusterModel
import Datastore
import Foundation
import Testing

@Suite("config/ examples")
struct ExampleConfigTests {
    @Test("config/ holds the documented examples")
    func examplesExist() {
        let files = ConfigFixtures.exampleFiles
        for name in [
            "swiftlet.yaml", "mesh-3-nodes.yaml", "ebgp-tor.yaml", "route-reflector-client.yaml",
            "route-reflector-dynamic.yaml",
        ] {
            #expect(files.contains(name), "config/\(name) is missing")
        }
    }

    @Test("Every file in config/ parses without errors", arguments: ConfigFixtures.exampleFiles)
    func parses(file: String) {
        let result = ConfigFile.load(path: ConfigFixtures.example(file))
        if case .failure(let errors) = result { Issue.record("config/\(file):\n\(errors)") }
    }

    @Test("Every Node in every example plans (secrets from config/secrets)", arguments: ConfigFixtures.exampleFiles)
    func everyNodePlans(file: String) throws {
        guard case .success(let resources) = ConfigFile.load(path: ConfigFixtures.example(file)) else { return }
        for case .node(let node) in resources {
            _ = try ConfigFixtures.planExample(file, node: node.metadata.name)
        }
    }

    @Test("swiftlet.yaml: node-1 on 127.0.0.1:1790, AS 64512, no peers (starts on a fresh machine)")
    func embeddedDefault() throws {
        let config = try ConfigFixtures.planExample("swiftlet.yaml", node: "node-1")
        #expect(config.routerID == ConfigFixtures.ip("127.0.0.1"))
        #expect(config.localAS == 64512)
        #expect(config.listenPort == 1790)
        #expect(config.listenAddress == nil)
        #expect(config.peers.isEmpty)
    }

    @Test("mesh-3-nodes.yaml from node-2: Mesh_ per node and family, passive towards greater address text")
    func meshFromNode2() throws {
        let config = try ConfigFixtures.planExample("mesh-3-nodes.yaml", node: "node-2")
        #expect(config.peers.map(\.name) == ["Mesh_10_0_0_1", "Mesh_10_0_0_10", "Mesh_fd00__1", "Mesh_fd00__a"])
        // "10.0.0.2" > "10.0.0.1" and > "10.0.0.10" as text: node-2 dials both IPv4 peers.
        #expect(config.peer(named: "Mesh_10_0_0_1")?.passive == false)
        #expect(config.peer(named: "Mesh_10_0_0_10")?.passive == false)
        // "fd00::2" < "fd00::a": node-2 waits for node-3 over IPv6.
        #expect(config.peer(named: "Mesh_fd00__1")?.passive == false)
        #expect(config.peer(named: "Mesh_fd00__a")?.passive == true)
        for peer in config.peers {
            #expect(peer.remoteAS == 64512 && peer.localAS == 64512 && peer.isInternal)
            #expect(peer.holdTime == 90 && peer.keepaliveTime == 30 && peer.connectRetryTime == 5)
            #expect(peer.gracefulRestartTime == 120)
            #expect(peer.port == 179)
            #expect(peer.password == nil)
            // Both nodes are dual-stack, so each family has its own session (as bird + bird6).
            #expect(peer.families == [peer.address.family == .ipv4 ? .ipv4Unicast : .ipv6Unicast])
        }
        #expect(config.peer(named: "Mesh_10_0_0_1")?.sourceAddress == ConfigFixtures.ip("10.0.0.2"))
        #expect(config.peer(named: "Mesh_fd00__a")?.sourceAddress == ConfigFixtures.ip("fd00::2"))
        #expect(config.ipPools.map(\.metadata.name) == ["default-ipv4-ippool", "default-ipv6-ippool"])
        #expect(!config.notes.contains { $0.hasPrefix("IPPool(") })
    }

    @Test("mesh-3-nodes.yaml: each pair has exactly one active side (bird.cfg.template `gt $onode_ip $node_ip`)")
    func meshOneActiveSidePerPair() throws {
        var sides: [Set<String>: [Bool]] = [:]
        for node in ["node-1", "node-2", "node-3"] {
            let config = try ConfigFixtures.planExample("mesh-3-nodes.yaml", node: node)
            #expect(config.peers.count == 4)
            for peer in config.peers {
                let key: Set<String> = [peer.sourceAddress!.description, peer.address.description]
                sides[key, default: []].append(peer.passive)
            }
        }
        #expect(sides.count == 6)
        for (pair, passive) in sides {
            #expect(passive.sorted { !$0 && $1 } == [false, true], "pair \(pair.sorted())")
        }
    }

    @Test("ebgp-tor.yaml: Node_10_1_1_1, eBGP 65001 → 65000, password from the secret, GTSM 1 hop")
    func ebgpTor() throws {
        let config = try ConfigFixtures.planExample("ebgp-tor.yaml", node: "rack1-node1")
        #expect(config.localAS == 65001)
        #expect(config.peers.map(\.name) == ["Node_10_1_1_1"])
        let tor = try #require(config.peer(named: "Node_10_1_1_1"))
        #expect(tor.address == ConfigFixtures.ip("10.1.1.1") && tor.port == 179)
        #expect(tor.remoteAS == 65000 && tor.localAS == 65001 && !tor.isInternal)
        #expect(tor.password == "example-tor-password")
        #expect(tor.ttlSecurityHops == 1)
        #expect(tor.holdTime == 9 && tor.keepaliveTime == 3)
        #expect(tor.gracefulRestartTime == 120)
        #expect(tor.sourceAddress == ConfigFixtures.ip("10.1.1.11"))
        #expect(!tor.passive)
        #expect(tor.families == [.ipv4Unicast])

        let other = try ConfigFixtures.planExample("ebgp-tor.yaml", node: "rack1-node2")
        let tor2 = try #require(other.peer(named: "Node_10_1_1_1"))
        #expect(tor2.holdTime == PeerSpec.defaultHoldTime && tor2.keepaliveTime == nil)
        #expect(tor2.sourceAddress == ConfigFixtures.ip("10.1.1.12"))
    }

    @Test("route-reflector-client.yaml: clients peer with both reflectors over iBGP, no mesh")
    func routeReflectorClient() throws {
        let config = try ConfigFixtures.planExample("route-reflector-client.yaml", node: "node-1")
        #expect(config.peers.map(\.name) == ["Node_10_0_0_100", "Node_10_0_0_101"])
        for peer in config.peers {
            #expect(peer.isInternal && peer.remoteAS == 64512)
            #expect(!peer.routeReflectorClient && !peer.passive)
        }
        #expect(config.routeReflectorClusterID == nil)
    }

    @Test("route-reflector-client.yaml on rr-1: reverse peerings to every node; clients are those outside 244.0.0.1 (RFC 4456)")
    func routeReflector() throws {
        let config = try ConfigFixtures.planExample("route-reflector-client.yaml", node: "rr-1")
        #expect(config.routeReflectorClusterID == ConfigFixtures.ip("244.0.0.1"))
        #expect(config.peers.map(\.name) == ["Node_10_0_0_1", "Node_10_0_0_101", "Node_10_0_0_2"])
        #expect(config.peer(named: "Node_10_0_0_1")?.routeReflectorClient == true)
        #expect(config.peer(named: "Node_10_0_0_2")?.routeReflectorClient == true)
        #expect(config.peer(named: "Node_10_0_0_101")?.routeReflectorClient == false)
    }

    @Test("mesh-3-nodes.yaml: blocks by node name, one per pool; each node exports its block, not what is inside")
    func meshBlocks() throws {
        let expected = [
            "node-1": ["192.168.0.0/26", "fd00:10::/122"], "node-2": ["192.168.0.64/26", "fd00:10::40/122"],
            "node-3": ["192.168.0.128/26", "fd00:10::80/122"],
        ]
        for (node, blocks) in expected {
            let config = try ConfigFixtures.planExample("mesh-3-nodes.yaml", node: node)
            #expect(config.originated.map(\.prefix.description) == blocks)
            #expect(config.originated.allSatisfy { $0.blackhole && $0.reason == "assigned block" })
            #expect(config.exportScope.evaluate(IPPrefix(blocks[0])!) == (true, "own block"))
        }
        let node2 = try ConfigFixtures.planExample("mesh-3-nodes.yaml", node: "node-2")
        #expect(node2.exportScope.evaluate(IPPrefix("192.168.0.65/32")!).accepted == false)
        #expect(node2.exportScope.evaluate(IPPrefix("192.168.0.0/26")!) == (true, "in IP pool default-ipv4-ippool"))
    }

    @Test("ebgp-tor.yaml: the rack's block plus the service ranges, tagged with the configured communities")
    func ebgpTorRoutes() throws {
        let config = try ConfigFixtures.planExample("ebgp-tor.yaml", node: "rack1-node2")
        #expect(config.originated.map(\.description) == [
            "10.96.0.0/12 (serviceClusterIPs)", "10.244.0.64/26 blackhole (assigned block)",
            "203.0.113.0/24 (serviceExternalIPs)",
        ])
        #expect(config.communityAdvertisements.map(\.cidr.description) == ["10.244.0.0/16", "203.0.113.0/24"])
        #expect(config.communityAdvertisements.last?.communities.map(\.description) == ["65001:100", "65001:200:1"])
        #expect(config.exportScope.evaluate(IPPrefix("203.0.113.0/24")!).accepted)
    }

    @Test("route-reflector-dynamic.yaml on rr-1: two dynamic ranges plus the reverse peering of the listed client")
    func routeReflectorDynamic() throws {
        let rr = try ConfigFixtures.planExample("route-reflector-dynamic.yaml", node: "rr-1")
        #expect(rr.peers.map(\.name) == ["Node_10_0_0_1"])
        #expect(rr.dynamicNeighbors.map(\.name) == ["Dynamic_10_0_0_0_24", "Dynamic_10_10_0_0_24"])
        let nodes = try #require(rr.dynamicNeighbor(named: "Dynamic_10_0_0_0_24"))
        #expect(nodes.template.passive && nodes.template.routeReflectorClient && nodes.template.holdTime == 30)
        let edge = try #require(rr.dynamicNeighbor(named: "Dynamic_10_10_0_0_24"))
        #expect(edge.asNumbers == 65100...65199 && !edge.template.routeReflectorClient)
        #expect(rr.originated.isEmpty)  // the pool does not select the reflector

        let client = try ConfigFixtures.planExample("route-reflector-dynamic.yaml", node: "node-1")
        #expect(client.peers.map(\.name) == ["Node_10_0_0_100"])
        #expect(client.dynamicNeighbors.isEmpty)
        #expect(client.originated.map(\.prefix.description) == ["10.244.0.0/26"])
    }
}
