// SPDX-License-Identifier: Apache-2.0
// One path of a prefix as the control socket reports it: where it came from, its next hop and path attributes
// (RFC 4271 §5, RFC 1997, RFC 4360, RFC 8092, RFC 4456) as text, and, for `detail`, why the decision process
// (RFC 4271 §9.1.2.2) ranked it where it is and what policy did to it. Only `best`, `from`, `sourceKind`, `nextHop`,
// `asPath` and `origin` must be present in JSON; everything else has a default, so fields added later stay optional.

/// One path to a prefix.
public struct RoutePath: Hashable, Sendable {
    /// Where a path came from: an internal or external peer, or this speaker. Extensible like `ProtocolState`.
    public struct SourceKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }


        public var description: String { rawValue }

        /// Learned over iBGP.
        public static let `internal` = Self(rawValue: "ibgp")
        /// Learned over eBGP.
        public static let external = Self(rawValue: "ebgp")
        /// Originated by this speaker (Calico's own blocks).
        public static let local = Self(rawValue: "local")
    }

    /// The decision process selected this path.
    public var best: Bool
    /// Used for multipath alongside the best path (the best path has it set too when there are several).
    public var ecmp: Bool
    /// The session it was learned from (`Mesh_10_0_0_2`), or "local".
    public var from: String
    public var sourceKind: SourceKind
    /// The global next hop; empty for a locally originated path without one.
    public var nextHop: String
    /// The IPv6 link-local next hop (RFC 2545 §3), when the peer sent one.
    public var linkLocalNextHop: String?
    /// The ADD-PATH Path Identifier (RFC 7911), on sessions that negotiated it.
    public var pathID: UInt32?
    /// Segments separated by spaces, AS_SETs in braces and confederation segments in parentheses:
    /// "65001 65002 {65003}"; empty for a path originated in this AS.
    public var asPath: String
    /// "IGP", "EGP" or "incomplete".
    public var origin: String
    public var localPreference: UInt32?
    public var multiExitDiscriminator: UInt32?
    /// RFC 1997 communities as "65000:100".
    public var communities: [String]
    /// RFC 8092 large communities as "64512:1:2".
    public var largeCommunities: [String]
    /// RFC 4360 extended communities as "rt:65000:1", "soo:192.0.2.1:7", or 16 hex digits ("0x…") for other types.
    public var extendedCommunities: [String]
    /// ORIGINATOR_ID (RFC 4456 §8), dotted quad.
    public var originatorID: String?
    /// CLUSTER_LIST (RFC 4456 §8), dotted quads, first the most recent.
    public var clusterList: [String]
    public var atomicAggregate: Bool
    /// AGGREGATOR as "65000 192.0.2.1" (AS, then address).
    public var aggregator: String?
    /// Attributes kept verbatim, one description each, such as "type 99 flags 0xc0 partial 4 bytes".
    public var unknownAttributes: [String]
    /// The best-path step that set the best path apart from this one (or, on the best path, from the runner-up),
    /// such as "MED" or "router ID".
    public var decidedBy: String?
    /// Why the path is not used: import or export policy, or a loop check ("AS path loop", "filter calico-in rule 2").
    /// Nil for a path that was accepted.
    public var rejectedBy: String?
    /// What policy did to an accepted path, such as "accepted by filter calico-in rule 1, local_pref set to 200".
    public var policy: String?
    /// Kept from a peer that restarted, awaiting its End-of-RIB (RFC 4724) or long-lived stale (RFC 9494).
    public var stale: Bool
    /// When the path was received or last changed, Unix seconds.
    public var since: Double?

    public init(
        best: Bool = false, ecmp: Bool = false, from: String, sourceKind: SourceKind, nextHop: String,
        linkLocalNextHop: String? = nil, pathID: UInt32? = nil, asPath: String = "", origin: String = "IGP",
        localPreference: UInt32? = nil, multiExitDiscriminator: UInt32? = nil, communities: [String] = [],
        largeCommunities: [String] = [], extendedCommunities: [String] = [], originatorID: String? = nil,
        clusterList: [String] = [], atomicAggregate: Bool = false, aggregator: String? = nil,
        unknownAttributes: [String] = [], decidedBy: String? = nil, rejectedBy: String? = nil, policy: String? = nil,
        stale: Bool = false, since: Double? = nil
    ) {
        self.best = best
        self.ecmp = ecmp
        self.from = from
        self.sourceKind = sourceKind
        self.nextHop = nextHop
        self.linkLocalNextHop = linkLocalNextHop
        self.pathID = pathID
        self.asPath = asPath
        self.origin = origin
        self.localPreference = localPreference
        self.multiExitDiscriminator = multiExitDiscriminator
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.extendedCommunities = extendedCommunities
        self.originatorID = originatorID
        self.clusterList = clusterList
        self.atomicAggregate = atomicAggregate
        self.aggregator = aggregator
        self.unknownAttributes = unknownAttributes
        self.decidedBy = decidedBy
        self.rejectedBy = rejectedBy
        self.policy = policy
        self.stale = stale
        self.since = since
    }
}

extension RoutePath: Codable {
    private enum CodingKeys: String, CodingKey {
        case best, ecmp, from, sourceKind, nextHop, linkLocalNextHop, pathID, asPath, origin, localPreference
        case multiExitDiscriminator, communities, largeCommunities, extendedCommunities, originatorID, clusterList
        case atomicAggregate, aggregator, unknownAttributes, decidedBy, rejectedBy, policy, stale, since
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func optional<T: Decodable>(_ key: CodingKeys) throws -> T? { try c.decodeIfPresent(T.self, forKey: key) }
        func list(_ key: CodingKeys) throws -> [String] { try c.decodeIfPresent([String].self, forKey: key) ?? [] }
        func flag(_ key: CodingKeys) throws -> Bool { try c.decodeIfPresent(Bool.self, forKey: key) ?? false }
        self.init(
            best: try c.decode(Bool.self, forKey: .best), ecmp: try flag(.ecmp),
            from: try c.decode(String.self, forKey: .from),
            sourceKind: try c.decode(SourceKind.self, forKey: .sourceKind),
            nextHop: try c.decode(String.self, forKey: .nextHop), linkLocalNextHop: try optional(.linkLocalNextHop),
            pathID: try optional(.pathID), asPath: try c.decode(String.self, forKey: .asPath),
            origin: try c.decode(String.self, forKey: .origin), localPreference: try optional(.localPreference),
            multiExitDiscriminator: try optional(.multiExitDiscriminator), communities: try list(.communities),
            largeCommunities: try list(.largeCommunities), extendedCommunities: try list(.extendedCommunities),
            originatorID: try optional(.originatorID), clusterList: try list(.clusterList),
            atomicAggregate: try flag(.atomicAggregate), aggregator: try optional(.aggregator),
            unknownAttributes: try list(.unknownAttributes), decidedBy: try optional(.decidedBy),
            rejectedBy: try optional(.rejectedBy), policy: try optional(.policy), stale: try flag(.stale),
            since: try optional(.since))
    }
}
