// SPDX-License-Identifier: Apache-2.0
// The restarting speaker's selection deferral (RFC 4724 §4.1): after a restart that kept its forwarding state, the
// speaker "MUST defer route selection for an address family until it either (a) receives the End-of-RIB marker from
// all its peers (excluding the ones with the 'Restart State' bit set in the received capability and excluding the
// ones that do not advertise the graceful restart capability) or (b) the Selection_Deferral_Timer ... expires".
// Swiftlet keeps selecting (the Loc-RIB feeds the kernel, which keeps the previous run's routes until End-of-RIB
// anyway) but sends nothing — no UPDATE, no End-of-RIB — until then: a route reflector that sent a half table and
// End-of-RIB would make its helpers sweep every route it has not relearned yet. Pure: time is passed in.

/// Which peers a restarting speaker still waits for, and until when.
public struct RestartDeferral: Hashable, Sendable {
    /// FRR's `bgp graceful-restart select-defer-time` default; RFC 4724 §4.1 leaves the value to configuration.
    public static let defaultTime: Duration = .seconds(360)

    /// How long a configured peer has to bring its session up before the deferral stops waiting for it. RFC 4724
    /// §4.1 waits for "all its peers", but a mesh of hundreds of nodes nearly always has one that is down, and
    /// waiting the whole Selection_Deferral_Timer for it would keep a restarted (or freshly booted) node's blocks
    /// from every live peer for minutes. A live helper reconnects within a ConnectRetry or two (5 s by default);
    /// one that is still not Established after this is taken as down (it holds none of our routes to protect).
    public static let peerWaitTime: Duration = .seconds(30)

    /// When the deferral ends regardless of End-of-RIB (the Selection_Deferral_Timer).
    public let deadline: Duration
    /// When peers whose session never came up stop being waited for (`peerWaitTime`, at most `deadline`).
    public let peerWaitDeadline: Duration
    /// Peers whose session has been Established since the restart.
    public private(set) var established: Set<String> = []
    /// `peerWaitDeadline` has passed.
    public private(set) var peerWaitOver = false
    /// Peers expected to send End-of-RIB that have not yet (nor been excluded).
    public private(set) var awaiting: Set<String> = []
    /// Peers whose End-of-RIB arrived, or that do not count (no graceful restart capability, or restarting too).
    public private(set) var settled: Set<String> = []
    /// Whether the expected peer set has been given: before that an empty `awaiting` means "not known yet".
    public private(set) var peersKnown = false
    /// The deferral is over (all End-of-RIBs in, or the timer).
    public private(set) var finished = false

    public init(now: Duration, time: Duration = Self.defaultTime, peerWaitTime: Duration = Self.peerWaitTime) {
        deadline = now + time
        peerWaitDeadline = now + min(time, peerWaitTime)
    }

    /// The next time `timerFired(now:)` has something to do; `nil` once finished.
    public var nextDeadline: Duration? {
        guard !finished else { return nil }
        return peerWaitOver ? deadline : peerWaitDeadline
    }

    /// The configured peers we offer graceful restart to (dynamic neighbors excluded: they may never come back).
    /// Returns whether the deferral ends now (nobody left to wait for).
    public mutating func expect(_ peers: Set<String>) -> Bool {
        peersKnown = true
        awaiting = peers.subtracting(settled)
        return checkFinished()
    }

    /// The session of `peer` is Established with `negotiated`. A peer that sent no graceful restart capability,
    /// or one with the Restart State bit (it is restarting too and waits for us), is not waited for (RFC 4724 §4.1).
    public mutating func sessionUp(_ peer: String, negotiated: NegotiatedSession) -> Bool {
        established.insert(peer)
        guard let capability = negotiated.peerGracefulRestart, !capability.restarting else { return settle(peer) }
        return false
    }

    /// `peer` sent End-of-RIB for every negotiated family.
    public mutating func endOfRIB(from peer: String) -> Bool {
        settle(peer)
    }

    /// A deadline passed: at `peerWaitDeadline` the peers never Established are no longer waited for, at
    /// `deadline` (the Selection_Deferral_Timer) the deferral ends. Returns whether it ends now, and the peers
    /// dropped from `awaiting` because their session never came up.
    public mutating func timerFired(now: Duration) -> (finished: Bool, notUp: [String]) {
        guard !finished else { return (false, []) }
        if now >= deadline {
            finished = true
            return (true, [])
        }
        guard !peerWaitOver, now >= peerWaitDeadline else { return (false, []) }
        peerWaitOver = true
        let notUp = awaiting.subtracting(established)
        awaiting.subtract(notUp)
        settled.formUnion(notUp)
        return (checkFinished(), notUp.sorted())
    }

    private mutating func settle(_ peer: String) -> Bool {
        settled.insert(peer)
        awaiting.remove(peer)
        return checkFinished()
    }

    private mutating func checkFinished() -> Bool {
        guard !finished, peersKnown, awaiting.isEmpty else { return false }
        finished = true
        return true
    }
}
