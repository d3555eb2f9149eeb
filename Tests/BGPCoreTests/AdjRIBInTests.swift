// SPDX-License-Identifier: Apache-2.0
// Adj-RIB-In: UPDATEs to path changes. IPv4 NLRI (RFC 4271 §4.3), MP_REACH/MP_UNREACH (RFC 4760, RFC 2545 link-local),
// RFC 7606 treat-as-withdraw and attribute-discard, the RFC 6793 §4.2.3 AS4 merge, End-of-RIB (RFC 4724 §2), ADD-PATH
// (RFC 7911) and import policy with the pre-policy copy.

import BGPCore
import BGPWire
import Testing

/// A negotiated eBGP session with the default test configuration, adjusted.
func negotiatedSession(fourOctetAS: Bool = true, addPath: Set<AddressFamily> = []) throws -> NegotiatedSession {
    var session = try configuration().negotiate(received: peerOpen()).get()
    session.fourOctetAS = fourOctetAS
    session.addPathReceive = addPath
    return session
}

let baseAttributes = PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: ip("192.0.2.1"))

func malformed(_ action: UpdateErrorAction) -> UpdateError {
    UpdateError(action: action, notification: .malformedAttributeList, reason: "test")
}

@Suite("Adj-RIB-In (RFC 4271 §9, RFC 4760, RFC 7606)")
struct AdjRIBInTests {
    @Test("IPv4 NLRI take NEXT_HOP; withdrawn routes remove them (RFC 4271 §4.3)")
    func ipv4() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let session = try negotiatedSession()
        let update = UpdateMessage(
            attributes: baseAttributes, announced: [NLRI(pfx("10.1.0.0/24")), NLRI(pfx("10.2.0.0/24"))])
        let changes = rib.apply(update, negotiated: session, source: ebgpA, table: &table)
        #expect(changes.count == 2)
        guard case .announced(let path) = changes[0] else {
            Issue.record("expected an announcement")
            return
        }
        #expect(path.prefix == pfx("10.1.0.0/24"))
        #expect(path.nextHop == ip("192.0.2.1"))
        #expect(path.source == ebgpA)
        // NEXT_HOP lives in the path, so both prefixes and both families can share one interned set.
        #expect(path.attributes.attributes.nextHop == nil)
        #expect(table.count == 1)
        #expect(rib.count == 2)
        let withdrawal = rib.apply(
            UpdateMessage(withdrawn: [NLRI(pfx("10.1.0.0/24")), NLRI(pfx("10.9.0.0/24"))]), negotiated: session,
            source: ebgpA, table: &table)
        // The unknown 10.9.0.0/24 is ignored.
        #expect(withdrawal == [.withdrawn(prefix: pfx("10.1.0.0/24"), pathID: 0)])
        #expect(rib.paths.map(\.prefix) == [pfx("10.2.0.0/24")])
    }

    @Test("MP_REACH_NLRI gives the global and link-local next hop; MP_UNREACH_NLRI withdraws (RFC 4760, RFC 2545 §3)")
    func multiprotocol() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let session = try negotiatedSession()
        var attributes = baseAttributes
        attributes.nextHop = nil
        attributes.mpReach = MultiprotocolReach(
            family: .ipv6Unicast, nextHops: [ip("2001:db8::1"), ip("fe80::1")], nlri: [NLRI(pfx("2001:db8:1::/48"))])
        let changes = rib.apply(UpdateMessage(attributes: attributes), negotiated: session, source: ebgpA, table: &table)
        guard case .announced(let path) = changes.first else {
            Issue.record("expected an announcement")
            return
        }
        #expect(path.nextHop == ip("2001:db8::1"))
        #expect(path.linkLocalNextHop == ip("fe80::1"))
        #expect(path.attributes.attributes.mpReach == nil)
        let withdraw = UpdateMessage(
            attributes: PathAttributes(
                mpUnreach: MultiprotocolUnreach(family: .ipv6Unicast, withdrawn: [NLRI(pfx("2001:db8:1::/48"))])))
        #expect(
            rib.apply(withdraw, negotiated: session, source: ebgpA, table: &table)
                == [.withdrawn(prefix: pfx("2001:db8:1::/48"), pathID: 0)])
        #expect(rib.count == 0)
    }

    @Test("RFC 8950: IPv4 NLRI in MP_REACH_NLRI with an IPv6 next hop")
    func ipv4OverIPv6NextHop() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        var attributes = baseAttributes
        attributes.nextHop = nil
        attributes.mpReach = MultiprotocolReach(
            family: .ipv4Unicast, nextHops: [ip("2001:db8::1")], nlri: [NLRI(pfx("10.5.0.0/24"))])
        let changes = rib.apply(
            UpdateMessage(attributes: attributes), negotiated: try negotiatedSession(), source: ebgpA, table: &table)
        #expect(changes.count == 1)
        #expect(rib.path(AdjRIBIn.Key(prefix: pfx("10.5.0.0/24")))?.nextHop == ip("2001:db8::1"))
    }

    @Test("RFC 7606 §2 treat-as-withdraw: every NLRI of the UPDATE becomes a withdrawal")
    func treatAsWithdraw() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let session = try negotiatedSession()
        let announce = UpdateMessage(
            attributes: baseAttributes, announced: [NLRI(pfx("10.1.0.0/24")), NLRI(pfx("10.2.0.0/24"))])
        _ = rib.apply(announce, negotiated: session, source: ebgpA, table: &table)
        var attributes = baseAttributes
        attributes.mpReach = MultiprotocolReach(
            family: .ipv6Unicast, nextHops: [ip("2001:db8::1")], nlri: [NLRI(pfx("2001:db8:1::/48"))])
        let bad = UpdateMessage(
            attributes: attributes, announced: [NLRI(pfx("10.1.0.0/24")), NLRI(pfx("10.3.0.0/24"))])
        let changes = rib.apply(
            bad, errors: [malformed(.attributeDiscard), malformed(.treatAsWithdraw)], negotiated: session,
            source: ebgpA, table: &table)
        // 10.1 was held and is withdrawn; 10.3 and the IPv6 prefix were never held, so nothing to report.
        #expect(changes == [.withdrawn(prefix: pfx("10.1.0.0/24"), pathID: 0)])
        #expect(rib.paths.map(\.prefix) == [pfx("10.2.0.0/24")])
    }

    @Test("RFC 7606 §2 attribute-discard: the UPDATE is used with the attributes as decoded")
    func attributeDiscard() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let changes = rib.apply(
            UpdateMessage(attributes: baseAttributes, announced: [NLRI(pfx("10.1.0.0/24"))]),
            errors: [malformed(.attributeDiscard)], negotiated: try negotiatedSession(), source: ebgpA, table: &table)
        #expect(changes.count == 1)
    }

    @Test("Session reset and AFI/SAFI disable are left to the caller")
    func strongerActions() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        for action in [UpdateErrorAction.afiSafiDisable, .sessionReset] {
            let changes = rib.apply(
                UpdateMessage(attributes: baseAttributes, announced: [NLRI(pfx("10.1.0.0/24"))]),
                errors: [malformed(action)], negotiated: try negotiatedSession(), source: ebgpA, table: &table)
            #expect(changes.isEmpty)
        }
    }

    @Test("RFC 6793 §4.2.3: AS4_PATH merged into AS_PATH on a 2-octet session")
    func as4Merge() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        var attributes = baseAttributes
        attributes.asPath = ASPath(sequence: [65001, ASPath.asTrans, ASPath.asTrans])
        attributes.as4Path = ASPath(sequence: [4_200_000_001, 4_200_000_002])
        let update = UpdateMessage(attributes: attributes, announced: [NLRI(pfx("10.1.0.0/24"))])
        let twoOctet = rib.apply(
            update, negotiated: try negotiatedSession(fourOctetAS: false), source: ebgpA, table: &table)
        guard case .announced(let merged) = twoOctet.first else {
            Issue.record("expected an announcement")
            return
        }
        #expect(merged.attributes.attributes.asPath == ASPath(sequence: [65001, 4_200_000_001, 4_200_000_002]))
        #expect(merged.attributes.attributes.as4Path == nil)
        // Between 4-octet speakers AS4_PATH is discarded (RFC 6793 §4.2.2) and AS_PATH used as is.
        let fourOctet = rib.apply(update, negotiated: try negotiatedSession(), source: ebgpA, table: &table)
        guard case .announced(let plain) = fourOctet.first else {
            Issue.record("expected an announcement")
            return
        }
        #expect(plain.attributes.attributes.asPath == attributes.asPath)
        #expect(plain.attributes.attributes.as4Path == nil)
    }

    @Test("End-of-RIB is reported for IPv4 (empty UPDATE) and IPv6 (empty MP_UNREACH) (RFC 4724 §2)")
    func endOfRIB() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let session = try negotiatedSession()
        for family in [AddressFamily.ipv4Unicast, .ipv6Unicast] {
            #expect(
                rib.apply(.endOfRIB(family), negotiated: session, source: ebgpA, table: &table) == [.endOfRIB(family)])
        }
    }

    @Test("ADD-PATH: path IDs key separate paths and withdrawals (RFC 7911 §3)")
    func addPath() throws {
        var rib = AdjRIBIn()
        var table = AttributeSetTable()
        let session = try negotiatedSession(addPath: [.ipv4Unicast])
        let update = UpdateMessage(
            attributes: baseAttributes,
            announced: [NLRI(pfx("10.1.0.0/24"), pathID: 1), NLRI(pfx("10.1.0.0/24"), pathID: 2)])
        #expect(rib.apply(update, negotiated: session, source: ebgpA, table: &table).count == 2)
        #expect(rib.paths.map(\.pathID) == [1, 2])
        let withdraw = UpdateMessage(withdrawn: [NLRI(pfx("10.1.0.0/24"), pathID: 1)])
        #expect(
            rib.apply(withdraw, negotiated: session, source: ebgpA, table: &table)
                == [.withdrawn(prefix: pfx("10.1.0.0/24"), pathID: 1)])
        #expect(rib.path(AdjRIBIn.Key(prefix: pfx("10.1.0.0/24"), pathID: 2)) != nil)
    }

    @Test("Import policy: rejected paths are kept pre-policy only, and a later rejection withdraws")
    func importPolicy() throws {
        var rib = AdjRIBIn(keepPrePolicy: true)
        var table = AttributeSetTable()
        let session = try negotiatedSession()
        let announce = UpdateMessage(
            attributes: baseAttributes, announced: [NLRI(pfx("10.1.0.0/24")), NLRI(pfx("10.2.0.0/24"))])
        let rejectTen2: (Path) -> Path? = { $0.prefix == pfx("10.2.0.0/24") ? nil : $0 }
        let changes = rib.apply(announce, negotiated: session, source: ebgpA, table: &table, importPolicy: rejectTen2)
        #expect(changes.count == 1)
        #expect(rib.count == 1)
        #expect(rib.receivedCount == 2)
        #expect(rib.received(AdjRIBIn.Key(prefix: pfx("10.2.0.0/24")))?.nextHop == ip("192.0.2.1"))
        // Now 10.1 is rejected too: the accepted copy goes away.
        let again = rib.apply(announce, negotiated: session, source: ebgpA, table: &table) { _ in nil }
        #expect(again == [.withdrawn(prefix: pfx("10.1.0.0/24"), pathID: 0)])
        #expect(rib.receivedPaths.count == 2)
        #expect(rib.removeAll() == 0)
        #expect(rib.receivedCount == 0)
    }
}
