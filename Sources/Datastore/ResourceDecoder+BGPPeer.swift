// SPDX-License-Identifier: Apache-2.0
// `BGPPeer.spec`: Calico's fields and rules (`node` xor `nodeSelector`; `peerSelector` xor `peerIP` + `asNumber`),
// plus the Swiftlet session extensions (timers, `passive`, `localASNumber`, `multihop`) and dynamic neighbors
// (`peerIPRange` instead of `peerIP`, with `asNumber` or `asNumberRange`).

import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let bgpPeerFields = [
        "node", "nodeSelector", "peerSelector", "peerIP", "asNumber", "password", "sourceAddress", "ttlSecurity",
        "maxRestartTime", "keepOriginalNextHop", "numAllowedLocalASNumbers", "reachableBy", "filters", "nextHopMode",
        // Swiftlet extensions.
        "holdTime", "keepaliveTime", "connectRetryTime", "delayOpenTime", "passive", "localASNumber", "multihop",
        "peerIPRange", "asNumberRange", "maxPrefixes", "bfd", "longLivedGracefulRestart",
    ]
    /// Calico fields accepted but not acted on yet.
    static let bgpPeerIgnored: Set<String> = ["localWorkloadSelector", "reversePeering"]

    mutating func bgpPeerSpec(_ spec: YAMLField?, document: YAMLField) -> BGPPeerResource.Spec {
        var result = BGPPeerResource.Spec()
        guard let spec else {
            missing("spec", in: document)
            return result
        }
        guard let fields = mapping(spec, known: Self.bgpPeerFields, ignored: Self.bgpPeerIgnored) else { return result }
        if let f = fields["node"] { result.node = name(f) }
        if let f = fields["nodeSelector"] { result.nodeSelector = selector(f) }
        if let f = fields["peerSelector"] { result.peerSelector = selector(f) }
        if let f = fields["peerIP"] {
            if let text = f.scalarText, let value = PeerAddress(text) {
                result.peerIP = value
            } else {
                fail(f, "expected an IP address with an optional port (\"10.0.0.1\", \"10.0.0.1:1790\", \"[fd00::1]:1790\"), got \(f.shownValue)")
            }
        }
        if let f = fields["asNumber"] { result.asNumber = asNumber(f) }
        if let f = fields["password"] { result.password = password(f) }
        if let f = fields["sourceAddress"] {
            result.sourceAddress = enumeration(f, as: BGPPeerResource.SourceAddressMode.self)
        }
        if let f = fields["ttlSecurity"] { result.ttlSecurity = integer(f, in: 1...255, what: "a hop count").map { UInt8($0) } }
        if let f = fields["maxRestartTime"] { result.maxRestartTime = restartTime(f) }
        if let f = fields["keepOriginalNextHop"] { result.keepOriginalNextHop = bool(f) ?? false }
        if let f = fields["numAllowedLocalASNumbers"] {
            result.numAllowedLocalASNumbers = integer(f, in: 1...255).map { UInt32($0) }
        }
        if let f = fields["reachableBy"] { result.reachableBy = address(f) }
        if let f = fields["filters"] { result.filters = list(f).compactMap { name($0) } }
        if let f = fields["holdTime"] { result.holdTime = holdTime(f) }
        if let f = fields["keepaliveTime"] { result.keepaliveTime = timer(f) }
        if let f = fields["connectRetryTime"] { result.connectRetryTime = timer(f) }
        if let f = fields["delayOpenTime"] { result.delayOpenTime = timer(f) }
        if let f = fields["passive"] { result.passive = bool(f) }
        if let f = fields["localASNumber"] { result.localASNumber = asNumber(f) }
        if let f = fields["multihop"] { result.multihop = integer(f, in: 1...255, what: "a TTL").map { UInt8($0) } }
        if let f = fields["peerIPRange"] { result.peerIPRange = prefix(f) }
        if let f = fields["asNumberRange"] { result.asNumberRange = asNumberRange(f) }
        if let f = fields["nextHopMode"] { result.nextHopMode = enumeration(f, as: BGPPeerResource.NextHopMode.self) }
        if let f = fields["bfd"] { result.bfd = bfdConfig(f) }
        if let f = fields["longLivedGracefulRestart"] { result.longLivedGracefulRestart = longLivedGracefulRestartConfig(f) }
        if let f = fields["maxPrefixes"] { result.maxPrefixes = integer(f, in: 1...100_000_000, what: "a prefix count").map { Int($0) } }
        // Calico: keepOriginalNextHop is the older spelling of nextHopMode Keep; both together must agree.
        if let f = fields["nextHopMode"], result.keepOriginalNextHop, result.nextHopMode != .keep {
            fail(f, "conflicts with spec.keepOriginalNextHop: true (use nextHopMode: Keep alone)")
        }

        // Calico: "When [nodeSelector] is set, the Node field must be empty."
        if fields["node"] != nil, let f = fields["nodeSelector"] {
            fail(f, "cannot be combined with spec.node; use one of them")
        }
        // Calico: "When [peerSelector] is set, the PeerIP and ASNumber fields must be empty."
        if fields["peerSelector"] != nil {
            for key in ["peerIP", "asNumber"] {
                if let f = fields[key] { fail(f, "cannot be combined with spec.peerSelector") }
            }
        } else if let rangeField = fields["peerIPRange"] {
            // Swiftlet: a range replaces peerIP, and the AS may be a range too.
            if fields["peerIP"] != nil { fail(rangeField, "cannot be combined with spec.peerIP; use one of them") }
            if fields["asNumber"] != nil, let f = fields["asNumberRange"] {
                fail(f, "cannot be combined with spec.asNumber; use one of them")
            }
            if fields["asNumber"] == nil, fields["asNumberRange"] == nil {
                missing("asNumber", in: spec, " (the peers' AS, or give spec.asNumberRange)")
            }
            if result.passive == false, let f = fields["passive"] {
                fail(f, "must not be false with spec.peerIPRange: a range has no address to connect to")
            }
        } else {
            if fields["peerIP"] == nil { missing("peerIP", in: spec, " (or give spec.peerSelector or spec.peerIPRange)") }
            if fields["asNumber"] == nil { missing("asNumber", in: spec, " (the peer's AS)") }
        }
        if fields["peerIPRange"] == nil, let f = fields["asNumberRange"] {
            fail(f, "applies only with spec.peerIPRange")
        }
        if fields["peerSelector"] != nil, let f = fields["peerIPRange"] {
            fail(f, "cannot be combined with spec.peerSelector")
        }
        return result
    }

    /// `"64512-64600"`: two AS numbers, the first not greater than the second.
    mutating func asNumberRange(_ field: YAMLField) -> ClosedRange<UInt32>? {
        if let text = field.scalarText {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 2, let low = ASNumber.parse(parts[0]), let high = ASNumber.parse(parts[1]) {
                guard low <= high else {
                    fail(field, "the first AS number must not be greater than the second, got \(field.shownValue)")
                    return nil
                }
                return low...high
            }
        }
        fail(field, "expected two AS numbers \(ASNumber.rangeText) as \"first-last\" such as \"64512-64600\", got \(field.shownValue)")
        return nil
    }
}
