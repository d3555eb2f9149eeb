// SPDX-License-Identifier: Apache-2.0
// The engine keeps each accepted path once, in the Loc-RIB (its Adj-RIB-Ins hold only the pre-policy copies of
// rejected and changed paths): imported counts, `show route received`, withdrawals of rejected and changed paths and
// the enhanced route refresh sweep (RFC 7313 §4) answered from the Loc-RIB.

import BGPCore
import BGPPolicy
import BGPWire
import Testing

@Suite("Routing engine: accepted paths stored once")
struct RouteEngineStoreTests {
    typealias T = RouteEngineTests

    /// Accepts everything, adding community 65000:1 to 203.0.113.0/24 only (a changed path) and rejecting
    /// 198.51.100.0/24.
    static let filter = BGPFilter(
        name: "tag",
        importV4: [
            FilterRule(cidr: CIDRMatch(prefix: pfx("198.51.100.0/24"), matchOperator: .equal), action: .reject),
            FilterRule(
                cidr: CIDRMatch(prefix: pfx("203.0.113.0/24"), matchOperator: .equal), action: .accept,
                operations: [.addCommunity(.standard(Community(65000, 1)))]),
            FilterRule(action: .accept),
        ])

    @Test("show route received: accepted as sent, changed (pre-policy copy), rejected; withdrawals remove each kind")
    func receivedPaths() throws {
        var engine = T.engine()
        _ = T.up(&engine, T.tor, settings: RoutingPeer(name: "tor", filters: [Self.filter]))
        _ = engine.received(
            T.update(["192.0.2.0/25", "203.0.113.0/24", "198.51.100.0/24"], asPath: [65001], nextHop: "192.0.2.2"),
            from: "tor")
        #expect(engine.counts(for: "tor") == .init(imported: 2, filtered: 1, exported: 0, preferred: 2))
        let received = try #require(engine.receivedPaths(from: "tor"))
        #expect(received.map(\.prefix) == [pfx("192.0.2.0/25"), pfx("198.51.100.0/24"), pfx("203.0.113.0/24")])
        // As the peer sent them: no community on the changed path here, which the Loc-RIB's copy has.
        #expect(received.allSatisfy { $0.attributes.attributes.communities ?? [] == [] })
        #expect(received.allSatisfy { $0.source.name == "tor" && !$0.stale })
        let stored = try #require(engine.locRIB.best(for: pfx("203.0.113.0/24")))
        #expect(stored.attributes.attributes.communities == [Community(65000, 1)])

        // Withdraw the changed and the rejected path: neither is left, pre-policy or not.
        let withdrawal = UpdateMessage(withdrawn: [NLRI(pfx("203.0.113.0/24")), NLRI(pfx("198.51.100.0/24"))])
        _ = engine.received(withdrawal, from: "tor")
        #expect(try #require(engine.receivedPaths(from: "tor")).map(\.prefix) == [pfx("192.0.2.0/25")])
        #expect(engine.counts(for: "tor") == .init(imported: 1, filtered: 0, exported: 0, preferred: 1))

        // Without pre-policy copies (no filters) the received paths are the accepted ones.
        var plain = T.engine()
        _ = T.up(&plain, T.tor)
        _ = plain.received(T.update(["192.0.2.0/25", "192.0.2.128/25"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        #expect(try #require(plain.receivedPaths(from: "tor")).map(\.prefix) == [pfx("192.0.2.0/25"), pfx("192.0.2.128/25")])
        #expect(plain.counts(for: "tor")?.imported == 2)
    }

    @Test("Enhanced route refresh: what the peer did not re-advertise between BoRR and EoRR is removed (RFC 7313 §4)")
    func enhancedRouteRefresh() throws {
        var engine = T.engine()
        _ = T.up(&engine, T.tor)
        _ = T.up(&engine, T.monitor)
        _ = engine.received(
            T.update(["192.0.2.0/25", "192.0.2.128/25", "203.0.113.0/24"], asPath: [65001], nextHop: "192.0.2.2"),
            from: "tor")
        #expect(engine.counts(for: "tor")?.imported == 3)
        _ = engine.routeRefresh(
            RouteRefreshMessage(family: .ipv4Unicast, subtype: RouteRefreshMessage.beginningOfRouteRefresh), from: "tor")
        _ = engine.received(T.update(["192.0.2.128/25"], asPath: [65001], nextHop: "192.0.2.2"), from: "tor")
        let out = engine.routeRefresh(
            RouteRefreshMessage(family: .ipv4Unicast, subtype: RouteRefreshMessage.endOfRouteRefresh), from: "tor")
        #expect(Set(T.withdrawn(try T.sent(to: "monitor", out))) == [pfx("192.0.2.0/25"), pfx("203.0.113.0/24")])
        #expect(engine.counts(for: "tor")?.imported == 1)
        #expect(engine.locRIB.paths(from: "tor").map(\.prefix) == [pfx("192.0.2.128/25")])
        #expect(out.contains { if case .log(_, let line, _) = $0 { line.contains("2 stale paths removed") } else { false } })
    }
}
