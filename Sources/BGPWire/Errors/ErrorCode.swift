// SPDX-License-Identifier: Apache-2.0
// NOTIFICATION error codes (RFC 4271 §4.5, IANA "BGP Error (Notification) Codes"). An open struct, so a code we
// do not know still decodes, prints and re-encodes.

/// A NOTIFICATION Error Code.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let messageHeader = ErrorCode(rawValue: 1)
    public static let openMessage = ErrorCode(rawValue: 2)
    public static let updateMessage = ErrorCode(rawValue: 3)
    public static let holdTimerExpired = ErrorCode(rawValue: 4)
    public static let finiteStateMachine = ErrorCode(rawValue: 5)
    public static let cease = ErrorCode(rawValue: 6)
    /// RFC 7313 §5.
    public static let routeRefreshMessage = ErrorCode(rawValue: 7)
    /// RFC 9687 §3.
    public static let sendHoldTimerExpired = ErrorCode(rawValue: 8)

    public static func < (a: ErrorCode, b: ErrorCode) -> Bool { a.rawValue < b.rawValue }
}
