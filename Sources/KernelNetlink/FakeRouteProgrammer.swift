// SPDX-License-Identifier: Apache-2.0
// An in-memory RouteProgrammer for BGPCore and KernelSync tests. It keeps the kernel's identity rule (one route per
// prefix, table and priority; an IPv6 priority of 0 stored as 1024) and Swiftlet's ownership rule (never replace or
// delete another protocol's route, and replace only a route that is ours: a new route needs `.add`), answering with
// the errno the netlink programmer would report.

import BGPWire

/// Routes in memory, keyed like the kernel keys them.
public struct FakeRouteProgrammer: RouteProgrammer, Sendable {
    /// Installed routes by kernel identity, in their installed form (`KernelRoute.installedForm`).
    public private(set) var installed: [KernelRoute.Key: KernelRoute] = [:]
    /// Every `apply` call's changes, in order, for tests that check batching.
    public private(set) var appliedBatches: [[RouteOperation]] = []
    /// Failures to inject: the next operation on this prefix fails with the errno (and is not applied).
    public var injectedFailures: [IPPrefix: KernelErrno] = [:]
    /// When set, `dump` fails with this error (as a broken socket would).
    public var dumpError: KernelCallError?

    /// Starts with `routes` installed; give other protocols' routes here to test the ownership rule.
    public init(installed routes: [KernelRoute] = []) {
        for route in routes { installed[route.key] = route.installedForm }
    }

    public mutating func apply(_ changes: [RouteOperation]) -> [RouteFailure] {
        appliedBatches.append(changes)
        var failures: [RouteFailure] = []
        for change in changes {
            if let error = outcome(of: change) {
                failures.append(RouteFailure(operation: change, error: error.0, message: error.1))
            }
        }
        return failures
    }

    public mutating func dump(protocol routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute] {
        if let dumpError { throw dumpError }
        return installed.values.filter { $0.routeProtocol == routeProtocol }.sorted {
            ($0.prefix, $0.table, $0.priority) < ($1.prefix, $1.table, $1.priority)
        }
    }

    /// Applies one change; returns the errno and text it fails with, if it does.
    private mutating func outcome(of change: RouteOperation) -> (KernelErrno, String?)? {
        let route = change.route
        if let injected = injectedFailures.removeValue(forKey: route.prefix) { return (injected, nil) }
        if case .unicast(let hops) = route.kind, hops.isEmpty, !isDelete(change) {
            return (.invalidArgument, "unicast route without next hops")
        }
        let existing = installed[route.key]
        switch change {
        case .add:
            if existing != nil { return (.fileExists, nil) }  // NLM_F_EXCL, whoever owns it
            installed[route.key] = route.installedForm
        case .replace:
            if let existing, existing.routeProtocol != route.routeProtocol {
                return (.fileExists, "route owned by protocol \(existing.routeProtocol.rawValue)")
            }
            // As NetlinkRouteProgrammer: only a route known to be ours is replaced; a new one needs `.add`.
            if existing == nil { return (.fileExists, "not replaced: no route of ours with this key") }
            installed[route.key] = route.installedForm
        case .delete:
            // The kernel matches rtm_protocol on delete, so another owner's route is "not found".
            guard let existing, existing.routeProtocol == route.routeProtocol else { return (.noSuchProcess, nil) }
            installed[route.key] = nil
        }
        return nil
    }

    private func isDelete(_ change: RouteOperation) -> Bool {
        if case .delete = change { return true }
        return false
    }
}
