// SPDX-License-Identifier: Apache-2.0
// A session's state as the control socket reports it: one of the six RFC 4271 §8.2.2 FSM states, or "Disabled" when
// an operator (or the configuration) took it administratively down. An extensible string struct rather than an
// enum, so a CLI older than the daemon still prints states it has not heard of. Codable through the standard
// library's RawRepresentable conformance: a plain JSON string.

/// The state of one BGP session.
public struct ProtocolState: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }


    public var description: String { rawValue }

    public static let idle = Self(rawValue: "Idle")
    public static let connect = Self(rawValue: "Connect")
    public static let active = Self(rawValue: "Active")
    public static let openSent = Self(rawValue: "OpenSent")
    public static let openConfirm = Self(rawValue: "OpenConfirm")
    public static let established = Self(rawValue: "Established")
    /// Administratively down: the FSM stays in Idle and does not start.
    public static let disabled = Self(rawValue: "Disabled")

    /// BIRD's protocol state column (`proto_state_name`): "up" once Established, "down" when disabled, and "start"
    /// while the session is trying to come up (BIRD shows a BGP protocol that lost its session as "start" too).
    public var birdState: String {
        switch self {
        case .established: "up"
        case .disabled: "down"
        default: "start"
        }
    }
}
