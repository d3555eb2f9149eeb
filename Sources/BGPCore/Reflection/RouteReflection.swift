// SPDX-License-Identifier: Apache-2.0
// Route reflection (RFC 4456) as pure functions: which iBGP peers a path may be re-advertised to (§6, and the plain
// iBGP rule of RFC 4271 §9.1.1 / §9.2 when we are not a reflector), the ORIGINATOR_ID and CLUSTER_LIST a reflected
// path carries (§8), the import-side loop checks on those two attributes (§8), and Calico's rule for which peers are
// clients: a reflector treats every iBGP peer whose cluster ID differs from its own as a client, so reflectors that
// share a cluster ID are plain (non-client) peers of each other (confd `bird.cfg.template`, `rr client` lines).

import BGPWire

/// The route-reflection configuration of this speaker and the rules that follow from it.
public struct RouteReflection: Hashable, Sendable {
    /// How a peer relates to us for advertisement purposes (RFC 4456 §2 terminology).
    public enum PeerRole: Hashable, Sendable, CustomStringConvertible {
        /// An eBGP peer.
        case external
        /// An iBGP peer that is not our client (a mesh peer, our own reflector, or a reflector of our cluster).
        case nonClient
        /// An iBGP peer that is our route-reflector client.
        case client

        public var description: String {
            switch self {
            case .external: "eBGP"
            case .nonClient: "iBGP non-client"
            case .client: "RR client"
            }
        }
    }

    /// Why an iBGP-learned path was dropped on import (RFC 4456 §8).
    public enum Loop: Hashable, Sendable, CustomStringConvertible {
        /// ORIGINATOR_ID equals our BGP Identifier: the path is our own, reflected back.
        case originatorIsSelf(IPAddress)
        /// CLUSTER_LIST already holds our cluster ID: the path went round through our cluster.
        case clusterListContainsSelf(IPAddress)

        public var description: String {
            switch self {
            case .originatorIsSelf(let id): "ORIGINATOR_ID \(id) is our router ID (RFC 4456 §8)"
            case .clusterListContainsSelf(let id): "CLUSTER_LIST contains our cluster ID \(id) (RFC 4456 §8)"
            }
        }
    }

    /// Our BGP Identifier.
    public var localRouterID: IPAddress
    /// Our CLUSTER_ID (Calico `routeReflectorClusterID`); `nil` when this speaker is not a route reflector.
    public var clusterID: IPAddress?
    /// Reflect client routes to other clients. RFC 4456 §5 lets this be turned off when the clients are fully meshed
    /// among themselves; client routes then go to non-clients only.
    public var clientToClientReflection: Bool

    public init(localRouterID: IPAddress, clusterID: IPAddress? = nil, clientToClientReflection: Bool = true) {
        self.localRouterID = localRouterID
        self.clusterID = clusterID
        self.clientToClientReflection = clientToClientReflection
    }

    /// True when this speaker reflects routes (has a cluster ID).
    public var isReflector: Bool { clusterID != nil }

    // MARK: Roles

    /// The role of the peer a path came from, or `nil` for a locally originated path.
    public static func role(of source: PathSource) -> PeerRole? {
        switch source.kind {
        case .local: nil
        case .external: .external
        case .internal: source.isReflectorClient ? .client : .nonClient
        }
    }

    /// Calico's rule for the role of a peer node: a different AS is eBGP; within one AS, a peer is our client when we
    /// are a reflector and its cluster ID differs from ours (a plain node has none, a reflector of another cluster
    /// has another). Reflectors that share a cluster ID are non-clients of each other, and so are two plain nodes.
    public static func role(
        localAS: UInt32, peerAS: UInt32, localClusterID: IPAddress?, peerClusterID: IPAddress?
    ) -> PeerRole {
        guard localAS == peerAS else { return .external }
        guard let localClusterID, localClusterID != peerClusterID else { return .nonClient }
        return .client
    }

    // MARK: Advertisement (RFC 4456 §6, RFC 4271 §9.1.1 / §9.2)

    /// Whether a best path learned from `source` may be advertised to a peer of role `target`. This is the
    /// reflection/iBGP part of export only; split horizon, NO_EXPORT and friends are `ExportRules`' job.
    ///
    /// A plain iBGP speaker never passes iBGP-learned routes to iBGP peers (RFC 4271 §9.2: "the receiving BGP
    /// speaker SHALL NOT re-distribute the routing information contained in that UPDATE message to other internal
    /// peers (unless the speaker acts as a BGP Route Reflector"); §9.1.1 relies on the full mesh this implies).
    /// A reflector follows RFC 4456 §6:
    /// 1. from a non-client iBGP peer: reflect to clients only;
    /// 2. from a client: reflect to non-clients and to clients (the latter unless client-to-client reflection is off);
    /// 3. from an eBGP peer: send to clients and non-clients.
    /// Locally originated and eBGP-learned paths go to everyone.
    public func mayAdvertise(from source: PathSource, to target: PeerRole) -> Bool {
        mayAdvertise(from: Self.role(of: source), to: target)
    }

    /// `mayAdvertise(from:to:)` on roles; `nil` is a locally originated path.
    public func mayAdvertise(from source: PeerRole?, to target: PeerRole) -> Bool {
        guard let source else { return true }
        switch (source, target) {
        case (.external, _), (_, .external):
            // eBGP-learned goes to every peer (§6 case 3); anything may go to eBGP peers, subject to ExportRules.
            return true
        case (.nonClient, .nonClient):
            return false
        case (.nonClient, .client):
            return isReflector
        case (.client, .nonClient):
            return isReflector
        case (.client, .client):
            return isReflector && clientToClientReflection
        }
    }

    /// True when advertising a path from `source` to a `target` iBGP peer is reflection (iBGP to iBGP), so the
    /// path must carry ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8).
    public static func isReflection(from source: PathSource, to target: PeerRole) -> Bool {
        source.kind == .internal && target != .external
    }

    // MARK: Attributes (RFC 4456 §8)

    /// The attributes of a path as this reflector reflects it.
    public func reflect(_ attributes: PathAttributes, source: PathSource) -> PathAttributes {
        guard let clusterID else { return attributes }
        return Self.reflect(attributes, source: source, clusterID: clusterID, localRouterID: localRouterID)
    }

    /// ORIGINATOR_ID: the BGP Identifier of the peer the path came from, set only when absent (RFC 4456 §8:
    /// "A BGP speaker SHOULD NOT create an ORIGINATOR_ID attribute if one already exists."). CLUSTER_LIST: our
    /// cluster ID in front (RFC 4456 §8: "When an RR reflects a route, it MUST prepend the local CLUSTER_ID to the
    /// CLUSTER_LIST. If the CLUSTER_LIST is empty, it MUST create a new one.").
    ///
    /// A locally originated path has no originator in another router; its ORIGINATOR_ID is our own identifier, which
    /// is what the receiving clients' loop check expects if it ever comes back to us.
    public static func reflect(
        _ attributes: PathAttributes, source: PathSource, clusterID: IPAddress, localRouterID: IPAddress
    ) -> PathAttributes {
        var reflected = attributes
        if reflected.originatorID == nil {
            reflected.originatorID = source.kind == .local ? localRouterID : source.routerID
        }
        reflected.clusterList = [clusterID] + (reflected.clusterList ?? [])
        return reflected
    }

    // MARK: Import loop checks (RFC 4456 §8)

    /// The loop an iBGP-received path shows, or `nil` when it is acceptable. RFC 4456 §8: "A router that recognizes
    /// the ORIGINATOR_ID attribute SHOULD ignore a route received with its BGP Identifier as the ORIGINATOR_ID." and
    /// "If the local CLUSTER_ID is found in the CLUSTER_LIST, the advertisement received SHOULD be ignored." The
    /// CLUSTER_LIST check applies only when we have a cluster ID, i.e. are a reflector (as BIRD does).
    public func loop(in attributes: PathAttributes) -> Loop? {
        Self.loop(in: attributes, localRouterID: localRouterID, clusterID: clusterID)
    }

    /// `loop(in:)` without a configuration value.
    public static func loop(in attributes: PathAttributes, localRouterID: IPAddress, clusterID: IPAddress?) -> Loop? {
        if let originatorID = attributes.originatorID, originatorID == localRouterID {
            return .originatorIsSelf(originatorID)
        }
        if let clusterID, let clusterList = attributes.clusterList, clusterList.contains(clusterID) {
            return .clusterListContainsSelf(clusterID)
        }
        return nil
    }
}
