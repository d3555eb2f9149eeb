// SPDX-License-Identifier: Apache-2.0
// Why the control socket could not be set up: an environment failure (`{ operation, path, errno }`), or a socket path
// that another running swiftletd still answers on, or that holds something other than a socket.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A control socket setup failure.
struct ControlServerError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var errno: Int32?

    var description: String {
        let reason = errno.map { ": " + String(cString: strerror($0)) } ?? ""
        return "control socket \(path): \(operation)\(reason)"
    }
}
