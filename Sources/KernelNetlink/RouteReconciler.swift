// SPDX-License-Identifier: Apache-2.0
// What to send the kernel so that the routes of our protocol become the desired set (issue #5 FIB sync; BIRD's
// kernel protocol does the same after its scan): add what is missing, replace what differs, delete what is no longer
// wanted, and leave a route alone when it is already exactly as wanted, so a restart with an unchanged desired set
// sends nothing and nothing flaps. Pure: `installed` comes from `RouteProgrammer.dump(protocol:)`.
//
// Order: additions and replacements before deletions (make before break: when a prefix moves between tables or
// priorities, the new route exists before the old one goes), each part sorted by prefix so the result does not
// depend on the order either set was given in.

import BGPWire

/// Computes the operations that turn the installed routes of our protocol into the desired ones.
public enum RouteReconciler {
    /// `desired` must hold at most one route per key (prefix, table, priority); `installed` is the dump of our
    /// protocol's routes. Routes are compared in their installed form with next hops in a canonical order (the
    /// kernel keeps multipath hops in the order given, and a dump is not a reason to reorder).
    public static func operations(desired: [KernelRoute], installed: [KernelRoute]) -> [RouteOperation] {
        var present: [KernelRoute.Key: KernelRoute] = [:]
        for route in installed { present[route.key] = canonical(route) }
        var changes: [RouteOperation] = []
        var wanted = Set<KernelRoute.Key>()
        for route in desired.sorted(by: { $0.prefix < $1.prefix }) {
            let key = route.key
            guard wanted.insert(key).inserted else { continue }
            guard let existing = present[key] else {
                changes.append(.add(route))
                continue
            }
            if existing != canonical(route) { changes.append(.replace(route)) }
        }
        let stale = installed.filter { !wanted.contains($0.key) }.sorted { $0.prefix < $1.prefix }
        return changes + stale.map { .delete($0) }
    }

    /// The installed form with multipath next hops sorted, for comparison only.
    public static func canonical(_ route: KernelRoute) -> KernelRoute {
        var route = route.installedForm
        if case .unicast(let hops) = route.kind, hops.count > 1 {
            route.kind = .unicast(hops.sorted { a, b in
                (a.gateway?.description ?? "", a.interfaceIndex ?? 0, a.onLink ? 1 : 0, a.weight)
                    < (b.gateway?.description ?? "", b.interfaceIndex ?? 0, b.onLink ? 1 : 0, b.weight)
            })
        }
        return route
    }
}
