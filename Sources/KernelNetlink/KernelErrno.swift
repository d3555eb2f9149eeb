// SPDX-License-Identifier: Apache-2.0
// Error numbers as the kernel reports them in NLMSG_ERROR and NLMSG_DONE (negated there), with their names.

/// A positive errno value from the kernel (asm-generic/errno-base.h, asm-generic/errno.h).
public struct KernelErrno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let operationNotPermitted = Self(rawValue: 1)  // EPERM
    public static let noSuchEntry = Self(rawValue: 2)  // ENOENT: no such neighbour entry (delete)
    public static let noSuchProcess = Self(rawValue: 3)  // ESRCH: no such route (delete)
    public static let interrupted = Self(rawValue: 4)  // EINTR: also a dump that stayed inconsistent (DUMP_INTR)
    public static let noBufferSpace = Self(rawValue: 105)  // ENOBUFS: socket receive buffer overrun
    public static let permissionDenied = Self(rawValue: 13)  // EACCES: also a route lookup hitting a prohibit route
    public static let busy = Self(rawValue: 16)  // EBUSY
    public static let fileExists = Self(rawValue: 17)  // EEXIST: route exists (NLM_F_EXCL), or not ours
    public static let noSuchDevice = Self(rawValue: 19)  // ENODEV
    public static let invalidArgument = Self(rawValue: 22)  // EINVAL
    public static let notSupported = Self(rawValue: 95)  // EOPNOTSUPP
    public static let networkDown = Self(rawValue: 100)  // ENETDOWN: next-hop device not up
    public static let networkUnreachable = Self(rawValue: 101)  // ENETUNREACH: gateway not reachable
    public static let badMessage = Self(rawValue: 74)  // EBADMSG: an answer that could not be read
    public static let messageTooLong = Self(rawValue: 90)  // EMSGSIZE: a request larger than the send buffer
    public static let timedOut = Self(rawValue: 110)  // ETIMEDOUT: no answer within the programmer's wait
    public static let hostUnreachable = Self(rawValue: 113)  // EHOSTUNREACH: IPv6 gateway, or an unreachable route

    /// The errno name, e.g. "EEXIST", or "errno 42".
    public var description: String {
        switch self {
        case .operationNotPermitted: "EPERM"
        case .noSuchEntry: "ENOENT"
        case .noSuchProcess: "ESRCH"
        case .interrupted: "EINTR"
        case .noBufferSpace: "ENOBUFS"
        case .permissionDenied: "EACCES"
        case .busy: "EBUSY"
        case .fileExists: "EEXIST"
        case .noSuchDevice: "ENODEV"
        case .invalidArgument: "EINVAL"
        case .notSupported: "EOPNOTSUPP"
        case .networkDown: "ENETDOWN"
        case .networkUnreachable: "ENETUNREACH"
        case .badMessage: "EBADMSG"
        case .messageTooLong: "EMSGSIZE"
        case .timedOut: "ETIMEDOUT"
        case .hostUnreachable: "EHOSTUNREACH"
        default: "errno \(rawValue)"
        }
    }
}
