// SPDX-License-Identifier: Apache-2.0
// Builders for the RIB and decision-process tests: peers (path sources), attribute sets and paths written as text.

import BGPCore
import BGPWire

/// An address from text (test literals only).
func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// A prefix from text (test literals only).
func pfx(_ text: String) -> IPPrefix { IPPrefix(text)! }

/// A peer. The BGP Identifier defaults to the peer address; iBGP peers are in our AS 64512.
func peer(
    _ name: String, _ kind: PathSource.Kind = .external, address: String, routerID: String? = nil,
    asn: UInt32 = 65001, client: Bool = false
) -> PathSource {
    PathSource(
        name: name, kind: kind, peerAddress: ip(address), routerID: ip(routerID ?? address),
        peerAS: kind == .external ? asn : 64512, localAS: 64512, isReflectorClient: client)
}

let ebgpA = peer("ebgp_a", address: "192.0.2.1", asn: 65001)
let ebgpB = peer("ebgp_b", address: "192.0.2.2", asn: 65001)
let ebgpC = peer("ebgp_c", address: "192.0.2.3", asn: 65002)
let ibgpA = peer("ibgp_a", .internal, address: "10.0.0.2")
let ibgpB = peer("ibgp_b", .internal, address: "10.0.0.3")
let localSource = PathSource.local(routerID: ip("10.0.0.1"), asn: 64512)

/// An interned attribute set (each call uses its own table; sets still compare by value).
func attributeSet(_ attributes: PathAttributes) -> AttributeSet {
    var table = AttributeSetTable()
    return table.intern(attributes)
}

/// A path with the attributes the decision process reads; everything defaults to "equal".
func route(
    _ prefix: String = "10.1.0.0/24", from source: PathSource = ebgpA, pathID: UInt32 = 0,
    asPath: ASPath? = nil, origin: Origin = .igp, med: UInt32? = nil, localPreference: UInt32? = nil,
    originatorID: String? = nil, clusterList: [String]? = nil, communities: [Community]? = nil,
    nextHop: String? = nil, igp: UInt32? = 0, stale: Bool = false
) -> Path {
    let path = asPath ?? (source.kind == .external ? ASPath(sequence: [source.peerAS]) : ASPath())
    let attributes = PathAttributes(
        origin: origin, asPath: path, multiExitDiscriminator: med, localPreference: localPreference,
        communities: communities, originatorID: originatorID.map(ip), clusterList: clusterList?.map(ip))
    var result = Path(
        prefix: pfx(prefix), pathID: pathID, source: source, attributes: attributeSet(attributes),
        nextHop: ip(nextHop ?? source.peerAddress.description), igpMetric: igp)
    result.stale = stale
    return result
}

