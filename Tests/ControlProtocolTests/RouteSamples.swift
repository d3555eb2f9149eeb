// SPDX-License-Identifier: Apache-2.0
// Sample routes for the `show route` tests, around ControlSamples.now: a Calico mesh (iBGP paths from two mesh peers,
// a locally originated block), an eBGP peer with ADD-PATH, an IPv6 prefix with a link-local next hop, and one path
// carrying every attribute a report can hold.

import ControlProtocol

enum RouteSamples {
    static let now = ControlSamples.now

    /// The best path to 10.0.1.0/26, from a mesh peer.
    static let meshBest = RoutePath(
        best: true, from: "Mesh_10_0_0_2", sourceKind: .internal, nextHop: "10.0.0.2", origin: "IGP",
        localPreference: 100, decidedBy: "router ID", since: now - 3600 + 1.123)
    /// The same prefix from another mesh peer, which lost on router ID.
    static let meshOther = RoutePath(
        from: "Mesh_10_0_0_3", sourceKind: .internal, nextHop: "10.0.0.3", origin: "IGP", localPreference: 100,
        decidedBy: "router ID", since: now - 2 * 86_400)
    /// A block this node owns.
    static let local = RoutePath(
        best: true, from: "local", sourceKind: .local, nextHop: "", origin: "IGP", since: now - 7200)
    /// Two paths of one prefix from one eBGP peer under ADD-PATH, both used (ECMP).
    static let addPathBest = RoutePath(
        best: true, ecmp: true, from: "Node_192_0_2_1", sourceKind: .external, nextHop: "192.0.2.1", pathID: 1,
        asPath: "65001 65002", origin: "incomplete", multiExitDiscriminator: 10, decidedBy: "peer address",
        since: now - 60)
    static let addPathSecond = RoutePath(
        ecmp: true, from: "Node_192_0_2_1", sourceKind: .external, nextHop: "192.0.2.11", pathID: 2,
        asPath: "65001 65003", origin: "incomplete", multiExitDiscriminator: 10, decidedBy: "peer address",
        since: now - 59.5)
    static let ipv6 = RoutePath(
        best: true, from: "Node_2001_db8__3", sourceKind: .external, nextHop: "2001:db8::3",
        linkLocalNextHop: "fe80::3", asPath: "4200000000 {65010 65011}", origin: "EGP", since: now - 30)
    /// Every attribute, a policy verdict and a stale mark.
    static let everything = RoutePath(
        best: false, from: "Mesh_10_0_0_4", sourceKind: .internal, nextHop: "10.0.0.4", asPath: "65001",
        origin: "IGP", localPreference: 200, multiExitDiscriminator: 0,
        communities: ["65000:100", "65535:65281"], largeCommunities: ["64512:1:2"],
        extendedCommunities: ["rt:65000:1", "soo:192.0.2.1:7", "0x030c000000000008"], originatorID: "10.0.0.9",
        clusterList: ["10.0.0.1", "10.0.0.5"], atomicAggregate: true, aggregator: "65001 192.0.2.1",
        unknownAttributes: ["type 99 flags 0xc0 partial 4 bytes"], decidedBy: "AS path length",
        rejectedBy: "AS path loop", policy: "checked by filter calico-in", stale: true, since: now - 120)

    static let selected = RouteReport(routes: [
        RouteEntry(prefix: "10.0.1.0/26", paths: [meshBest]),
        RouteEntry(prefix: "10.0.2.0/26", paths: [local]),
        RouteEntry(prefix: "192.0.2.128/25", paths: [addPathBest]),
    ])
    static let allPaths = RouteReport(routes: [
        RouteEntry(prefix: "10.0.1.0/26", paths: [meshBest, meshOther]),
        RouteEntry(prefix: "192.0.2.128/25", paths: [addPathBest, addPathSecond]),
    ])
    static let mixed = RouteReport(routes: [
        RouteEntry(prefix: "2001:db8:1::/64", paths: [ipv6]),
        RouteEntry(prefix: "10.0.2.0/26", paths: [local]),
    ])
    static let detailed = RouteReport(routes: [RouteEntry(prefix: "10.0.1.0/26", paths: [meshBest, everything])])
}
