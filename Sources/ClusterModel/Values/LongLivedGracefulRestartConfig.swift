// SPDX-License-Identifier: Apache-2.0
// Swiftlet extension: the long-lived stale time (RFC 9494 §3) Swiftlet offers per family in its Long-Lived Graceful
// Restart capability, i.e. how long peers should keep its routes (as LLGR_STALE, least preferred) after the graceful
// restart time ran out. Written `longLivedGracefulRestart: {staleTime: 1h, ipv6StaleTime: 30m}` on BGPConfiguration
// (`node.<name>` over `default`) and BGPPeer (wins), field by field; the per-family fields win over `staleTime`.

import BGPWire

/// The `longLivedGracefulRestart` block as written in one resource.
public struct LongLivedGracefulRestartConfig: Hashable, Sendable {
    /// RFC 9494 §3: the Long-lived Stale Time is a 24-bit count of seconds.
    public static let maximumStaleTime: UInt32 = 0xFF_FFFF

    /// Seconds, every family.
    public var staleTime: UInt32?
    public var ipv4StaleTime: UInt32?
    public var ipv6StaleTime: UInt32?

    public init(staleTime: UInt32? = nil, ipv4StaleTime: UInt32? = nil, ipv6StaleTime: UInt32? = nil) {
        self.staleTime = staleTime
        self.ipv4StaleTime = ipv4StaleTime
        self.ipv6StaleTime = ipv6StaleTime
    }

    /// This block's fields over `broader`'s. A per-family time of a broader scope loses to this scope's `staleTime`:
    /// the narrower resource said "every family".
    public func overriding(_ broader: LongLivedGracefulRestartConfig?) -> LongLivedGracefulRestartConfig {
        guard let broader else { return self }
        return LongLivedGracefulRestartConfig(
            staleTime: staleTime ?? broader.staleTime,
            ipv4StaleTime: ipv4StaleTime ?? (staleTime == nil ? broader.ipv4StaleTime : nil),
            ipv6StaleTime: ipv6StaleTime ?? (staleTime == nil ? broader.ipv6StaleTime : nil))
    }

    /// The narrowest written block over the broader ones.
    public static func merged(_ scopesBroadestFirst: [LongLivedGracefulRestartConfig?]) -> LongLivedGracefulRestartConfig? {
        var result: LongLivedGracefulRestartConfig?
        for scope in scopesBroadestFirst {
            guard let scope else { continue }
            result = scope.overriding(result)
        }
        return result
    }

    /// The configured stale time of each of `families` that has one (seconds); families without stay absent.
    public func staleTimes(for families: [AddressFamily]) -> [AddressFamily: UInt32] {
        var result: [AddressFamily: UInt32] = [:]
        for family in families {
            let specific: UInt32? =
                switch family.afi {
                case .ipv4: ipv4StaleTime
                case .ipv6: ipv6StaleTime
                default: nil
                }
            if let time = specific ?? staleTime { result[family] = time }
        }
        return result
    }
}
