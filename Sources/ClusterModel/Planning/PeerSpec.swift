// SPDX-License-Identifier: Apache-2.0
// One BGP session this node keeps, fully resolved. Names follow calico/node's BIRD protocol names (`Mesh_10_0_0_2`,
// `Node_…`, `Global_…`, with `_port_<n>` when a port is given) so `swiftletctl show protocols` reads like `birdcl`.
// The password is a secret: `description`, `debugDescription` and the reflection mirror all redact it.

import BGPPolicy
import BGPWire

/// A configured BGP neighbor.
public struct PeerSpec: Hashable, Sendable {
    /// Hold time when nothing sets one: BIRD's default, which calico/node runs with (RFC 4271 §10 suggests 90).
    public static let defaultHoldTime: UInt16 = 240
    /// ConnectRetry time when nothing sets one.
    public static let defaultConnectRetryTime: UInt16 = 5

    public var name: String
    public var address: IPAddress
    public var port: UInt16
    public var remoteAS: UInt32
    public var localAS: UInt32
    /// Never open a connection; accept the peer's.
    public var passive: Bool
    /// Seconds; 0 (no keepalives) or at least 3 (RFC 4271 §4.2).
    public var holdTime: UInt16
    /// `nil` means a third of the negotiated hold time (RFC 4271 §10).
    public var keepaliveTime: UInt16?
    public var connectRetryTime: UInt16
    /// RFC 4271 §8.1.1 DelayOpen; `nil` disables it.
    public var delayOpenTime: UInt16?
    /// TCP-MD5 key (RFC 2385). Never logged or shown.
    public var password: String?
    /// Local address for the TCP connection.
    public var sourceAddress: IPAddress?
    /// GTSM (RFC 5082): accept only packets with TTL ≥ 256 − hops.
    public var ttlSecurityHops: UInt8?
    /// Outgoing TTL for a multihop eBGP session.
    public var multihopTTL: UInt8?
    /// The peer address's family unicast, plus the other family when the node has an address for it.
    public var families: [AddressFamily]

    // Carried from Calico fields the session layer will need.
    /// Graceful restart time, seconds (RFC 4724 §3); `nil` leaves graceful restart to the defaults.
    public var gracefulRestartTime: UInt16?
    /// Calico `keepOriginalNextHop` (BIRD `next hop keep`).
    public var keepOriginalNextHop: Bool
    /// Calico `nextHopMode`; `keepOriginalNextHop` maps to `.keep`.
    public var nextHopMode: BGPPeerResource.NextHopMode
    /// End the session with Cease 6/1 above this many received paths (Swiftlet `maxPrefixes`).
    public var maximumPrefixes: Int?
    /// Calico `numAllowedLocalASNumbers` (BIRD `allow local as N`).
    public var allowedLocalASNumbers: UInt32?
    /// Calico `reachableBy`: the gateway towards the peer.
    public var reachableBy: IPAddress?
    /// This node reflects routes to the peer (RFC 4456): we have a cluster ID, the peer is iBGP and is not in it.
    public var routeReflectorClient: Bool
    /// Calico `BGPPeer.filters`, resolved, in evaluation order (`PolicyEvaluator.evaluate`).
    public var filters: [BGPFilter]
    /// BFD for this session (Swiftlet `bfd`, RFC 5880); `nil`: off.
    public var bfd: BFDSettings?
    /// Long-lived stale time per family offered in the RFC 9494 capability (Swiftlet `longLivedGracefulRestart`),
    /// seconds; a family without an entry gets the daemon's default.
    public var longLivedStaleTimes: [AddressFamily: UInt32]

    public init(
        name: String, address: IPAddress, port: UInt16 = BGPConfigurationResource.defaultListenPort,
        remoteAS: UInt32, localAS: UInt32, passive: Bool = false, holdTime: UInt16 = PeerSpec.defaultHoldTime,
        keepaliveTime: UInt16? = nil, connectRetryTime: UInt16 = PeerSpec.defaultConnectRetryTime,
        delayOpenTime: UInt16? = nil, password: String? = nil, sourceAddress: IPAddress? = nil,
        ttlSecurityHops: UInt8? = nil, multihopTTL: UInt8? = nil, families: [AddressFamily],
        gracefulRestartTime: UInt16? = nil, keepOriginalNextHop: Bool = false, allowedLocalASNumbers: UInt32? = nil,
        reachableBy: IPAddress? = nil, routeReflectorClient: Bool = false, filters: [BGPFilter] = [],
        nextHopMode: BGPPeerResource.NextHopMode? = nil, maximumPrefixes: Int? = nil, bfd: BFDSettings? = nil,
        longLivedStaleTimes: [AddressFamily: UInt32] = [:]
    ) {
        self.bfd = bfd
        self.longLivedStaleTimes = longLivedStaleTimes
        self.nextHopMode = nextHopMode ?? (keepOriginalNextHop ? .keep : .auto)
        self.maximumPrefixes = maximumPrefixes
        self.name = name
        self.address = address
        self.port = port
        self.remoteAS = remoteAS
        self.localAS = localAS
        self.passive = passive
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.connectRetryTime = connectRetryTime
        self.delayOpenTime = delayOpenTime
        self.password = password
        self.sourceAddress = sourceAddress
        self.ttlSecurityHops = ttlSecurityHops
        self.multihopTTL = multihopTTL
        self.families = families
        self.gracefulRestartTime = gracefulRestartTime
        self.keepOriginalNextHop = keepOriginalNextHop
        self.allowedLocalASNumbers = allowedLocalASNumbers
        self.reachableBy = reachableBy
        self.routeReflectorClient = routeReflectorClient
        self.filters = filters
    }

    /// iBGP when both ends share an AS.
    public var isInternal: Bool { remoteAS == localAS }

    /// Keepalive interval in use: the configured one, else hold time / 3 (RFC 4271 §10).
    public var effectiveKeepaliveTime: UInt16 { keepaliveTime ?? holdTime / 3 }

    /// Calico's protocol name: `<prefix>_<address with '.' and ':' as '_'>`, plus `_port_<n>` for explicit ports
    /// (calico/node `bird.cfg.template`, "Global peers" / "Node-specific peers").
    public static func protocolName(prefix: String, address: IPAddress, explicitPort: UInt16? = nil) -> String {
        let id = String(address.description.map { $0 == "." || $0 == ":" ? "_" : $0 })
        guard let explicitPort else { return "\(prefix)_\(id)" }
        return "\(prefix)_\(id)_port_\(explicitPort)"
    }
}

extension PeerSpec: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = [
            "\(name) \(address.family == .ipv6 ? "[\(address)]" : address.description):\(port)",
            "AS\(remoteAS) (local AS\(localAS))",
            "hold \(holdTime)s",
        ]
        if passive { parts.append("passive") }
        if password != nil { parts.append("password <redacted>") }
        if let sourceAddress { parts.append("source \(sourceAddress)") }
        if let ttlSecurityHops { parts.append("ttl-security \(ttlSecurityHops)") }
        if let multihopTTL { parts.append("multihop \(multihopTTL)") }
        if routeReflectorClient { parts.append("rr-client") }
        if nextHopMode != .auto { parts.append("next-hop \(nextHopMode.rawValue)") }
        if let maximumPrefixes { parts.append("max-prefixes \(maximumPrefixes)") }
        if let bfd {
            parts.append(
                "bfd \(bfd.minTxInterval)/\(bfd.minRxInterval)x\(bfd.multiplier)"
                    + (bfd.multihop.map { $0 ? " multihop" : " single-hop" } ?? ""))
        }
        for (family, time) in longLivedStaleTimes.sorted(by: { $0.key < $1.key }) {
            parts.append("llgr \(family) \(time)s")
        }
        if !filters.isEmpty { parts.append("filters " + filters.map(\.name).joined(separator: ",")) }
        parts.append(families.map(\.description).joined(separator: ","))
        return parts.joined(separator: ", ")
    }

    public var debugDescription: String { "PeerSpec(\(description))" }

    /// `dump(peer)` and debuggers see the same fields, with the password redacted.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "address": address, "port": port, "remoteAS": remoteAS, "localAS": localAS,
                "passive": passive, "holdTime": holdTime, "keepaliveTime": keepaliveTime as Any,
                "connectRetryTime": connectRetryTime, "delayOpenTime": delayOpenTime as Any,
                "password": password == nil ? "nil" : "<redacted>", "sourceAddress": sourceAddress as Any,
                "ttlSecurityHops": ttlSecurityHops as Any, "multihopTTL": multihopTTL as Any, "families": families,
                "gracefulRestartTime": gracefulRestartTime as Any, "keepOriginalNextHop": keepOriginalNextHop,
                "allowedLocalASNumbers": allowedLocalASNumbers as Any, "reachableBy": reachableBy as Any,
                "routeReflectorClient": routeReflectorClient, "filters": filters.map(\.name),
                "nextHopMode": nextHopMode, "maximumPrefixes": maximumPrefixes as Any, "bfd": bfd as Any,
                "longLivedStaleTimes": longLivedStaleTimes,
            ],
            displayStyle: .struct
        )
    }
}
