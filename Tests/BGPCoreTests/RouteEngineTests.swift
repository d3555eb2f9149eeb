// SPDX-License-Identifier: Apache-2.0
// The routing engine end to end without sockets: sessions negotiated from real OPENs, UPDATEs in, encoded UPDATEs
// out (decoded again here), for the RFC 4271 §9 phases, RFC 4456 reflection, Calico export policy, RFC 4486
// maximum prefixes, RFC 2918 / RFC 7313 route refresh and local origination.

import BGPCore
import BGPPolicy
import BGPWire
import NIOCore
import Testing

@Suite("Routing engine")
struct RouteEngineTests {
    static let routerID = ip("10.0.0.1")

    /// A peer of ours: `asn` 64512 is iBGP. Negotiated from the peer's OPEN with our defaults (IPv4 and IPv6).
    struct Peer {
        var name: String
        var address: IPAddress
        var asn: UInt32
        var routerID: IPAddress
        var negotiated: NegotiatedSession

        init(_ name: String, address: String, asn: UInt32, routerID: String? = nil, addPath: Bool = false) {
            self.name = name
            self.address = ip(address)
            self.asn = asn
            self.routerID = ip(routerID ?? address)
            let ours = configuration(
                localAS: 64512, peerAS: asn, localIdentifier: "10.0.0.1", peerAddress: address,
                addPath: addPath ? [AddPathEntry(family: .ipv4Unicast, mode: 3)] : [])
            var theirCapabilities = configuration(
                localAS: asn, peerAS: 64512, localIdentifier: routerID ?? address, peerAddress: "10.0.0.1",
                addPath: addPath ? [AddPathEntry(family: .ipv4Unicast, mode: 3)] : []
            ).localOpen.capabilities
            theirCapabilities.removeAll { if case .fqdn = $0 { true } else { false } }
            let open = OpenMessage(
                asNumber: asn, holdTime: 90, bgpIdentifier: self.routerID, capabilities: theirCapabilities)
            guard case .success(let negotiated) = ours.negotiate(received: open) else { fatalError("negotiation") }
            self.negotiated = negotiated
        }
    }

    static let tor = Peer("tor", address: "192.0.2.2", asn: 65001)
    static let monitor = Peer("monitor", address: "192.0.2.3", asn: 65002)
    static let meshB = Peer("Mesh_10_0_0_2", address: "10.0.0.2", asn: 64512)
    static let meshC = Peer("Mesh_10_0_0_3", address: "10.0.0.3", asn: 64512)

    static func engine(clusterID: String? = nil, policy: ExportPolicy = ExportPolicy()) -> RouteEngine {
        RouteEngine(
            configuration: RouteEngine.Configuration(
                routerID: routerID, localAS: 64512, clusterID: clusterID.map(ip), exportPolicy: policy))
    }

    static func up(
        _ engine: inout RouteEngine, _ peer: Peer, settings: RoutingPeer? = nil, local: String = "10.0.0.1"
    ) -> [RouteEngine.Output] {
        engine.peerUp(
            settings ?? RoutingPeer(name: peer.name), negotiated: peer.negotiated, peerAddress: peer.address,
            localAddress: ip(local), sessionLocalAS: 64512)
    }

    /// The UPDATEs sent to `name` in `outputs`, decoded.
    static func sent(to name: String, _ outputs: [RouteEngine.Output], addPath: Bool = false) throws -> [UpdateMessage] {
        var result: [UpdateMessage] = []
        for case .send(let peers, var bytes) in outputs where peers.contains(name) {
            let context = DecodeContext(fourOctetAS: true, addPath: addPath ? [.ipv4Unicast] : [])
            while bytes.readableBytes > 0 {
                let decoded = try #require(try bytes.readBGPMessage(context: context))
                if case .update(let update) = decoded.message { result.append(update) }
            }
        }
        return result
    }

    static func announced(_ updates: [UpdateMessage]) -> [IPPrefix] {
        updates.flatMap { $0.announced.map(\.prefix) + ($0.attributes.mpReach?.nlri.map(\.prefix) ?? []) }
    }

    static func withdrawn(_ updates: [UpdateMessage]) -> [IPPrefix] {
        updates.flatMap { $0.withdrawn.map(\.prefix) + ($0.attributes.mpUnreach?.withdrawn.map(\.prefix) ?? []) }
    }

    static func update(_ prefixes: [String], asPath: [UInt32], nextHop: String, extra: (inout PathAttributes) -> Void = { _ in })
        -> UpdateMessage
    {
        var attributes = PathAttributes(origin: .igp, asPath: ASPath(sequence: asPath), nextHop: ip(nextHop))
        extra(&attributes)
        return UpdateMessage(attributes: attributes, announced: prefixes.map { NLRI(pfx($0)) })
    }

    static func withdrawal(_ prefixes: [String]) -> UpdateMessage {
        UpdateMessage(withdrawn: prefixes.map { NLRI(pfx($0)) })
    }

    @Test("A new peer gets the table and End-of-RIB for each family (RFC 4724 §2)")
    func initialTable() throws {
        var engine = Self.engine()
        _ = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26"))])
        let out = Self.up(&engine, Self.tor)
        let updates = try Self.sent(to: "tor", out)
        #expect(Self.announced(updates) == [pfx("10.244.1.0/26")])
        #expect(updates.compactMap(\.endOfRIBFamily).sorted() == [.ipv4Unicast, .ipv6Unicast])
        let first = try #require(updates.first)
        #expect(first.attributes.asPath == ASPath(sequence: [64512]))
        #expect(first.attributes.nextHop == ip("10.0.0.1"))
    }

    @Test("eBGP to eBGP: our AS prepended, next hop self, MED dropped (RFC 4271 §5.1.2-5.1.4)")
    func routeServer() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        let out = engine.received(
            Self.update(["203.0.113.0/24", "198.51.100.0/24"], asPath: [65001, 65100], nextHop: "192.0.2.2") {
                $0.multiExitDiscriminator = 7
            }, from: "tor")
        let updates = try Self.sent(to: "monitor", out)
        #expect(Set(Self.announced(updates)) == [pfx("203.0.113.0/24"), pfx("198.51.100.0/24")])
        #expect(updates.count == 1)  // one attribute set, one message
        let attributes = try #require(updates.first?.attributes)
        #expect(attributes.asPath == ASPath(sequence: [64512, 65001, 65100]))
        #expect(attributes.nextHop == ip("10.0.0.1"))
        #expect(attributes.multiExitDiscriminator == nil)
        // Split horizon: nothing back to the source.
        #expect(try Self.sent(to: "tor", out).isEmpty)
        #expect(engine.counts(for: "tor") == .init(imported: 2, filtered: 0, exported: 0, preferred: 2))
        #expect(engine.counts(for: "monitor") == .init(imported: 0, filtered: 0, exported: 2, preferred: 0))

        let gone = engine.received(Self.withdrawal(["203.0.113.0/24"]), from: "tor")
        #expect(Self.withdrawn(try Self.sent(to: "monitor", gone)) == [pfx("203.0.113.0/24")])
    }

    @Test("iBGP-learned routes are not sent to other iBGP peers without reflection (RFC 4271 §9.2)")
    func noIBGPToIBGP() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.meshB)
        _ = Self.up(&engine, Self.meshC)
        _ = Self.up(&engine, Self.tor)
        let out = engine.received(Self.update(["10.244.2.0/26"], asPath: [], nextHop: "10.0.0.2"), from: Self.meshB.name)
        #expect(try Self.sent(to: Self.meshC.name, out).isEmpty)
        // ... but they do go to eBGP peers.
        #expect(Self.announced(try Self.sent(to: "tor", out)) == [pfx("10.244.2.0/26")])
    }

    @Test("A reflector sends client routes to clients and non-clients with ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8)")
    func reflection() throws {
        var engine = Self.engine(clusterID: "1.1.1.1")
        _ = Self.up(&engine, Self.meshB, settings: RoutingPeer(name: Self.meshB.name, isReflectorClient: true))
        _ = Self.up(&engine, Self.meshC, settings: RoutingPeer(name: Self.meshC.name, isReflectorClient: true))
        let out = engine.received(Self.update(["10.244.2.0/26"], asPath: [], nextHop: "10.0.0.2") {
            $0.localPreference = 100
        }, from: Self.meshB.name)
        let update = try #require(try Self.sent(to: Self.meshC.name, out).first)
        #expect(update.attributes.originatorID == ip("10.0.0.2"))
        #expect(update.attributes.clusterList == [ip("1.1.1.1")])
        #expect(update.attributes.nextHop == ip("10.0.0.2"))  // iBGP: next hop unchanged
        // The update group's stream also reaches the source, which drops it by ORIGINATOR_ID (RFC 4456 §8).

        // A path that already went through our cluster is a loop and is not accepted.
        let looped = engine.received(Self.update(["10.244.3.0/26"], asPath: [], nextHop: "10.0.0.3") {
            $0.originatorID = ip("10.0.0.9")
            $0.clusterList = [ip("1.1.1.1")]
        }, from: Self.meshC.name)
        #expect(try Self.sent(to: Self.meshB.name, looped).isEmpty)
        #expect(engine.counts(for: Self.meshC.name)?.filtered == 1)
        #expect(engine.locRIB.best(for: pfx("10.244.3.0/26")) == nil)
    }

    @Test("AS loop: a path with our AS is filtered, counted and logged, unless allowas-in permits it")
    func asLoop() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        let out = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001, 64512], nextHop: "192.0.2.2"), from: "tor")
        #expect(engine.locRIB.prefixCount == 0)
        #expect(engine.counts(for: "tor")?.filtered == 1)
        #expect(out.contains { if case .log(_, let text, _) = $0 { text.contains("AS") } else { false } })

        var allowing = Self.engine()
        _ = Self.up(&allowing, Self.tor, settings: RoutingPeer(name: "tor", allowASIn: 1))
        _ = allowing.received(Self.update(["203.0.113.0/24"], asPath: [65001, 64512], nextHop: "192.0.2.2"), from: "tor")
        #expect(allowing.locRIB.prefixCount == 1)
    }

    @Test("Calico export scope: only pool prefixes leave the node; a BGPFilter rule decides before it")
    func exportScope() throws {
        let pool = pfx("10.244.0.0/16")
        let policy = ExportPolicy(scope: { prefix in
            pool.contains(prefix) ? ScopeVerdict(accepted: true, reason: "in pool") : ScopeVerdict(accepted: false, reason: "not in any IP pool")
        })
        var engine = Self.engine(policy: policy)
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        let out = engine.received(
            Self.update(["0.0.0.0/0", "10.244.5.0/26"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(Self.announced(try Self.sent(to: "monitor", out)) == [pfx("10.244.5.0/26")])

        // A monitor with an accept-all export filter gets everything (the filter decides before the scope).
        let acceptAll = BGPFilter(name: "all", exportV4: [FilterRule(action: .accept)])
        var open = Self.engine(policy: policy)
        _ = Self.up(&open, Self.tor)
        _ = Self.up(&open, Self.monitor, settings: RoutingPeer(name: "monitor", filters: [acceptAll]))
        let everything = open.received(
            Self.update(["0.0.0.0/0", "10.244.5.0/26"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(Set(Self.announced(try Self.sent(to: "monitor", everything))) == [pfx("0.0.0.0/0"), pfx("10.244.5.0/26")])
        let path = try #require(open.locRIB.best(for: pfx("0.0.0.0/0")))
        #expect(open.explainExport(path, to: "monitor")?.advertised == true)
        #expect(engine.explainExport(path, to: "monitor")?.reason.contains("not in any IP pool") == true)
    }

    @Test("Import BGPFilter: only the default route accepted; the rejected path is kept pre-policy with its reason")
    func importFilter() throws {
        let filter = BGPFilter(
            name: "default-only",
            importV4: [
                FilterRule(cidr: CIDRMatch(prefix: pfx("0.0.0.0/0"), matchOperator: .equal), action: .accept),
                FilterRule(action: .reject),
            ])
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor, settings: RoutingPeer(name: "tor", filters: [filter]))
        _ = engine.received(Self.update(["0.0.0.0/0", "198.51.100.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(engine.locRIB.best(for: pfx("0.0.0.0/0")) != nil)
        #expect(engine.locRIB.best(for: pfx("198.51.100.0/24")) == nil)
        #expect(engine.counts(for: "tor") == .init(imported: 1, filtered: 1, exported: 0, preferred: 1))
        let received = try #require(engine.receivedPaths(from: "tor"))
        #expect(received.map(\.prefix) == [pfx("0.0.0.0/0"), pfx("198.51.100.0/24")])
        let verdict = try #require(engine.explainImport(received[1], from: "tor"))
        #expect(!verdict.accepted)
        #expect(verdict.reason.contains("default-only"))
    }

    @Test("Maximum prefixes: Cease 6/1 with AFI, SAFI and the limit (RFC 4486 §4)")
    func maximumPrefixes() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor, settings: RoutingPeer(name: "tor", maximumPrefixes: 2))
        let ok = engine.received(Self.update(["203.0.113.0/24", "198.51.100.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(!ok.contains { if case .reset = $0 { true } else { false } })
        let over = engine.received(Self.update(["192.0.2.128/25"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let notification = try #require(over.compactMap { if case .reset("tor", let n) = $0 { n } else { nil } }.first)
        #expect(notification.code == .cease)
        #expect(notification.subcode == 1)
        #expect(notification.data == [0, 1, 1, 0, 0, 0, 2])
    }

    @Test("Session down: the peer's routes are withdrawn from everyone else")
    func peerDown() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let out = engine.peerDown("tor")
        #expect(Self.withdrawn(try Self.sent(to: "monitor", out)) == [pfx("203.0.113.0/24")])
        #expect(engine.locRIB.prefixCount == 0)
        #expect(engine.counts(for: "tor") == nil)
    }

    @Test("ROUTE-REFRESH re-sends the Adj-RIB-Out (RFC 2918 §4), between BoRR and EoRR when enhanced (RFC 7313 §4)")
    func routeRefreshRequest() throws {
        var engine = Self.engine()
        _ = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26"))])
        _ = Self.up(&engine, Self.tor)
        let out = engine.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast), from: "tor")
        var bytes = try #require(out.compactMap { if case .send(_, let b) = $0 { b } else { nil } }.first)
        var types: [String] = []
        while bytes.readableBytes > 0 {
            let message = try #require(try bytes.readBGPMessage(context: DecodeContext(fourOctetAS: true, enhancedRouteRefresh: true)))
            switch message.message {
            case .routeRefresh(let refresh): types.append("refresh \(refresh.subtype)")
            case .update(let update): types.append("update \(update.announced.map(\.prefix.description))")
            default: types.append("other")
            }
        }
        #expect(types == ["refresh 1", "update [\"10.244.1.0/26\"]", "refresh 2"])
    }

    @Test("Enhanced route refresh from the peer: what it did not re-advertise between BoRR and EoRR is removed")
    func enhancedRefreshSweep() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = engine.received(Self.update(["203.0.113.0/24", "198.51.100.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        _ = engine.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: RouteRefreshMessage.beginningOfRouteRefresh), from: "tor")
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        _ = engine.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: RouteRefreshMessage.endOfRouteRefresh), from: "tor")
        #expect(engine.locRIB.routes().map(\.prefix) == [pfx("203.0.113.0/24")])
    }

    /// The Loc-RIB changes of `outputs` (for the kernel), materialized.
    static func routeChanges(_ outputs: [RouteEngine.Output]) -> [RouteChange] {
        outputs.flatMap { output -> [RouteChange] in
            if case .routesChanged(let changes) = output { Array(changes) } else { [] }
        }
    }

    @Test("Loc-RIB changes for the kernel: new, replaced, better path from another peer, withdrawn")
    func routeChangesOutput() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        let prefix = pfx("203.0.113.0/24")
        let added = Self.routeChanges(
            engine.received(Self.update(["203.0.113.0/24"], asPath: [65001, 65100], nextHop: "192.0.2.2"), from: "tor"))
        #expect(added.count == 1)
        let first = try #require(added.first?.best)
        #expect(added.first?.prefix == prefix && added.first?.previousBest == nil && added.first?.decidedBy == .onlyPath)
        #expect(first.source.name == "tor" && first.nextHop == ip("192.0.2.2") && added.first?.ecmp == [first])
        #expect(first == engine.locRIB.best(for: prefix))

        let replaced = Self.routeChanges(
            engine.received(Self.update(["203.0.113.0/24"], asPath: [65001, 65100, 65101], nextHop: "192.0.2.2"), from: "tor"))
        #expect(replaced.count == 1 && replaced.first?.previousBest == first)
        #expect(replaced.first?.best?.attributes.attributes.asPath == ASPath(sequence: [65001, 65100, 65101]))
        let second = try #require(replaced.first?.best)

        let better = Self.routeChanges(
            engine.received(Self.update(["203.0.113.0/24"], asPath: [65002], nextHop: "192.0.2.3"), from: "monitor"))
        #expect(better.count == 1 && better.first?.previousBest == second)
        #expect(better.first?.best?.source.name == "monitor" && better.first?.best == engine.locRIB.best(for: prefix))
        #expect(better.first?.decidedBy != nil && better.first?.decidedBy != .onlyPath)
        #expect(engine.counts(for: "tor")?.preferred == 0 && engine.counts(for: "monitor")?.preferred == 1)

        let fallback = Self.routeChanges(engine.received(Self.withdrawal(["203.0.113.0/24"]), from: "monitor"))
        #expect(fallback.count == 1 && fallback.first?.best == second)
        #expect(engine.counts(for: "tor")?.preferred == 1 && engine.counts(for: "monitor")?.preferred == 0)
        let gone = Self.routeChanges(engine.received(Self.withdrawal(["203.0.113.0/24"]), from: "tor"))
        #expect(gone.count == 1 && gone.first?.best == nil && gone.first?.ecmp == [] && gone.first?.previousBest == second)
        #expect(gone.first?.isWithdrawal == true)
    }

    @Test("Originated prefixes: added and removed with UPDATEs to every group")
    func origination() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        let added = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26")), .init(prefix: pfx("10.244.1.64/26"))])
        #expect(Set(Self.announced(try Self.sent(to: "tor", added))) == [pfx("10.244.1.0/26"), pfx("10.244.1.64/26")])
        let removed = engine.setOriginated([.init(prefix: pfx("10.244.1.64/26"))])
        #expect(Self.withdrawn(try Self.sent(to: "tor", removed)) == [pfx("10.244.1.0/26")])
        #expect(engine.originatedPrefixes == [pfx("10.244.1.64/26")])
    }

    @Test("iBGP peers with the same outbound policy share one encoded stream; a different filter splits the group")
    func updateGroups() throws {
        let clients = (2...4).map { Peer("Node_10_0_0_\($0)", address: "10.0.0.\($0)", asn: 64512) }
        var engine = Self.engine(clusterID: "1.1.1.1")
        _ = Self.up(&engine, Self.tor)
        for client in clients {
            _ = Self.up(&engine, client, settings: RoutingPeer(name: client.name, isReflectorClient: true))
        }
        let out = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let sends = out.compactMap { if case .send(let peers, _) = $0 { peers } else { nil } }
        #expect(sends == [clients.map(\.name)])
        #expect(engine.updateGroups.count == 2)  // the clients, and tor alone

        let filter = BGPFilter(name: "none", exportV4: [FilterRule(action: .reject)])
        var split = Self.engine(clusterID: "1.1.1.1")
        _ = Self.up(&split, Self.tor)
        _ = Self.up(&split, clients[0], settings: RoutingPeer(name: clients[0].name, isReflectorClient: true))
        _ = Self.up(&split, clients[1], settings: RoutingPeer(name: clients[1].name, filters: [filter], isReflectorClient: true))
        let splitOut = split.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(try Self.sent(to: clients[1].name, splitOut).isEmpty)
        #expect(Self.announced(try Self.sent(to: clients[0].name, splitOut)) == [pfx("203.0.113.0/24")])
        #expect(split.updateGroups.count == 3)
    }

    @Test("eBGP peers are never sent their own paths back (split horizon), even in the same AS")
    func splitHorizon() throws {
        var engine = Self.engine()
        let twin = Peer("tor2", address: "192.0.2.4", asn: 65001)
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, twin)
        let out = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(try Self.sent(to: "tor", out).isEmpty)
        #expect(Self.announced(try Self.sent(to: "tor2", out)) == [pfx("203.0.113.0/24")])
    }

    @Test("RFC 7606 treat-as-withdraw removes the prefixes and keeps the session")
    func treatAsWithdraw() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let error = UpdateError(action: .treatAsWithdraw, notification: .malformedASPath, reason: "test")
        let out = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), errors: [error], from: "tor")
        #expect(Self.withdrawn(try Self.sent(to: "monitor", out)) == [pfx("203.0.113.0/24")])
        #expect(!out.contains { if case .reset = $0 { true } else { false } })
        #expect(out.contains { if case .log(.warning, let text, _) = $0 { text.contains("RFC 7606") } else { false } })
    }

    @Test("IPv4 and IPv6 on one session: IPv6 via MP_REACH_NLRI with our IPv6 address as next hop toward eBGP (RFC 4760, RFC 2545)")
    func dualStack() throws {
        var engine = RouteEngine(
            configuration: RouteEngine.Configuration(routerID: Self.routerID, localAS: 64512, localIPv6: ip("fd00::1")))
        _ = Self.up(&engine, Self.meshB)
        _ = Self.up(&engine, Self.tor)
        var attributes = PathAttributes(origin: .igp, asPath: ASPath(sequence: []))
        attributes.localPreference = 100
        attributes.mpReach = MultiprotocolReach(
            family: .ipv6Unicast, nextHops: [ip("fd00::2")], nlri: [NLRI(pfx("fd00:10:244::/122"))])
        let v4 = Self.update(["10.244.2.0/26"], asPath: [], nextHop: "10.0.0.2")
        _ = engine.received(v4, from: Self.meshB.name)
        let out = engine.received(UpdateMessage(attributes: attributes), from: Self.meshB.name)
        let update = try #require(try Self.sent(to: "tor", out).first)
        let reach = try #require(update.attributes.mpReach)
        #expect(reach.family == .ipv6Unicast)
        #expect(reach.nlri.map(\.prefix) == [pfx("fd00:10:244::/122")])
        #expect(reach.globalNextHop == ip("fd00::1"))
        #expect(update.attributes.asPath == ASPath(sequence: [64512]))
        #expect(engine.locRIB.count(for: .ipv6).prefixes == 1)
        #expect(engine.locRIB.count(for: .ipv4).prefixes == 1)
    }

    @Test("A reload that changes the export scope re-exports: newly allowed prefixes announced, disallowed withdrawn")
    func exportPolicyChange() throws {
        let none = ExportPolicy(scope: { _ in ScopeVerdict(accepted: false, reason: "no pools") })
        var engine = Self.engine(policy: none)
        _ = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26"))])
        let first = Self.up(&engine, Self.tor)
        #expect(Self.announced(try Self.sent(to: "tor", first)).isEmpty)

        let pool = ExportPolicy(scope: { prefix in
            ScopeVerdict(accepted: pfx("10.244.0.0/16").contains(prefix), reason: "pool")
        })
        let opened = engine.setExportPolicy(pool)
        #expect(Self.announced(try Self.sent(to: "tor", opened)) == [pfx("10.244.1.0/26")])
        #expect(try Self.sent(to: "tor", opened).allSatisfy { $0.endOfRIBFamily == nil })

        let closed = engine.setExportPolicy(none)
        #expect(Self.withdrawn(try Self.sent(to: "tor", closed)) == [pfx("10.244.1.0/26")])
    }

    @Test("A semantically incorrect NEXT_HOP is ignored, logged and counted, the session kept (RFC 4271 §6.3)",
          arguments: ["0.0.0.0", "224.0.0.5", "240.0.0.1", "10.0.0.1"])
    func martianNextHop(_ nextHop: String) throws {
        var engine = Self.engine()
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let out = engine.received(Self.update(["203.0.113.0/24", "198.51.100.0/24"], asPath: [65001], nextHop: nextHop), from: "tor")
        #expect(engine.locRIB.prefixCount == 0)  // the earlier path is withdrawn too (treat-as-withdraw)
        #expect(Self.withdrawn(try Self.sent(to: "monitor", out)) == [pfx("203.0.113.0/24")])
        #expect(!out.contains { if case .reset = $0 { true } else { false } })
        #expect(out.contains { if case .log(_, let text, _) = $0 { text.contains("NEXT_HOP") } else { false } })
        #expect(engine.counts(for: "tor")?.filtered == 2)
    }

    @Test("NLRI of a family the session did not negotiate are ignored with a log line (RFC 4760 §7)")
    func familyNotNegotiated() throws {
        var engine = Self.engine()
        let v4Only = Peer("v4only", address: "192.0.2.5", asn: 65005)
        var negotiated = v4Only.negotiated
        negotiated.families = [.ipv4Unicast]
        _ = engine.peerUp(
            RoutingPeer(name: "v4only"), negotiated: negotiated, peerAddress: v4Only.address,
            localAddress: ip("10.0.0.1"), sessionLocalAS: 64512)
        var attributes = PathAttributes(origin: .igp, asPath: ASPath(sequence: [65005]))
        attributes.mpReach = MultiprotocolReach(family: .ipv6Unicast, nextHops: [ip("fd00::5")], nlri: [NLRI(pfx("fd00:1::/48"))])
        let out = engine.received(UpdateMessage(attributes: attributes), from: "v4only")
        #expect(engine.locRIB.prefixCount == 0)
        #expect(out.contains { if case .log(.warning, let text, _) = $0 { text.contains("not negotiated") } else { false } })
    }

    struct Resolver: NextHopResolver {
        func cost(to nextHop: IPAddress) -> UInt32? { nextHop == ip("192.0.2.3") ? nil : 10 }
    }

    @Test("A path whose next hop the resolver cannot reach loses to a reachable one (RFC 4271 §9.1.2.1)")
    func unreachableNextHop() throws {
        var engine = RouteEngine(
            configuration: RouteEngine.Configuration(routerID: Self.routerID, localAS: 64512, nextHopResolver: Resolver()))
        _ = Self.up(&engine, Self.tor)
        _ = Self.up(&engine, Self.monitor)
        // The monitor's path is shorter but its next hop is unreachable.
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65001, 65100, 65200], nextHop: "192.0.2.2"), from: "tor")
        _ = engine.received(Self.update(["203.0.113.0/24"], asPath: [65002], nextHop: "192.0.2.3"), from: "monitor")
        let best = try #require(engine.locRIB.best(for: pfx("203.0.113.0/24")))
        #expect(best.source.name == "tor")
        #expect(best.igpMetric == 10)
        #expect(engine.locRIB.decidedBy(for: pfx("203.0.113.0/24")) == .nextHopUnreachable)
    }
}
