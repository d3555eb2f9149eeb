// SPDX-License-Identifier: Apache-2.0
// What the session negotiated that changes how bytes decode (RFC 6793 4-octet AS, RFC 7911 ADD-PATH, RFC 8654
// extended messages, RFC 7313 enhanced route refresh). Passed explicitly; never global.

/// Session facts that decoding depends on.
public struct DecodeContext: Hashable, Sendable {
    /// Whether the peer relationship is internal or external, for the RFC 7606 rules that discard LOCAL_PREF,
    /// ORIGINATOR_ID and CLUSTER_LIST from external peers. `nil` (e.g. offline decoding) applies neither rule.
    public enum PeerType: Hashable, Sendable {
        case `internal`, external
    }

    /// Both sides advertised the 4-octet AS capability (RFC 6793 §4.1): AS_PATH and AGGREGATOR use 4-octet ASes.
    public var fourOctetAS: Bool
    /// Families in which we receive ADD-PATH Path Identifiers from this peer (RFC 7911 §4).
    public var addPath: Set<AddressFamily>
    /// Both sides advertised Extended Message (RFC 8654 §3): messages up to 65535 octets.
    public var extendedMessage: Bool
    /// Enhanced route refresh was negotiated (RFC 7313): length errors in ROUTE-REFRESH get code 7.
    public var enhancedRouteRefresh: Bool
    public var peerType: PeerType?

    public init(
        fourOctetAS: Bool = true, addPath: Set<AddressFamily> = [], extendedMessage: Bool = false,
        enhancedRouteRefresh: Bool = false, peerType: PeerType? = nil
    ) {
        self.fourOctetAS = fourOctetAS
        self.addPath = addPath
        self.extendedMessage = extendedMessage
        self.enhancedRouteRefresh = enhancedRouteRefresh
        self.peerType = peerType
    }

    /// Before OPEN is exchanged: 2-octet ASes, no ADD-PATH, 4096-octet messages.
    public static let beforeOpen = DecodeContext(fourOctetAS: false)

    /// The largest message this session accepts (RFC 4271 §4.1; RFC 8654 §3).
    public var maximumMessageLength: Int { extendedMessage ? BGPMessage.extendedMaximumLength : BGPMessage.maximumLength }
}

/// Session facts that encoding depends on.
public struct EncodeContext: Hashable, Sendable {
    public var fourOctetAS: Bool
    /// Families in which we send ADD-PATH Path Identifiers to this peer (RFC 7911 §4).
    public var addPath: Set<AddressFamily>
    public var extendedMessage: Bool

    public init(fourOctetAS: Bool = true, addPath: Set<AddressFamily> = [], extendedMessage: Bool = false) {
        self.fourOctetAS = fourOctetAS
        self.addPath = addPath
        self.extendedMessage = extendedMessage
    }

    public static let beforeOpen = EncodeContext(fourOctetAS: false)

    public var maximumMessageLength: Int { extendedMessage ? BGPMessage.extendedMaximumLength : BGPMessage.maximumLength }

    /// The matching decode context, for round trips.
    public var decodeContext: DecodeContext {
        DecodeContext(fourOctetAS: fourOctetAS, addPath: addPath, extendedMessage: extendedMessage)
    }
}
