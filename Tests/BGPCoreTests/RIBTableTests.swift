// SPDX-License-Identifier: Apache-2.0
// The RIBs' per-prefix tables (open addressing with backward-shift deletion, shrinking after mass withdrawals) against
// a Dictionary model: random announcements and withdrawals of IPv4 and IPv6 prefixes through the public Adj-RIB-Out,
// Adj-RIB-In and Loc-RIB APIs.

import BGPCore
import BGPWire
import Testing

@Suite("RIB tables")
struct RIBTableTests {
    /// A pool of prefixes with many hash neighbours: consecutive /24s and /32s, IPv6 /48s and /64s.
    static let pool: [IPPrefix] =
        (0..<3000).map { IPPrefix(address: IPAddress(ipv4: 0x0A00_0000 + UInt32($0) << 8), length: 24) }
        + (0..<500).map { IPPrefix(address: IPAddress(ipv4: 0xC000_0200 + UInt32($0)), length: 32) }
        + (0..<500).map { IPPrefix(address: IPAddress(ipv6High: 0x2001_0db8_0000_0000 | UInt64($0) << 16, low: 0), length: 48) }
        + (0..<200).map { IPPrefix(address: IPAddress(ipv6High: 0x2001_0db8_0001_0000 | UInt64($0), low: 0), length: 64) }

    @Test("Adj-RIB-Out matches a Dictionary through growth, churn and shrinking", arguments: [1, 2, 3])
    func adjRIBOutModel(seed: UInt64) {
        let sets = (0..<4).map { i in
            attributeSet(PathAttributes(origin: .igp, asPath: ASPath(sequence: [65000 + UInt32(i)]), nextHop: ip("192.0.2.1")))
        }
        var rng = SplitMix64(seed: seed)
        var rib = AdjRIBOut()
        var model: [IPPrefix: AdvertisedPath] = [:]
        for round in 0..<4 {
            // Fill most of the pool, churn, then withdraw nearly everything (the table shrinks).
            let steps = round % 2 == 0 ? 12_000 : 6_000
            let withdrawShare = round % 2 == 0 ? 3 : 9
            for _ in 0..<steps {
                let prefix = Self.pool[Int.random(in: 0..<Self.pool.count, using: &rng)]
                let path: AdvertisedPath? =
                    Int.random(in: 0..<10, using: &rng) < withdrawShare
                    ? nil : AdvertisedPath(attributes: sets[Int.random(in: 0..<sets.count, using: &rng)])
                let delta = rib.replace(prefix, with: path)
                let old = model[prefix]
                model[prefix] = path
                #expect(delta.announce == (path != nil && path != old ? [path!] : []))
                #expect(delta.withdraw == (path == nil && old != nil ? [0] : []))
            }
            #expect(rib.prefixCount == model.count)
            #expect(rib.prefixCount(for: .ipv6) == model.keys.filter { $0.family == .ipv6 }.count)
            for prefix in Self.pool { #expect(rib.paths(for: prefix) == (model[prefix].map { [$0] } ?? [])) }
        }
        for prefix in Self.pool { _ = rib.replace(prefix, with: nil as AdvertisedPath?) }
        #expect(rib.prefixCount == 0)
    }

    @Test("Loc-RIB and Adj-RIB-In match a Dictionary through churn", arguments: [7, 8])
    func locRIBModel(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var table = AttributeSetTable()
        var adjIn = AdjRIBIn()
        var loc = LocRIB()
        var model: Set<IPPrefix> = []
        let session = try negotiatedSession()
        for _ in 0..<300 {
            let chosen = (0..<Int.random(in: 1...40, using: &rng)).map { _ in
                Self.pool[Int.random(in: 0..<3500, using: &rng)]  // IPv4 only: the session's UPDATEs carry NLRI
            }
            let update: UpdateMessage
            if Bool.random(using: &rng) {
                update = UpdateMessage(attributes: baseAttributes, announced: chosen.map { NLRI($0) })
                model.formUnion(chosen)
            } else {
                update = UpdateMessage(withdrawn: chosen.map { NLRI($0) })
                model.subtract(chosen)
            }
            let changes = adjIn.apply(update, negotiated: session, source: ebgpA, table: &table)
            _ = loc.update(contentsOf: changes, source: ebgpA.name)
            #expect(adjIn.count == model.count)
            #expect(loc.prefixCount == model.count)
        }
        for prefix in Self.pool[0..<3500] {
            #expect((adjIn.path(AdjRIBIn.Key(prefix: prefix)) != nil) == model.contains(prefix))
            #expect((loc.best(for: prefix) != nil) == model.contains(prefix))
        }
        #expect(loc.routes().map(\.prefix) == model.sorted())
    }
}
