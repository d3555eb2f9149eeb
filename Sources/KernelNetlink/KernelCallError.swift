// SPDX-License-Identifier: Apache-2.0
// A kernel call that failed as a whole, as opposed to one refused route (RouteFailure): an adapter value
// `{ operation, errno }` that reaches the core as data, never as an untyped throw (shared design §6).

/// A kernel call that failed as a whole (socket, sendmsg, recvmsg, or a dump the kernel ended with an error).
public struct KernelCallError: Error, Hashable, Sendable {
    public var operation: String
    public var error: KernelErrno
    public var message: String?

    public init(operation: String, error: KernelErrno, message: String? = nil) {
        self.operation = operation
        self.error = error
        self.message = message
    }
}
