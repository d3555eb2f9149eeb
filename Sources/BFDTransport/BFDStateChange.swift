// SPDX-License-Identifier: Apache-2.0
// A BFD session's change of state as the service reports it to its client, with the RFC 5882 signal already
// decided (`BFDClientSignal`).

import BFD
import BGPWire

/// One change of bfd.SessionState.
public struct BFDStateChange: Hashable, Sendable {
    /// `BFDPeerConfiguration.name`.
    public var name: String
    public var remote: IPAddress
    public var from: BFDState
    public var to: BFDState
    /// bfd.LocalDiag after the change.
    public var diagnostic: BFDDiagnostic
    public var signal: BFDClientSignal

    public init(
        name: String, remote: IPAddress, from: BFDState, to: BFDState, diagnostic: BFDDiagnostic,
        signal: BFDClientSignal
    ) {
        self.name = name
        self.remote = remote
        self.from = from
        self.to = to
        self.diagnostic = diagnostic
        self.signal = signal
    }
}
