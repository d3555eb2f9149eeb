// SPDX-License-Identifier: Apache-2.0
// The receiving speaker's side of graceful restart (RFC 4724 §4.2, with RFC 8538 §3): which ends of a session keep
// the peer's routes (stale, still selected, installed and advertised), for which families, and the deadlines after
// which the paths still stale go — the restart timer while the peer is away, then the stale-path timer until its
// End-of-RIB. Pure: `RouteEngine` asks it and performs the Loc-RIB changes; time is passed in.

import BGPWire

/// Graceful restart state of every peer whose routes are kept across a restart.
public struct GracefulRestartHelper: Sendable {
    /// Upper bound on how long stale paths wait for End-of-RIB once the session is back (RFC 4724 §4.2: "an
    /// implementation MAY support a (configurable) timer"); BIRD's `graceful restart time` default is 120 s for
    /// its own restart, FRR's `bgp graceful-restart stalepath-time` default is 360 s, which is used here.
    public static let defaultStaleTime: Duration = .seconds(360)

    /// One restarting peer.
    public struct Restart: Hashable, Sendable {
        /// Families whose stale paths are kept (RFC 4724 §4.2), until End-of-RIB or `deadline`.
        public var families: Set<AddressFamily>
        /// When the paths still stale are removed.
        public var deadline: Duration
        /// The session is not back yet (restart timer); `false`: it is, and End-of-RIB is awaited (stale timer).
        public var awaitingSession: Bool
    }

    public var staleTime: Duration
    public private(set) var restarts: [String: Restart] = [:]

    public init(staleTime: Duration = Self.defaultStaleTime) {
        self.staleTime = staleTime
    }

    /// The families whose routes are kept when a session that negotiated `negotiated` ends for `reason`; empty: the
    /// routes go at once (RFC 4271 §8).
    ///
    /// RFC 4724 §4.2: on "termination of the TCP session" with a peer that advertised the capability, routes of
    /// "the address families that were previously received in the Graceful Restart Capability" are retained. Both
    /// sides must have sent the capability (we only help peers we told we understand it). A NOTIFICATION, sent or
    /// received, ends the session for good unless both sent the N bit, and even then not a Cease/Hard Reset
    /// (RFC 8538 §3: "the normal BGP NOTIFICATION procedures" otherwise, §4 for Hard Reset).
    public static func retainedFamilies(after reason: DownReason, negotiated: NegotiatedSession) -> Set<AddressFamily> {
        guard let peer = negotiated.peerGracefulRestart, let local = negotiated.localGracefulRestart else { return [] }
        switch reason {
        case .connectionLost:
            break
        case .notificationSent(let notification), .notificationReceived(let notification):
            guard peer.notificationSupported && local.notificationSupported else { return [] }
            if notification.code == .cease && notification.subcode == CeaseSubcode.hardReset { return [] }
        }
        // Families the peer listed, limited to those of the session (the only ones we hold routes for).
        return Set(peer.families.map(\.family)).intersection(negotiated.families)
    }

    /// The session ended and `families` are retained for `restartTime` (the peer's, RFC 4724 §3). Returns whether
    /// the peer was already restarting (its paths still stale from then must go: RFC 4724 §4.2 "a route (from the
    /// peer) previously marked as stale MUST be deleted").
    public mutating func sessionDown(
        _ peer: String, families: Set<AddressFamily>, restartTime: Duration, now: Duration
    ) -> Bool {
        let again = restarts[peer] != nil
        if families.isEmpty {
            restarts[peer] = nil
        } else {
            restarts[peer] = Restart(families: families, deadline: now + restartTime, awaitingSession: true)
        }
        return again
    }

    /// The session is back with `capability` (the new OPEN's). Returns the families to flush at once: RFC 4724
    /// §4.2, "if the Graceful Restart Capability is not received in the re-established session at all, or if the
    /// 'Forwarding State' bit for a specific address family is not set ..., or if a specific address family is not
    /// included", the stale routes of that family go "immediately". The others wait for End-of-RIB or `staleTime`.
    public mutating func sessionUp(
        _ peer: String, capability: GracefulRestartCapability?, families negotiated: Set<AddressFamily>, now: Duration
    ) -> Set<AddressFamily> {
        guard var restart = restarts[peer] else { return [] }
        let preserved = Set((capability?.families ?? []).filter(\.forwardingPreserved).map(\.family))
        let flush = restart.families.subtracting(preserved.intersection(negotiated))
        restart.families.subtract(flush)
        restart.deadline = now + staleTime
        restart.awaitingSession = false
        restarts[peer] = restart.families.isEmpty ? nil : restart
        return flush
    }

    /// End-of-RIB for `family` (RFC 4724 §4.2: "it MUST immediately remove any routes from the peer that are still
    /// marked as stale for that address family"). Returns whether stale paths of that family are to be swept.
    public mutating func endOfRIB(_ peer: String, family: AddressFamily) -> Bool {
        guard var restart = restarts[peer], !restart.awaitingSession, restart.families.contains(family) else {
            return false
        }
        restart.families.remove(family)
        restarts[peer] = restart.families.isEmpty ? nil : restart
        return true
    }

    /// The timer of `peer` fired. Returns the families whose stale paths go (RFC 4724 §4.2: restart time without a
    /// new session, or the stale-path bound); empty for a fire that is early or no longer wanted.
    public mutating func timerFired(_ peer: String, now: Duration) -> Set<AddressFamily> {
        guard let restart = restarts[peer], now >= restart.deadline else { return [] }
        restarts[peer] = nil
        return restart.families
    }

    /// The peer's routes are gone for another reason (a session that ends without graceful restart).
    public mutating func forget(_ peer: String) {
        restarts[peer] = nil
    }
}

extension NegotiatedSession {
    /// The graceful restart capability of our own OPEN on this session, if we sent one.
    public var localGracefulRestart: GracefulRestartCapability? {
        for case .gracefulRestart(let capability) in localOpen.capabilities { return capability }
        return nil
    }
}
