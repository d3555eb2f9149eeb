// SPDX-License-Identifier: Apache-2.0
// Timer names (RFC 4271 §8.1.3 plus RFC 9687's SendHoldTimer) and the identity of one transport connection.

/// Timers that belong to one connection.
public enum SessionTimer: String, Hashable, Sendable, Codable {
    /// HoldTimer (RFC 4271 §8.1.3, event 10).
    case hold
    /// KeepaliveTimer (event 11).
    case keepalive
    /// DelayOpenTimer (event 12).
    case delayOpen
    /// SendHoldTimer (RFC 9687 §3).
    case sendHold
}

/// Timers that belong to the peer: they outlive connections.
public enum PeerTimer: Hashable, Sendable {
    /// ConnectRetryTimer (event 9).
    case connectRetry
    /// IdleHoldTimer (event 13): the damped automatic restart after a failure.
    case idleHold
    case session(ConnectionID, SessionTimer)
}

/// One TCP connection, numbered by the peer's state machine.
public struct ConnectionID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// Why a session left Established (or never got there).
public enum DownReason: Hashable, Sendable, CustomStringConvertible {
    case notificationSent(BGPNotification)
    case notificationReceived(BGPNotification)
    /// The TCP connection closed or failed without a NOTIFICATION.
    case connectionLost(String)

    public var description: String {
        switch self {
        case .notificationSent(let n): "Sent: \(n.summary)"
        case .notificationReceived(let n): "Received: \(n.summary)"
        case .connectionLost(let why): "Socket: \(why)"
        }
    }
}

import BGPWire
