// SPDX-License-Identifier: Apache-2.0
// BGP capabilities (RFC 5492) that Swiftlet understands; every other one is kept verbatim.
//
//     | Capability Code (1) | Capability Length (1) | Capability Value (variable) |

/// A capability advertised in OPEN.
public enum Capability: Hashable, Sendable {
    /// Code 1, RFC 4760 §8: one AFI/SAFI.
    case multiprotocol(AddressFamily)
    /// Code 2, RFC 2918.
    case routeRefresh
    /// Code 5, RFC 8950: NLRI families that may carry a next hop of another address family.
    case extendedNextHop([ExtendedNextHopEntry])
    /// Code 6, RFC 8654.
    case extendedMessage
    /// Code 64, RFC 4724 §3.
    case gracefulRestart(GracefulRestartCapability)
    /// Code 65, RFC 6793 §3: our AS as 4 octets.
    case fourOctetAS(UInt32)
    /// Code 69, RFC 7911 §4.
    case addPath([AddPathEntry])
    /// Code 70, RFC 7313 §3.
    case enhancedRouteRefresh
    /// Code 71, RFC 9494 §3.
    case longLivedGracefulRestart([LongLivedGracefulRestartEntry])
    /// Code 73, draft-walton-bgp-hostname-capability: host and domain name as UTF-8.
    case fqdn(hostname: String, domain: String)
    /// Any other capability, or a known code whose value Swiftlet could not read as text, verbatim.
    case unknown(code: UInt8, value: [UInt8])

    /// IANA capability code.
    public var code: UInt8 {
        switch self {
        case .multiprotocol: 1
        case .routeRefresh: 2
        case .extendedNextHop: 5
        case .extendedMessage: 6
        case .gracefulRestart: 64
        case .fourOctetAS: 65
        case .addPath: 69
        case .enhancedRouteRefresh: 70
        case .longLivedGracefulRestart: 71
        case .fqdn: 73
        case .unknown(let code, _): code
        }
    }

    /// IANA name.
    public var name: String {
        switch self {
        case .multiprotocol: "multiprotocol"
        case .routeRefresh: "route-refresh"
        case .extendedNextHop: "extended-next-hop"
        case .extendedMessage: "extended-message"
        case .gracefulRestart: "graceful-restart"
        case .fourOctetAS: "4-octet-as"
        case .addPath: "add-path"
        case .enhancedRouteRefresh: "enhanced-route-refresh"
        case .longLivedGracefulRestart: "long-lived-graceful-restart"
        case .fqdn: "fqdn"
        case .unknown: "unknown"
        }
    }
}

/// RFC 8950 §3: an NLRI AFI/SAFI and the next-hop AFI allowed with it (NLRI SAFI is two octets here).
public struct ExtendedNextHopEntry: Hashable, Sendable {
    public var nlriAFI: AFI
    public var nlriSAFI: UInt16
    public var nextHopAFI: AFI
    public init(nlriAFI: AFI, nlriSAFI: UInt16, nextHopAFI: AFI) {
        self.nlriAFI = nlriAFI
        self.nlriSAFI = nlriSAFI
        self.nextHopAFI = nextHopAFI
    }
}

/// RFC 4724 §3.
///
///     | Restart Flags (4 bits) | Restart Time in seconds (12 bits) |
///     | AFI (2) | SAFI (1) | Flags for Address Family (1) | ...
public struct GracefulRestartCapability: Hashable, Sendable {
    /// The four Restart Flags bits: 0x8 = Restart State (R), 0x4 = Notification (N, RFC 8538 §2).
    public var flags: UInt8
    public var restartTime: UInt16
    public var families: [Family]

    public struct Family: Hashable, Sendable {
        public var family: AddressFamily
        /// Flags for Address Family; 0x80 = Forwarding State preserved (F).
        public var flags: UInt8
        public init(family: AddressFamily, forwardingPreserved: Bool) {
            self.family = family
            self.flags = forwardingPreserved ? 0x80 : 0
        }
        public init(family: AddressFamily, flags: UInt8) {
            self.family = family
            self.flags = flags
        }
        public var forwardingPreserved: Bool { flags & 0x80 != 0 }
    }

    public init(flags: UInt8, restartTime: UInt16, families: [Family]) {
        self.flags = flags & 0x0F
        self.restartTime = restartTime & 0x0FFF
        self.families = families
    }

    public var restarting: Bool { flags & 0x8 != 0 }
    public var notificationSupported: Bool { flags & 0x4 != 0 }
}

/// RFC 7911 §4: per family, whether we can send and/or receive several paths.
public struct AddPathEntry: Hashable, Sendable {
    public var family: AddressFamily
    /// 1 = receive, 2 = send, 3 = both.
    public var mode: UInt8
    public init(family: AddressFamily, mode: UInt8) {
        self.family = family
        self.mode = mode
    }
    public var canReceive: Bool { mode & 1 != 0 }
    public var canSend: Bool { mode & 2 != 0 }
}

/// RFC 9494 §3.1: per family, the Forwarding State flag and the Long-lived Stale Time (24 bits, seconds). A
/// capability with no tuples is valid: the speaker helps peers but asks nobody to keep its own routes (BIRD's
/// `long lived graceful restart aware`).
///
///     | AFI (2) | SAFI (1) | Flags for Address Family (1) | Long-lived Stale Time (3) | ...
public struct LongLivedGracefulRestartEntry: Hashable, Sendable {
    public var family: AddressFamily
    public var flags: UInt8
    public var staleTime: UInt32
    /// The largest Long-lived Stale Time the 24-bit field holds (about 194 days).
    public static let maximumStaleTime: UInt32 = 0xFF_FFFF

    /// `flags` is kept as received: RFC 9494 §3.1 says the reserved bits are ignored on receipt, and a value
    /// re-encodes byte for byte. Only `forwardingPreserved` reads them.
    public init(family: AddressFamily, flags: UInt8, staleTime: UInt32) {
        self.family = family
        self.flags = flags
        self.staleTime = staleTime & Self.maximumStaleTime
    }
    /// Our own tuple: the reserved bits are zero (RFC 9494 §3.1 "MUST be set to zero"), the stale time clamped to
    /// 24 bits rather than wrapped.
    public init(family: AddressFamily, forwardingPreserved: Bool, staleTime: UInt32) {
        self.family = family
        self.flags = forwardingPreserved ? 0x80 : 0
        self.staleTime = min(staleTime, Self.maximumStaleTime)
    }
    /// Forwarding State (F) bit (RFC 9494 §3.1, the same meaning as in RFC 4724 §3).
    public var forwardingPreserved: Bool { flags & 0x80 != 0 }
}
