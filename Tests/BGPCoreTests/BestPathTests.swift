// SPDX-License-Identifier: Apache-2.0
// The decision process (RFC 4271 §9.1.2, RFC 4456 §9): one row per step, each also checked with the arguments
// reversed; MED scope; deterministic MED; ECMP sets; and a property that arrival order never matters.

import BGPCore
import BGPWire
import PropertyBased
import Testing

/// `winner` beats `loser` at `step`.
struct DecisionRow: CustomTestStringConvertible, Sendable {
    var name: String
    var winner: Path
    var loser: Path
    var step: BestPathStep
    var options = DecisionOptions()
    var testDescription: String { name }
}

let decisionRows: [DecisionRow] = [
    DecisionRow(
        name: "RFC 4271 §9.1.2.1: unresolvable next hop loses even with higher LOCAL_PREF",
        winner: route(igp: 10), loser: route(from: ebgpB, localPreference: 300, igp: nil), step: .nextHopUnreachable),
    DecisionRow(
        name: "RFC 9494 §4.3: a path carrying LLGR_STALE is least preferred",
        winner: route(), loser: route(from: ebgpB, localPreference: 300, communities: [.llgrStale]), step: .stale),
    DecisionRow(
        name: "RFC 9494 §4.2: a path kept stale in the RFC 4724 restart time is not depreferenced",
        winner: route(from: ebgpB, localPreference: 300, stale: true), loser: route(), step: .localPreference),
    DecisionRow(
        name: "RFC 4271 §9.1.1: higher LOCAL_PREF wins over a shorter AS_PATH",
        winner: route(from: ibgpA, asPath: ASPath(sequence: [65001, 65002, 65003]), localPreference: 200),
        loser: route(from: ibgpB, asPath: ASPath(sequence: [65001])), step: .localPreference),
    DecisionRow(
        name: "RFC 4271 §5.1.5: absent LOCAL_PREF counts as 100",
        winner: route(from: ibgpA, asPath: ASPath(sequence: [65001, 65002])),
        loser: route(from: ibgpB, asPath: ASPath(sequence: [65001]), localPreference: 99), step: .localPreference),
    DecisionRow(
        name: "Locally originated beats learned before AS_PATH length",
        winner: route(from: localSource, asPath: ASPath(sequence: [64512, 64512])),
        loser: route(from: ebgpA, asPath: ASPath()), step: .locallyOriginated),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (a): shorter AS_PATH wins over a better ORIGIN",
        winner: route(asPath: ASPath(sequence: [65001]), origin: .incomplete),
        loser: route(from: ebgpB, asPath: ASPath(sequence: [65001, 65009])), step: .asPathLength),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (a): an AS_SET counts as one AS",
        winner: route(
            asPath: ASPath(segments: [
                ASPathSegment(kind: .sequence, asns: [65001]), ASPathSegment(kind: .set, asns: [1, 2, 3]),
            ])),
        loser: route(from: ebgpB, asPath: ASPath(sequence: [65001, 65009, 65010])), step: .asPathLength),
    DecisionRow(
        name: "RFC 5065 §5.3: confederation segments do not count",
        winner: route(
            from: ibgpA,
            asPath: ASPath(segments: [
                ASPathSegment(kind: .confedSequence, asns: [64600, 64601, 64602]),
                ASPathSegment(kind: .sequence, asns: [65001]),
            ])),
        loser: route(from: ibgpB, asPath: ASPath(sequence: [65001, 65002])), step: .asPathLength),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (b): lower ORIGIN wins (IGP over EGP)",
        winner: route(origin: .igp, med: 50), loser: route(from: ebgpB, origin: .egp), step: .origin),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (b): EGP over INCOMPLETE",
        winner: route(origin: .egp), loser: route(from: ebgpB, origin: .incomplete), step: .origin),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (c): lower MED wins within one neighbor AS",
        winner: route(from: ebgpB, med: 10), loser: route(from: ebgpA, med: 20), step: .multiExitDiscriminator),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (c): a missing MED is 0",
        winner: route(from: ebgpB), loser: route(from: ebgpA, med: 1), step: .multiExitDiscriminator),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (c): always-compare-MED compares across neighbor ASes",
        winner: route(from: ebgpC, med: 10), loser: route(from: ebgpA, med: 20), step: .multiExitDiscriminator,
        options: DecisionOptions(alwaysCompareMED: true)),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (d): eBGP beats iBGP with a lower IGP cost",
        winner: route(from: ebgpB, igp: 50),
        loser: route(from: ibgpA, asPath: ASPath(sequence: [65001]), igp: 1), step: .externalOverInternal),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (e): lower IGP cost to the next hop",
        winner: route(from: ibgpB, asPath: ASPath(sequence: [65001]), igp: 5),
        loser: route(from: ibgpA, asPath: ASPath(sequence: [65001]), igp: 10), step: .igpCost),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (f): lower BGP Identifier",
        winner: route(from: peer("x", address: "192.0.2.9", routerID: "1.1.1.1")),
        loser: route(from: peer("y", address: "192.0.2.8", routerID: "2.2.2.2")), step: .routerID),
    DecisionRow(
        name: "RFC 4456 §9: ORIGINATOR_ID replaces the BGP Identifier",
        winner: route(from: ibgpB, originatorID: "1.1.1.1", clusterList: ["10.9.9.9", "10.9.9.8"]),
        loser: route(from: ibgpA, originatorID: "2.2.2.2"), step: .routerID),
    DecisionRow(
        name: "RFC 4456 §9 (c): shorter CLUSTER_LIST after equal ORIGINATOR_ID",
        winner: route(from: ibgpB, originatorID: "1.1.1.1", clusterList: ["10.9.9.9"]),
        loser: route(from: ibgpA, originatorID: "1.1.1.1", clusterList: ["10.9.9.9", "10.9.9.8"]),
        step: .clusterListLength),
    DecisionRow(
        name: "RFC 4271 §9.1.2.2 (g): lower peer address",
        winner: route(from: peer("x", address: "192.0.2.8", routerID: "1.1.1.1")),
        loser: route(from: peer("y", address: "192.0.2.9", routerID: "1.1.1.1")), step: .peerAddress),
    DecisionRow(
        name: "RFC 7911: lower Path Identifier from the same peer settles the rest",
        winner: route(pathID: 1, nextHop: "192.0.2.50"), loser: route(pathID: 2, nextHop: "192.0.2.51"),
        step: .pathID),
]

@Suite("Best path selection (RFC 4271 §9.1.2, RFC 4456 §9)")
struct BestPathTests {
    @Test("Each decision step, in both argument orders", arguments: decisionRows)
    func decisionStep(row: DecisionRow) {
        let forward = BestPath.compare(row.winner, row.loser, options: row.options)
        #expect(forward.winner == row.winner)
        #expect(forward.decidedBy == row.step)
        let reverse = BestPath.compare(row.loser, row.winner, options: row.options)
        #expect(reverse.winner == row.winner)
        #expect(reverse.decidedBy == row.step)
    }

    @Test("Every comparison step has a table row")
    func everyStepCovered() {
        let covered = Set(decisionRows.map(\.step))
        #expect(covered == Set(BestPathStep.allCases).subtracting([.onlyPath]))
    }

    @Test("MED is ignored between different neighbor ASes (RFC 4271 §9.1.2.2 c)")
    func medScope() {
        let a = route(from: ebgpA, med: 50)  // AS 65001, lower identifier
        let c = route(from: ebgpC, med: 10)  // AS 65002
        let plain = BestPath.compare(a, c)
        #expect(plain.winner == a)
        #expect(plain.decidedBy == .routerID)
        let always = BestPath.compare(a, c, options: DecisionOptions(alwaysCompareMED: true))
        #expect(always.winner == c)
        #expect(always.decidedBy == .multiExitDiscriminator)
    }

    @Test("Neighbor AS is the first AS of AS_PATH, so iBGP paths of one origin AS compare MED")
    func medAcrossIBGP() {
        let a = route(from: ibgpA, asPath: ASPath(sequence: [65001, 65100]), med: 5)
        let b = route(from: ibgpB, asPath: ASPath(sequence: [65001, 65200]), med: 1)
        #expect(BestPath.compare(a, b).winner == b)
        #expect(BestPath.compare(a, b).decidedBy == .multiExitDiscriminator)
    }

    /// A: AS 65001 MED 100 IGP 1; B: AS 65002 MED 50 IGP 2; C: AS 65001 MED 10 IGP 3. Pairwise A>B (IGP), B>C
    /// (IGP), C>A (MED): a cycle, so a plain fold in arrival order picks A, B or C.
    static let cycle = (
        a: route(from: ibgpA, asPath: ASPath(sequence: [65001]), med: 100, igp: 1),
        b: route(from: ibgpB, asPath: ASPath(sequence: [65002]), med: 50, igp: 2),
        c: route(from: peer("ibgp_c", .internal, address: "10.0.0.4"), asPath: ASPath(sequence: [65001]), med: 10, igp: 3)
    )

    @Test("Deterministic MED: best of each neighbor AS first, the same for every arrival order")
    func deterministicMED() {
        let (a, b, c) = Self.cycle
        func naiveFold(_ paths: [Path]) -> Path {
            paths.dropFirst().reduce(paths[0]) { BestPath.compare($0, $1).winner }
        }
        // The arrival order changes the naive result: that is the problem deterministic MED solves.
        #expect(Set([naiveFold([a, b, c]), naiveFold([b, c, a]), naiveFold([c, a, b])]).count == 3)
        let options = DecisionOptions(deterministicMED: true)
        for order in permutations([a, b, c]) {
            let selection = BestPath.selectBest(order, options: options)
            // AS 65001 group: C (MED 10) beats A; then C vs B: B by IGP cost.
            #expect(selection?.best == b)
            #expect(selection?.decidedBy == .igpCost)
        }
    }

    @Test("Without deterministic MED the choice is still independent of arrival order")
    func canonicalOrder() {
        let (a, b, c) = Self.cycle
        let results = Set(permutations([a, b, c]).map { BestPath.selectBest($0)!.best })
        #expect(results.count == 1)
    }

    @Test("A single path is selected as the only path")
    func onlyPath() {
        let selection = BestPath.selectBest([route()])
        #expect(selection?.decidedBy == .onlyPath)
        #expect(selection?.ecmp.count == 1)
        #expect(BestPath.selectBest([]) == nil)
    }

    @Test("decidedBy names the step that beat the closest competitor")
    func decidedByClosest() {
        let best = route(from: ebgpA, med: 1)
        let closer = route(from: ebgpB, med: 2)
        let farther = route(from: ebgpC, asPath: ASPath(sequence: [65002, 65003]))
        #expect(BestPath.selectBest([farther, closer, best])?.decidedBy == .multiExitDiscriminator)
    }

    @Test("ECMP: paths equal through IGP cost from the same neighbor AS, up to maximum-paths")
    func ecmpSameAS() {
        let options = DecisionOptions(maximumPaths: 2)
        let a = route(from: ebgpA)
        let b = route(from: ebgpB)
        let c = route(from: peer("ebgp_d", address: "192.0.2.4", asn: 65001))
        let other = route(from: ebgpC)  // AS 65002: not in the set without relax
        let worse = route(from: peer("ebgp_e", address: "192.0.2.5", asn: 65001), igp: 5)
        let selection = BestPath.selectBest([worse, other, c, b, a], options: options)!
        #expect(selection.best == a)
        #expect(selection.ecmp == [a, b])
        let wide = BestPath.selectBest([worse, other, c, b, a], options: DecisionOptions(maximumPaths: 8))!
        #expect(wide.ecmp == [a, b, c])
        let relaxed = BestPath.selectBest(
            [worse, other, c, b, a], options: DecisionOptions(maximumPaths: 8, multipathRelax: true))!
        #expect(relaxed.ecmp == [a, b, other, c])
    }

    @Test("ECMP excludes paths that differ in MED, and keeps one path per next hop")
    func ecmpExclusions() {
        let options = DecisionOptions(maximumPaths: 4)
        let a = route(from: ebgpA, med: 0)
        let b = route(from: ebgpB, med: 5)
        #expect(BestPath.selectBest([a, b], options: options)!.ecmp == [a])
        let first = route(from: ebgpA, pathID: 1, nextHop: "192.0.2.100")
        let sameHop = route(from: ebgpA, pathID: 2, nextHop: "192.0.2.100")
        let selection = BestPath.selectBest([sameHop, first], options: options)!
        #expect(selection.ecmp == [first])
    }

    @Test(
        "Property: selectBest does not depend on arrival order (RFC 4271 §9.1.2 deterministic choice)",
        arguments: [
            DecisionOptions(), DecisionOptions(deterministicMED: true), DecisionOptions(alwaysCompareMED: true),
            DecisionOptions(maximumPaths: 4, multipathRelax: true),
        ])
    func arrivalOrderIndependence(options: DecisionOptions) async {
        let attributes = zip(
            Gen.int(in: 0...2), Gen.int(in: 0...1), Gen.int(in: 1...3), Gen.int(in: 0...1), Gen.int(in: 0...2),
            Gen.int(in: 0...3), Gen.int(in: 0...4), Gen.int(in: 0...9))
        let input = zip(attributes.array(of: 3...8), Gen.uint64(), Gen.int(in: 2...3))
        await propertyCheck(count: 300, input: input) { specs, seed, sourceCount in
            let sources = [ebgpA, ibgpA, ebgpC]
            let paths = specs.enumerated().map { index, spec in
                let (source, localPreference, asLength, firstAS, origin, med, igp, extra) = spec
                return route(
                    from: sources[source % sourceCount], pathID: UInt32(index),
                    asPath: ASPath(sequence: [65001 + UInt32(firstAS)] + Array(repeating: 65100, count: asLength - 1)),
                    origin: Origin(rawValue: UInt8(origin))!, med: med == 3 ? nil : UInt32(med * 10),
                    localPreference: localPreference == 0 ? nil : 200,
                    originatorID: extra < 3 ? "1.1.1.\(extra)" : nil, clusterList: extra == 1 ? ["10.9.9.9"] : nil,
                    communities: extra == 9 ? [.llgrStale] : nil,
                    nextHop: "192.0.2.\(100 + index % 4)", igp: igp == 4 ? nil : UInt32(igp), stale: extra == 8)
            }
            let reference = BestPath.selectBest(paths, options: options)!
            var rng = SplitMix64(seed: seed)
            for _ in 0..<4 {
                let shuffled = BestPath.selectBest(paths.shuffled(using: &rng), options: options)!
                #expect(shuffled.best == reference.best)
                #expect(shuffled.decidedBy == reference.decidedBy)
                #expect(shuffled.ecmp == reference.ecmp)
            }
            // The best is never beaten by any path it was compared against in a transitive setting.
            if options.alwaysCompareMED {
                for path in paths { #expect(BestPath.compare(reference.best, path, options: options).winner == reference.best) }
            }
        }
    }
}

/// All orderings of a small array.
func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { i -> [[T]] in
        var rest = items
        let head = rest.remove(at: i)
        return permutations(rest).map { [head] + $0 }
    }
}
