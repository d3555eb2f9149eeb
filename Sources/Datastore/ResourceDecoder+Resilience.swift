// SPDX-License-Identifier: Apache-2.0
// The Swiftlet resilience blocks shared by BGPConfiguration and BGPPeer: `bfd` (RFC 5880) and
// `longLivedGracefulRestart` (RFC 9494). Neither is in Calico's schema.

import ClusterModel

extension ResourceDecoder {
    static let bfdFields = ["enabled", "minTxInterval", "minRxInterval", "multiplier", "multihop"]
    static let longLivedGracefulRestartFields = ["staleTime", "ipv4StaleTime", "ipv6StaleTime"]

    /// `bfd: {enabled, minTxInterval, minRxInterval, multiplier, multihop}`; intervals as durations ("300ms") or
    /// bare milliseconds (300, as FRR and BIRD write them).
    mutating func bfdConfig(_ field: YAMLField) -> BFDConfig? {
        guard let fields = mapping(field, known: Self.bfdFields) else { return nil }
        var result = BFDConfig()
        if let f = fields["enabled"] { result.enabled = bool(f) }
        if let f = fields["minTxInterval"] { result.minTxInterval = bfdInterval(f) }
        if let f = fields["minRxInterval"] { result.minRxInterval = bfdInterval(f) }
        // RFC 5880 §4.1: Detect Mult "MUST NOT be zero".
        if let f = fields["multiplier"] { result.multiplier = integer(f, in: 1...255, what: "a detect multiplier").map { UInt8($0) } }
        if let f = fields["multihop"] { result.multihop = bool(f) }
        return result
    }

    mutating func bfdInterval(_ field: YAMLField) -> Duration? {
        let range = BFDSettings.intervalRange
        let shownRange = "10ms-60s"
        guard let text = field.scalarText, !field.isNull else {
            fail(field, "expected an interval such as \"300ms\", got \(field.shownValue)")
            return nil
        }
        let value: Duration? =
            text.allSatisfy(\.isASCIIDigitCharacter) ? Int64(text).map { .milliseconds($0) } : CalicoDuration.parse(text)
        guard let value else {
            fail(field, "expected an interval such as \"300ms\" or a number of milliseconds, got \(field.shownValue)")
            return nil
        }
        // RFC 5880 §4.1 sends microseconds; finer values would be rounded silently.
        guard range.contains(value), value.components.attoseconds % 1_000_000_000_000 == 0 else {
            fail(field, "expected \(shownRange) in whole microseconds, got \(field.shownValue)")
            return nil
        }
        return value
    }

    /// `longLivedGracefulRestart: {staleTime, ipv4StaleTime, ipv6StaleTime}`, durations in whole seconds.
    mutating func longLivedGracefulRestartConfig(_ field: YAMLField) -> LongLivedGracefulRestartConfig? {
        guard let fields = mapping(field, known: Self.longLivedGracefulRestartFields) else { return nil }
        let maximum = Int64(LongLivedGracefulRestartConfig.maximumStaleTime)
        func staleTime(_ f: YAMLField) -> UInt32? {
            seconds(f, in: 0...maximum, rule: " (RFC 9494 §3: 24 bits)").map { UInt32($0) }
        }
        var result = LongLivedGracefulRestartConfig()
        if let f = fields["staleTime"] { result.staleTime = staleTime(f) }
        if let f = fields["ipv4StaleTime"] { result.ipv4StaleTime = staleTime(f) }
        if let f = fields["ipv6StaleTime"] { result.ipv6StaleTime = staleTime(f) }
        return result
    }
}
