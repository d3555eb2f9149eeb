// SPDX-License-Identifier: Apache-2.0
// Property-based generators (x-sheep/swift-property-based) for every BGPWire value: addresses, prefixes, NLRI,
// path attributes, capabilities and the five messages, plus the session contexts they are encoded under.
//
// Generated values are *valid for their context*, i.e. what a decoder could have produced:
// - AS numbers are never 0 (RFC 7607 §2). On a 2-octet session those in AS_PATH/AGGREGATOR fit 16 bits and
//   AS4_PATH/AS4_AGGREGATOR may be present; on a 4-octet session AS4_* are absent (the decoder discards them,
//   RFC 6793 §6).
// - NLRI carry a Path Identifier exactly when the context has ADD-PATH for their family (RFC 7911 §3).
// - UPDATEs with reachable NLRI carry ORIGIN, AS_PATH (and NEXT_HOP for the body NLRI field), so decoding raises
//   no RFC 7606 §3 (d) error; every list attribute is non-empty; unknown attributes have distinct codes outside the
//   known table and the Optional bit (RFC 4271 §6.3); messages fit the context's maximum length.
// - Wire hints are consistent: `wireOrder` is nil or differs from the canonical order, `unknown` follows the
//   effective order (the decoder appends in arrival order), `partial` names present optional transitive
//   attributes, and `extendedLengthHint` names only attributes whose value is at most 255 octets.
//
// AS path segments are deliberately generated with up to 300 ASes. The encoder splits a segment longer than 255
// into runs of 255 (the segment length field is one octet), so such a path cannot come back unchanged: round-trip
// properties compare against `wireNormalized`, which applies the same split. Capping at 255 would leave the split
// untested.

import BGPCore
import BGPWire
import NIOCore
import PropertyBased

/// A generator with a type-erased shrink sequence, so that generators compose without their types growing.
public typealias AnyGen<Value> = Generator<Value, AnySequence<Any>>

// MARK: - Addresses and prefixes

extension Gen where Value == IPAddress {
    /// Any IPv4 address.
    public static var ipv4Address: AnyGen<IPAddress> {
        Gen<UInt32>.uint32().map { IPAddress(ipv4: $0) }.eraseToAny()
    }

    /// IPv6 addresses in which zero groups are common, so that `::` placement and its tie rule (RFC 5952 §4.2)
    /// are exercised.
    public static var ipv6Address: AnyGen<IPAddress> {
        zip(Gen<Bool>.bool(0.45), Gen<UInt16>.uint16()).map { zero, group in zero ? UInt16(0) : group }.array(of: 8)
            .map { groups in IPAddress(ipv6Groups: groups) }.eraseToAny()
    }

    /// `fe80::/64` addresses, the link-local half of a 32-octet IPv6 next hop (RFC 2545 §3).
    public static var ipv6LinkLocal: AnyGen<IPAddress> {
        Gen<UInt64>.uint64().map { IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: $0) }.eraseToAny()
    }

    /// An address of either family.
    public static var ipAddress: AnyGen<IPAddress> {
        Gen.oneOf(ipv4Address, ipv6Address).eraseToAny()
    }

    public static func address(_ family: IPAddress.Family) -> AnyGen<IPAddress> {
        family == .ipv4 ? ipv4Address : ipv6Address
    }
}

extension IPAddress {
    /// Builds an IPv6 address from eight 16-bit groups.
    public init(ipv6Groups groups: [UInt16]) {
        precondition(groups.count == 8)
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        self.init(ipv6High: high, low: low)
    }

    /// The eight 16-bit groups of an IPv6 address.
    public var ipv6Groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * $0)) }
    }
}

extension Gen where Value == IPPrefix {
    /// A prefix of `family` with any length (0...32 or 0...128); host bits are cleared by `IPPrefix.init`.
    public static func ipPrefix(_ family: IPAddress.Family) -> AnyGen<IPPrefix> {
        zip(Gen<IPAddress>.address(family), Gen<UInt8>.uint8(in: 0...UInt8(family.bitWidth)))
            .map { address, length in IPPrefix(address: address, length: length) }.eraseToAny()
    }

    /// A prefix of either family.
    public static var ipPrefix: AnyGen<IPPrefix> {
        Gen.oneOf(ipPrefix(.ipv4), ipPrefix(.ipv6)).eraseToAny()
    }
}

// MARK: - NLRI

extension Gen where Value == NLRI {
    /// An NLRI entry of `family`, with a Path Identifier exactly when `addPath` (RFC 7911 §3).
    public static func nlri(_ family: IPAddress.Family, addPath: Bool) -> AnyGen<NLRI> {
        zip(Gen<IPPrefix>.ipPrefix(family), Gen<UInt32>.uint32())
            .map { prefix, pathID in NLRI(prefix, pathID: addPath ? pathID : nil) }.eraseToAny()
    }

    /// An NLRI entry of `family` as the context sends it.
    public static func nlri(_ family: AddressFamily, context: EncodeContext) -> AnyGen<NLRI> {
        nlri(family.ipFamily!, addPath: context.addPath.contains(family))
    }
}

extension Gen where Value == [NLRI] {
    /// Thousands of NLRI at once, drawn straight from the random source: composing the per-entry generators is too
    /// slow in debug builds at this size. Shrinks to either half, or to all but the last entry.
    public static func nlriList(
        _ family: IPAddress.Family, addPath: Bool, count: ClosedRange<Int>
    ) -> AnyGen<[NLRI]> {
        Generator<[NLRI], AnySequence<[NLRI]>>(
            run: { rng in
                (0..<Int.random(in: count, using: &rng)).map { _ in
                    let length = UInt8.random(in: 0...UInt8(family.bitWidth), using: &rng)
                    let address =
                        family == .ipv4
                        ? IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next()))
                        : IPAddress(ipv6High: rng.next(), low: rng.next())
                    let pathID = UInt32(truncatingIfNeeded: rng.next())
                    return NLRI(IPPrefix(address: address, length: length), pathID: addPath ? pathID : nil)
                }
            },
            shrink: { list in
                guard list.count > count.lowerBound else { return AnySequence([]) }
                let half = max(count.lowerBound, list.count / 2)
                let candidates = [Array(list.prefix(half)), Array(list.suffix(half)), Array(list.dropLast())]
                return AnySequence(candidates.filter { $0.count < list.count })
            }
        ).eraseToAny()
    }
}

// MARK: - Contexts

extension EncodeContext {
    /// Every combination of 4-octet AS, ADD-PATH for a subset of {IPv4, IPv6} unicast, and extended messages.
    public static let allCombinations: [EncodeContext] = {
        let addPaths: [Set<AddressFamily>] = [[], [.ipv4Unicast], [.ipv6Unicast], [.ipv4Unicast, .ipv6Unicast]]
        return [false, true].flatMap { fourOctetAS in
            addPaths.flatMap { addPath in
                [false, true].map { EncodeContext(fourOctetAS: fourOctetAS, addPath: addPath, extendedMessage: $0) }
            }
        }
    }()

    /// The largest AS number an AS_PATH or AGGREGATOR can carry in this context.
    public var maximumASN: UInt32 { fourOctetAS ? UInt32.max : UInt32(UInt16.max) }
}

extension Gen where Value == EncodeContext {
    /// Any session context.
    public static var encodeContext: AnyGen<EncodeContext> {
        zip(Gen<Bool>.bool, Gen<Bool>.bool, Gen<Bool>.bool, Gen<Bool>.bool).map {
            fourOctetAS, addPathV4, addPathV6, extendedMessage in
            var addPath: Set<AddressFamily> = []
            if addPathV4 { addPath.insert(.ipv4Unicast) }
            if addPathV6 { addPath.insert(.ipv6Unicast) }
            return EncodeContext(fourOctetAS: fourOctetAS, addPath: addPath, extendedMessage: extendedMessage)
        }.eraseToAny()
    }

    /// A generated context together with a value generated for it (a dependent pair). Each context has its own
    /// generator, so shrinking works within the chosen context.
    public static func withContext<T>(
        in contexts: [EncodeContext] = EncodeContext.allCombinations,
        _ generator: (EncodeContext) -> AnyGen<T>
    ) -> AnyGen<(EncodeContext, T)> {
        Gen<(EncodeContext, T)>.frequency(
            contexts.map { context in (weight: 1.0, gen: generator(context).map { (context, $0) }.eraseToAny()) }
        ).eraseToAny()
    }
}

// MARK: - Path attributes

extension Gen where Value == Origin {
    public static var origin: AnyGen<Origin> {
        Gen<Origin?>.element(of: [Origin.igp, .egp, .incomplete]).map { $0! }.eraseToAny()
    }
}

extension Gen where Value == ASPathSegment {
    /// A segment of any of the four kinds (RFC 4271 §4.3, RFC 5065 §3) with 1...300 ASes: mostly short, one in
    /// eight with 200...300 ASes so that the >255 split in the encoder is exercised.
    public static func segment(
        kinds: [ASPathSegment.Kind] = [.set, .sequence, .confedSequence, .confedSet], asn: AnyGen<UInt32>
    ) -> AnyGen<ASPathSegment> {
        let short = zip(Gen<ASPathSegment.Kind?>.element(of: kinds), asn.array(of: 1...12))
        let long = zip(Gen<ASPathSegment.Kind?>.element(of: kinds), asn.array(of: 200...300))
        return Gen<ASPathSegment>.frequency([
            (weight: 7.0, gen: short.map { kind, asns in ASPathSegment(kind: kind!, asns: asns) }.eraseToAny()),
            (weight: 1.0, gen: long.map { kind, asns in ASPathSegment(kind: kind!, asns: asns) }.eraseToAny()),
        ]).eraseToAny()
    }
}

extension Gen where Value == UInt32 {
    /// AS numbers 1...`maximum` (AS 0 is malformed in paths and aggregators, RFC 7607 §2), with 4-octet ones drawn
    /// half the time when `maximum` allows them.
    public static func asn(maximum: UInt32) -> AnyGen<UInt32> {
        guard maximum > 0xFFFF else { return Gen<UInt32>.uint32(in: 1...maximum).eraseToAny() }
        return zip(Gen<Bool>.bool, Gen<UInt32>.uint32(in: 1...0xFFFF), Gen<UInt32>.uint32(in: 0x1_0000...maximum))
            .map { small, twoOctet, fourOctet in small ? twoOctet : fourOctet }.eraseToAny()
    }
}

extension Gen where Value == ASPath {
    /// A path of 0...4 segments with AS numbers up to `maximumASN`.
    public static func asPath(
        maximumASN: UInt32 = .max, kinds: [ASPathSegment.Kind] = [.set, .sequence, .confedSequence, .confedSet]
    ) -> AnyGen<ASPath> {
        Gen<ASPathSegment>.segment(kinds: kinds, asn: Gen<UInt32>.asn(maximum: maximumASN)).array(of: 0...4)
            .map { ASPath(segments: $0) }.eraseToAny()
    }
}

extension Gen where Value == Aggregator {
    public static func aggregator(maximumASN: UInt32 = .max) -> AnyGen<Aggregator> {
        zip(Gen<UInt32>.asn(maximum: maximumASN), Gen<IPAddress>.ipv4Address)
            .map { asn, address in Aggregator(asn: asn, address: address) }.eraseToAny()
    }
}

extension Gen where Value == [Community] {
    /// 1...8 communities (RFC 7606 §7.8 makes an empty COMMUNITIES malformed).
    public static var communities: AnyGen<[Community]> {
        Gen<UInt32>.uint32().map { Community(rawValue: $0) }.array(of: 1...8).eraseToAny()
    }
}

extension Gen where Value == [ExtendedCommunity] {
    public static var extendedCommunities: AnyGen<[ExtendedCommunity]> {
        Gen<UInt64>.uint64().map { ExtendedCommunity(rawValue: $0) }.array(of: 1...6).eraseToAny()
    }
}

extension Gen where Value == [LargeCommunity] {
    public static var largeCommunities: AnyGen<[LargeCommunity]> {
        zip(Gen<UInt32>.uint32(), Gen<UInt32>.uint32(), Gen<UInt32>.uint32()).map { LargeCommunity($0, $1, $2) }.array(
            of: 1...5
        )
        .eraseToAny()
    }
}

extension AttributeCode {
    /// Codes without a descriptor: what `PathAttributes` keeps in `unknown`.
    public static let unknownCodes: [AttributeCode] =
        (0...255).map { AttributeCode(rawValue: UInt8($0)) }.filter { $0.descriptor == nil }

    /// Known codes whose value has a fixed size of at most 8 octets, so an Extended Length hint always applies.
    static let fixedSizeCodes: [AttributeCode] = [
        .origin, .nextHop, .multiExitDiscriminator, .localPreference, .atomicAggregate, .aggregator, .originatorID,
        .as4Aggregator,
    ]

    /// Known optional transitive codes, the ones whose Partial bit is kept (RFC 4271 §5).
    static let optionalTransitiveCodes: [AttributeCode] = [
        .aggregator, .communities, .extendedCommunities, .as4Path, .as4Aggregator, .largeCommunities,
    ]
}

extension Gen where Value == UnknownAttribute {
    /// An attribute with a code outside the known table, the Optional bit set (an unrecognized well-known attribute
    /// ends the session, RFC 4271 §6.3), any Transitive/Partial bits and 0...300 octets of value.
    public static var unknownAttribute: AnyGen<UnknownAttribute> {
        let value = Gen<[UInt8]>.frequency([
            (weight: 4.0, gen: Gen<UInt8>.uint8().array(of: 0...24).eraseToAny()),
            (weight: 1.0, gen: Gen<UInt8>.uint8().array(of: 0...300).eraseToAny()),
        ])
        return zip(Gen<AttributeCode?>.element(of: AttributeCode.unknownCodes), Gen<Bool>.bool, Gen<Bool>.bool, value)
            .map { code, transitive, partial, value in
                var flags: AttributeFlags = .optional
                if transitive { flags.insert(.transitive) }
                if partial { flags.insert(.partial) }
                return UnknownAttribute(flags: flags, code: code!, value: value)
            }.eraseToAny()
    }
}

extension Gen where Value == AddressFamily {
    /// IPv4 or IPv6 unicast mostly, sometimes an arbitrary AFI/SAFI (for capabilities and ROUTE-REFRESH).
    public static var addressFamily: AnyGen<AddressFamily> {
        Gen<AddressFamily>.frequency([
            (weight: 2.0, gen: Gen.always(AddressFamily.ipv4Unicast).eraseToAny()),
            (weight: 2.0, gen: Gen.always(AddressFamily.ipv6Unicast).eraseToAny()),
            (
                weight: 1.0,
                gen: zip(Gen<UInt16>.uint16(), Gen<UInt8>.uint8()).map {
                    AddressFamily(afi: AFI(rawValue: $0), safi: SAFI(rawValue: $1))
                }.eraseToAny()
            ),
        ]).eraseToAny()
    }
}

extension Gen where Value == MultiprotocolReach {
    /// MP_REACH_NLRI for IPv6 unicast (a global next hop, optionally followed by a link-local one, RFC 2545 §3) or
    /// IPv4 unicast with an IPv4 next hop or an IPv6 one (RFC 8950), with 0...20 NLRI.
    public static func mpReach(context: EncodeContext, maximumNLRI: Int = 20) -> AnyGen<MultiprotocolReach> {
        let ipv6NextHops = zip(Gen<IPAddress>.ipv6Address, Gen<IPAddress>.ipv6LinkLocal.optional)
            .map { global, linkLocal in [global] + (linkLocal.map { [$0] } ?? []) }.eraseToAny()
        let ipv4NextHops = Gen<[IPAddress]>.frequency([
            (weight: 1.0, gen: Gen<IPAddress>.ipv4Address.map { [$0] }.eraseToAny()),
            (weight: 2.0, gen: ipv6NextHops),
        ]).eraseToAny()
        func reach(_ family: AddressFamily, _ nextHops: AnyGen<[IPAddress]>) -> AnyGen<MultiprotocolReach> {
            zip(nextHops, Gen<NLRI>.nlri(family, context: context).array(of: 0...maximumNLRI))
                .map { nextHops, nlri in MultiprotocolReach(family: family, nextHops: nextHops, nlri: nlri) }
                .eraseToAny()
        }
        return Gen<MultiprotocolReach>.frequency([
            (weight: 2.0, gen: reach(.ipv6Unicast, ipv6NextHops)),
            (weight: 1.0, gen: reach(.ipv4Unicast, ipv4NextHops)),
        ]).eraseToAny()
    }
}

extension Gen where Value == MultiprotocolUnreach {
    /// MP_UNREACH_NLRI for IPv6 or IPv4 unicast with 0...20 withdrawn NLRI (none is an End-of-RIB, RFC 4724 §2).
    public static func mpUnreach(context: EncodeContext, maximumNLRI: Int = 20) -> AnyGen<MultiprotocolUnreach> {
        func unreach(_ family: AddressFamily) -> AnyGen<MultiprotocolUnreach> {
            Gen<NLRI>.nlri(family, context: context).array(of: 0...maximumNLRI)
                .map { MultiprotocolUnreach(family: family, withdrawn: $0) }.eraseToAny()
        }
        return Gen<MultiprotocolUnreach>.frequency([
            (weight: 2.0, gen: unreach(.ipv6Unicast)), (weight: 1.0, gen: unreach(.ipv4Unicast)),
        ]).eraseToAny()
    }
}

extension Gen where Value == PathAttributes {
    /// Any subset of attributes with valid values for `context`.
    ///
    /// - Parameters:
    ///   - mandatory: attributes that must be present (ORIGIN, AS_PATH, NEXT_HOP when the UPDATE has body NLRI).
    ///     ORIGIN and AS_PATH are added whenever MP_REACH_NLRI is generated (RFC 7606 §3 (d)).
    ///   - multiprotocol: whether MP_REACH_NLRI / MP_UNREACH_NLRI may be generated.
    ///   - wireHints: whether `wireOrder` and `extendedLengthHint` may be set.
    public static func pathAttributes(
        context: EncodeContext, mandatory: [AttributeCode] = [], multiprotocol: Bool = true, wireHints: Bool = true
    ) -> AnyGen<PathAttributes> {
        let maxASN = context.maximumASN
        let basic = zip(
            Gen<Origin>.origin.optional, Gen<ASPath>.asPath(maximumASN: maxASN).optional,
            Gen<IPAddress>.ipv4Address.optional, Gen<UInt32>.uint32().optional, Gen<UInt32>.uint32().optional,
            Gen<Bool>.bool,
            Gen<Aggregator>.aggregator(maximumASN: maxASN).optional
        ).map { origin, asPath, nextHop, med, localPreference, atomicAggregate, aggregator in
            PathAttributes(
                origin: origin, asPath: asPath, nextHop: nextHop, multiExitDiscriminator: med,
                localPreference: localPreference, atomicAggregate: atomicAggregate, aggregator: aggregator)
        }.eraseToAny()
        let lists = zip(
            Gen<[Community]>.communities.optional, Gen<IPAddress>.ipv4Address.optional,
            Gen<IPAddress>.ipv4Address.array(of: 1...4).optional, Gen<[ExtendedCommunity]>.extendedCommunities.optional,
            Gen<[LargeCommunity]>.largeCommunities.optional, Gen<UnknownAttribute>.unknownAttribute.array(of: 0...3)
        ).eraseToAny()
        // AS4_* only travel on 2-octet sessions (RFC 6793 §6).
        let as4 = zip(
            Gen<ASPath>.asPath().optional(valueRate: context.fourOctetAS ? 0 : 0.4),
            Gen<Aggregator>.aggregator().optional(valueRate: context.fourOctetAS ? 0 : 0.3)
        ).eraseToAny()
        let mp = zip(
            Gen<MultiprotocolReach>.mpReach(context: context).optional(valueRate: multiprotocol ? 0.4 : 0),
            Gen<MultiprotocolUnreach>.mpUnreach(context: context).optional(valueRate: multiprotocol ? 0.3 : 0)
        ).eraseToAny()
        let fallback = zip(Gen<Origin>.origin, Gen<ASPath>.asPath(maximumASN: maxASN), Gen<IPAddress>.ipv4Address)
            .eraseToAny()
        // Bits choosing Partial and Extended Length hints, whether to reorder, and a shuffle seed.
        let hints = zip(
            Gen<UInt8>.uint8(), Gen<UInt16>.uint16(), Gen<Bool>.bool(wireHints ? 0.3 : 0), Gen<UInt64>.uint64()
        ).eraseToAny()

        return zip(basic, lists, as4, mp, fallback, hints).map {
            (
                base: PathAttributes,
                lists: (
                    [Community]?, IPAddress?, [IPAddress]?, [ExtendedCommunity]?, [LargeCommunity]?,
                    [UnknownAttribute]
                ),
                as4: (ASPath?, Aggregator?), mp: (MultiprotocolReach?, MultiprotocolUnreach?),
                fallback: (Origin, ASPath, IPAddress), hints: (UInt8, UInt16, Bool, UInt64)
            ) -> PathAttributes in
            var attributes = base
            (attributes.communities, attributes.originatorID, attributes.clusterList) = (lists.0, lists.1, lists.2)
            (attributes.extendedCommunities, attributes.largeCommunities) = (lists.3, lists.4)
            // Distinct codes: a repeated attribute is discarded by the decoder (RFC 7606 §3 (g)).
            var seen = Set<AttributeCode>()
            attributes.unknown = lists.5.filter { seen.insert($0.code).inserted }
            (attributes.as4Path, attributes.as4Aggregator) = as4
            (attributes.mpReach, attributes.mpUnreach) = mp
            var required = Set(mandatory)
            if attributes.mpReach != nil { required.formUnion([.origin, .asPath]) }
            if required.contains(.origin) { attributes.origin = attributes.origin ?? fallback.0 }
            if required.contains(.asPath) { attributes.asPath = attributes.asPath ?? fallback.1 }
            if required.contains(.nextHop) { attributes.nextHop = attributes.nextHop ?? fallback.2 }
            attributes.applyHints(
                partialBits: hints.0, extendedLengthBits: wireHints ? hints.1 : 0, reorder: hints.2, seed: hints.3)
            return attributes
        }.eraseToAny()
    }
}

extension PathAttributes {
    /// Sets Partial and Extended Length hints from bit masks, and optionally a shuffled `wireOrder`, keeping
    /// `unknown` in the order the attributes will be written.
    mutating func applyHints(partialBits: UInt8, extendedLengthBits: UInt16, reorder: Bool, seed: UInt64) {
        let present = presentCodes
        for (i, code) in AttributeCode.optionalTransitiveCodes.filter(present.contains).enumerated()
        where partialBits & (1 << i) != 0 {
            partial.insert(code)
        }
        let hintable = present.filter { code in
            AttributeCode.fixedSizeCodes.contains(code)
                || unknown.contains { $0.code == code }
                    && unknown.allSatisfy { $0.code != code || $0.value.count <= 255 }
        }
        for (i, code) in hintable.prefix(16).enumerated() where extendedLengthBits & (1 << i) != 0 {
            extendedLengthHint.insert(code)
        }
        var order = present
        if reorder {
            var rng = SplitMix64(seed: seed)
            order.shuffle(using: &rng)
            if order != present { wireOrder = order }
        }
        // The encoder writes unknown attributes in `order`, and the decoder appends them in arrival order.
        unknown.sort { order.firstIndex(of: $0.code)! < order.firstIndex(of: $1.code)! }
    }
}

// MARK: - Messages

extension Gen where Value == UpdateMessage {
    /// An UPDATE valid for `context`: IPv4 withdrawn and announced NLRI and attributes, in one of three shapes
    /// (with body NLRI and the mandatory attributes; without body NLRI; withdrawals only). Filtered to fit the
    /// context's maximum message length.
    public static func update(context: EncodeContext) -> AnyGen<UpdateMessage> {
        // With extended messages, sometimes enough NLRI to need more than 4096 octets (RFC 8654).
        let addPath = context.addPath.contains(.ipv4Unicast)
        func nlri(_ count: ClosedRange<Int>) -> AnyGen<[NLRI]> {
            guard context.extendedMessage else { return Gen<[NLRI]>.nlriList(.ipv4, addPath: addPath, count: count) }
            return Gen<[NLRI]>.frequency([
                (weight: 3.0, gen: Gen<[NLRI]>.nlriList(.ipv4, addPath: addPath, count: count)),
                (weight: 1.0, gen: Gen<[NLRI]>.nlriList(.ipv4, addPath: addPath, count: 1_000...3_000)),
            ]).eraseToAny()
        }
        let withdrawn = nlri(0...10)
        let announcing = zip(
            withdrawn, Gen<PathAttributes>.pathAttributes(context: context, mandatory: [.origin, .asPath, .nextHop]),
            nlri(1...20)
        ).map { UpdateMessage(withdrawn: $0, attributes: $1, announced: $2) }.eraseToAny()
        let attributesOnly = zip(withdrawn, Gen<PathAttributes>.pathAttributes(context: context))
            .map { UpdateMessage(withdrawn: $0, attributes: $1) }.eraseToAny()
        let withdrawing = withdrawn.map { UpdateMessage(withdrawn: $0) }.eraseToAny()
        return Gen<UpdateMessage>.frequency([
            (weight: 3.0, gen: announcing), (weight: 2.0, gen: attributesOnly), (weight: 1.0, gen: withdrawing),
        ]).filter { BGPMessage.update($0).encodedLength(context: context) <= context.maximumMessageLength }
            .eraseToAny()
    }
}

extension Gen where Value == Capability {
    /// Every `Capability` case with valid values (each value at most 255 octets, RFC 5492 §4).
    public static var capability: AnyGen<Capability> {
        let family = Gen<AddressFamily>.addressFamily
        let knownCodes: Set<UInt8> = [1, 2, 5, 6, 64, 65, 69, 70, 71, 73]
        let text = Gen<Character>.oneOf(
            Gen<Character>.character(in: "a"..."z"), Gen<Character>.character(in: "0"..."9"),
            Gen<Character>.character(in: "α"..."ω")
        ).string(of: 0...40)
        let cases: [AnyGen<Capability>] = [
            family.map { Capability.multiprotocol($0) }.eraseToAny(),
            Gen.always(Capability.routeRefresh).eraseToAny(),
            zip(Gen<UInt16>.uint16(), Gen<UInt16>.uint16(), Gen<UInt16>.uint16()).map {
                ExtendedNextHopEntry(nlriAFI: AFI(rawValue: $0), nlriSAFI: $1, nextHopAFI: AFI(rawValue: $2))
            }.array(of: 0...6).map { Capability.extendedNextHop($0) }.eraseToAny(),
            Gen.always(Capability.extendedMessage).eraseToAny(),
            zip(
                Gen<UInt8>.uint8(in: 0...15), Gen<UInt16>.uint16(in: 0...0x0FFF),
                zip(family, Gen<UInt8>.uint8()).map { GracefulRestartCapability.Family(family: $0, flags: $1) }
                    .array(of: 0...5)
            ).map { .gracefulRestart(GracefulRestartCapability(flags: $0, restartTime: $1, families: $2)) }
                .eraseToAny(),
            Gen<UInt32>.uint32().map { Capability.fourOctetAS($0) }.eraseToAny(),
            zip(family, Gen<UInt8>.uint8()).map { AddPathEntry(family: $0, mode: $1) }.array(of: 0...5)
                .map { Capability.addPath($0) }.eraseToAny(),
            Gen.always(Capability.enhancedRouteRefresh).eraseToAny(),
            zip(family, Gen<UInt8>.uint8(), Gen<UInt32>.uint32(in: 0...0xFF_FFFF))
                .map { LongLivedGracefulRestartEntry(family: $0, flags: $1, staleTime: $2) }.array(of: 0...5)
                .map { Capability.longLivedGracefulRestart($0) }.eraseToAny(),
            zip(text, text).map { Capability.fqdn(hostname: $0, domain: $1) }.eraseToAny(),
            zip(
                Gen<UInt8>.uint8().filter { !knownCodes.contains($0) },
                Gen<[UInt8]>.frequency([
                    (weight: 3.0, gen: Gen<UInt8>.uint8().array(of: 0...32).eraseToAny()),
                    (weight: 1.0, gen: Gen<UInt8>.uint8().array(of: 100...255).eraseToAny()),
                ])
            ).map { Capability.unknown(code: $0, value: $1) }.eraseToAny(),
        ]
        return Gen<Capability>.frequency(cases.map { (weight: 1.0, gen: $0) }).eraseToAny()
    }
}

extension Gen where Value == OpenMessage {
    /// An OPEN with 0...3 Capabilities parameters of 0...8 capabilities each; large ones take the RFC 9072
    /// extended parameters form. Filtered to the 4096-octet OPEN limit (RFC 8654 §4 keeps OPEN there).
    public static var open: AnyGen<OpenMessage> {
        zip(
            Gen<UInt16>.uint16(), Gen<UInt16>.uint16(), Gen<IPAddress>.ipv4Address,
            Gen<Capability>.capability.array(of: 0...8).array(of: 0...3)
        ).map { myAS, holdTime, identifier, parameters in
            OpenMessage(myAS: myAS, holdTime: holdTime, bgpIdentifier: identifier, optionalParameters: parameters)
        }.filter { BGPMessage.open($0).encodedLength(context: .beforeOpen) <= BGPMessage.maximumLength }
            .eraseToAny()
    }
}

extension Gen where Value == BGPNotification {
    /// Any code and subcode (unknown ones survive decoding) with 0...64 octets of Data.
    public static var notification: AnyGen<BGPNotification> {
        zip(Gen<UInt8>.uint8(), Gen<UInt8>.uint8(), Gen<UInt8>.uint8().array(of: 0...64))
            .map { BGPNotification(code: ErrorCode(rawValue: $0), subcode: $1, data: $2) }.eraseToAny()
    }
}

extension Gen where Value == RouteRefreshMessage {
    /// Any family and subtype (RFC 7313 §3.2; unknown subtypes are kept for the session to ignore).
    public static var routeRefresh: AnyGen<RouteRefreshMessage> {
        zip(Gen<AddressFamily>.addressFamily, Gen<UInt8>.uint8())
            .map { RouteRefreshMessage(family: $0, subtype: $1) }.eraseToAny()
    }
}

extension Gen where Value == BGPMessage {
    /// Any of the five messages, valid for `context`; UPDATEs are the most frequent.
    public static func message(context: EncodeContext) -> AnyGen<BGPMessage> {
        Gen<BGPMessage>.frequency([
            (weight: 1.0, gen: Gen<OpenMessage>.open.map { BGPMessage.open($0) }.eraseToAny()),
            (weight: 4.0, gen: Gen<UpdateMessage>.update(context: context).map { BGPMessage.update($0) }.eraseToAny()),
            (weight: 1.0, gen: Gen<BGPNotification>.notification.map { BGPMessage.notification($0) }.eraseToAny()),
            (weight: 0.5, gen: Gen.always(BGPMessage.keepalive).eraseToAny()),
            (weight: 1.0, gen: Gen<RouteRefreshMessage>.routeRefresh.map { BGPMessage.routeRefresh($0) }.eraseToAny()),
        ]).eraseToAny()
    }
}

// MARK: - Expectations

extension BGPMessage {
    /// The octets `writeBGPMessage` produces for this message.
    public func encodedLength(context: EncodeContext) -> Int {
        var buffer = ByteBuffer()
        return buffer.writeBGPMessage(self, context: context)
    }

    /// The message as it reads back from the wire: AS path segments over 255 ASes split (see the file comment).
    public var wireNormalized: BGPMessage {
        guard case .update(var update) = self else { return self }
        update.attributes = update.attributes.wireNormalized
        return .update(update)
    }
}

extension PathAttributes {
    /// AS_PATH and AS4_PATH with segments over 255 ASes split as the encoder writes them.
    public var wireNormalized: PathAttributes {
        var copy = self
        copy.asPath = asPath?.wireNormalized
        copy.as4Path = as4Path?.wireNormalized
        return copy
    }
}

extension ASPath {
    /// Each segment split into runs of at most 255 ASes of the same kind (the segment length is one octet).
    public var wireNormalized: ASPath {
        ASPath(
            segments: segments.flatMap { segment in
                stride(from: 0, to: segment.asns.count, by: 255).map {
                    ASPathSegment(kind: segment.kind, asns: Array(segment.asns[$0..<min($0 + 255, segment.asns.count)]))
                }
            })
    }
}
