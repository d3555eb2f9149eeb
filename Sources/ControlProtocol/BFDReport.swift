// SPDX-License-Identifier: Apache-2.0
// The answer to `show bfd`: one row per BFD session (RFC 5880 §6.8.1 state, the intervals each side asked for, the
// ones in force, the diagnostic and packet counters), like birdc's `show bfd sessions`. Intervals are in
// milliseconds, times in Unix seconds.

/// Every BFD session of the daemon.
public struct BFDReport: Hashable, Sendable, Codable {
    public var sessions: [BFDSessionRow]
    /// Received datagrams that were not valid Control packets or matched no session.
    public var packetsUnmatched: Int

    public init(sessions: [BFDSessionRow], packetsUnmatched: Int = 0) {
        self.sessions = sessions
        self.packetsUnmatched = packetsUnmatched
    }
}

/// One BFD session.
public struct BFDSessionRow: Hashable, Sendable, Codable {
    /// The BGP session it protects (`Node_10_0_0_2`).
    public var name: String
    public var peerAddress: String
    /// Our source address, nil when the kernel picks it.
    public var localAddress: String?
    public var sourcePort: Int?
    /// "single-hop" (RFC 5881) or "multihop" (RFC 5883).
    public var mode: String
    /// "AdminDown", "Down", "Init", "Up".
    public var state: String
    public var remoteState: String
    /// bfd.LocalDiag as text ("Control Detection Time Expired").
    public var diagnostic: String
    public var since: Double
    public var localDiscriminator: UInt32
    public var remoteDiscriminator: UInt32
    public var desiredMinTxMilliseconds: Double
    public var requiredMinRxMilliseconds: Double
    public var multiplier: Int
    public var remoteDesiredMinTxMilliseconds: Double
    public var remoteRequiredMinRxMilliseconds: Double
    public var remoteMultiplier: Int
    /// The transmit interval in force (before jitter); nil when none are sent.
    public var transmitMilliseconds: Double?
    /// The Detection Time in force; nil until the peer is heard.
    public var detectionMilliseconds: Double?
    public var packetsSent: Int
    public var packetsReceived: Int
    public var packetsDiscarded: Int
    public var stateChanges: Int
    public var error: String?

    public init(
        name: String, peerAddress: String, localAddress: String?, sourcePort: Int?, mode: String, state: String,
        remoteState: String, diagnostic: String, since: Double, localDiscriminator: UInt32,
        remoteDiscriminator: UInt32, desiredMinTxMilliseconds: Double, requiredMinRxMilliseconds: Double,
        multiplier: Int, remoteDesiredMinTxMilliseconds: Double, remoteRequiredMinRxMilliseconds: Double,
        remoteMultiplier: Int, transmitMilliseconds: Double?, detectionMilliseconds: Double?, packetsSent: Int,
        packetsReceived: Int, packetsDiscarded: Int, stateChanges: Int, error: String?
    ) {
        self.name = name
        self.peerAddress = peerAddress
        self.localAddress = localAddress
        self.sourcePort = sourcePort
        self.mode = mode
        self.state = state
        self.remoteState = remoteState
        self.diagnostic = diagnostic
        self.since = since
        self.localDiscriminator = localDiscriminator
        self.remoteDiscriminator = remoteDiscriminator
        self.desiredMinTxMilliseconds = desiredMinTxMilliseconds
        self.requiredMinRxMilliseconds = requiredMinRxMilliseconds
        self.multiplier = multiplier
        self.remoteDesiredMinTxMilliseconds = remoteDesiredMinTxMilliseconds
        self.remoteRequiredMinRxMilliseconds = remoteRequiredMinRxMilliseconds
        self.remoteMultiplier = remoteMultiplier
        self.transmitMilliseconds = transmitMilliseconds
        self.detectionMilliseconds = detectionMilliseconds
        self.packetsSent = packetsSent
        self.packetsReceived = packetsReceived
        self.packetsDiscarded = packetsDiscarded
        self.stateChanges = stateChanges
        self.error = error
    }
}
