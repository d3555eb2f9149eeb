// SPDX-License-Identifier: Apache-2.0
// Malformed UPDATE messages (ARCHITECTURE §12.4): RFC 4271 §6.3 as revised by RFC 7606 §3, §4, §5.3 and §7.1-7.14,
// plus RFC 8092 §5 (LARGE_COMMUNITY) and RFC 6793 §6 (AS4_PATH, AS4_AGGREGATOR). Rows that RFC 7606 still ends the
// session for map bytes to the exact NOTIFICATION; the rest map bytes to the exact `UpdateError` list, the
// strongest action, and what survived decoding (attributes present and NLRI).

import BGPTestSupport
import BGPWire
import NIOCore
import Testing

/// One `UpdateError` as a row states it; `reason` (log text) is deliberately not compared.
struct ExpectedUpdateError: Hashable, Sendable, CustomStringConvertible {
    var action: UpdateErrorAction
    var notification: BGPNotification
    var attribute: AttributeCode?
    var family: AddressFamily?

    init(_ action: UpdateErrorAction, _ subcode: UInt8, _ data: [UInt8], _ attribute: AttributeCode?,
         family: AddressFamily? = nil) {
        self.action = action
        self.notification = BGPNotification(code: .updateMessage, subcode: subcode, data: data)
        self.attribute = attribute
        self.family = family
    }

    init(_ error: UpdateError) {
        self.action = error.action
        self.notification = error.notification
        self.attribute = error.attribute
        self.family = error.family
    }

    static func withdraw(_ subcode: UInt8, _ data: [UInt8], _ attribute: AttributeCode?) -> Self {
        Self(.treatAsWithdraw, subcode, data, attribute)
    }
    static func discard(_ subcode: UInt8, _ data: [UInt8], _ attribute: AttributeCode?) -> Self {
        Self(.attributeDiscard, subcode, data, attribute)
    }
    /// RFC 7606 §7.11-7.12: AFI/SAFI disable, reported as 3/9 Optional Attribute Error with the whole attribute.
    static func disable(_ data: [UInt8], _ attribute: AttributeCode, _ family: AddressFamily) -> Self {
        Self(.afiSafiDisable, 9, data, attribute, family: family)
    }

    var description: String {
        let code = attribute.map { "\($0.rawValue)" } ?? "-"
        return "\(action) \(notification.code.rawValue)/\(notification.subcode) \(notification.data) attr \(code) \(family.map { "\($0)" } ?? "")"
    }
}

/// One bytes → RFC 7606 outcome row: an UPDATE built from `attributes` and `nlri`.
struct UpdateOutcomeCase: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var attributes: [UInt8]
    var nlri: [UInt8]
    var context: DecodeContext
    var errors: [ExpectedUpdateError]
    var action: UpdateErrorAction?
    /// `PathAttributes.presentCodes` after decoding: what was kept.
    var present: [AttributeCode]
    var announced: [NLRI]
}

@Suite("Malformed UPDATE (RFC 4271 §6.3, RFC 7606, RFC 8092 §5, RFC 6793 §6)")
struct MalformedUpdateTests {
    typealias B = MessageBytes

    /// 198.51.100.0/24, the NLRI most rows announce.
    static let nlri: [UInt8] = [24, 198, 51, 100]
    static let announced = [NLRI(IPPrefix("198.51.100.0/24")!)]
    /// ORIGIN IGP, AS_PATH 65001 (4-octet), NEXT_HOP 192.0.2.254.
    static let mandatory = B.mandatory()
    static let mandatoryCodes: [AttributeCode] = [.origin, .asPath, .nextHop]
    static let internalPeer = DecodeContext(peerType: .internal)
    static let externalPeer = DecodeContext(peerType: .external)
    static let twoOctet = DecodeContext(fourOctetAS: false)

    static func row(
        _ description: String, _ attributes: [UInt8], nlri: [UInt8] = nlri, context: DecodeContext = DecodeContext(),
        action: UpdateErrorAction?, present: [AttributeCode], _ errors: ExpectedUpdateError...
    ) -> UpdateOutcomeCase {
        UpdateOutcomeCase(
            testDescription: description, attributes: attributes, nlri: nlri, context: context, errors: errors,
            action: action, present: present, announced: nlri == Self.nlri ? announced : [])
    }

    // MARK: RFC 7606 §3 (general rules) and §4 (attribute length fields)

    static let generalRows: [UpdateOutcomeCase] = {
        let asPath = B.asPath([65001])
        let nextHop = B.nextHop()
        let origin = B.origin()
        let ipv6Reach = B.mpReach(nextHop: B.ipv6DocumentationAddress, nlri: B.ipv6DocumentationPrefix)
        let originFlagged: [UInt8] = [0xC0, 1, 1, 0]
        let asPathFlagged: [UInt8] = [0x00, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9]
        let nextHopFlagged: [UInt8] = [0x80, 3, 4, 192, 0, 2, 254]
        let medFlagged: [UInt8] = [0xC0, 4, 4, 0, 0, 0, 10]
        let localPrefFlagged: [UInt8] = [0x80, 5, 4, 0, 0, 0, 100]
        let atomicFlagged: [UInt8] = [0xC0, 6, 0]
        let aggregatorFlagged: [UInt8] = [0x80, 7, 8, 0, 0, 0xFD, 0xE9, 192, 0, 2, 1]
        let communitiesFlagged: [UInt8] = [0x40, 8, 4, 0xFD, 0xE9, 0, 1]
        let badOrigin: [UInt8] = [0x40, 1, 1, 3]
        let badAtomic: [UInt8] = [0x40, 6, 1, 0]
        let badIPv6Reach = B.mpReach(nextHop: [0x20, 0x01, 0x0D, 0xB8, 1], nlri: B.ipv6DocumentationPrefix)
        let overrun: [UInt8] = [0xC0, 8, 20, 0, 0, 0, 1]
        let communities = B.attribute(flags: B.optionalTransitive, code: 8, value: [0xFD, 0xE9, 0, 1])
        let unknown99 = B.attribute(flags: B.optionalTransitive, code: 99, value: [7])
        return [
            // §3 (c): Optional/Transitive bits in conflict → treat-as-withdraw, 3/4 with the whole attribute.
            row("ORIGIN with the Optional bit set → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                originFlagged + asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(4, originFlagged, .origin)),
            row("AS_PATH with the Transitive bit clear → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                origin + asPathFlagged + nextHop, action: .treatAsWithdraw, present: [.origin, .nextHop],
                .withdraw(4, asPathFlagged, .asPath)),
            row("NEXT_HOP flagged optional non-transitive → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                origin + asPath + nextHopFlagged, action: .treatAsWithdraw, present: [.origin, .asPath],
                .withdraw(4, nextHopFlagged, .nextHop)),
            row("MULTI_EXIT_DISC with the Transitive bit set → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                mandatory + medFlagged, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(4, medFlagged, .multiExitDiscriminator)),
            row("LOCAL_PREF with the Optional bit set → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                mandatory + localPrefFlagged, context: internalPeer, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(4, localPrefFlagged, .localPreference)),
            row("ATOMIC_AGGREGATE with the Optional bit set → treat-as-withdraw, 3/4, not discard (RFC 7606 §3 c)",
                mandatory + atomicFlagged, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(4, atomicFlagged, .atomicAggregate)),
            row("AGGREGATOR with the Transitive bit clear → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                mandatory + aggregatorFlagged, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(4, aggregatorFlagged, .aggregator)),
            row("COMMUNITIES with the Optional bit clear → treat-as-withdraw, 3/4 (RFC 7606 §3 c)",
                mandatory + communitiesFlagged, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(4, communitiesFlagged, .communities)),
            row("ORIGIN with the unused low flag bits set is clean: they are ignored (RFC 4271 §4.3)",
                [0x4F, 1, 1, 0] + asPath + nextHop, action: nil, present: mandatoryCodes),
            row("ORIGIN with Extended Length and a 2-octet length is clean (RFC 4271 §4.3)",
                [0x50, 1, 0, 1, 0] + asPath + nextHop, action: nil, present: mandatoryCodes),
            // §3 (d): missing well-known mandatory attributes → treat-as-withdraw, 3/3 with the type code.
            row("Missing ORIGIN with NLRI → treat-as-withdraw, 3/3 Data 0x01 (RFC 7606 §3 d)",
                asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(3, [1], .origin)),
            row("Missing AS_PATH with NLRI → treat-as-withdraw, 3/3 Data 0x02 (RFC 7606 §3 d)",
                origin + nextHop, action: .treatAsWithdraw, present: [.origin, .nextHop],
                .withdraw(3, [2], .asPath)),
            row("Missing NEXT_HOP with NLRI in the NLRI field → treat-as-withdraw, 3/3 Data 0x03 (RFC 7606 §3 d)",
                origin + asPath, action: .treatAsWithdraw, present: [.origin, .asPath],
                .withdraw(3, [3], .nextHop)),
            row("All three mandatory attributes missing → three 3/3 entries in type order (RFC 7606 §3 d)",
                [0x80, 4, 4, 0, 0, 0, 10], action: .treatAsWithdraw, present: [.multiExitDiscriminator],
                .withdraw(3, [1], .origin), .withdraw(3, [2], .asPath), .withdraw(3, [3], .nextHop)),
            row("Missing NEXT_HOP is no error when only MP_REACH_NLRI carries NLRI (RFC 7606 §3 d, RFC 4760 §3)",
                ipv6Reach + origin + asPath, nlri: [], action: nil, present: [.mpReachNLRI, .origin, .asPath]),
            row("Missing ORIGIN with MP_REACH_NLRI → treat-as-withdraw, 3/3 Data 0x01, no NEXT_HOP entry (RFC 7606 §3 d)",
                ipv6Reach + asPath, nlri: [], action: .treatAsWithdraw, present: [.mpReachNLRI, .asPath],
                .withdraw(3, [1], .origin)),
            row("Attributes without any NLRI are clean: mandatory only with NLRI (RFC 4271 §5)",
                mandatory, nlri: [], action: nil, present: mandatoryCodes),
            row("An empty UPDATE (IPv4 End-of-RIB) is clean (RFC 4724 §2)",
                [], nlri: [], action: nil, present: []),
            row("MP_UNREACH_NLRI alone needs no other attribute (RFC 4760 §4)",
                B.mpUnreach(withdrawn: B.ipv6DocumentationPrefix), nlri: [], action: nil, present: [.mpUnreachNLRI]),
            // §3 (g): repeats other than MP_REACH/MP_UNREACH → later copies discarded, first kept.
            row("ORIGIN twice → the second discarded, 3/1 (RFC 7606 §3 g)",
                mandatory + B.origin(2), action: .attributeDiscard, present: mandatoryCodes,
                .discard(1, [], .origin)),
            row("COMMUNITIES twice → the second discarded, 3/1 (RFC 7606 §3 g)",
                mandatory + communities + communities, action: .attributeDiscard,
                present: mandatoryCodes + [.communities], .discard(1, [], .communities)),
            row("An unrecognised optional attribute twice → the second discarded, 3/1 (RFC 7606 §3 g)",
                mandatory + unknown99 + unknown99, action: .attributeDiscard,
                present: mandatoryCodes + [AttributeCode(rawValue: 99)], .discard(1, [], AttributeCode(rawValue: 99))),
            row("A malformed first ORIGIN is not replaced by a good second one (RFC 7606 §3 g)",
                badOrigin + asPath + nextHop + origin, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(6, badOrigin, .origin), .discard(1, [], .origin)),
            // §3 (b): several errors → the strongest action.
            row("Malformed ATOMIC_AGGREGATE and ORIGIN → treat-as-withdraw wins over discard (RFC 7606 §3 b)",
                badOrigin + asPath + nextHop + badAtomic, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(6, badOrigin, .origin), .discard(5, badAtomic, .atomicAggregate)),
            row("Malformed MP_REACH_NLRI, ORIGIN and ATOMIC_AGGREGATE → AFI/SAFI disable wins (RFC 7606 §3 b)",
                badIPv6Reach + badOrigin + asPath + badAtomic, nlri: [], action: .afiSafiDisable, present: [.asPath],
                .disable(badIPv6Reach, .mpReachNLRI, .ipv6Unicast), .withdraw(6, badOrigin, .origin),
                .discard(5, badAtomic, .atomicAggregate)),
            // §4: attribute length fields in conflict with the Total Path Attribute Length.
            row("Last attribute's length overruns the attribute field → treat-as-withdraw, NLRI still found (RFC 7606 §4)",
                mandatory + overrun, action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(5, overrun, nil)),
            row("Two octets left, too few for an attribute header → treat-as-withdraw (RFC 7606 §4)",
                mandatory + [0x40, 1], action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(5, [0x40, 1], nil)),
            row("Extended Length set with three octets left → treat-as-withdraw (RFC 7606 §4)",
                mandatory + [0x50, 8, 0], action: .treatAsWithdraw, present: mandatoryCodes,
                .withdraw(5, [0x50, 8, 0], nil)),
            row("First attribute overruns: nothing decoded, no missing-attribute entries added (RFC 7606 §4)",
                [0x40, 1, 40, 0] + asPath + nextHop, action: .treatAsWithdraw, present: [],
                .withdraw(5, [0x40, 1, 40, 0] + asPath + nextHop, nil)),
            row("NEXT_HOP of length 0 → treat-as-withdraw, 3/5: only AS_PATH and ATOMIC_AGGREGATE may be empty (RFC 7606 §4)",
                origin + asPath + [0x40, 3, 0], action: .treatAsWithdraw, present: [.origin, .asPath],
                .withdraw(5, [0x40, 3, 0], .nextHop)),
            row("AS_PATH of length 0 is clean (RFC 7606 §4)",
                origin + [0x40, 2, 0] + nextHop, action: nil, present: mandatoryCodes),
            row("ATOMIC_AGGREGATE of length 0 is clean (RFC 7606 §4)",
                mandatory + [0x40, 6, 0], action: nil, present: mandatoryCodes + [.atomicAggregate]),
        ]
    }()

    // MARK: RFC 7606 §7.1-7.14, RFC 8092 §5, RFC 6793 §6 (per attribute)

    static let attributeRows: [UpdateOutcomeCase] = {
        let origin = B.origin()
        let asPath = B.asPath([65001])
        let nextHop = B.nextHop()
        let mandatory2 = B.mandatory(fourOctet: false)
        func withAttribute(_ bytes: [UInt8]) -> [UInt8] { mandatory + bytes }
        func asPathRow(_ d: String, _ value: [UInt8], context: DecodeContext = DecodeContext()) -> UpdateOutcomeCase {
            row(d, origin + [0x40, 2, UInt8(value.count)] + value + nextHop, context: context,
                action: .treatAsWithdraw, present: [.origin, .nextHop], .withdraw(11, [], .asPath))
        }
        func lengthRow(
            _ d: String, _ attribute: [UInt8], _ code: AttributeCode, _ action: UpdateErrorAction,
            context: DecodeContext = DecodeContext()
        ) -> UpdateOutcomeCase {
            let base = context.fourOctetAS ? mandatory : mandatory2
            return row(d, base + attribute, context: context, action: action, present: mandatoryCodes,
                ExpectedUpdateError(action, 5, attribute, code))
        }
        func externalRow(_ d: String, _ attribute: [UInt8], _ code: AttributeCode) -> UpdateOutcomeCase {
            row(d, withAttribute(attribute), context: externalPeer, action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, attribute, code))
        }
        let v6 = B.ipv6DocumentationAddress
        let v6Prefix = B.ipv6DocumentationPrefix
        func reachRow(_ d: String, _ attribute: [UInt8], _ code: AttributeCode, _ family: AddressFamily) -> UpdateOutcomeCase {
            row(d, attribute + origin + asPath, nlri: [], action: .afiSafiDisable, present: [.origin, .asPath],
                .disable(attribute, code, family))
        }
        /// A withdrawal-only UPDATE carries MP_UNREACH_NLRI alone; with other attributes beside it RFC 7606 §5.2
        /// turns any non-discard error into a session reset (see `resetRows`).
        func unreachRow(_ d: String, _ attribute: [UInt8], _ family: AddressFamily) -> UpdateOutcomeCase {
            row(d, attribute, nlri: [], action: .afiSafiDisable, present: [], .disable(attribute, .mpUnreachNLRI, family))
        }
        let as4Path: [UInt8] = [0xC0, 17, 6, 2, 1, 0, 1, 0, 0]
        let as4Aggregator: [UInt8] = [0xC0, 18, 8, 0, 1, 0, 0, 192, 0, 2, 1]
        return [
            // RFC 7607 §2: AS 0 is malformed, in AS_PATH per RFC 7606, in AGGREGATOR and the AS4 attributes discarded.
            row("AS_PATH containing AS 0 → treat-as-withdraw, 3/11 (RFC 7607 §2)",
                origin + B.asPath([65001, 0]) + nextHop, action: .treatAsWithdraw, present: [.origin, .nextHop],
                .withdraw(11, [], .asPath)),
            row("AGGREGATOR with AS 0 → attribute discard (RFC 7607 §2, RFC 7606 §7.7)",
                mandatory + [0xC0, 7, 8, 0, 0, 0, 0, 192, 0, 2, 1], action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, [0xC0, 7, 8, 0, 0, 0, 0, 192, 0, 2, 1], .aggregator)),
            row("AS4_PATH containing AS 0 on a 2-octet session → attribute discard (RFC 7607 §2, RFC 6793 §6)",
                B.mandatory(fourOctet: false) + [0xC0, 17, 10, 2, 2, 0, 0, 0xFD, 0xE9, 0, 0, 0, 0],
                context: DecodeContext(fourOctetAS: false), action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, [0xC0, 17, 10, 2, 2, 0, 0, 0xFD, 0xE9, 0, 0, 0, 0], .as4Path)),
            // §7.1 ORIGIN.
            row("ORIGIN with undefined value 3 → treat-as-withdraw, 3/6 (RFC 7606 §7.1)",
                [0x40, 1, 1, 3] + asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(6, [0x40, 1, 1, 3], .origin)),
            row("ORIGIN with undefined value 255 → treat-as-withdraw, 3/6 (RFC 7606 §7.1)",
                [0x40, 1, 1, 255] + asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(6, [0x40, 1, 1, 255], .origin)),
            row("ORIGIN of length 2 → treat-as-withdraw, 3/5 (RFC 7606 §7.1)",
                [0x40, 1, 2, 0, 0] + asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(5, [0x40, 1, 2, 0, 0], .origin)),
            row("ORIGIN of length 0 → treat-as-withdraw, 3/5 (RFC 7606 §7.1)",
                [0x40, 1, 0] + asPath + nextHop, action: .treatAsWithdraw, present: [.asPath, .nextHop],
                .withdraw(5, [0x40, 1, 0], .origin)),
            // §7.2 AS_PATH: treat-as-withdraw, 3/11 (RFC 4271 §6.3 gives it no Data).
            asPathRow("AS_PATH segment length 0 → treat-as-withdraw, 3/11 (RFC 7606 §7.2)", [2, 0]),
            asPathRow("AS_PATH segment type 5 → treat-as-withdraw, 3/11 (RFC 7606 §7.2)", [5, 1, 0, 0, 0xFD, 0xE9]),
            asPathRow("AS_PATH segment type 0 → treat-as-withdraw, 3/11 (RFC 7606 §7.2)", [0, 1, 0, 0, 0xFD, 0xE9]),
            asPathRow("AS_PATH segment overruns the attribute → treat-as-withdraw, 3/11 (RFC 7606 §7.2)",
                      [2, 2, 0, 0, 0xFD, 0xE9]),
            asPathRow("AS_PATH with a lone trailing octet → treat-as-withdraw, 3/11 (RFC 7606 §7.2)",
                      [2, 1, 0, 0, 0xFD, 0xE9, 2]),
            asPathRow("AS_PATH overrun with 2-octet ASes → treat-as-withdraw, 3/11 (RFC 7606 §7.2)",
                      [2, 2, 0xFD, 0xE9, 0xFD], context: twoOctet),
            row("AS_PATH with AS_SET and confederation segments is clean (RFC 4271 §4.3, RFC 5065 §3)",
                origin + [0x40, 2, 18, 3, 1, 0, 0, 0xFD, 0xE8, 2, 1, 0, 0, 0xFD, 0xE9, 1, 1, 0, 0, 0xFD, 0xEA] + nextHop,
                action: nil, present: mandatoryCodes),
            // RFC 6793 §6: AS4_PATH / AS4_AGGREGATOR.
            row("AS4_PATH on a 4-octet session → attribute discard (RFC 6793 §6)",
                withAttribute(as4Path), action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, as4Path, .as4Path)),
            row("AS4_AGGREGATOR on a 4-octet session → attribute discard (RFC 6793 §6)",
                withAttribute(as4Aggregator), action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, as4Aggregator, .as4Aggregator)),
            row("AS4_PATH on a 2-octet session is kept (RFC 6793 §4.2.3)",
                mandatory2 + as4Path, context: twoOctet, action: nil, present: mandatoryCodes + [.as4Path]),
            row("AS4_PATH segment length 0 on a 2-octet session → attribute discard, 3/9 (RFC 6793 §6, RFC 7606 §7.2)",
                mandatory2 + [0xC0, 17, 2, 2, 0], context: twoOctet, action: .attributeDiscard, present: mandatoryCodes,
                .discard(9, [0xC0, 17, 2, 2, 0], .as4Path)),
            row("AS4_PATH segment type 9 on a 2-octet session → attribute discard, 3/9 (RFC 6793 §6)",
                mandatory2 + [0xC0, 17, 6, 9, 1, 0, 1, 0, 0], context: twoOctet, action: .attributeDiscard,
                present: mandatoryCodes, .discard(9, [0xC0, 17, 6, 9, 1, 0, 1, 0, 0], .as4Path)),
            row("AS4_AGGREGATOR of length 6 on a 2-octet session → attribute discard, 3/5 (RFC 6793 §6)",
                mandatory2 + [0xC0, 18, 6, 0, 1, 192, 0, 2, 1], context: twoOctet, action: .attributeDiscard,
                present: mandatoryCodes, .discard(5, [0xC0, 18, 6, 0, 1, 192, 0, 2, 1], .as4Aggregator)),
            // §7.3 NEXT_HOP.
            row("NEXT_HOP of length 5 → treat-as-withdraw, 3/5 (RFC 7606 §7.3)",
                origin + asPath + [0x40, 3, 5, 192, 0, 2, 254, 0], action: .treatAsWithdraw,
                present: [.origin, .asPath], .withdraw(5, [0x40, 3, 5, 192, 0, 2, 254, 0], .nextHop)),
            // §7.4 MULTI_EXIT_DISC.
            lengthRow("MULTI_EXIT_DISC of length 3 → treat-as-withdraw, 3/5 (RFC 7606 §7.4)",
                      [0x80, 4, 3, 0, 0, 1], .multiExitDiscriminator, .treatAsWithdraw),
            // §7.5 LOCAL_PREF.
            lengthRow("LOCAL_PREF of length 2 from an internal peer → treat-as-withdraw, 3/5 (RFC 7606 §7.5)",
                      [0x40, 5, 2, 0, 100], .localPreference, .treatAsWithdraw, context: internalPeer),
            externalRow("LOCAL_PREF from an external peer → attribute discard (RFC 7606 §7.5)",
                        [0x40, 5, 4, 0, 0, 0, 100], .localPreference),
            externalRow("LOCAL_PREF of length 2 from an external peer → discarded, not withdrawn (RFC 7606 §7.5)",
                        [0x40, 5, 2, 0, 100], .localPreference),
            // §7.6 ATOMIC_AGGREGATE, §7.7 AGGREGATOR.
            lengthRow("ATOMIC_AGGREGATE of length 1 → attribute discard, 3/5 (RFC 7606 §7.6)",
                      [0x40, 6, 1, 0], .atomicAggregate, .attributeDiscard),
            lengthRow("AGGREGATOR of length 6 on a 4-octet session → attribute discard, 3/5 (RFC 7606 §7.7)",
                      [0xC0, 7, 6, 0xFD, 0xE9, 192, 0, 2, 1], .aggregator, .attributeDiscard),
            lengthRow("AGGREGATOR of length 8 on a 2-octet session → attribute discard, 3/5 (RFC 7606 §7.7)",
                      [0xC0, 7, 8, 0, 0, 0xFD, 0xE9, 192, 0, 2, 1], .aggregator, .attributeDiscard, context: twoOctet),
            lengthRow("AGGREGATOR of length 7 → attribute discard, 3/5 (RFC 7606 §7.7)",
                      [0xC0, 7, 7, 0, 0, 0xFD, 0xE9, 192, 0, 2], .aggregator, .attributeDiscard),
            // §7.8 COMMUNITIES.
            lengthRow("COMMUNITIES of length 5 → treat-as-withdraw, 3/5 (RFC 7606 §7.8)",
                      [0xC0, 8, 5, 0xFD, 0xE9, 0, 1, 0], .communities, .treatAsWithdraw),
            lengthRow("COMMUNITIES of length 0 → treat-as-withdraw, 3/5 (RFC 7606 §7.8)",
                      [0xC0, 8, 0], .communities, .treatAsWithdraw),
            // §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST.
            lengthRow("ORIGINATOR_ID of length 5 → treat-as-withdraw, 3/5 (RFC 7606 §7.9)",
                      [0x80, 9, 5, 192, 0, 2, 9, 0], .originatorID, .treatAsWithdraw, context: internalPeer),
            externalRow("ORIGINATOR_ID from an external peer → attribute discard (RFC 7606 §7.9)",
                        [0x80, 9, 4, 192, 0, 2, 9], .originatorID),
            lengthRow("CLUSTER_LIST of length 6 → treat-as-withdraw, 3/5 (RFC 7606 §7.10)",
                      [0x80, 10, 6, 192, 0, 2, 9, 0, 0], .clusterList, .treatAsWithdraw, context: internalPeer),
            lengthRow("CLUSTER_LIST of length 0 → treat-as-withdraw, 3/5 (RFC 7606 §7.10)",
                      [0x80, 10, 0], .clusterList, .treatAsWithdraw, context: internalPeer),
            externalRow("CLUSTER_LIST from an external peer → attribute discard (RFC 7606 §7.10)",
                        [0x80, 10, 4, 192, 0, 2, 9], .clusterList),
            // §7.11 MP_REACH_NLRI, §7.12 MP_UNREACH_NLRI: AFI/SAFI disable with the family.
            reachRow("MP_REACH_NLRI IPv6 next-hop length 5 → AFI/SAFI disable ipv6-unicast (RFC 7606 §7.11)",
                     B.mpReach(nextHop: [0x20, 0x01, 0x0D, 0xB8, 1], nlri: v6Prefix), .mpReachNLRI, .ipv6Unicast),
            reachRow("MP_REACH_NLRI IPv6 next-hop length 4 → AFI/SAFI disable ipv6-unicast (RFC 7606 §7.11)",
                     B.mpReach(nextHop: [192, 0, 2, 1], nlri: v6Prefix), .mpReachNLRI, .ipv6Unicast),
            reachRow("MP_REACH_NLRI IPv4 next-hop length 5 → AFI/SAFI disable ipv4-unicast (RFC 7606 §7.11)",
                     B.mpReach(afi: 1, nextHop: [192, 0, 2, 1, 0], nlri: [24, 198, 51, 100]), .mpReachNLRI, .ipv4Unicast),
            reachRow("MP_REACH_NLRI next-hop length 16 with 3 octets left → AFI/SAFI disable (RFC 7606 §7.11)",
                     [0x80, 14, 7, 0, 2, 1, 16, 0x20, 0x01, 0x0D], .mpReachNLRI, .ipv6Unicast),
            reachRow("MP_REACH_NLRI IPv6 prefix length 129 → AFI/SAFI disable (RFC 7606 §7.11, §5.3)",
                     B.mpReach(nextHop: v6, nlri: [129] + [UInt8](repeating: 0x20, count: 17)), .mpReachNLRI, .ipv6Unicast),
            reachRow("MP_REACH_NLRI IPv6 /64 with 4 prefix octets → AFI/SAFI disable (RFC 7606 §7.11, §5.3)",
                     B.mpReach(nextHop: v6, nlri: [64, 0x20, 0x01, 0x0D, 0xB8]), .mpReachNLRI, .ipv6Unicast),
            reachRow("MP_REACH_NLRI IPv4 prefix length 33 → AFI/SAFI disable ipv4-unicast (RFC 7606 §7.11, §5.3)",
                     B.mpReach(afi: 1, nextHop: [192, 0, 2, 1], nlri: [33, 198, 51, 100, 0, 0]), .mpReachNLRI,
                     .ipv4Unicast),
            unreachRow("MP_UNREACH_NLRI IPv6 prefix length 129 → AFI/SAFI disable (RFC 7606 §7.12, §5.3)",
                       B.mpUnreach(withdrawn: [129] + [UInt8](repeating: 0x20, count: 17)), .ipv6Unicast),
            unreachRow("MP_UNREACH_NLRI IPv6 prefix overrunning the attribute → AFI/SAFI disable (RFC 7606 §7.12)",
                       B.mpUnreach(withdrawn: [48, 0x20, 0x01]), .ipv6Unicast),
            row("MP_REACH_NLRI for a family we do not parse (L2VPN EVPN) is kept verbatim, not malformed (RFC 4760 §3)",
                B.mpReach(afi: 25, safi: 70, nextHop: [192, 0, 2, 1], nlri: [1, 2, 3]) + origin + asPath, nlri: [],
                action: nil, present: [.origin, .asPath, .mpReachNLRI]),
            // §7.13 Traffic Engineering: not interpreted by us, so carried as an unrecognised optional attribute.
            row("Traffic Engineering attribute (24) is unrecognised here: kept, never malformed (RFC 7606 §7.13)",
                withAttribute([0x80, 24, 3, 1, 2, 3]), action: nil,
                present: mandatoryCodes + [AttributeCode(rawValue: 24)]),
            // §7.14 EXTENDED_COMMUNITIES, RFC 8092 §5 LARGE_COMMUNITY.
            lengthRow("EXTENDED_COMMUNITIES of length 12 → treat-as-withdraw, 3/5 (RFC 7606 §7.14)",
                      [0xC0, 16, 12] + [UInt8](repeating: 1, count: 12), .extendedCommunities, .treatAsWithdraw),
            lengthRow("EXTENDED_COMMUNITIES of length 0 → treat-as-withdraw, 3/5 (RFC 7606 §7.14)",
                      [0xC0, 16, 0], .extendedCommunities, .treatAsWithdraw),
            lengthRow("LARGE_COMMUNITY of length 13 → treat-as-withdraw, 3/5 (RFC 8092 §5)",
                      [0xC0, 32, 13] + [UInt8](repeating: 1, count: 13), .largeCommunities, .treatAsWithdraw),
            lengthRow("LARGE_COMMUNITY of length 0 → treat-as-withdraw, 3/5 (RFC 8092 §5)",
                      [0xC0, 32, 0], .largeCommunities, .treatAsWithdraw),
            row("LARGE_COMMUNITY of length 24 (two communities) is clean (RFC 8092 §3)",
                withAttribute([0xC0, 32, 24] + [UInt8](repeating: 1, count: 24)), action: nil,
                present: mandatoryCodes + [.largeCommunities]),
        ]
    }()

    @Test("RFC 7606 outcome: exact errors, strongest action, what survived", arguments: generalRows + attributeRows)
    func outcome(_ row: UpdateOutcomeCase) throws {
        let bytes = B.update(attributes: row.attributes, nlri: row.nlri)
        let decoded = try #require(try MalformedDecode.decode(bytes, context: row.context))
        guard case .update(let update) = decoded.message else {
            Issue.record("decoded \(decoded.message)")
            return
        }
        #expect(decoded.updateErrors.map(ExpectedUpdateError.init) == row.errors)
        #expect(decoded.updateAction == row.action)
        #expect(update.attributes.presentCodes == row.present)
        #expect(update.announced == row.announced)
        #expect(update.withdrawn.isEmpty)
    }
}

// MARK: What RFC 7606 still resets the session for, and what survives the rest

extension MalformedUpdateTests {
    static func update3(_ subcode: UInt8, _ data: [UInt8]) -> BGPNotification {
        BGPNotification(code: .updateMessage, subcode: subcode, data: data)
    }

    static let resetRows: [NotificationCase] = {
        let reach = B.mpReach(nextHop: B.ipv6DocumentationAddress, nlri: B.ipv6DocumentationPrefix)
        let unreach = B.mpUnreach(withdrawn: B.ipv6DocumentationPrefix)
        return [
            .init(
                testDescription: "Withdrawn Routes Length 10 overruns the message → 3/1, no Data (RFC 4271 §6.3)",
                bytes: B.update(withdrawnLength: 10), expected: update3(1, [])),
            .init(
                testDescription: "Withdrawn Routes Length leaves no room for Total Path Attribute Length → 3/1 (RFC 4271 §6.3)",
                bytes: B.message(type: B.updateType, body: [0, 2, 8, 10, 0]), expected: update3(1, [])),
            .init(
                testDescription: "Total Path Attribute Length overruns the message → 3/1 (RFC 4271 §6.3)",
                bytes: B.update(attributes: mandatory, attributesLength: mandatory.count + 5), expected: update3(1, [])),
            .init(
                testDescription: "Withdrawn route with prefix length 33 → 3/10, no Data (RFC 7606 §5.3)",
                bytes: B.update(withdrawn: [33, 10, 0, 0, 1, 0]), expected: update3(10, [])),
            .init(
                testDescription: "Withdrawn /24 with 2 prefix octets → 3/10 (RFC 7606 §5.3)",
                bytes: B.update(withdrawn: [24, 10, 0]), expected: update3(10, [])),
            .init(
                testDescription: "IPv4 NLRI with prefix length 33 → 3/10 (RFC 4271 §6.3, RFC 7606 §5.3)",
                bytes: B.update(attributes: mandatory, nlri: [33, 198, 51, 100, 0, 0]), expected: update3(10, [])),
            .init(
                testDescription: "IPv4 NLRI /24 with 2 prefix octets → 3/10 (RFC 7606 §5.3)",
                bytes: B.update(attributes: mandatory, nlri: [24, 198, 51]), expected: update3(10, [])),
            .init(
                testDescription: "Invalid NLRI beside a treat-as-withdraw ORIGIN → session reset 3/10 wins (RFC 7606 §3 b)",
                bytes: B.update(attributes: [0x40, 1, 1, 3] + B.asPath([65001]) + B.nextHop(), nlri: [33, 1, 2, 3, 4, 5]),
                expected: update3(10, [])),
            .init(
                testDescription: "Unrecognised well-known attribute 200 → 3/2, Data = flags, type, length, value (RFC 4271 §6.3)",
                bytes: B.update(attributes: mandatory + [0x40, 200, 2, 0xAB, 0xCD], nlri: nlri),
                expected: update3(2, [0x40, 200, 2, 0xAB, 0xCD])),
            .init(
                testDescription: "Unrecognised well-known attribute with Extended Length → 3/2 with the 2-octet length (RFC 4271 §6.3)",
                bytes: B.update(attributes: [0x50, 201, 0, 1, 7] + mandatory, nlri: nlri),
                expected: update3(2, [0x50, 201, 0, 1, 7])),
            .init(
                testDescription: "MP_REACH_NLRI twice → 3/1 Malformed Attribute List (RFC 7606 §3 g)",
                bytes: B.update(attributes: reach + B.origin() + B.asPath([65001]) + reach), expected: update3(1, [])),
            .init(
                testDescription: "MP_UNREACH_NLRI twice → 3/1 Malformed Attribute List (RFC 7606 §3 g)",
                bytes: B.update(attributes: unreach + unreach), expected: update3(1, [])),
            .init(
                testDescription: "MP_REACH_NLRI too short for AFI/SAFI → session reset, 3/9 with the attribute (RFC 7606 §7.11)",
                bytes: B.update(attributes: [0x80, 14, 2, 0, 2] + B.origin() + B.asPath([65001])),
                expected: update3(9, [0x80, 14, 2, 0, 2])),
            .init(
                testDescription: "MP_UNREACH_NLRI too short for AFI/SAFI → session reset, 3/9 with the attribute (RFC 7606 §7.12)",
                bytes: B.update(attributes: [0x80, 15, 2, 0, 2]), expected: update3(9, [0x80, 15, 2, 0, 2])),
            // §5.2: attributes besides MP_UNREACH_NLRI but no reachable NLRI: only attribute discard may be used.
            .init(
                testDescription: "No reachable NLRI, malformed ORIGIN → session reset, 3/6 (RFC 7606 §5.2)",
                bytes: B.update(attributes: [0x40, 1, 1, 3] + B.asPath([65001])),
                expected: update3(6, [0x40, 1, 1, 3])),
            .init(
                testDescription: "No reachable NLRI, malformed MP_UNREACH_NLRI beside ORIGIN → session reset, 3/9 (RFC 7606 §5.2)",
                bytes: B.update(attributes: B.mpUnreach(withdrawn: [48, 0x20, 0x01]) + B.origin()),
                expected: update3(9, B.mpUnreach(withdrawn: [48, 0x20, 0x01]))),
            .init(
                testDescription: "No reachable NLRI, attribute-list overrun → session reset, 3/5 (RFC 7606 §5.2, §4)",
                bytes: B.update(attributes: B.origin() + [0x40, 2, 9, 2, 1]),
                expected: update3(5, [0x40, 2, 9, 2, 1])),
        ]
    }()

    @Test("UPDATE errors RFC 7606 leaves as session reset throw the exact NOTIFICATION", arguments: resetRows)
    func sessionReset(_ row: NotificationCase) {
        #expect(MalformedDecode.thrown(row.bytes, context: row.context) == row.expected)
    }

    /// Decodes a clean-framed UPDATE, returning it with its errors.
    static func decodeUpdate(
        _ bytes: [UInt8], context: DecodeContext = DecodeContext()
    ) throws -> (UpdateMessage, DecodedMessage) {
        let decoded = try #require(try MalformedDecode.decode(bytes, context: context))
        guard case .update(let update) = decoded.message else { throw BGPNotification.malformedAttributeList }
        return (update, decoded)
    }

    static let twoPrefixes: [UInt8] = [24, 198, 51, 100, 25, 203, 0, 113, 128]
    static let twoAnnounced = [NLRI(IPPrefix("198.51.100.0/24")!), NLRI(IPPrefix("203.0.113.128/25")!)]

    @Test("After treat-as-withdraw the rest of the UPDATE is decoded exactly (RFC 7606 §2, §7.1)")
    func treatAsWithdrawKeepsTheRest() throws {
        let attributes =
            [0x40, 1, 1, 3] + B.asPath([65001, 65002]) + B.nextHop() + [0x80, 4, 4, 0, 0, 0, 10]
            + [0xC0, 8, 4, 0xFD, 0xE9, 0, 1] + [0xC0, 99, 1, 7]
        let (update, decoded) = try Self.decodeUpdate(
            B.update(withdrawn: [8, 10], attributes: attributes, nlri: Self.twoPrefixes))
        #expect(decoded.updateAction == .treatAsWithdraw)
        #expect(update.withdrawn == [NLRI(IPPrefix("10.0.0.0/8")!)])
        #expect(update.announced == Self.twoAnnounced)
        let expected = PathAttributes(
            asPath: ASPath(sequence: [65001, 65002]), nextHop: IPAddress("192.0.2.254")!, multiExitDiscriminator: 10,
            communities: [Community(65001, 1)],
            unknown: [UnknownAttribute(flags: [.optional, .transitive], code: AttributeCode(rawValue: 99), value: [7])])
        #expect(update.attributes.withoutWireHints == expected)
    }

    @Test("After attribute-discard the UPDATE is otherwise intact (RFC 7606 §2, §7.6)")
    func attributeDiscardKeepsTheRest() throws {
        let attributes = B.mandatory() + [0x40, 6, 1, 0] + [0xC0, 7, 8, 0, 0, 0xFD, 0xE9, 192, 0, 2, 1]
        let (update, decoded) = try Self.decodeUpdate(B.update(attributes: attributes, nlri: Self.twoPrefixes))
        #expect(decoded.updateAction == .attributeDiscard)
        #expect(update.announced == Self.twoAnnounced)
        let expected = PathAttributes(
            origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: IPAddress("192.0.2.254")!, atomicAggregate: false,
            aggregator: Aggregator(asn: 65001, address: IPAddress("192.0.2.1")!))
        #expect(update.attributes.withoutWireHints == expected)
    }

    @Test("An overrunning attribute cannot swallow the NLRI: Total Path Attribute Length locates it (RFC 7606 §4)")
    func nlriLocatedByTotalLength() throws {
        // COMMUNITIES claims 20 octets but the attribute field ends after 4; the NLRI follows.
        let attributes = B.mandatory() + [0xC0, 8, 20, 0xFD, 0xE9, 0, 1]
        let (update, decoded) = try Self.decodeUpdate(B.update(attributes: attributes, nlri: Self.twoPrefixes + [32, 192, 0, 2, 77, 16, 172, 16]))
        #expect(decoded.updateAction == .treatAsWithdraw)
        #expect(
            update.announced
                == Self.twoAnnounced + [NLRI(IPPrefix("192.0.2.77/32")!), NLRI(IPPrefix("172.16.0.0/16")!)])
        #expect(update.attributes.origin == .igp && update.attributes.nextHop == IPAddress("192.0.2.254")!)
        #expect(update.attributes.communities == nil)
    }

    @Test("Repeated attributes keep the FIRST occurrence (RFC 7606 §3 g)")
    func duplicatesKeepFirst() throws {
        let attributes =
            B.origin(0) + B.asPath([65001]) + B.nextHop() + [0xC0, 8, 4, 0, 1, 0, 1] + [0xC0, 99, 1, 1] + B.origin(2)
            + [0xC0, 8, 4, 0, 2, 0, 2] + [0xC0, 99, 1, 2] + B.asPath([65009, 65010])
        let (update, decoded) = try Self.decodeUpdate(B.update(attributes: attributes, nlri: Self.nlri))
        #expect(decoded.updateErrors.map(\.attribute) == [.origin, .communities, AttributeCode(rawValue: 99), .asPath])
        #expect(decoded.updateErrors.allSatisfy { $0.action == .attributeDiscard })
        #expect(update.attributes.origin == .igp)
        #expect(update.attributes.asPath == ASPath(sequence: [65001]))
        #expect(update.attributes.communities == [Community(1, 1)])
        #expect(update.attributes.unknown.map(\.value) == [[1]])
        #expect(update.announced == Self.announced)
    }

    @Test("An unrecognised optional transitive attribute is kept verbatim, Partial included (RFC 4271 §5, §9)")
    func unknownOptionalKept() throws {
        let attributes = B.mandatory() + [0xE0, 99, 3, 1, 2, 3] + [0xD0, 100, 0, 1, 4] + [0x80, 101, 2, 5, 6]
        let (update, decoded) = try Self.decodeUpdate(B.update(attributes: attributes, nlri: Self.nlri))
        #expect(decoded.updateErrors.isEmpty)
        #expect(
            update.attributes.unknown == [
                UnknownAttribute(flags: [.optional, .transitive, .partial], code: AttributeCode(rawValue: 99), value: [1, 2, 3]),
                UnknownAttribute(flags: [.optional, .transitive], code: AttributeCode(rawValue: 100), value: [4]),
                UnknownAttribute(flags: [.optional], code: AttributeCode(rawValue: 101), value: [5, 6]),
            ])
        // Re-encoding the received UPDATE gives back the same octets.
        var encoded = ByteBuffer()
        encoded.writeBGPMessage(decoded.message, context: EncodeContext())
        #expect(Array(buffer: encoded) == B.update(attributes: attributes, nlri: Self.nlri))
    }

    @Test("AFI/SAFI disable names the family and keeps the IPv4 NLRI and attributes (RFC 7606 §7.11)")
    func afiSafiDisableKeepsRest() throws {
        let badReach = B.mpReach(nextHop: [1, 2, 3, 4, 5], nlri: B.ipv6DocumentationPrefix)
        let (update, decoded) = try Self.decodeUpdate(B.update(attributes: badReach + B.mandatory(), nlri: Self.nlri))
        #expect(decoded.updateAction == .afiSafiDisable)
        #expect(decoded.updateErrors.map(\.family) == [.ipv6Unicast])
        #expect(update.attributes.mpReach == nil)
        #expect(update.attributes.origin == .igp && update.attributes.asPath == ASPath(sequence: [65001]))
        #expect(update.announced == Self.announced)
    }
}
