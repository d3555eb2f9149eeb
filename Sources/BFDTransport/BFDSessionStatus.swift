// SPDX-License-Identifier: Apache-2.0
// A BFD session's state for `swiftletctl show bfd` and the metrics: the RFC 5880 §6.8.1 variables that matter to an
// operator, the negotiated timing and per-session packet counters.

import BFD
import BGPWire

/// A snapshot of one session.
public struct BFDSessionStatus: Hashable, Sendable {
    public var name: String
    public var remote: IPAddress
    /// The configured source address, or nil (the kernel's choice).
    public var local: IPAddress?
    public var sourcePort: Int?
    public var multihop: Bool
    public var state: BFDState
    public var remoteState: BFDState
    public var diagnostic: BFDDiagnostic
    /// Unix time of the last change of state (or of the session's creation).
    public var since: Double
    public var localDiscriminator: UInt32
    public var remoteDiscriminator: UInt32
    /// Configured intervals and multiplier.
    public var desiredMinTXInterval: Duration
    public var requiredMinRXInterval: Duration
    public var detectMultiplier: UInt8
    /// What the peer advertised (zero until heard).
    public var remoteDesiredMinTXInterval: Duration
    public var remoteMinRXInterval: Duration
    public var remoteDetectMultiplier: UInt8
    /// The interval packets go out at now (before jitter), nil when none are sent.
    public var transmitInterval: Duration?
    /// The Detection Time in force, nil until the peer is heard.
    public var detectionTime: Duration?
    public var packetsSent: Int
    public var packetsReceived: Int
    public var packetsDiscarded: Int
    public var stateChanges: Int
    /// Why the session cannot send (its socket could not be opened), if so.
    public var error: String?
}

/// Service-wide counters.
public struct BFDServiceCounters: Hashable, Sendable {
    /// Datagrams that were not a valid Control packet (RFC 5880 §6.8.6 checks) or matched no session.
    public var packetsUnmatched = 0
}
