// SPDX-License-Identifier: Apache-2.0
// Where a path came from: the facts about the advertising peer that the decision process (RFC 4271 §9.1.2.2,
// RFC 4456 §9) and the export rules (RFC 4271 §9.1.3, RFC 4456 §6-8) depend on.

import BGPWire

/// The peer (or local origination) a path was learned from.
public struct PathSource: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Originated by this speaker (own blocks, configured networks).
        case local
        case `internal`
        case external
    }

    /// The protocol name (`Node_10_0_0_2`), or "local".
    public var name: String
    public var kind: Kind
    public var peerAddress: IPAddress
    /// The peer's BGP Identifier (RFC 4271 §9.1.2.2 f), or ORIGINATOR_ID when reflected (RFC 4456 §9).
    public var routerID: IPAddress
    public var peerAS: UInt32
    public var localAS: UInt32
    /// The peer is a route-reflector client of ours (RFC 4456 §6).
    public var isReflectorClient: Bool

    public init(
        name: String, kind: Kind, peerAddress: IPAddress, routerID: IPAddress, peerAS: UInt32, localAS: UInt32,
        isReflectorClient: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.peerAddress = peerAddress
        self.routerID = routerID
        self.peerAS = peerAS
        self.localAS = localAS
        self.isReflectorClient = isReflectorClient
    }

    /// A path originated here.
    public static func local(routerID: IPAddress, asn: UInt32) -> PathSource {
        PathSource(name: "local", kind: .local, peerAddress: routerID, routerID: routerID, peerAS: asn, localAS: asn)
    }

    public var description: String { name }
}
