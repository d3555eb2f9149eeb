// SPDX-License-Identifier: Apache-2.0
// Loc-RIB bookkeeping: implicit withdraw (RFC 4271 §3.1), withdrawal promoting the next best, changes reported only
// when the selection changed, session down, graceful-restart stale marking and sweep (RFC 4724 §4.2).

import BGPCore
import BGPWire
import Testing

@Suite("Loc-RIB (RFC 4271 §3.2, §9.1)")
struct LocRIBTests {
    @Test("First path for a prefix becomes best; a re-advertisement of the same path changes nothing")
    func firstPath() {
        var rib = LocRIB()
        let path = route()
        let change = rib.update(path)
        #expect(change?.best == path)
        #expect(change?.previousBest == nil)
        #expect(change?.decidedBy == .onlyPath)
        #expect(rib.update(path) == nil)
        #expect(rib.best(for: pfx("10.1.0.0/24")) == path)
    }

    @Test("Same source and path ID replaces the old path: implicit withdraw (RFC 4271 §3.1)")
    func implicitWithdraw() {
        var rib = LocRIB()
        _ = rib.update(route(med: 10))
        let replacement = route(med: 20)
        let change = rib.update(replacement)
        #expect(change?.best == replacement)
        #expect(change?.previousBest == route(med: 10))
        #expect(rib.paths(for: pfx("10.1.0.0/24")) == [replacement])
        #expect(rib.count(for: .ipv4) == (prefixes: 1, paths: 1))
    }

    @Test("Implicit withdraw among several candidates re-runs the decision")
    func implicitWithdrawReselects() {
        var rib = LocRIB()
        _ = rib.update(route(from: ebgpA, med: 10))
        _ = rib.update(route(from: ebgpB, med: 20))
        #expect(rib.best(for: pfx("10.1.0.0/24"))?.source == ebgpA)
        let change = rib.update(route(from: ebgpA, med: 30))
        #expect(change?.best?.source == ebgpB)
        #expect(change?.decidedBy == .multiExitDiscriminator)
        #expect(rib.count(for: .ipv4).paths == 2)
    }

    @Test("ADD-PATH: different path IDs from one peer are different paths (RFC 7911 §3)")
    func addPathIDs() {
        var rib = LocRIB()
        _ = rib.update(route(pathID: 1, med: 5, nextHop: "192.0.2.100"))
        _ = rib.update(route(pathID: 2, med: 1, nextHop: "192.0.2.101"))
        #expect(rib.paths(for: pfx("10.1.0.0/24")).count == 2)
        #expect(rib.best(for: pfx("10.1.0.0/24"))?.pathID == 2)
        let change = rib.withdraw(prefix: pfx("10.1.0.0/24"), source: "ebgp_a", pathID: 2)
        #expect(change?.best?.pathID == 1)
    }

    @Test("Withdrawing the best promotes the next; withdrawing the last reports a withdrawal")
    func withdrawPromotes() {
        var rib = LocRIB()
        let a = route(from: ebgpA)
        let b = route(from: ebgpB)
        _ = rib.update(b)
        #expect(rib.update(a)?.best == a)
        let change = rib.withdraw(prefix: a.prefix, source: "ebgp_a")
        #expect(change?.best == b)
        #expect(change?.previousBest == a)
        #expect(change?.decidedBy == .onlyPath)
        let last = rib.withdraw(prefix: a.prefix, source: "ebgp_b")
        #expect(last?.isWithdrawal == true)
        #expect(last?.previousBest == b)
        #expect(last?.ecmp == [])
        #expect(rib.prefixCount == 0)
        #expect(rib.count(for: .ipv4) == (prefixes: 0, paths: 0))
    }

    @Test("No change is reported when a non-best path comes or goes")
    func changeOnlyOnChange() {
        var rib = LocRIB()
        _ = rib.update(route(from: ebgpA))
        #expect(rib.update(route(from: ebgpB)) == nil)
        #expect(rib.update(route(from: ebgpB, med: 7)) == nil)
        #expect(rib.withdraw(prefix: pfx("10.1.0.0/24"), source: "ebgp_b") == nil)
        #expect(rib.withdraw(prefix: pfx("10.1.0.0/24"), source: "nobody") == nil)
        #expect(rib.withdraw(prefix: pfx("10.9.0.0/24"), source: "ebgp_a") == nil)
    }

    @Test("A change of the ECMP set alone is reported")
    func ecmpChange() {
        var rib = LocRIB(options: DecisionOptions(maximumPaths: 4))
        _ = rib.update(route(from: ebgpA))
        let change = rib.update(route(from: ebgpB))
        #expect(change?.best?.source == ebgpA)
        #expect(change?.ecmp.map(\.source) == [ebgpA, ebgpB])
        #expect(rib.ecmp(for: pfx("10.1.0.0/24")).count == 2)
        let shrink = rib.withdraw(prefix: pfx("10.1.0.0/24"), source: "ebgp_b")
        #expect(shrink?.ecmp.count == 1)
    }

    @Test("Session down removes every path of the peer, in prefix order (RFC 4271 §8)")
    func removeAll() {
        var rib = LocRIB()
        for prefix in ["10.3.0.0/24", "10.1.0.0/24", "10.2.0.0/24"] { _ = rib.update(route(prefix, from: ebgpA)) }
        _ = rib.update(route("10.2.0.0/24", from: ebgpC))
        _ = rib.update(route("2001:db8::/32", from: ebgpA, nextHop: "2001:db8::1"))
        let changes = rib.removeAll(from: "ebgp_a")
        #expect(changes.map(\.prefix) == [pfx("10.1.0.0/24"), pfx("10.2.0.0/24"), pfx("10.3.0.0/24"), pfx("2001:db8::/32")])
        #expect(changes.map(\.isWithdrawal) == [true, false, true, true])
        #expect(changes[1].best?.source == ebgpC)
        #expect(rib.prefixCount == 1)
        #expect(rib.count(for: .ipv6) == (prefixes: 0, paths: 0))
        #expect(rib.removeAll(from: "ebgp_a") == [])
    }

    @Test("Graceful restart: stale paths are kept, still preferred, refreshed by re-advertisement and swept (RFC 4724 §4.2, RFC 9494 §4.2)")
    func staleMarkAndSweep() {
        var rib = LocRIB()
        _ = rib.update(route("10.1.0.0/24", from: ebgpA))
        _ = rib.update(route("10.1.0.0/24", from: ebgpC, asPath: ASPath(sequence: [65002, 65003])))
        _ = rib.update(route("10.2.0.0/24", from: ebgpA))
        _ = rib.update(route("10.3.0.0/24", from: ebgpA))
        let marked = rib.markStale(from: "ebgp_a")
        // Every prefix keeps its (now stale) path from ebgp_a: the flag is a change of the path, not of the ranking
        // ("route preference would not be affected" while the RFC 4724 procedures run, RFC 9494 §4.2).
        #expect(marked.map(\.prefix) == [pfx("10.1.0.0/24"), pfx("10.2.0.0/24"), pfx("10.3.0.0/24")])
        #expect(marked[0].best?.source == ebgpA)
        #expect(marked[0].decidedBy == .asPathLength)
        #expect(rib.best(for: pfx("10.2.0.0/24"))?.stale == true)
        // The restarted peer re-announces 10.2 only.
        #expect(rib.update(route("10.2.0.0/24", from: ebgpA))?.best?.stale == false)
        let swept = rib.sweepStale(from: "ebgp_a")
        #expect(swept.map(\.prefix) == [pfx("10.1.0.0/24"), pfx("10.3.0.0/24")])
        #expect(swept[0].best?.source == ebgpC)
        #expect(swept[1].isWithdrawal)
        #expect(rib.paths(for: pfx("10.1.0.0/24")).map(\.source) == [ebgpC])
        #expect(rib.best(for: pfx("10.2.0.0/24"))?.source == ebgpA)
    }

    @Test("show route: routes sorted by prefix, per family, with every candidate best first")
    func sortedRoutes() {
        var rib = LocRIB()
        _ = rib.update(route("2001:db8::/32", from: ebgpA, nextHop: "2001:db8::1"))
        _ = rib.update(route("10.2.0.0/24", from: ebgpA))
        _ = rib.update(route("10.1.0.0/24", from: ebgpB))
        _ = rib.update(route("10.1.0.0/24", from: ebgpA))
        #expect(rib.routes().map(\.prefix) == [pfx("10.1.0.0/24"), pfx("10.2.0.0/24"), pfx("2001:db8::/32")])
        #expect(rib.routes(family: .ipv6).count == 1)
        let first = rib.routes()[0]
        #expect(first.paths.map(\.source) == [ebgpA, ebgpB])
        #expect(first.decidedBy == .multiExitDiscriminator || first.decidedBy == .routerID)
        #expect(rib.count(for: .ipv4) == (prefixes: 2, paths: 3))
    }
}
