// SPDX-License-Identifier: Apache-2.0
// The receiving speaker's side of graceful restart (RFC 4724 §4.2, with RFC 8538 §3) and of long-lived graceful
// restart (RFC 9494 §4.2): which ends of a session keep the peer's routes, for which families, and the deadlines
// after which they go. A retained family first spends the peer's Restart Time stale but not depreferenced (RFC 4724),
// then, when the peer gave it a nonzero Long-lived Stale Time, that long: the routes carry LLGR_STALE and rank last
// (RFC 9494). A family with a Restart Time of zero (or not in the GR capability) goes straight to the long-lived
// phase. End-of-RIB of the new session ends either phase; so does the timer. Pure: `RouteEngine` asks it and
// performs the Loc-RIB changes; time is passed in.

import BGPWire

/// Graceful restart state of every peer whose routes are kept across a restart.
public struct GracefulRestartHelper: Sendable {
    /// Upper bound on how long stale paths wait for End-of-RIB once the session is back (RFC 4724 §4.2: "an
    /// implementation MAY support a (configurable) timer"); BIRD's `graceful restart time` default is 120 s for
    /// its own restart, FRR's `bgp graceful-restart stalepath-time` default is 360 s, which is used here.
    public static let defaultStaleTime: Duration = .seconds(360)

    /// One restarting peer.
    public struct Restart: Hashable, Sendable {
        /// Families in the RFC 4724 phase, kept stale (not depreferenced) until End-of-RIB or `deadline`.
        public var families: Set<AddressFamily>
        /// When the RFC 4724 phase of `families` ends: the restart timer while the session is away, the stale-path
        /// timer once it is back.
        public var deadline: Duration
        /// The session is not back yet; `false`: it is, and End-of-RIB is awaited.
        public var awaitingSession: Bool
        /// RFC 9494 §4.2: the peer's Long-lived Stale Time of each of `families` that has one; such a family moves
        /// to `longLived` when the restart timer ends without a new session.
        public var longLivedStaleTimes: [AddressFamily: Duration] = [:]
        /// Families in the long-lived phase (paths carry LLGR_STALE) and when each one's stale timer ends. The
        /// timer runs on after the session is back, until End-of-RIB (RFC 9494 §4.2).
        public var longLived: [AddressFamily: Duration] = [:]
        /// Families whose long-lived timer ended after the session came back but before its End-of-RIB: if that
        /// session resets first, "any remaining routes ... MUST be removed immediately" (RFC 9494 §4.2).
        public var expiredBeforeSynchronization: Set<AddressFamily> = []

        /// The next time something is due, if anything is.
        public var nextDeadline: Duration? {
            let phases = (families.isEmpty ? [] : [deadline]) + Array(longLived.values)
            return phases.min()
        }

        /// Whether some family is in the long-lived phase (`show protocols`).
        public var isLongLived: Bool { !longLived.isEmpty }

        var isFinished: Bool { families.isEmpty && longLived.isEmpty && expiredBeforeSynchronization.isEmpty }
    }

    /// What to do with a restarting peer's paths, per family (unicast families only reach the Loc-RIB).
    public struct Plan: Hashable, Sendable {
        /// Families whose paths all stay, marked stale (`longLived` among them additionally get LLGR_STALE).
        public var kept: Set<AddressFamily> = []
        /// Families whose paths still stale go (their restart ended), before anything else happens.
        public var sweep: Set<AddressFamily> = []
        /// Families entering the long-lived phase now: LLGR_STALE attached, NO_LLGR paths removed (RFC 9494 §4.2).
        public var longLived: Set<AddressFamily> = []

        public init(kept: Set<AddressFamily> = [], sweep: Set<AddressFamily> = [], longLived: Set<AddressFamily> = []) {
            self.kept = kept
            self.sweep = sweep
            self.longLived = longLived
        }
    }

    public var staleTime: Duration
    public private(set) var restarts: [String: Restart] = [:]

    public init(staleTime: Duration = Self.defaultStaleTime) {
        self.staleTime = staleTime
    }

    /// Whether a session that ended for `reason` may leave its routes to graceful restart at all: a NOTIFICATION,
    /// sent or received, ends it for good unless both sent the N bit, and even then not a Cease/Hard Reset
    /// (RFC 8538 §3: "the normal BGP NOTIFICATION procedures" otherwise, §4 for Hard Reset).
    static func allowsRestart(after reason: DownReason, peer: GracefulRestartCapability, local: GracefulRestartCapability) -> Bool {
        switch reason {
        case .connectionLost:
            return true
        case .notificationSent(let notification), .notificationReceived(let notification):
            guard peer.notificationSupported && local.notificationSupported else { return false }
            return !(notification.code == .cease && notification.subcode == CeaseSubcode.hardReset)
        }
    }

    /// The families whose routes are kept when a session that negotiated `negotiated` ends for `reason`; empty: the
    /// routes go at once (RFC 4271 §8).
    ///
    /// RFC 4724 §4.2: on "termination of the TCP session" with a peer that advertised the capability, routes of
    /// "the address families that were previously received in the Graceful Restart Capability" are retained. Both
    /// sides must have sent the capability (we only help peers we told we understand it).
    public static func retainedFamilies(after reason: DownReason, negotiated: NegotiatedSession) -> Set<AddressFamily> {
        guard let peer = negotiated.peerGracefulRestart, let local = negotiated.localGracefulRestart,
            allowsRestart(after: reason, peer: peer, local: local)
        else { return [] }
        // Families the peer listed, limited to those of the session (the only ones we hold routes for).
        return Set(peer.families.map(\.family)).intersection(negotiated.families)
    }

    /// The peer's Long-lived Stale Time per family when a session that negotiated `negotiated` ends for `reason`
    /// (RFC 9494 §4.2): families of the session the peer listed with a nonzero time ("if the received LLGR
    /// Capability does not list all AFI/SAFI supported by the session, then for those non-listed AFI/SAFI the
    /// 'Long-lived Stale Time' shall be deemed zero"), when both sides sent both capabilities.
    public static func longLivedStaleTimes(
        after reason: DownReason, negotiated: NegotiatedSession
    ) -> [AddressFamily: Duration] {
        guard let peer = negotiated.peerGracefulRestart, let local = negotiated.localGracefulRestart,
            let entries = negotiated.peerLongLivedGracefulRestart, negotiated.localLongLivedGracefulRestart != nil,
            allowsRestart(after: reason, peer: peer, local: local)
        else { return [:] }
        var times: [AddressFamily: Duration] = [:]
        for entry in entries where entry.staleTime > 0 && negotiated.families.contains(entry.family) {
            times[entry.family] = .seconds(Int(entry.staleTime))
        }
        return times
    }

    /// The session ended; `families` are retained for `restartTime` (the peer's, RFC 4724 §3; zero: no RFC 4724
    /// phase) and `longLivedStaleTimes` then apply (RFC 9494 §4.2: "the procedures would be applied serially --
    /// first those of GR, then those of LLGR"). Returns what happens to the peer's paths now; nothing kept means
    /// every path goes (and the peer is forgotten).
    public mutating func sessionDown(
        _ peer: String, families: Set<AddressFamily>, restartTime: Duration,
        longLivedStaleTimes: [AddressFamily: Duration] = [:], now: Duration
    ) -> Plan {
        let previous = restarts[peer]
        let gracefulFamilies = restartTime > .zero ? families : []
        var restart = Restart(families: gracefulFamilies, deadline: now + restartTime, awaitingSession: true)
        var plan = Plan()
        for family in gracefulFamilies {
            if let time = longLivedStaleTimes[family] { restart.longLivedStaleTimes[family] = time }
        }
        for (family, time) in longLivedStaleTimes where !gracefulFamilies.contains(family) {
            // RFC 9494 §4.2: a running Long-lived Stale Time timer "MUST NOT be updated ... until the peer has
            // established and synchronized a new session".
            restart.longLived[family] = previous?.longLived[family] ?? now + time
            plan.longLived.insert(family)
        }
        // A consecutive restart of a family still long-lived stale stays in that phase, timer unchanged: "the
        // previously marked stale routes MUST NOT be deleted before the timer for the 'Long-lived Stale Time'
        // expires" (RFC 9494 §4.2).
        for (family, deadline) in previous?.longLived ?? [:] where longLivedStaleTimes[family] != nil {
            restart.families.remove(family)
            restart.longLivedStaleTimes[family] = nil
            restart.longLived[family] = deadline
            plan.longLived.insert(family)
        }
        // RFC 9494 §4.2: a family whose long-lived timer ended before the session synchronized goes entirely.
        let expired = previous?.expiredBeforeSynchronization ?? []
        restart.families.subtract(expired)
        restart.longLivedStaleTimes = restart.longLivedStaleTimes.filter { !expired.contains($0.key) }
        for family in expired {
            restart.longLived[family] = nil
            plan.longLived.remove(family)
        }
        plan.kept = restart.families.union(restart.longLived.keys)
        // RFC 4724 §4.2: "a route (from the peer) previously marked as stale MUST be deleted" on a second restart,
        // for the families without a long-lived phase (those keep them, above).
        if let previous {
            plan.sweep = previous.families.intersection(plan.kept).filter { longLivedStaleTimes[$0] == nil }
        }
        restarts[peer] = restart.isFinished ? nil : restart
        return plan
    }

    /// The session is back with `capability` and `longLivedCapability` (the new OPEN's). Returns the families to
    /// flush at once: RFC 4724 §4.2, "if the Graceful Restart Capability is not received in the re-established
    /// session at all, or if the 'Forwarding State' bit for a specific address family is not set ..., or if a
    /// specific address family is not included", the stale routes of that family go "immediately"; for a family in
    /// the long-lived phase the LLGR capability's F bit decides (RFC 9494 §3.1). The others wait for End-of-RIB
    /// under `staleTime` (RFC 4724 phase) or their running long-lived timer.
    public mutating func sessionUp(
        _ peer: String, capability: GracefulRestartCapability?,
        longLivedCapability: [LongLivedGracefulRestartEntry]? = nil, families negotiated: Set<AddressFamily>,
        now: Duration
    ) -> Set<AddressFamily> {
        guard var restart = restarts[peer] else { return [] }
        let preserved = Set((capability?.families ?? []).filter(\.forwardingPreserved).map(\.family))
        var flush = restart.families.subtracting(preserved.intersection(negotiated))
        restart.families.subtract(flush)
        let longLivedPreserved =
            capability == nil ? [] : Set((longLivedCapability ?? []).filter(\.forwardingPreserved).map(\.family))
        for family in restart.longLived.keys where !(longLivedPreserved.contains(family) && negotiated.contains(family)) {
            restart.longLived[family] = nil
            flush.insert(family)
        }
        restart.deadline = now + staleTime
        restart.awaitingSession = false
        restart.longLivedStaleTimes = [:]
        restarts[peer] = restart.isFinished ? nil : restart
        return flush
    }

    /// End-of-RIB for `family` (RFC 4724 §4.2: "it MUST immediately remove any routes from the peer that are still
    /// marked as stale for that address family"; RFC 9494 §4.2: the long-lived timer ends too). Returns whether
    /// stale paths of that family are to be swept.
    public mutating func endOfRIB(_ peer: String, family: AddressFamily) -> Bool {
        guard var restart = restarts[peer], !restart.awaitingSession else { return false }
        let sweep = restart.families.remove(family) != nil || restart.longLived.removeValue(forKey: family) != nil
        restart.expiredBeforeSynchronization.remove(family)
        restarts[peer] = restart.isFinished ? nil : restart
        return sweep
    }

    /// The timer of `peer` fired. Returns what is due at `now`: families whose stale paths go (RFC 4724 §4.2: the
    /// restart time without a new session, or the stale-path bound; RFC 9494 §4.2: the long-lived time) and
    /// families whose restart time ended with a long-lived time to follow. Empty for an early or unwanted fire.
    public mutating func timerFired(_ peer: String, now: Duration) -> Plan {
        guard var restart = restarts[peer] else { return Plan() }
        var plan = Plan()
        if !restart.families.isEmpty, now >= restart.deadline {
            for family in restart.families {
                if restart.awaitingSession, let time = restart.longLivedStaleTimes[family] {
                    // RFC 9494 §4.2: the long-lived period follows the restart time, so it is counted from its end.
                    restart.longLived[family] = restart.deadline + time
                    plan.longLived.insert(family)
                } else {
                    plan.sweep.insert(family)
                }
            }
            restart.families = []
            restart.longLivedStaleTimes = [:]
        }
        for (family, deadline) in restart.longLived where now >= deadline {
            restart.longLived[family] = nil
            plan.longLived.remove(family)
            plan.sweep.insert(family)
            if !restart.awaitingSession { restart.expiredBeforeSynchronization.insert(family) }
        }
        plan.kept = restart.families.union(restart.longLived.keys)
        restarts[peer] = restart.isFinished ? nil : restart
        return plan
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

    /// The long-lived graceful restart tuples of our own OPEN on this session, if we sent the capability.
    public var localLongLivedGracefulRestart: [LongLivedGracefulRestartEntry]? {
        for case .longLivedGracefulRestart(let entries) in localOpen.capabilities { return entries }
        return nil
    }
}
