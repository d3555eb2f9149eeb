// SPDX-License-Identifier: Apache-2.0
// A route change the kernel (or the fake) refused: the operation, so its prefix, with the errno and the
// extended-ack text, mapped back from the answer's sequence number by NetlinkBatch.

import BGPWire

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
