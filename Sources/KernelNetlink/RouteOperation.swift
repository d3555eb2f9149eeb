// SPDX-License-Identifier: Apache-2.0
// A change to the kernel's routes, and the kernel's refusal of one. The ownership rule lives here: Swiftlet only
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

/// A route change the kernel (or a fake) refused.
public struct RouteFailure: Hashable, Sendable, CustomStringConvertible {
    public var operation: RouteOperation
    public var error: KernelErrno
    /// The kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it gave one.
    public var message: String?

    public init(operation: RouteOperation, error: KernelErrno, message: String? = nil) {
        self.operation = operation
        self.error = error
        self.message = message
    }

    public var prefix: IPPrefix { operation.prefix }

    public var description: String {
        let verb = switch operation {
        case .add: "add"
        case .replace: "replace"
        case .delete: "delete"
        }
        return "\(verb) \(prefix): \(error)" + (message.map { " (\($0))" } ?? "")
    }
}
