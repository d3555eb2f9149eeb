// SPDX-License-Identifier: Apache-2.0
// swiftletd's routing against real BIRD 2, FRR, GoBGP and ExaBGP: the Calico full mesh, swiftletd as route
// reflector (RFC 4456) and as a reflector's client, eBGP to a top-of-rack router with a BGPFilter, and an unknown
// optional transitive attribute passed on with the Partial bit (RFC 4271 §5). Skipped unless BGP_INTEROP=1, root,
// and the built swiftletd is a real daemon, like SwiftletScenarioTests.
//
// Every speaker is AS 64512 unless a scenario says otherwise, and originates /26 blocks of the IP pool
// 10.244.0.0/16: swiftletd from BlockAffinity resources (so the test knows them), BIRD from static blackhole routes,
// FRR from `network` statements, GoBGP from `gobgp global rib add`. BIRD and FRR export only the pool, like a
// calico/node (BirdDaemon.calicoConfig, FRRDaemon.calicoConfig). Hold time 9 s and connect retry 1-2 s everywhere.
//
// Each check gathers every discrepancy into a list of lines; a scenario polls until the list is empty (bounded),
// and a failure shows the list plus every speaker's routing table. The lab's logs are kept when a scenario throws.
import Foundation
import Testing

extension InteropScenarios {
    @Suite(
        "swiftletd routing interop", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")"))
    struct RoutingScenarioTests {
        static let localAS: UInt32 = 64512
        static let pool = "10.244.0.0/16"
        static let convergence: Duration = .seconds(30)

        /// A swiftletd for Calico node `node` at host `host` of link 1 with the pool, these BlockAffinities
        /// (node → block) and these other Nodes.
        static func swiftletConfig(
            node: String, host: Int, peers: [SwiftletConfig.Peer] = [], mesh: Bool = false,
            otherNodes: [(name: String, host: Int)] = [], blocks: [(node: String, cidr: String)] = [],
            clusterID: String? = nil, labels: [String: String] = [:], poolSelector: String? = nil,
            extra: [String] = []
        ) -> SwiftletConfig {
            var config = SwiftletConfig(
                node: node, asNumber: localAS, ipv4Address: "\(Addr.v4(1, host))/24", holdTime: 9, peers: peers)
            config.meshEnabled = mesh
            config.connectRetryTime = 1
            config.routeReflectorClusterID = clusterID
            config.labels = labels
            config.resources =
                [Calico.ipPool("pods", cidr: pool, nodeSelector: poolSelector)]
                + otherNodes.map { Calico.node($0.name, ipv4: "\(Addr.v4(1, $0.host))/24") }
                + blocks.map { Calico.blockAffinity(node: $0.node, cidr: $0.cidr) } + extra
            return config
        }

        /// Polls `problems` until it returns nothing; then requires it to stay empty for `stable` (a route
        /// re-advertised where it must not be arrives right after the legitimate one). Records every remaining
        /// problem and `tables()` otherwise.
        static func requireConverged(
            _ what: String, stable: Duration = .seconds(2), tables: () -> String, _ problems: () throws -> [String]
        ) async throws {
            var last: [String] = []
            let converged = await Poll.until(timeout: convergence, every: .milliseconds(300)) {
                do { last = try problems() } catch { last = ["query failed: \(error)"] }
                return last.isEmpty
            }
            try #require(converged, "\(what) never converged:\n\(last.joined(separator: "\n"))\n\n\(tables())")
            let holds = await Poll.holds(for: stable, every: .milliseconds(300)) {
                do { last = try problems() } catch { last = ["query failed: \(error)"] }
                return last.isEmpty
            }
            try #require(holds, "\(what) converged, then changed:\n\(last.joined(separator: "\n"))\n\n\(tables())")
            if ProcessInfo.processInfo.environment["BGP_INTEROP_DEBUG"] == "1" {
                print("\(what) converged:\n\(tables())")
            }
        }

        static func requireEstablished(_ daemon: some BGPDaemon, _ peers: [String]) async throws {
            for peer in peers {
                let up = await daemon.waitEstablished(peer: peer, timeout: .seconds(30))
                try #require(up, "\(daemon.label) ↔ \(peer) not Established:\n\(daemon.describe(peer: peer))")
            }
        }

        static func meshName(_ host: Int) -> String { "Mesh_10_200_1_\(host)" }
        static func nodeName(_ address: String) -> String {
            "Node_" + address.map { $0 == "." ? "_" : $0 }.map(String.init).joined()
        }

        // MARK: - checks per implementation

        /// swiftletd's Loc-RIB holds, for each expected prefix, exactly one path: `from` that session with that next
        /// hop (nil session: originated here), plus what `extra` says about the path; and no other prefix inside
        /// `within`.
        static func swiftletProblems(
            _ swiftlet: SwiftletDaemon, expect: [String: (from: String?, nextHop: String?)], within: String? = pool,
            extra: (String, SwiftletPath) -> [String] = { _, _ in [] }
        ) throws -> [String] {
            let routes = try swiftlet.routes(["all"])
            var problems: [String] = []
            let who = swiftlet.label
            for (prefix, want) in expect.sorted(by: { $0.key < $1.key }) {
                guard let route = routes.first(where: { $0.prefix == prefix }) else {
                    problems.append("\(who): no route for \(prefix)")
                    continue
                }
                guard route.paths.count == 1, let path = route.paths.first else {
                    problems.append("\(who): \(prefix) has \(route.paths.count) paths: \(route.paths.map(\.from))")
                    continue
                }
                if let from = want.from {
                    if path.from != from { problems.append("\(who): \(prefix) from \(path.from), expected \(from)") }
                } else if path.sourceKind != "local" {
                    problems.append("\(who): \(prefix) is \(path.sourceKind) from \(path.from), expected local")
                }
                if let nextHop = want.nextHop, path.nextHop != nextHop {
                    problems.append("\(who): \(prefix) next hop \(path.nextHop), expected \(nextHop)")
                }
                problems += extra(prefix, path).map { "\(who): \(prefix) \($0)" }
            }
            if let within {
                let unexpected = routes.map(\.prefix).filter { expect[$0] == nil && inside($0, within) }
                if !unexpected.isEmpty { problems.append("\(who): unexpected prefixes \(unexpected)") }
            }
            return problems
        }

        /// What swiftletd advertises to `peer` (its Adj-RIB-Out) is exactly `prefixes`.
        static func advertisedProblems(_ swiftlet: SwiftletDaemon, peer: String, _ prefixes: Set<String>) throws
            -> [String]
        {
            let advertised = Set(try swiftlet.routes(["--advertised", "--peer", peer]).map(\.prefix))
            guard advertised != prefixes else { return [] }
            return ["\(swiftlet.label): advertises \(advertised.sorted()) to \(peer), expected \(prefixes.sorted())"]
        }

        /// BIRD holds exactly one route per expected prefix, from that protocol with that BGP next hop, and no other
        /// BGP route inside the pool.
        static func birdProblems(
            _ bird: BirdDaemon, expect: [String: (protocolName: String, nextHop: String)],
            extra: (String, BirdRoute) -> [String] = { _, _ in [] }
        ) throws -> [String] {
            let routes = try bird.routes().filter { $0.attributes["Type"]?.hasPrefix("BGP") ?? false }
            var problems: [String] = []
            for (prefix, want) in expect.sorted(by: { $0.key < $1.key }) {
                let found = routes.filter { $0.prefix == prefix }
                guard found.count == 1, let route = found.first else {
                    problems.append(
                        "\(bird.label): \(prefix) has \(found.count) BGP routes: \(found.map(\.protocolName))")
                    continue
                }
                if route.protocolName != want.protocolName {
                    problems.append(
                        "\(bird.label): \(prefix) from \(route.protocolName), expected \(want.protocolName)")
                }
                if route.nextHop != want.nextHop {
                    problems.append(
                        "\(bird.label): \(prefix) next hop \(route.nextHop ?? "none"), expected \(want.nextHop)")
                }
                problems += extra(prefix, route).map { "\(bird.label): \(prefix) \($0)" }
            }
            let unexpected = Set(routes.map(\.prefix)).filter { expect[$0] == nil && inside($0, pool) }
            if !unexpected.isEmpty { problems.append("\(bird.label): unexpected BGP routes \(unexpected.sorted())") }
            return problems
        }

        /// FRR holds exactly one BGP path per expected prefix, from that neighbor with that next hop, and no other
        /// learned path inside the pool.
        static func frrProblems(
            _ frr: FRRDaemon, expect: [String: (peer: String, nextHop: String)],
            extra: (String, [String: Any]) -> [String] = { _, _ in [] }
        ) throws -> [String] {
            let routes = try frr.bgpRoutes()
            var problems: [String] = []
            for (prefix, want) in expect.sorted(by: { $0.key < $1.key }) {
                let paths = routes[prefix] ?? []
                guard paths.count == 1, let path = paths.first else {
                    problems.append(
                        "\(frr.label): \(prefix) has \(paths.count) paths: \(paths.map { $0["peerId"] ?? "?" })")
                    continue
                }
                if path["peerId"] as? String != want.peer {
                    problems.append("\(frr.label): \(prefix) from \(path["peerId"] ?? "?"), expected \(want.peer)")
                }
                if FRRDaemon.nextHop(path) != want.nextHop {
                    problems.append(
                        "\(frr.label): \(prefix) next hop \(FRRDaemon.nextHop(path) ?? "none"), expected \(want.nextHop)"
                    )
                }
                problems += extra(prefix, path).map { "\(frr.label): \(prefix) \($0)" }
            }
            // Learned paths only: FRR's own `network` paths have peerId "(unspec)".
            let unexpected = routes.filter { prefix, paths in
                expect[prefix] == nil && inside(prefix, pool)
                    && paths.contains { ($0["peerId"] as? String)?.first?.isNumber ?? false }
            }.keys
            if !unexpected.isEmpty { problems.append("\(frr.label): unexpected BGP routes \(unexpected.sorted())") }
            return problems
        }

        /// GoBGP holds exactly one path per expected prefix with that next hop.
        static func gobgpProblems(
            _ gobgp: GoBGPDaemon, expect: [String: String], extra: (String, GoBGPPath) -> [String] = { _, _ in [] }
        ) throws -> [String] {
            let rib = try gobgp.rib()
            var problems: [String] = []
            for (prefix, nextHop) in expect.sorted(by: { $0.key < $1.key }) {
                let paths = rib.filter { $0.prefix == prefix }
                guard paths.count == 1, let path = paths.first else {
                    problems.append("\(gobgp.label): \(prefix) has \(paths.count) paths")
                    continue
                }
                if path.nextHop != nextHop {
                    problems.append("\(gobgp.label): \(prefix) next hop \(path.nextHop ?? "none"), expected \(nextHop)")
                }
                problems += extra(prefix, path).map { "\(gobgp.label): \(prefix) \($0)" }
            }
            return problems
        }

        /// Whether IPv4 prefix `prefix` lies inside `outer` (both "a.b.c.d/len").
        static func inside(_ prefix: String, _ outer: String) -> Bool {
            func parse(_ text: String) -> (UInt32, Int)? {
                let parts = text.split(separator: "/")
                guard parts.count == 2, let length = Int(parts[1]) else { return nil }
                let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
                guard octets.count == 4 else { return nil }
                return (octets.reduce(0) { $0 << 8 | $1 }, length)
            }
            guard let (a, aLength) = parse(prefix), let (b, bLength) = parse(outer), aLength >= bLength else {
                return false
            }
            let mask: UInt32 = bLength == 0 ? 0 : ~UInt32(0) << (32 - bLength)
            return a & mask == b & mask
        }

        // MARK: - 1. full mesh

        @Test(
            "Mesh: 2 swiftletd + BIRD + FRR in one AS, each learns the other three /26 blocks from their originator, nothing re-advertised iBGP→iBGP; BIRD's block leaves every table when BIRD stops"
        )
        func fourNodeMesh() async throws {
            try await withLab("routing-mesh-4") { lab in
                let ns = try lab.lan(["sw1", "sw2", "bird", "frr"])
                // (node, host, block): the Calico Nodes every swiftletd knows; BIRD and FRR are Calico nodes too.
                let nodes = [
                    ("node-sw1", 1, "10.244.0.0/26"), ("node-sw2", 2, "10.244.0.64/26"),
                    ("node-bird", 3, "10.244.0.128/26"), ("node-frr", 4, "10.244.0.192/26"),
                ]
                let address = { (host: Int) in Addr.v4(1, host) }
                let blocks = nodes.map { (node: $0.0, cidr: $0.2) }
                var swiftlets: [SwiftletDaemon] = []
                for (index, (node, host, _)) in nodes.prefix(2).enumerated() {
                    let config = Self.swiftletConfig(
                        node: node, host: host, mesh: true,
                        otherNodes: nodes.filter { $0.0 != node }.map { ($0.0, $0.1) }, blocks: blocks)
                    swiftlets.append(
                        try SwiftletDaemon(ns[index], config: config, name: "swiftletd-\(node.dropFirst(5))"))
                }
                // calico/node's mesh direction: passive towards every peer whose address text is greater.
                let meshPeers = { (host: Int) in
                    nodes.filter { $0.1 != host }.map { (peer: $0.1, passive: address($0.1) > address(host)) }
                }
                let bird = try BirdDaemon(
                    ns[2],
                    config: BirdDaemon.calicoConfig(
                        routerID: address(3),
                        peers: meshPeers(3).map {
                            BirdPeer(
                                name: Self.meshName($0.peer), address: address($0.peer), asNumber: Self.localAS,
                                passive: $0.passive)
                        }, blocks: [nodes[2].2], pool: Self.pool))
                let frr = try FRRDaemon(
                    ns[3],
                    config: FRRDaemon.calicoConfig(
                        routerID: address(4), asNumber: Self.localAS, localAddress: address(4),
                        peers: meshPeers(4).map {
                            FRRPeer(address: address($0.peer), asNumber: Self.localAS, passive: $0.passive)
                        },
                        networks: [nodes[3].2], exportPrefixes: [Self.pool]))
                try await frr.start()
                try await bird.start()
                for swiftlet in swiftlets { try await swiftlet.start() }

                for (index, swiftlet) in swiftlets.enumerated() {
                    try await Self.requireEstablished(
                        swiftlet, nodes.filter { $0.1 != index + 1 }.map { Self.meshName($0.1) })
                }
                try await Self.requireEstablished(bird, [1, 2, 4].map(Self.meshName))
                try await Self.requireEstablished(frr, [1, 2, 3].map(address))

                let tables = {
                    swiftlets.map { "--- \($0.label)\n\($0.describeRoutes())" }.joined(separator: "\n")
                        + "\n--- bird\n\((try? bird.birdc(["show", "route", "all"])) ?? "")"
                        + "\n--- frr\n\(frr.describeRoutes())"
                }
                try await Self.requireConverged("the mesh", tables: tables) {
                    var problems: [String] = []
                    for (index, swiftlet) in swiftlets.enumerated() {
                        let own = index + 1
                        var expect: [String: (from: String?, nextHop: String?)] = [:]
                        for (_, host, block) in nodes {
                            expect[block] = host == own ? (nil, nil) : (Self.meshName(host), address(host))
                        }
                        problems += try Self.swiftletProblems(swiftlet, expect: expect)
                        // Only its own block leaves a swiftletd (iBGP-learned routes go to no iBGP peer).
                        for (_, host, _) in nodes where host != own {
                            problems += try Self.advertisedProblems(
                                swiftlet, peer: Self.meshName(host), [nodes[index].2])
                        }
                    }
                    var birdExpect: [String: (protocolName: String, nextHop: String)] = [:]
                    for (_, host, block) in nodes where host != 3 {
                        birdExpect[block] = (Self.meshName(host), address(host))
                    }
                    problems += try Self.birdProblems(bird, expect: birdExpect)
                    var frrExpect: [String: (peer: String, nextHop: String)] = [:]
                    for (_, host, block) in nodes where host != 4 { frrExpect[block] = (address(host), address(host)) }
                    problems += try Self.frrProblems(frr, expect: frrExpect)
                    return problems
                }

                // BIRD stops (Cease): every other node drops its block, nothing else changes.
                bird.stop()
                try await Self.requireConverged("the mesh without BIRD", tables: tables) {
                    var problems: [String] = []
                    let remaining = nodes.filter { $0.1 != 3 }
                    for (index, swiftlet) in swiftlets.enumerated() {
                        var expect: [String: (from: String?, nextHop: String?)] = [:]
                        for (_, host, block) in remaining {
                            expect[block] = host == index + 1 ? (nil, nil) : (Self.meshName(host), address(host))
                        }
                        problems += try Self.swiftletProblems(swiftlet, expect: expect)
                    }
                    var frrExpect: [String: (peer: String, nextHop: String)] = [:]
                    for (_, host, block) in remaining where host != 4 {
                        frrExpect[block] = (address(host), address(host))
                    }
                    problems += try Self.frrProblems(frr, expect: frrExpect)
                    return problems
                }
            }
        }

        // MARK: - 2. swiftletd as route reflector

        static let clusterID = "244.0.0.1"

        /// The three clients of the reflector scenarios: (name, host, block). The reflector is host 1.
        static let clients = [
            ("bird", 2, "10.244.0.64/26"), ("frr", 3, "10.244.0.128/26"), ("gobgp", 4, "10.244.0.192/26"),
        ]

        /// BIRD (host 2), FRR (host 3) and, if `gobgp`, GoBGP (host 4): iBGP clients of the reflector at host 1,
        /// each originating its block.
        static func reflectorClients(_ ns: [Namespace], gobgp withGoBGP: Bool) throws
            -> (BirdDaemon, FRRDaemon, GoBGPDaemon?)
        {
            let reflector = Addr.v4(1, 1)
            let bird = try BirdDaemon(
                ns[1],
                config: BirdDaemon.calicoConfig(
                    routerID: Addr.v4(1, 2),
                    peers: [BirdPeer(name: "reflector", address: reflector, asNumber: localAS)], blocks: [clients[0].2],
                    pool: pool))
            let frr = try FRRDaemon(
                ns[2],
                config: FRRDaemon.calicoConfig(
                    routerID: Addr.v4(1, 3), asNumber: localAS, localAddress: Addr.v4(1, 3),
                    peers: [FRRPeer(address: reflector, asNumber: localAS)], networks: [clients[1].2],
                    exportPrefixes: [pool]))
            var gobgp: GoBGPDaemon?
            if withGoBGP {
                gobgp = try GoBGPDaemon(
                    ns[3],
                    config: GoBGPDaemon.config(
                        routerID: Addr.v4(1, 4),
                        neighbors: [
                            Neighbor(
                                name: "rr", localAddress: Addr.v4(1, 4), localAS: localAS, address: reflector,
                                remoteAS: localAS)
                        ]))
            }
            return (bird, frr, gobgp)
        }

        /// Every client has every other client's block of `present` (the blocks currently announced) exactly once,
        /// with the originator's next hop, ORIGINATOR_ID = the originator's router ID and CLUSTER_LIST =
        /// [clusterID], and no other; the reflector has every such block from its originator.
        static func reflectionProblems(
            reflector: SwiftletDaemon, bird: BirdDaemon, frr: FRRDaemon, gobgp: GoBGPDaemon?,
            announced present: [(String, Int, String)], session: (String) -> String = nodeName
        ) throws -> [String] {
            var problems: [String] = []
            var rrExpect: [String: (from: String?, nextHop: String?)] = [:]
            for (_, host, block) in present { rrExpect[block] = (session(Addr.v4(1, host)), Addr.v4(1, host)) }
            problems += try swiftletProblems(reflector, expect: rrExpect) { _, path in
                path.originatorID == nil && (path.clusterList ?? []).isEmpty
                    ? []
                    : ["arrived with ORIGINATOR_ID \(path.originatorID ?? "-") CLUSTER_LIST \(path.clusterList ?? [])"]
            }
            func reflected(_ origin: Int, originator: String?, clusterList: [String]) -> [String] {
                var result: [String] = []
                if originator != Addr.v4(1, origin) {
                    result.append("ORIGINATOR_ID \(originator ?? "none"), expected \(Addr.v4(1, origin))")
                }
                if clusterList != [clusterID] { result.append("CLUSTER_LIST \(clusterList), expected [\(clusterID)]") }
                return result
            }
            let origin = Dictionary(uniqueKeysWithValues: present.map { ($0.2, $0.1) })
            var birdExpect: [String: (protocolName: String, nextHop: String)] = [:]
            var frrExpect: [String: (peer: String, nextHop: String)] = [:]
            var gobgpExpect: [String: String] = [:]
            for (name, host, block) in present {
                if name != "bird" { birdExpect[block] = ("reflector", Addr.v4(1, host)) }
                if name != "frr" { frrExpect[block] = (Addr.v4(1, 1), Addr.v4(1, host)) }
                if name != "gobgp" { gobgpExpect[block] = Addr.v4(1, host) }
            }
            problems += try birdProblems(bird, expect: birdExpect) { prefix, route in
                reflected(origin[prefix]!, originator: route.originatorID, clusterList: route.clusterList)
            }
            problems += try frrProblems(frr, expect: frrExpect) { prefix, _ in
                // `show bgp PREFIX json` has the reflection attributes; the table view does not.
                guard let path = try? frr.bgpPaths(prefix).first else { return ["no detailed path"] }
                return reflected(
                    origin[prefix]!, originator: path["originatorId"] as? String,
                    clusterList: FRRDaemon.clusterList(path))
            }
            if let gobgp {
                problems += try gobgpProblems(gobgp, expect: gobgpExpect) { prefix, path in
                    reflected(origin[prefix]!, originator: path.originatorID, clusterList: path.clusterList)
                }
            }
            return problems
        }

        static func reflectorTables(
            _ reflector: SwiftletDaemon, _ bird: BirdDaemon, _ frr: FRRDaemon, _ gobgp: GoBGPDaemon?
        )
            -> String
        {
            "--- \(reflector.label)\n\(reflector.describeRoutes())"
                + "\n--- bird\n\((try? bird.birdc(["show", "route", "all"])) ?? "")"
                + "\n--- frr\n\(frr.describeRoutes())"
                + (gobgp.map { "\n--- gobgp\n\($0.describeRoutes())" } ?? "")
        }

        @Test(
            "Route reflector: BIRD, FRR and GoBGP clients (BGPPeer peerIP, same AS) each learn the others' blocks with ORIGINATOR_ID and CLUSTER_LIST; a withdrawal is reflected"
        )
        func routeReflector() async throws {
            try await withLab("routing-rr-clients") { lab in
                let ns = try lab.lan(["rr", "bird", "frr", "gobgp"])
                // The reflector runs no workloads: the pool's nodeSelector leaves it without a block.
                let config = Self.swiftletConfig(
                    node: "rr", host: 1,
                    peers: Self.clients.map {
                        .init(name: $0.0, peerIP: Addr.v4(1, $0.1), asNumber: Self.localAS, holdTime: 9)
                    },
                    clusterID: Self.clusterID, labels: ["route-reflector": "true"],
                    poolSelector: "!has(route-reflector)")
                let reflector = try SwiftletDaemon(ns[0], config: config)
                let (bird, frr, gobgp) = try Self.reflectorClients(ns, gobgp: true)
                try await frr.start()
                try await bird.start()
                try await gobgp!.start()
                try gobgp!.announce(Self.clients[2].2, nextHop: Addr.v4(1, 4))
                try await reflector.start()

                try await Self.requireEstablished(reflector, Self.clients.map { Self.nodeName(Addr.v4(1, $0.1)) })
                try await Self.requireEstablished(bird, ["reflector"])
                try await Self.requireEstablished(frr, [Addr.v4(1, 1)])
                try await Self.requireEstablished(gobgp!, [Addr.v4(1, 1)])
                try await Self.requireConverged(
                    "reflection", tables: { Self.reflectorTables(reflector, bird, frr, gobgp) }
                ) {
                    try Self.reflectionProblems(
                        reflector: reflector, bird: bird, frr: frr, gobgp: gobgp, announced: Self.clients)
                }

                // A withdrawal is reflected too.
                try gobgp!.withdraw(Self.clients[2].2)
                try await Self.requireConverged(
                    "the reflected withdrawal", tables: { Self.reflectorTables(reflector, bird, frr, gobgp) }
                ) {
                    try Self.reflectionProblems(
                        reflector: reflector, bird: bird, frr: frr, gobgp: gobgp,
                        announced: Array(Self.clients.prefix(2)))
                }
            }
        }

        @Test(
            "Route reflector with a dynamic neighbor range (BGPPeer peerIPRange + asNumber): unlisted BIRD and FRR clients connect and get each other's blocks reflected"
        )
        func routeReflectorDynamicNeighbors() async throws {
            try await withLab("routing-rr-dynamic") { lab in
                let ns = try lab.lan(["rr", "bird", "frr"])
                let config = Self.swiftletConfig(
                    node: "rr", host: 1,
                    peers: [
                        .init(
                            name: "lan-clients", peerIP: "", asNumber: Self.localAS, holdTime: 9,
                            peerIPRange: "10.200.1.0/24")
                    ],
                    clusterID: Self.clusterID, labels: ["route-reflector": "true"],
                    poolSelector: "!has(route-reflector)")
                let reflector = try SwiftletDaemon(ns[0], config: config)
                let (bird, frr, _) = try Self.reflectorClients(ns, gobgp: false)
                try await reflector.start()
                try await frr.start()
                try await bird.start()

                // swiftletd names a dynamic neighbor's session after its address.
                let dynamicName = { (address: String) in
                    "Dynamic_" + address.map { $0 == "." ? "_" : $0 }.map(String.init).joined()
                }
                try await Self.requireEstablished(reflector, [2, 3].map { dynamicName(Addr.v4(1, $0)) })
                try await Self.requireEstablished(bird, ["reflector"])
                try await Self.requireEstablished(frr, [Addr.v4(1, 1)])
                try await Self.requireConverged(
                    "reflection to dynamic neighbors", tables: { Self.reflectorTables(reflector, bird, frr, nil) }
                ) {
                    try Self.reflectionProblems(
                        reflector: reflector, bird: bird, frr: frr, gobgp: nil,
                        announced: Array(Self.clients.prefix(2)),
                        session: dynamicName)
                }
            }
        }

        // MARK: - 3. swiftletd as a client of a BIRD reflector

        @Test("Route reflector client: two swiftletd learn each other's block through a BIRD reflector (rr client)")
        func clientOfBirdReflector() async throws {
            try await withLab("routing-bird-rr") { lab in
                let ns = try lab.lan(["sw1", "sw2", "birdrr"])
                let rr = Addr.v4(1, 3)
                let rrClusterID = "244.0.0.2"
                let nodes = [("node-sw1", 1, "10.244.0.0/26"), ("node-sw2", 2, "10.244.0.64/26")]
                let blocks = nodes.map { (node: $0.0, cidr: $0.2) }
                var swiftlets: [SwiftletDaemon] = []
                for (index, (node, host, _)) in nodes.enumerated() {
                    let config = Self.swiftletConfig(
                        node: node, host: host,
                        peers: [.init(name: "rr", peerIP: rr, asNumber: Self.localAS, holdTime: 9)],
                        otherNodes: nodes.filter { $0.0 != node }.map { ($0.0, $0.1) }, blocks: blocks)
                    swiftlets.append(
                        try SwiftletDaemon(ns[index], config: config, name: "swiftletd-\(node.dropFirst(5))"))
                }
                let bird = try BirdDaemon(
                    ns[2],
                    config: BirdDaemon.calicoConfig(
                        routerID: rr,
                        peers: nodes.map {
                            BirdPeer(
                                name: String($0.0.dropFirst(5)), address: Addr.v4(1, $0.1), asNumber: Self.localAS,
                                rrClient: true)
                        }, blocks: [], pool: Self.pool, clusterID: rrClusterID))
                try await bird.start()
                for swiftlet in swiftlets { try await swiftlet.start() }
                let session = Self.nodeName(rr)
                for swiftlet in swiftlets { try await Self.requireEstablished(swiftlet, [session]) }
                try await Self.requireEstablished(bird, ["sw1", "sw2"])

                let tables = {
                    swiftlets.map { "--- \($0.label)\n\($0.describeRoutes())" }.joined(separator: "\n")
                        + "\n--- bird\n\((try? bird.birdc(["show", "route", "all"])) ?? "")"
                }
                try await Self.requireConverged("reflection by BIRD", tables: tables) {
                    var problems: [String] = []
                    for (index, swiftlet) in swiftlets.enumerated() {
                        let other = nodes[1 - index]
                        let expect: [String: (from: String?, nextHop: String?)] = [
                            nodes[index].2: (nil, nil), other.2: (session, Addr.v4(1, other.1)),
                        ]
                        problems += try Self.swiftletProblems(swiftlet, expect: expect) { prefix, path in
                            guard prefix == other.2 else { return [] }
                            var result: [String] = []
                            if path.originatorID != Addr.v4(1, other.1) {
                                result.append(
                                    "ORIGINATOR_ID \(path.originatorID ?? "none"), expected \(Addr.v4(1, other.1))")
                            }
                            if path.clusterList ?? [] != [rrClusterID] {
                                result.append("CLUSTER_LIST \(path.clusterList ?? []), expected [\(rrClusterID)]")
                            }
                            return result
                        }
                        // A client sends the reflector its own block only, never the reflected one back.
                        problems += try Self.advertisedProblems(swiftlet, peer: session, [nodes[index].2])
                    }
                    problems += try Self.birdProblems(
                        bird,
                        expect: Dictionary(
                            uniqueKeysWithValues: nodes.map { ($0.2, (String($0.0.dropFirst(5)), Addr.v4(1, $0.1))) }))
                    return problems
                }
            }
        }

        // MARK: - 4. eBGP to a top-of-rack router, with policy

        @Test(
            "eBGP ToR (FRR AS 65000): a BGPFilter imports only the default route (198.51.100.0/24 rejected with a reason); only pool prefixes are exported, with AS path 64512"
        )
        func ebgpTorWithPolicy() async throws {
            try await withLab("routing-ebgp-tor") { lab in
                // sw (10.200.1.1) ─ link 1 ─ tor (FRR, 10.200.1.2);
                // sw (10.200.2.1) ─ link 2 ─ bird (10.200.2.2).
                let (sw, torNS) = try lab.pair("sw", "tor")
                let birdNS = try lab.namespace("bird")
                try lab.link(sw, ["\(Addr.v4(2, 1))/24"], birdNS, ["\(Addr.v4(2, 2))/24"], device: "veth1")
                let torAS: UInt32 = 65000
                let tor = Addr.v4(1, 2)
                let birdAddress = Addr.v4(2, 2)
                let ownBlock = "10.244.0.0/26"
                let otherBlock = "10.244.1.0/26"  // learned over iBGP from BIRD, inside the pool
                let outside = "192.0.2.0/24"  // learned over iBGP from BIRD, outside every pool
                let config = Self.swiftletConfig(
                    node: "sw", host: 1,
                    peers: [
                        .init(name: "tor", peerIP: tor, asNumber: torAS, holdTime: 9, filters: ["tor-import"]),
                        // From the link-2 address: BIRD has no route to the node address on link 1.
                        .init(
                            name: "bird", peerIP: birdAddress, asNumber: Self.localAS, holdTime: 9,
                            sourceAddress: "None"),
                    ],
                    blocks: [("sw", ownBlock)],
                    extra: [
                        Calico.bgpFilter(
                            "tor-import",
                            importV4: ["{cidr: 0.0.0.0/0, matchOperator: Equal, action: Accept}", "{action: Reject}"])
                    ])
                let swiftlet = try SwiftletDaemon(sw, config: config)
                let frr = try FRRDaemon(
                    torNS,
                    config: FRRDaemon.calicoConfig(
                        routerID: tor, asNumber: torAS, localAddress: tor,
                        peers: [FRRPeer(address: Addr.v4(1, 1), asNumber: Self.localAS)],
                        networks: ["0.0.0.0/0", "198.51.100.0/24"], exportPrefixes: nil))
                let bird = try BirdDaemon(
                    birdNS,
                    config: BirdDaemon.calicoConfig(
                        routerID: birdAddress,
                        peers: [BirdPeer(name: "sw", address: Addr.v4(2, 1), asNumber: Self.localAS)],
                        blocks: [otherBlock, outside], pool: Self.pool, exportAll: true))
                try await frr.start()
                try await bird.start()
                try await swiftlet.start()
                let torSession = Self.nodeName(tor)
                let birdSession = Self.nodeName(birdAddress)
                try await Self.requireEstablished(swiftlet, [torSession, birdSession])
                try await Self.requireEstablished(frr, [Addr.v4(1, 1)])

                let tables = {
                    "--- \(swiftlet.label)\n\(swiftlet.describeRoutes())"
                        + "\n--- received from the ToR\n"
                        + ((try? swiftlet.ctl(["show", "route", "detail", "--received", "--peer", torSession]))?.output
                            ?? "")
                        + "\n--- frr\n\(frr.describeRoutes())"
                        + "\n--- bird\n\((try? bird.birdc(["show", "route", "all"])) ?? "")"
                }
                try await Self.requireConverged("eBGP with the ToR", tables: tables) {
                    var problems: [String] = []
                    // FRR: exactly the pool prefixes, AS path "64512", next hop the node (also for BIRD's block:
                    // BIRD's 10.200.2.2 is no address FRR can reach).
                    let fromSwiftlet = try frr.bgpRoutes(receivedFrom: Addr.v4(1, 1))
                    if Set(fromSwiftlet.keys) != [ownBlock, otherBlock] {
                        problems.append(
                            "frr: received \(fromSwiftlet.keys.sorted()), expected [\(ownBlock), \(otherBlock)]")
                    }
                    for (prefix, paths) in fromSwiftlet.sorted(by: { $0.key < $1.key }) {
                        for path in paths {
                            if FRRDaemon.asPath(path) != "\(Self.localAS)" {
                                problems.append(
                                    "frr: \(prefix) AS path \(FRRDaemon.asPath(path) ?? "none"), expected \(Self.localAS)"
                                )
                            }
                            if FRRDaemon.nextHop(path) != Addr.v4(1, 1) {
                                problems.append("frr: \(prefix) next hop \(FRRDaemon.nextHop(path) ?? "none")")
                            }
                        }
                    }
                    problems += try Self.advertisedProblems(swiftlet, peer: torSession, [ownBlock, otherBlock])
                    // Loc-RIB: the default route from the ToR (as path 65000) and BIRD's two prefixes, not the
                    // filtered 198.51.100.0/24.
                    problems += try Self.swiftletProblems(
                        swiftlet,
                        expect: [
                            ownBlock: (nil, nil), otherBlock: (birdSession, birdAddress),
                            outside: (birdSession, birdAddress),
                            "0.0.0.0/0": (torSession, tor),
                        ], within: nil
                    ) { prefix, path in
                        prefix == "0.0.0.0/0" && path.asPath != "\(torAS)"
                            ? ["AS path \(path.asPath), expected \(torAS)"] : []
                    }
                    let selected = try swiftlet.routes(["all"]).map(\.prefix)
                    if selected.contains("198.51.100.0/24") {
                        problems.append("swiftletd: 198.51.100.0/24 in the Loc-RIB")
                    }
                    // What the ToR sent: both, the non-default one rejected by the filter with a reason.
                    let received = try swiftlet.routes(["detail", "--received", "--peer", torSession])
                    let byPrefix = Dictionary(received.map { ($0.prefix, $0.paths) }, uniquingKeysWith: +)
                    if let paths = byPrefix["198.51.100.0/24"] {
                        if paths.contains(where: { ($0.rejectedBy ?? "").isEmpty }) {
                            problems.append(
                                "swiftletd: received 198.51.100.0/24 not marked rejected: \(paths.map(\.rejectedBy))")
                        }
                    } else {
                        problems.append(
                            "swiftletd: 198.51.100.0/24 missing from --received (\(byPrefix.keys.sorted()))")
                    }
                    if let paths = byPrefix["0.0.0.0/0"] {
                        if let rejected = paths.compactMap(\.rejectedBy).first {
                            problems.append("swiftletd: received 0.0.0.0/0 rejected: \(rejected)")
                        }
                    } else {
                        problems.append("swiftletd: 0.0.0.0/0 missing from --received (\(byPrefix.keys.sorted()))")
                    }
                    return problems
                }
            }
        }

        // MARK: - 5. unknown optional transitive attribute

        @Test(
            "Unknown optional transitive attribute from ExaBGP is passed on to GoBGP with the Partial bit (flags 0xe0) and the same value; an optional non-transitive one is not"
        )
        func unknownTransitiveAttribute() async throws {
            try await withLab("routing-unknown-attribute") { lab in
                // sw (10.200.1.1) ─ link 1 ─ exabgp (10.200.1.2, AS 64513); sw (10.200.2.1) ─ link 2 ─ gobgp
                // (10.200.2.2, AS 64514).
                let (sw, exaNS) = try lab.pair("sw", "exabgp")
                let gobgpNS = try lab.namespace("gobgp")
                try lab.link(sw, ["\(Addr.v4(2, 1))/24"], gobgpNS, ["\(Addr.v4(2, 2))/24"], device: "veth1")
                let exa = Addr.v4(1, 2)
                let gobgpAddress = Addr.v4(2, 2)
                let prefix = "10.244.7.0/26"  // inside the pool: passes Calico's export policy
                let config = Self.swiftletConfig(
                    node: "sw", host: 1,
                    peers: [
                        .init(name: "exabgp", peerIP: exa, asNumber: 64513, holdTime: 9),
                        .init(name: "gobgp", peerIP: gobgpAddress, asNumber: 64514, holdTime: 9, sourceAddress: "None"),
                    ],
                    blocks: [("sw", "10.244.0.0/26")])
                let swiftlet = try SwiftletDaemon(sw, config: config)
                let exabgp = try ExaBGPDaemon(
                    exaNS,
                    neighborsConfig: ExaBGPDaemon.config(
                        routerID: exa,
                        neighbors: [
                            Neighbor(
                                name: "swiftlet", localAddress: exa, localAS: 64513, address: Addr.v4(1, 1),
                                remoteAS: Self.localAS)
                        ]))
                let gobgp = try GoBGPDaemon(
                    gobgpNS,
                    config: GoBGPDaemon.config(
                        routerID: gobgpAddress,
                        neighbors: [
                            Neighbor(
                                name: "swiftlet", localAddress: gobgpAddress, localAS: 64514, address: Addr.v4(2, 1),
                                remoteAS: Self.localAS)
                        ]))
                try await exabgp.start()
                try await gobgp.start()
                try await swiftlet.start()
                let exaSession = Self.nodeName(exa)
                try await Self.requireEstablished(swiftlet, [exaSession, Self.nodeName(gobgpAddress)])
                try await Self.requireEstablished(exabgp, [Addr.v4(1, 1)])
                try await Self.requireEstablished(gobgp, [Addr.v4(2, 1)])
                // 0x63: optional transitive (0xc0), 5 octets; 0x64: optional non-transitive (0x80), 2 octets.
                try exabgp.send(
                    "neighbor \(Addr.v4(1, 1)) announce route \(prefix) next-hop \(exa) origin igp "
                        + "attribute [ 0x63 0xc0 0x0102030405 ] attribute [ 0x64 0x80 0xaabb ]")

                let tables = {
                    "--- \(swiftlet.label)\n\(swiftlet.describeRoutes())"
                        + "\n--- gobgp\n\((try? gobgp.rib().map(\.json).joined(separator: "\n")) ?? "")"
                        + "\n--- exabgp\n\(exabgp.describe(peer: Addr.v4(1, 1)))"
                }
                try await Self.requireConverged("the unknown attribute", tables: tables) {
                    var problems = try Self.swiftletProblems(
                        swiftlet, expect: [prefix: (exaSession, exa)], within: "10.244.7.0/24"
                    ) { _, path in
                        // Both arrive (so the GoBGP check below means something), as ExaBGP sent them.
                        let unknown = path.unknownAttributes ?? []
                        var result: [String] = []
                        if !unknown.contains(where: { $0.hasPrefix("type 99 flags 0xc0") }) {
                            result.append("received without the optional transitive attribute 99: \(unknown)")
                        }
                        if !unknown.contains(where: { $0.hasPrefix("type 100 flags 0x80") }) {
                            result.append("received without the optional non-transitive attribute 100: \(unknown)")
                        }
                        return result
                    }
                    problems += try Self.gobgpProblems(gobgp, expect: [prefix: Addr.v4(2, 1)]) { _, path in
                        var result: [String] = []
                        if path.asPath != [Self.localAS, 64513] { result.append("AS path \(path.asPath)") }
                        if let attribute = path.unknown[0x63] {
                            if attribute.flags != 0xe0 {
                                result.append(
                                    "attribute 99 flags 0x\(String(attribute.flags, radix: 16)), expected 0xe0")
                            }
                            if attribute.value != [1, 2, 3, 4, 5] {
                                result.append("attribute 99 value \(attribute.value)")
                            }
                        } else {
                            result.append("no attribute 99 (unknown: \(path.unknown.keys.sorted()))")
                        }
                        if path.unknown[0x64] != nil {
                            result.append("optional non-transitive attribute 100 passed on")
                        }
                        return result
                    }
                    return problems
                }
            }
        }
    }
}
