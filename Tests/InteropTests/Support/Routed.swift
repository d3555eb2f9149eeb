// SPDX-License-Identifier: Apache-2.0
// A routed lab: two end namespaces one router namespace apart, so their packets arrive with TTL / hop limit
// decremented once (GTSM and eBGP multihop scenarios).
import Foundation

/// `a` ─ link 1 ─ `router` ─ link 2 ─ `b`. `a` is host 1 of link 1, `b` host 2 of link 2, the router host 254 of
/// both (devices "veth1" and "veth2"; the ends use "veth0"). Each end has a route to the other's link via the
/// router, and the router forwards IPv4 and IPv6.
struct RoutedTopology: Sendable {
    var a: Namespace
    var router: Namespace
    var b: Namespace
    static let routerHost = 254
    var aV4: String { Addr.v4(1, 1) }
    var aV6: String { Addr.v6(1, 1) }
    var bV4: String { Addr.v4(2, 2) }
    var bV6: String { Addr.v6(2, 2) }
}

extension Lab {
    /// Three new namespaces "<id>-<a>", "<id>-<router>", "<id>-<b>" routed as in `RoutedTopology`.
    func routed(_ a: String, _ b: String, router: String = "rtr") throws -> RoutedTopology {
        let nsA = try namespace(a)
        let nsR = try namespace(router)
        let nsB = try namespace(b)
        let r = RoutedTopology.routerHost
        for (end, host, link) in [(nsA, 1, 1), (nsB, 2, 2)] {
            try Shell.helper(
                "ns_veth",
                [
                    end.name, "veth0", "\(Addr.v4(link, host))/24,\(Addr.v6(link, host))/64",
                    nsR.name, "veth\(link)", "\(Addr.v4(link, r))/24,\(Addr.v6(link, r))/64",
                ])
            let other = link == 1 ? 2 : 1
            try Shell.check(["ip", "-n", end.name, "route", "add", "10.200.\(other).0/24", "via", Addr.v4(link, r)])
            try Shell.check(["ip", "-n", end.name, "-6", "route", "add", "fd00:200:\(other)::/64", "via", Addr.v6(link, r)])
        }
        for setting in ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"] {
            try Shell.check(["ip", "netns", "exec", nsR.name, "sysctl", "-qw", setting])
        }
        return RoutedTopology(a: nsA, router: nsR, b: nsB)
    }
}
