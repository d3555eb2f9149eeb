// SPDX-License-Identifier: Apache-2.0
// Why the CLI could not get an answer from the daemon: no socket, no permission, a daemon that hung up or stayed
// silent past the timeout, or an answer that was not a response. The description names the socket path and the errno
// text, which is what an operator needs to tell "not running" from "not root".

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to exchange a request and response with swiftletd.
public struct ControlClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// socket(2)/connect(2) failed: the daemon is not running, or the caller may not use the socket.
        case connect
        /// The socket path does not fit in `sockaddr_un`.
        case pathTooLong
        /// send(2)/recv(2) failed.
        case io
        /// No complete response within the timeout.
        case timeout
        /// The daemon closed the connection before answering.
        case closed
        /// The answer was not a response line.
        case malformedResponse
    }

    public var kind: Kind
    public var socketPath: String
    /// The errno of the failing call, when there was one.
    public var errno: Int32?
    public var detail: String

    public init(kind: Kind, socketPath: String, errno: Int32? = nil, detail: String = "") {
        self.kind = kind
        self.socketPath = socketPath
        self.errno = errno
        self.detail = detail
    }

    /// strerror(3) text for `errno`.
    public var errnoText: String? {
        errno.map { String(cString: strerror($0)) }
    }

    public var description: String {
        switch kind {
        case .connect:
            var text = "cannot connect to \(socketPath): \(errnoText ?? detail)"
            switch errno {
            case ENOENT, ECONNREFUSED: text += " (is swiftletd running?)"
            case EACCES, EPERM: text += " (the control socket is for root only)"
            default: break
            }
            return text
        case .pathTooLong: return "cannot connect to \(socketPath): socket path longer than \(detail) bytes"
        case .io: return "lost the connection to \(socketPath): \(errnoText.map { "\(detail): \($0)" } ?? detail)"
        case .timeout: return "no answer from swiftletd on \(socketPath) within \(detail)"
        case .closed: return "swiftletd closed the connection on \(socketPath) without answering"
        case .malformedResponse: return "unreadable answer from swiftletd on \(socketPath): \(detail)"
        }
    }
}
