// SPDX-License-Identifier: Apache-2.0
// A change to the kernel's routes. The ownership rule lives here: Swiftlet only
// replaces or deletes routes carrying its own protocol number, so `add` uses NLM_F_EXCL (an existing route of any
// owner makes it fail with EEXIST) and `replace` is only for routes a dump showed to be ours.

import BGPWire

/// One route change, sent as one netlink request.
public enum RouteOperation: Hashable, Sendable {
    /// RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL: fails with EEXIST if a route with the same key exists, whoever
    /// owns it.
    case add(KernelRoute)
    /// RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE. The kernel replaces a route with the same key regardless of its
    /// protocol, so a programmer must refuse this when the installed route is not ours (EEXIST).
    case replace(KernelRoute)
    /// RTM_DELROUTE matching prefix, table, priority and our protocol: the kernel answers ESRCH rather than delete
    /// another protocol's route.
    case delete(KernelRoute)

    public var route: KernelRoute {
        switch self {
        case .add(let route), .replace(let route), .delete(let route): route
        }
    }

    public var prefix: IPPrefix { route.prefix }
}
