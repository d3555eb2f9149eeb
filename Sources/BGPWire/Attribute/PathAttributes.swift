// SPDX-License-Identifier: Apache-2.0
// The path attributes of one UPDATE (RFC 4271 §4.3, §5): typed fields for every attribute Swiftlet knows, the
// rest verbatim. Lengths are never stored; two small encoding hints keep re-encoding of a received UPDATE
// byte-identical (see `wireOrder`).

/// Path attributes, typed. `nil` means "absent".
public struct PathAttributes: Hashable, Sendable {
    public var origin: Origin?
    public var asPath: ASPath?
    /// NEXT_HOP (type 3): IPv4 only (RFC 4271 §5.1.3); IPv6 next hops travel in MP_REACH_NLRI.
    public var nextHop: IPAddress?
    public var multiExitDiscriminator: UInt32?
    public var localPreference: UInt32?
    public var atomicAggregate: Bool = false
    public var aggregator: Aggregator?
    public var communities: [Community]?
    /// ORIGINATOR_ID (RFC 4456 §8): a BGP Identifier.
    public var originatorID: IPAddress?
    /// CLUSTER_LIST (RFC 4456 §8): cluster IDs, most recent first.
    public var clusterList: [IPAddress]?
    public var mpReach: MultiprotocolReach?
    public var mpUnreach: MultiprotocolUnreach?
    public var extendedCommunities: [ExtendedCommunity]?
    /// AS4_PATH (RFC 6793 §3), present only on sessions where one side speaks 2-octet AS numbers.
    public var as4Path: ASPath?
    public var as4Aggregator: Aggregator?
    public var largeCommunities: [LargeCommunity]?
    /// Attributes kept verbatim, in arrival order.
    public var unknown: [UnknownAttribute] = []
    /// Known optional transitive attributes that arrived with the Partial bit (RFC 4271 §5: once set by a router
    /// that did not recognise it, the bit is never cleared downstream).
    public var partial = AttributeCodeSet()

    /// Encoding hint: the attribute order as received, when it differed from ours (MP attributes first, then
    /// ascending type code, RFC 7606 §5.1). `nil` means our order.
    public var wireOrder: [AttributeCode]?
    /// Encoding hint: attributes that arrived with Extended Length set although their value fits 255 octets
    /// (RFC 4271 §4.3 allows either). Encoding uses the flag for these, and for any value over 255 octets.
    public var extendedLengthHint = AttributeCodeSet()

    public init(
        origin: Origin? = nil, asPath: ASPath? = nil, nextHop: IPAddress? = nil, multiExitDiscriminator: UInt32? = nil,
        localPreference: UInt32? = nil, atomicAggregate: Bool = false, aggregator: Aggregator? = nil,
        communities: [Community]? = nil, originatorID: IPAddress? = nil, clusterList: [IPAddress]? = nil,
        mpReach: MultiprotocolReach? = nil, mpUnreach: MultiprotocolUnreach? = nil,
        extendedCommunities: [ExtendedCommunity]? = nil, as4Path: ASPath? = nil, as4Aggregator: Aggregator? = nil,
        largeCommunities: [LargeCommunity]? = nil, unknown: [UnknownAttribute] = []
    ) {
        self.origin = origin
        self.asPath = asPath
        self.nextHop = nextHop
        self.multiExitDiscriminator = multiExitDiscriminator
        self.localPreference = localPreference
        self.atomicAggregate = atomicAggregate
        self.aggregator = aggregator
        self.communities = communities
        self.originatorID = originatorID
        self.clusterList = clusterList
        self.mpReach = mpReach
        self.mpUnreach = mpUnreach
        self.extendedCommunities = extendedCommunities
        self.as4Path = as4Path
        self.as4Aggregator = as4Aggregator
        self.largeCommunities = largeCommunities
        self.unknown = unknown
    }

    /// True when no attribute at all is present.
    public var isEmpty: Bool { presentCodes.isEmpty }

    /// The codes of the attributes present, in our canonical encoding order: MP_REACH_NLRI and MP_UNREACH_NLRI
    /// first (RFC 7606 §5.1: "SHALL be encoded as the very first path attribute"), then ascending code.
    public var presentCodes: [AttributeCode] {
        var codes: [AttributeCode] = []
        if mpReach != nil { codes.append(.mpReachNLRI) }
        if mpUnreach != nil { codes.append(.mpUnreachNLRI) }
        if origin != nil { codes.append(.origin) }
        if asPath != nil { codes.append(.asPath) }
        if nextHop != nil { codes.append(.nextHop) }
        if multiExitDiscriminator != nil { codes.append(.multiExitDiscriminator) }
        if localPreference != nil { codes.append(.localPreference) }
        if atomicAggregate { codes.append(.atomicAggregate) }
        if aggregator != nil { codes.append(.aggregator) }
        if communities != nil { codes.append(.communities) }
        if originatorID != nil { codes.append(.originatorID) }
        if clusterList != nil { codes.append(.clusterList) }
        if extendedCommunities != nil { codes.append(.extendedCommunities) }
        if as4Path != nil { codes.append(.as4Path) }
        if as4Aggregator != nil { codes.append(.as4Aggregator) }
        if largeCommunities != nil { codes.append(.largeCommunities) }
        if !unknown.isEmpty {
            // Unknown codes interleave by value after the MP pair.
            let head = codes.prefix { $0 == .mpReachNLRI || $0 == .mpUnreachNLRI }
            let rest = (codes.dropFirst(head.count) + unknown.map(\.code)).sorted()
            codes = Array(head) + rest
        }
        return codes
    }

    /// Drops the encoding hints, e.g. before comparing attribute sets for packing or the RIB.
    public var withoutWireHints: PathAttributes {
        var copy = self
        copy.wireOrder = nil
        copy.extendedLengthHint = AttributeCodeSet()
        return copy
    }

    /// The 4-octet AS path and aggregator of a route learned over a 2-octet session, per RFC 6793 §4.2.3:
    /// AS4_AGGREGATOR counts only when AGGREGATOR carries AS_TRANS, and AS4_PATH is then ignored when the
    /// AGGREGATOR is a real 2-octet AS; otherwise AS4_PATH is merged into AS_PATH. Both AS4 attributes are removed.
    public func mergingAS4Attributes() -> PathAttributes {
        var merged = self
        merged.as4Path = nil
        merged.as4Aggregator = nil
        if let aggregator, aggregator.asn != ASPath.asTrans, as4Aggregator != nil {
            // "...the AS4_AGGREGATOR and AS4_PATH attributes SHALL be ignored" (RFC 6793 §4.2.3).
            return merged
        }
        if let as4Aggregator { merged.aggregator = as4Aggregator }
        if let as4Path, let asPath { merged.asPath = asPath.merged(withAS4Path: as4Path) }
        return merged
    }

    /// The attributes as a 2-octet peer must receive them (RFC 6793 §4.2.2): AS_TRANS for 4-octet ASes in AS_PATH
    /// and AGGREGATOR, with AS4_PATH / AS4_AGGREGATOR carrying the real values when needed.
    public func splittingForTwoOctetPeer() -> PathAttributes {
        var split = self
        split.as4Path = nil
        split.as4Aggregator = nil
        if let asPath, asPath.needsFourOctets {
            split.asPath = asPath.mappedToTwoOctets()
            // RFC 6793 §4.2.2: confederation segments are not carried in AS4_PATH.
            split.as4Path = ASPath(segments: asPath.segments.filter { $0.kind == .sequence || $0.kind == .set })
        }
        if let aggregator, aggregator.asn > 0xFFFF {
            split.aggregator = Aggregator(asn: ASPath.asTrans, address: aggregator.address)
            split.as4Aggregator = aggregator
        }
        return split
    }
}
