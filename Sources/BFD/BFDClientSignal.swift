// SPDX-License-Identifier: Apache-2.0
// What a BFD client (BGP) is told when a session changes state (RFC 5882 §3.2 and §4.3): only the loss of a path
// that was Up is a forwarding failure. A session that never came up, one we took down ourselves, and one the remote
// system took down administratively are not.

/// The signal a BFD state change gives the client protocol.
public enum BFDClientSignal: Hashable, Sendable {
    /// Nothing for the client to do.
    case none
    /// The forwarding path to the peer failed: the client tears its session down (RFC 5882 §4.3).
    case forwardingFailed

    /// The signal for a change `from` → `to`, given the remote system's last State field.
    ///
    /// RFC 5882 §3.2: "If the BFD session subsequently transitions from Up to Down, the client MUST be notified" but
    /// "the BFD session being in the AdminDown state ... MUST NOT be taken as a failure"; a remote that signals
    /// AdminDown makes our session Down with diagnostic 3, so `remoteState` tells the two apart. A session still
    /// coming up (Down/Init → Down) says nothing about forwarding: BGP runs without waiting for BFD.
    public static func after(from: BFDState, to: BFDState, remoteState: BFDState) -> BFDClientSignal {
        guard from == .up, to == .down else { return .none }
        return remoteState == .adminDown ? .none : .forwardingFailed
    }
}
