// SPDX-License-Identifier: Apache-2.0
// The session states (RFC 5880 §4.1 "Sta", §6.2) and the diagnostic codes (§4.1 "Diag") shared by the packet
// and the session FSM.

/// The State field of a Control packet and `bfd.SessionState` (RFC 5880 §4.1, §6.2).
public enum BFDState: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case adminDown = 0
    case down = 1
    case `init` = 2
    case up = 3

    public var description: String {
        switch self {
        case .adminDown: "AdminDown"
        case .down: "Down"
        case .`init`: "Init"
        case .up: "Up"
        }
    }
}

/// The Diag field and `bfd.LocalDiag` (RFC 5880 §4.1): why the session last changed state. A struct with static
/// values, so that codes from a newer peer (9-31) survive decoding.
public struct BFDDiagnostic: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// Five bits on the wire.
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noDiagnostic = Self(rawValue: 0)
    public static let controlDetectionTimeExpired = Self(rawValue: 1)
    public static let echoFunctionFailed = Self(rawValue: 2)
    public static let neighborSignaledSessionDown = Self(rawValue: 3)
    public static let forwardingPlaneReset = Self(rawValue: 4)
    public static let pathDown = Self(rawValue: 5)
    public static let concatenatedPathDown = Self(rawValue: 6)
    public static let administrativelyDown = Self(rawValue: 7)
    public static let reverseConcatenatedPathDown = Self(rawValue: 8)

    public var description: String {
        switch rawValue {
        case 0: "No Diagnostic"
        case 1: "Control Detection Time Expired"
        case 2: "Echo Function Failed"
        case 3: "Neighbor Signaled Session Down"
        case 4: "Forwarding Plane Reset"
        case 5: "Path Down"
        case 6: "Concatenated Path Down"
        case 7: "Administratively Down"
        case 8: "Reverse Concatenated Path Down"
        default: "Diagnostic \(rawValue)"
        }
    }
}
