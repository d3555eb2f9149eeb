// SPDX-License-Identifier: Apache-2.0
// `show kernel` and the kernel line of `show status`, built from KernelSync's entries: routes in `ip route` words
// (`10.244.0.64/26 via 10.0.1.3 dev eth0 proto bird metric 1024 onlink`) so they compare with
// `ip route show proto bird` directly.

import BGPWire
import ControlProtocol
import KernelNetlink
import KernelSync

enum KernelReportBuilder {
    static func counters(_ kernel: KernelSync) async -> KernelCounters {
        let totals = await kernel.counters()
        let settings = await kernel.kernelSettings
        return KernelCounters(
            programming: settings.programRoutes, routeProtocol: Int(settings.routeProtocol), table: settings.table,
            installed: totals.routesInstalled, pending: totals.routesPending, failed: totals.routesFailed,
            foreign: totals.routesForeign, adds: totals.adds, replaces: totals.replaces, deletes: totals.deletes,
            failures: totals.failures, batches: totals.batches, swept: totals.swept, lastError: totals.lastError,
            devices: await kernel.devicesReport())
    }

    static func report(_ kernel: KernelSync, prefix: IPPrefix?) async -> KernelReport {
        let names = await kernel.interfaceNames()
        let entries = await kernel.entries(for: prefix)
        let routes = entries.map { entry in
            let (state, reason): (KernelRouteEntry.State, String?) =
                switch entry.state {
                case .installed: (.installed, nil)
                case .pending(let why): (.pending, why)
                case .failed(let why): (.failed, why)
                case .foreign: (.foreign, "a route of another protocol holds this prefix, table and metric; left alone")
                case .leftToFelix(let encapsulation): (.felix, "\(encapsulation) route left to Felix (programClusterRoutes)")
                case .notProgrammed: (.off, "kernel programming is off")
                case .stale: (.stale, "installed by an earlier run; deleted when the stale routes are swept")
                }
            return KernelRouteEntry(
                prefix: entry.prefix.description, state: state, reason: reason,
                desired: entry.desired.map { text($0, names: names) },
                installed: entry.installed.map { text($0, names: names) },
                encapsulation: entry.encapsulation?.description)
        }
        return KernelReport(counters: await counters(kernel), routes: routes)
    }

    /// `ip route` words for a route.
    static func text(_ route: KernelRoute, names: [UInt32: String]) -> String {
        func device(_ index: UInt32?) -> String {
            guard let index else { return "" }
            return " dev " + (names[index] ?? "if\(index)")
        }
        func hop(_ hop: NextHop) -> String {
            (hop.gateway.map { "via \($0)" } ?? "") + device(hop.interfaceIndex) + (hop.onLink ? " onlink" : "")
        }
        var words = route.prefix.description
        let hops: String
        switch route.kind {
        case .blackhole: hops = ""; words = "blackhole " + words
        case .unreachable: hops = ""; words = "unreachable " + words
        case .prohibit: hops = ""; words = "prohibit " + words
        case .unicast(let nextHops) where nextHops.count == 1: hops = " " + hop(nextHops[0])
        case .unicast(let nextHops):
            hops = nextHops.map { " nexthop " + hop($0) + " weight \($0.weight)" }.joined()
        }
        let proto = route.routeProtocol == .bird ? "bird" : "\(route.routeProtocol.rawValue)"
        let table = route.table == .main ? "" : " table \(route.table.rawValue)"
        let metric = route.priority == 0 ? "" : " metric \(route.priority)"
        // `ip route` prints single-path next hops before proto/metric and multipath ones after.
        return route.kind.isMultipath
            ? words + table + " proto \(proto)" + metric + hops
            : words + hops + table + " proto \(proto)" + metric
    }
}

extension KernelRoute.Kind {
    fileprivate var isMultipath: Bool {
        if case .unicast(let hops) = self { return hops.count > 1 }
        return false
    }
}
