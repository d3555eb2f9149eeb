// SPDX-License-Identifier: Apache-2.0
// Swiftlet extension: BFD (RFC 5880, single hop RFC 5881, multihop RFC 5883) for a BGP session. Calico's BIRD has no
// BFD (Calico issue 4607); the block is written `bfd: {minTxInterval: 300ms, minRxInterval: 300ms, multiplier: 3}` on
// BGPConfiguration (every session of the nodes in scope, the node-to-node mesh included; `node.<name>` over `default`)
// and on BGPPeer (its sessions; wins over BGPConfiguration), field by field. Writing the block turns BFD on;
// `enabled: false` turns it off again for a narrower scope.

/// The `bfd` block as written in one resource: every unset field falls back to the broader scope, then the default.
public struct BFDConfig: Hashable, Sendable {
    public var enabled: Bool?
    public var minTxInterval: Duration?
    public var minRxInterval: Duration?
    public var multiplier: UInt8?
    /// `nil`: decided per peer (`BFDSettings.multihop`).
    public var multihop: Bool?

    public init(
        enabled: Bool? = nil, minTxInterval: Duration? = nil, minRxInterval: Duration? = nil,
        multiplier: UInt8? = nil, multihop: Bool? = nil
    ) {
        self.enabled = enabled
        self.minTxInterval = minTxInterval
        self.minRxInterval = minRxInterval
        self.multiplier = multiplier
        self.multihop = multihop
    }

    /// This block's fields over `broader`'s.
    public func overriding(_ broader: BFDConfig?) -> BFDConfig {
        guard let broader else { return self }
        return BFDConfig(
            enabled: enabled ?? broader.enabled, minTxInterval: minTxInterval ?? broader.minTxInterval,
            minRxInterval: minRxInterval ?? broader.minRxInterval, multiplier: multiplier ?? broader.multiplier,
            multihop: multihop ?? broader.multihop)
    }

    /// The settings a session runs with, or `nil` when BFD is off for it.
    public var resolved: BFDSettings? {
        guard enabled ?? true else { return nil }
        return BFDSettings(
            minTxInterval: minTxInterval ?? BFDSettings.defaultInterval,
            minRxInterval: minRxInterval ?? BFDSettings.defaultInterval,
            multiplier: multiplier ?? BFDSettings.defaultMultiplier, multihop: multihop)
    }

    /// The narrowest written block over the broader ones (`nil` entries are scopes without a block).
    public static func merged(_ scopesBroadestFirst: [BFDConfig?]) -> BFDConfig? {
        var result: BFDConfig?
        for scope in scopesBroadestFirst {
            guard let scope else { continue }
            result = scope.overriding(result)
        }
        return result
    }
}

/// BFD as one session runs it.
public struct BFDSettings: Hashable, Sendable {
    /// 300 ms × 3: detection in under a second, FRR bfdd's and BIRD's own defaults.
    public static let defaultInterval: Duration = .milliseconds(300)
    public static let defaultMultiplier: UInt8 = 3
    /// RFC 5880 §4.1 carries the intervals in microseconds in 32 bits; Swiftlet accepts 10 ms to 60 s.
    public static let intervalRange: ClosedRange<Duration> = .milliseconds(10) ... .seconds(60)

    /// Desired Min TX Interval (RFC 5880 §6.8.1 bfd.DesiredMinTxInterval).
    public var minTxInterval: Duration
    /// Required Min RX Interval (RFC 5880 §6.8.1 bfd.RequiredMinRxInterval).
    public var minRxInterval: Duration
    /// Detect Mult (RFC 5880 §6.8.1 bfd.DetectMult), 1–255.
    public var multiplier: UInt8
    /// `true`: RFC 5883 (UDP 4784); `false`: RFC 5881 single hop (UDP 3784, TTL 255); `nil`: single hop when the peer
    /// address is in one of the node's own subnets, multihop otherwise (decided where the node's addresses are known).
    public var multihop: Bool?

    public init(
        minTxInterval: Duration = Self.defaultInterval, minRxInterval: Duration = Self.defaultInterval,
        multiplier: UInt8 = Self.defaultMultiplier, multihop: Bool? = nil
    ) {
        self.minTxInterval = minTxInterval
        self.minRxInterval = minRxInterval
        self.multiplier = multiplier
        self.multihop = multihop
    }
}
