// SPDX-License-Identifier: Apache-2.0
// Adj-RIB-Out bookkeeping: what has to be sent to move a prefix from what was advertised to what should be
// (RFC 4271 §3.2, §9.1.3; RFC 7911 Path Identifiers).

import BGPCore
import BGPWire
import Testing

@Suite("Adj-RIB-Out (RFC 4271 §3.2)")
struct AdjRIBOutTests {
    let red = attributeSet(PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: ip("192.0.2.10")))
    let blue = attributeSet(PathAttributes(origin: .igp, asPath: ASPath(sequence: [65002]), nextHop: ip("192.0.2.10")))

    @Test("A new prefix is announced; the same attributes again send nothing; new attributes replace")
    func announceOnce() {
        var rib = AdjRIBOut()
        let prefix = pfx("10.1.0.0/24")
        #expect(rib.replace(prefix, with: AdvertisedPath(attributes: red)) == AdjRIBOutDelta(announce: [AdvertisedPath(attributes: red)]))
        #expect(rib.replace(prefix, with: AdvertisedPath(attributes: red)).isEmpty)
        #expect(rib.replace(prefix, with: AdvertisedPath(attributes: blue)) == AdjRIBOutDelta(announce: [AdvertisedPath(attributes: blue)]))
        #expect(rib.paths(for: prefix) == [AdvertisedPath(attributes: blue)])
        #expect(rib.prefixCount(for: .ipv4) == 1)
    }

    @Test("A withdrawal is reported only for an advertised prefix")
    func withdrawOnlyAdvertised() {
        var rib = AdjRIBOut()
        #expect(rib.replace(pfx("10.9.0.0/24"), with: nil as AdvertisedPath?).isEmpty)
        _ = rib.replace(pfx("10.1.0.0/24"), with: AdvertisedPath(attributes: red))
        #expect(rib.replace(pfx("10.1.0.0/24"), with: nil as AdvertisedPath?) == AdjRIBOutDelta(withdraw: [0]))
        #expect(rib.replace(pfx("10.1.0.0/24"), with: nil as AdvertisedPath?).isEmpty)
        #expect(rib.prefixCount == 0)
        #expect(rib.prefixCount(for: .ipv4) == 0)
    }

    @Test("ADD-PATH: only changed Path Identifiers are announced, only dropped ones withdrawn (RFC 7911)")
    func addPathDelta() {
        var rib = AdjRIBOut()
        let prefix = pfx("10.1.0.0/24")
        let one = AdvertisedPath(pathID: 1, attributes: red)
        let two = AdvertisedPath(pathID: 2, attributes: blue)
        #expect(rib.replace(prefix, with: [one, two]) == AdjRIBOutDelta(announce: [one, two]))
        #expect(rib.replace(prefix, with: [one, two]).isEmpty)
        let twoRed = AdvertisedPath(pathID: 2, attributes: red)
        let three = AdvertisedPath(pathID: 3, attributes: blue)
        #expect(rib.replace(prefix, with: [twoRed, three]) == AdjRIBOutDelta(announce: [twoRed, three], withdraw: [1]))
        #expect(rib.replace(prefix, with: [three]) == AdjRIBOutDelta(withdraw: [2]))
        #expect(rib.replace(prefix, with: [] as [AdvertisedPath]) == AdjRIBOutDelta(withdraw: [3]))
        #expect(rib.prefixCount == 0)
    }

    @Test("Routes of one family come back sorted by prefix")
    func sortedRoutes() {
        var rib = AdjRIBOut()
        for text in ["10.3.0.0/24", "2001:db8::/48", "10.1.0.0/24", "10.2.0.0/16"] {
            _ = rib.replace(pfx(text), with: AdvertisedPath(attributes: red))
        }
        #expect(rib.routes(family: .ipv4).map(\.prefix) == [pfx("10.1.0.0/24"), pfx("10.2.0.0/16"), pfx("10.3.0.0/24")])
        #expect(rib.routes(family: .ipv6).map(\.prefix) == [pfx("2001:db8::/48")])
        #expect(rib.prefixCount(for: .ipv6) == 1)
    }
}
