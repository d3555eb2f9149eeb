// SPDX-License-Identifier: Apache-2.0
// The receiving speaker of graceful restart (RFC 4724 §4.2, RFC 8538 §3) through the routing engine: which ends of
// a session keep the peer's routes, stale but selected and advertised; the restart timer; families flushed when the
// new OPEN does not preserve forwarding state; the sweep after End-of-RIB or the stale-path timer.

import BGPCore
import BGPWire
import NIOCore
import Testing

@Suite("Graceful restart, receiving speaker")
struct GracefulRestartHelperTests {
    static let localAS: UInt32 = 64512
    static let peerAddress = "10.0.0.2"

    static func capability(
        restartTime: UInt16 = 120, notification: Bool = false, restarting: Bool = false,
        families: [(AddressFamily, Bool)] = [(.ipv4Unicast, true), (.ipv6Unicast, true)]
    ) -> GracefulRestartCapability {
        GracefulRestartCapability(
            flags: (restarting ? 0x8 : 0) | (notification ? 0x4 : 0), restartTime: restartTime,
            families: families.map { .init(family: $0.0, forwardingPreserved: $0.1) })
    }

    /// A mesh peer (iBGP) session negotiated from both OPENs; `nil` leaves the capability out of that OPEN.
    static func negotiated(ours: GracefulRestartCapability?, theirs: GracefulRestartCapability?) -> NegotiatedSession {
        var local = configuration(localAS: localAS, peerAS: localAS, peerAddress: peerAddress)
        local.gracefulRestart = ours
        var remote = configuration(localAS: localAS, peerAS: localAS, localIdentifier: peerAddress, peerAddress: "10.0.0.1")
        remote.gracefulRestart = theirs
        let open = OpenMessage(
            asNumber: localAS, holdTime: 90, bgpIdentifier: ip(peerAddress), capabilities: remote.localOpen.capabilities)
        guard case .success(let session) = local.negotiate(received: open) else { fatalError("negotiation") }
        return session
    }

    static let both = negotiated(ours: capability(), theirs: capability())

    static func engine() -> RouteEngine {
        RouteEngine(configuration: RouteEngine.Configuration(routerID: ip("10.0.0.1"), localAS: localAS))
    }

    static func up(
        _ engine: inout RouteEngine, _ name: String, _ session: NegotiatedSession, now: Duration = .zero
    ) -> [RouteEngine.Output] {
        engine.peerUp(
            RoutingPeer(name: name), negotiated: session, peerAddress: ip(peerAddress), localAddress: ip("10.0.0.1"),
            sessionLocalAS: localAS, now: now)
    }

    static func update(_ prefixes: [String], nextHop: String = "10.0.0.2") -> UpdateMessage {
        UpdateMessage(
            attributes: PathAttributes(origin: .igp, asPath: ASPath(), nextHop: ip(nextHop), localPreference: 100),
            announced: prefixes.map { NLRI(pfx($0)) })
    }

    static func ipv6Update(_ prefixes: [String]) -> UpdateMessage {
        var attributes = PathAttributes(origin: .igp, asPath: ASPath(), localPreference: 100)
        attributes.mpReach = MultiprotocolReach(family: .ipv6Unicast, nextHops: [ip("fd00::2")], nlri: prefixes.map { NLRI(pfx($0)) })
        return UpdateMessage(attributes: attributes)
    }

    static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        if family == .ipv4Unicast { return UpdateMessage() }
        var attributes = PathAttributes()
        attributes.mpUnreach = MultiprotocolUnreach(family: family, withdrawn: [])
        return UpdateMessage(attributes: attributes)
    }

    static func timers(_ outputs: [RouteEngine.Output]) -> [Duration] {
        outputs.compactMap { if case .gracefulRestartTimer(_, let deadline) = $0 { deadline } else { nil } }
    }

    static func removed(_ outputs: [RouteEngine.Output]) -> [IPPrefix] {
        outputs.flatMap { output -> [IPPrefix] in
            guard case .routesChanged(let changes) = output else { return [] }
            return Array(changes).filter { $0.best == nil }.map(\.prefix)
        }
    }

    /// An engine with "mesh" up on `session`, holding 10.244.1.0/26 and 10.244.2.0/26 (and fd00:1::/122).
    static func loaded(_ session: NegotiatedSession = both) -> RouteEngine {
        var engine = engine()
        _ = up(&engine, "mesh", session)
        _ = engine.received(update(["10.244.1.0/26", "10.244.2.0/26"]), from: "mesh")
        if session.families.contains(.ipv6Unicast) { _ = engine.received(ipv6Update(["fd00:1::/122"]), from: "mesh") }
        return engine
    }

    static let lost = DownReason.connectionLost("Connection reset by peer")

    @Test("Connection lost: routes kept stale, still selected, restart timer at the peer's restart time (RFC 4724 §4.2)")
    func connectionLostKeepsRoutes() throws {
        var engine = Self.loaded()
        let out = engine.peerDown("mesh", reason: Self.lost, now: .seconds(10))
        #expect(Self.removed(out).isEmpty)
        #expect(Self.timers(out) == [.seconds(130)])
        let best = try #require(engine.locRIB.best(for: pfx("10.244.1.0/26")))
        #expect(best.stale)
        #expect(best.source.name == "mesh")
        #expect(engine.locRIB.stalePathCount(from: "mesh") == 3)
        #expect(engine.gracefulRestart.restarts["mesh"]?.awaitingSession == true)
    }

    @Test("Stale routes stay advertised to other peers: no withdrawal goes out (RFC 4724 §4.2)")
    func staleRoutesStayAdvertised() throws {
        var engine = Self.engine()
        _ = Self.up(&engine, "mesh", Self.both)
        let tor = RouteEngineTests.tor
        _ = engine.peerUp(
            RoutingPeer(name: tor.name), negotiated: tor.negotiated, peerAddress: tor.address,
            localAddress: ip("10.0.0.1"), sessionLocalAS: Self.localAS)
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        let out = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        #expect(try RouteEngineTests.sent(to: tor.name, out).isEmpty)
        #expect(engine.advertisedRoutes(to: tor.name)?.map(\.prefix) == [pfx("10.244.1.0/26")])
    }

    @Test("Restart timer expires without a new session: the stale routes go (RFC 4724 §4.2)")
    func restartTimerExpires() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .seconds(10))
        #expect(engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(129)).isEmpty)  // early: ignored
        let out = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(130))
        #expect(Set(Self.removed(out)) == [pfx("10.244.1.0/26"), pfx("10.244.2.0/26"), pfx("fd00:1::/122")])
        #expect(engine.locRIB.prefixCount == 0)
        #expect(engine.gracefulRestart.restarts.isEmpty)
    }

    @Test("Peer back: re-advertised paths are fresh, End-of-RIB sweeps the rest of its family (RFC 4724 §4.2)")
    func endOfRIBSweeps() throws {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .seconds(10))
        let upOut = Self.up(&engine, "mesh", Self.both, now: .seconds(20))
        #expect(Self.removed(upOut).isEmpty)
        #expect(Self.timers(upOut) == [.seconds(20) + GracefulRestartHelper.defaultStaleTime])
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.stale == false)
        #expect(engine.locRIB.best(for: pfx("10.244.2.0/26"))?.stale == true)
        let out = engine.received(Self.endOfRIB(.ipv4Unicast), from: "mesh")
        #expect(Self.removed(out) == [pfx("10.244.2.0/26")])
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26")) != nil)
        // IPv6 waits for its own End-of-RIB.
        #expect(engine.locRIB.best(for: pfx("fd00:1::/122"))?.stale == true)
        let v6 = engine.received(Self.endOfRIB(.ipv6Unicast), from: "mesh")
        #expect(Self.removed(v6) == [pfx("fd00:1::/122")])
        #expect(engine.gracefulRestart.restarts.isEmpty)
    }

    @Test("Peer back without the F bit for a family: that family's stale routes are flushed at once (RFC 4724 §4.2)")
    func forwardingNotPreservedFlushes() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        let session = Self.negotiated(
            ours: Self.capability(), theirs: Self.capability(families: [(.ipv4Unicast, false), (.ipv6Unicast, true)]))
        let out = Self.up(&engine, "mesh", session, now: .seconds(5))
        #expect(Set(Self.removed(out)) == [pfx("10.244.1.0/26"), pfx("10.244.2.0/26")])
        #expect(engine.locRIB.best(for: pfx("fd00:1::/122"))?.stale == true)
        #expect(engine.gracefulRestart.restarts["mesh"]?.families == [.ipv6Unicast])
    }

    @Test("Peer back without the capability or without a family in it: stale routes flushed (RFC 4724 §4.2)")
    func capabilityMissingFlushes() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        let out = Self.up(&engine, "mesh", Self.negotiated(ours: Self.capability(), theirs: nil), now: .seconds(5))
        #expect(Self.removed(out).count == 3)
        #expect(engine.gracefulRestart.restarts.isEmpty)

        var other = Self.loaded()
        _ = other.peerDown("mesh", reason: Self.lost, now: .zero)
        let session = Self.negotiated(ours: Self.capability(), theirs: Self.capability(families: [(.ipv6Unicast, true)]))
        let partial = Self.up(&other, "mesh", session, now: .seconds(5))
        #expect(Set(Self.removed(partial)) == [pfx("10.244.1.0/26"), pfx("10.244.2.0/26")])
    }

    @Test("Stale-path timer after the session is back: paths still stale go without End-of-RIB (RFC 4724 §4.2)")
    func staleTimerExpires() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = Self.up(&engine, "mesh", Self.both, now: .seconds(5))
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        let out = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(5) + GracefulRestartHelper.defaultStaleTime)
        #expect(Set(Self.removed(out)) == [pfx("10.244.2.0/26"), pfx("fd00:1::/122")])
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.stale == false)
    }

    @Test("Restarting again before End-of-RIB: the paths still stale are deleted, fresh ones kept stale (RFC 4724 §4.2)")
    func consecutiveRestart() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = Self.up(&engine, "mesh", Self.both, now: .seconds(5))
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        let out = engine.peerDown("mesh", reason: Self.lost, now: .seconds(6))
        #expect(Set(Self.removed(out)) == [pfx("10.244.2.0/26"), pfx("fd00:1::/122")])
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.stale == true)
    }

    @Test("A NOTIFICATION without both N bits ends the session for good: routes removed at once (RFC 4724, RFC 8538 §3)")
    func notificationFlushes() {
        for reason in [
            DownReason.notificationReceived(.administrativeShutdown()), .notificationSent(.holdTimerExpired),
        ] {
            var engine = Self.loaded()
            let out = engine.peerDown("mesh", reason: reason, now: .zero)
            #expect(Self.removed(out).count == 3)
            #expect(Self.timers(out).isEmpty)
            #expect(engine.gracefulRestart.restarts.isEmpty)
        }
    }

    @Test("Both N bits: a NOTIFICATION keeps the routes, except Cease/Hard Reset (RFC 8538 §3, §4)")
    func notificationWithNBit() {
        let session = Self.negotiated(ours: Self.capability(notification: true), theirs: Self.capability(notification: true))
        var engine = Self.loaded(session)
        let kept = engine.peerDown("mesh", reason: .notificationSent(.holdTimerExpired), now: .zero)
        #expect(Self.removed(kept).isEmpty)
        #expect(engine.locRIB.stalePathCount(from: "mesh") == 3)

        var hard = Self.loaded(session)
        let out = hard.peerDown("mesh", reason: .notificationReceived(.hardReset(wrapping: .administrativeReset())), now: .zero)
        #expect(Self.removed(out).count == 3)

        // Only one side with the N bit: the NOTIFICATION is final.
        let oneSided = Self.negotiated(ours: Self.capability(), theirs: Self.capability(notification: true))
        var single = Self.loaded(oneSided)
        #expect(Self.removed(single.peerDown("mesh", reason: .notificationSent(.holdTimerExpired), now: .zero)).count == 3)
    }

    @Test("Graceful restart needs the capability from both sides and a restart time (RFC 4724 §3, §4.2)")
    func capabilityRequired() {
        for session in [
            Self.negotiated(ours: nil, theirs: Self.capability()),
            Self.negotiated(ours: Self.capability(), theirs: nil),
            Self.negotiated(ours: Self.capability(), theirs: Self.capability(restartTime: 0)),
        ] {
            var engine = Self.loaded(session)
            let out = engine.peerDown("mesh", reason: Self.lost, now: .zero)
            #expect(Self.removed(out).count == (session.families.contains(.ipv6Unicast) ? 3 : 2))
        }
    }

    @Test("Only the families in the peer's capability are retained (RFC 4724 §4.2)")
    func familiesFromCapability() {
        let session = Self.negotiated(ours: Self.capability(), theirs: Self.capability(families: [(.ipv4Unicast, true)]))
        var engine = Self.loaded(session)
        let out = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        #expect(Self.removed(out) == [pfx("fd00:1::/122")])
        #expect(engine.locRIB.stalePathCount(from: "mesh") == 2)
    }

    @Test("retainedFamilies: connection loss vs NOTIFICATION, with and without N bits (RFC 4724 §4.2, RFC 8538 §3)")
    func retainedFamilies() {
        #expect(GracefulRestartHelper.retainedFamilies(after: Self.lost, negotiated: Self.both) == [.ipv4Unicast, .ipv6Unicast])
        #expect(GracefulRestartHelper.retainedFamilies(after: .notificationReceived(.administrativeShutdown()), negotiated: Self.both).isEmpty)
    }
}

extension GracefulRestartHelperTests {
    @Test("A restarting peer that is removed from the configuration: its stale routes go at once")
    func removedPeerFlushes() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        let out = engine.peerRemoved("mesh")
        #expect(Self.removed(out).count == 3)
        #expect(engine.gracefulRestart.restarts.isEmpty)
        #expect(engine.peerRemoved("mesh").isEmpty)
    }
}
