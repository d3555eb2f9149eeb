// SPDX-License-Identifier: Apache-2.0
// Long-lived graceful restart, receiving speaker (RFC 9494 §4.2–§4.5) through the routing engine: the capability
// in negotiation, the restart time followed by the long-lived stale time, LLGR_STALE attached and depreferenced,
// NO_LLGR removed, the long-lived timer that survives the new session, End-of-RIB, consecutive restarts, and
// advertisement only to peers that sent the capability.

import BGPCore
import BGPWire
import NIOCore
import Testing

@Suite("Long-lived graceful restart, receiving speaker")
struct LongLivedGracefulRestartTests {
    static let localAS: UInt32 = 64512

    static func gr(restartTime: UInt16 = 120, families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast])
        -> GracefulRestartCapability
    {
        GracefulRestartCapability(
            flags: 0, restartTime: restartTime, families: families.map { .init(family: $0, forwardingPreserved: true) })
    }

    static func llgr(_ times: [(AddressFamily, UInt32)], forwarding: Bool = true) -> [LongLivedGracefulRestartEntry] {
        times.map { LongLivedGracefulRestartEntry(family: $0.0, forwardingPreserved: forwarding, staleTime: $0.1) }
    }

    /// A session negotiated from both OPENs, each side with the given graceful restart capabilities.
    static func session(
        peerAS: UInt32 = localAS, peerAddress: String = "10.0.0.2",
        ours: (GracefulRestartCapability?, [LongLivedGracefulRestartEntry]?) = (gr(), []),
        theirs: (GracefulRestartCapability?, [LongLivedGracefulRestartEntry]?)
    ) -> NegotiatedSession {
        var local = configuration(localAS: localAS, peerAS: peerAS, peerAddress: peerAddress)
        local.gracefulRestart = ours.0
        local.longLivedGracefulRestart = ours.1
        var remote = configuration(localAS: peerAS, peerAS: localAS, localIdentifier: peerAddress, peerAddress: "10.0.0.1")
        remote.gracefulRestart = theirs.0
        remote.longLivedGracefulRestart = theirs.1
        var capabilities = remote.localOpen.capabilities
        // A peer may send LLGR without GR (which we must then ignore); `localOpen` never builds that.
        if theirs.0 == nil, let entries = theirs.1 { capabilities.append(.longLivedGracefulRestart(entries)) }
        let open = OpenMessage(asNumber: peerAS, holdTime: 90, bgpIdentifier: ip(peerAddress), capabilities: capabilities)
        guard case .success(let session) = local.negotiate(received: open) else { fatalError("negotiation") }
        return session
    }

    /// The restarting peer: GR 120 s, LLGR 3600 s for IPv4 and IPv6.
    static let mesh = session(theirs: (gr(), llgr([(.ipv4Unicast, 3600), (.ipv6Unicast, 3600)])))

    static func engine() -> RouteEngine {
        RouteEngine(configuration: RouteEngine.Configuration(routerID: ip("10.0.0.1"), localAS: localAS))
    }

    static func up(
        _ engine: inout RouteEngine, _ name: String, _ session: NegotiatedSession, address: String = "10.0.0.2",
        now: Duration = .zero
    ) -> [RouteEngine.Output] {
        engine.peerUp(
            RoutingPeer(name: name), negotiated: session, peerAddress: ip(address), localAddress: ip("10.0.0.1"),
            sessionLocalAS: localAS, now: now)
    }

    static func update(
        _ prefixes: [String], nextHop: String = "10.0.0.2", localPreference: UInt32 = 100, communities: [Community]? = nil
    ) -> UpdateMessage {
        UpdateMessage(
            attributes: PathAttributes(
                origin: .igp, asPath: ASPath(), nextHop: ip(nextHop), localPreference: localPreference,
                communities: communities),
            announced: prefixes.map { NLRI(pfx($0)) })
    }

    static let lost = DownReason.connectionLost("Connection reset by peer")
    static let timers = GracefulRestartHelperTests.timers
    static let removed = GracefulRestartHelperTests.removed

    /// An engine with "mesh" up holding 10.244.1.0/26, 10.244.2.0/26 (NO_LLGR) and 10.244.3.0/26.
    static func loaded(_ session: NegotiatedSession = mesh) -> RouteEngine {
        var engine = engine()
        _ = up(&engine, "mesh", session)
        _ = engine.received(update(["10.244.1.0/26", "10.244.3.0/26"]), from: "mesh")
        _ = engine.received(update(["10.244.2.0/26"], communities: [.noLLGR]), from: "mesh")
        return engine
    }

    static func carriesLLGRStale(_ path: Path?) -> Bool {
        path?.attributes.attributes.communities?.contains(.llgrStale) ?? false
    }

    // MARK: Negotiation

    @Test("The LLGR capability is sent only with the GR capability, and ignored when received without it (RFC 9494 §4.5)")
    func capabilityNeedsGracefulRestart() {
        var alone = configuration()
        alone.longLivedGracefulRestart = []
        #expect(!alone.localOpen.capabilities.contains { $0.code == 71 })
        alone.gracefulRestart = Self.gr()
        #expect(alone.localOpen.capabilities.contains(.longLivedGracefulRestart([])))

        let withoutGR = Self.session(theirs: (nil, Self.llgr([(.ipv4Unicast, 60)])))
        #expect(withoutGR.peerLongLivedGracefulRestart == nil)
        #expect(GracefulRestartHelper.longLivedStaleTimes(after: Self.lost, negotiated: withoutGR).isEmpty)
        #expect(Self.mesh.peerLongLivedGracefulRestart == Self.llgr([(.ipv4Unicast, 3600), (.ipv6Unicast, 3600)]))
    }

    @Test("Long-lived stale times: nonzero, listed and negotiated families only, both sides sent LLGR (RFC 9494 §4.2)")
    func staleTimes() {
        let partial = Self.session(theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 60), (.ipv6Unicast, 0)])))
        #expect(GracefulRestartHelper.longLivedStaleTimes(after: Self.lost, negotiated: partial) == [.ipv4Unicast: .seconds(60)])
        let notOurs = Self.session(ours: (Self.gr(), nil), theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 60)])))
        #expect(GracefulRestartHelper.longLivedStaleTimes(after: Self.lost, negotiated: notOurs).isEmpty)
        // A NOTIFICATION without both N bits ends the session for good, LLGR included (RFC 8538 §3).
        let cease = DownReason.notificationReceived(.administrativeReset(message: nil))
        #expect(GracefulRestartHelper.longLivedStaleTimes(after: cease, negotiated: Self.mesh).isEmpty)
    }

    // MARK: Phases

    @Test("Restart time first (stale, not depreferenced), then long-lived: LLGR_STALE attached, NO_LLGR removed (RFC 9494 §4.2)")
    func restartTimeThenLongLived() throws {
        var engine = Self.loaded()
        let down = engine.peerDown("mesh", reason: Self.lost, now: .seconds(10))
        #expect(Self.removed(down).isEmpty)
        #expect(Self.timers(down) == [.seconds(130)])
        let kept = try #require(engine.locRIB.best(for: pfx("10.244.1.0/26")))
        #expect(kept.stale && !Self.carriesLLGRStale(kept))
        #expect(engine.gracefulRestart.restarts["mesh"]?.isLongLived == false)

        let fired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(130))
        #expect(Self.removed(fired) == [pfx("10.244.2.0/26")])
        #expect(Self.timers(fired) == [.seconds(130 + 3600)])
        let longLived = try #require(engine.locRIB.best(for: pfx("10.244.1.0/26")))
        #expect(longLived.stale && Self.carriesLLGRStale(longLived))
        #expect(engine.gracefulRestart.restarts["mesh"]?.longLived == [.ipv4Unicast: .seconds(3730), .ipv6Unicast: .seconds(3730)])

        #expect(engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(3729)).isEmpty)
        let expired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(3730))
        #expect(Set(Self.removed(expired)) == [pfx("10.244.1.0/26"), pfx("10.244.3.0/26")])
        #expect(engine.locRIB.prefixCount == 0)
        #expect(engine.gracefulRestart.restarts.isEmpty)
    }

    @Test("Restart time 0 with a long-lived stale time: the long-lived phase starts at once (RFC 9494 §4.2)")
    func zeroRestartTime() throws {
        var engine = Self.loaded(Self.session(theirs: (Self.gr(restartTime: 0), Self.llgr([(.ipv4Unicast, 300)]))))
        let down = engine.peerDown("mesh", reason: Self.lost, now: .seconds(5))
        #expect(Self.removed(down) == [pfx("10.244.2.0/26")])
        #expect(Self.timers(down) == [.seconds(305)])
        #expect(Self.carriesLLGRStale(engine.locRIB.best(for: pfx("10.244.3.0/26"))))
    }

    @Test("A family the GR capability omits but LLGR lists goes straight to long-lived; one LLGR omits ends with the restart time (RFC 9494 §4.2)")
    func familiesPerCapability() throws {
        let session = Self.session(
            theirs: (Self.gr(families: [.ipv6Unicast]), Self.llgr([(.ipv4Unicast, 600)])))
        var engine = Self.loaded(session)
        var attributes = PathAttributes(origin: .igp, asPath: ASPath(), localPreference: 100)
        attributes.mpReach = MultiprotocolReach(family: .ipv6Unicast, nextHops: [ip("fd00::2")], nlri: [NLRI(pfx("fd00:1::/122"))])
        _ = engine.received(UpdateMessage(attributes: attributes), from: "mesh")
        let down = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        #expect(Self.timers(down) == [.seconds(120)])
        #expect(Self.carriesLLGRStale(engine.locRIB.best(for: pfx("10.244.1.0/26"))))
        #expect(engine.locRIB.best(for: pfx("fd00:1::/122"))?.stale == true)
        #expect(!Self.carriesLLGRStale(engine.locRIB.best(for: pfx("fd00:1::/122"))))
        // IPv6 has no long-lived time: it goes when its restart time ends; IPv4 stays for its 600 s.
        let fired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        #expect(Self.removed(fired) == [pfx("fd00:1::/122")])
        #expect(Self.timers(fired) == [.seconds(600)])
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26")) != nil)
    }

    @Test("A long-lived stale path ranks below a fresh one from another peer; with none, it stays selected (RFC 9494 §4.3, §4.4)")
    func depreferenced() throws {
        var engine = Self.loaded()
        let other = Self.session(peerAddress: "10.0.0.3", theirs: (Self.gr(), []))
        _ = Self.up(&engine, "other", other, address: "10.0.0.3")
        // The other path has the lower LOCAL_PREF: it loses while the mesh path is fresh or only GR-stale.
        _ = engine.received(Self.update(["10.244.1.0/26"], nextHop: "10.0.0.3", localPreference: 50), from: "other")
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.source.name == "mesh")
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.source.name == "mesh")
        _ = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.source.name == "other")
        #expect(engine.locRIB.decidedBy(for: pfx("10.244.1.0/26")) == .stale)
        #expect(engine.locRIB.best(for: pfx("10.244.3.0/26"))?.source.name == "mesh")
    }

    @Test("A path received with LLGR_STALE is least preferred (RFC 9494 §4.3)")
    func receivedLongLivedStale() {
        var engine = Self.engine()
        _ = Self.up(&engine, "mesh", Self.mesh)
        _ = Self.up(&engine, "other", Self.session(peerAddress: "10.0.0.3", theirs: (Self.gr(), [])), address: "10.0.0.3")
        _ = engine.received(Self.update(["10.244.1.0/26"], localPreference: 300, communities: [.llgrStale]), from: "mesh")
        _ = engine.received(Self.update(["10.244.1.0/26"], nextHop: "10.0.0.3"), from: "other")
        #expect(engine.locRIB.best(for: pfx("10.244.1.0/26"))?.source.name == "other")
        #expect(engine.locRIB.decidedBy(for: pfx("10.244.1.0/26")) == .stale)
    }

    // MARK: The new session

    @Test("Peer back: re-announced paths are fresh without LLGR_STALE, End-of-RIB sweeps the rest (RFC 9494 §4.2)")
    func endOfRIBSweeps() throws {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        let back = Self.up(&engine, "mesh", Self.mesh, now: .seconds(500))
        // The long-lived timer is not restarted by the new session (RFC 9494 §4.2).
        #expect(Self.timers(back) == [.seconds(3720)])
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        let fresh = try #require(engine.locRIB.best(for: pfx("10.244.1.0/26")))
        #expect(!fresh.stale && !Self.carriesLLGRStale(fresh))
        let eor = engine.received(UpdateMessage(), from: "mesh")
        #expect(Self.removed(eor) == [pfx("10.244.3.0/26")])
        #expect(engine.gracefulRestart.restarts["mesh"]?.longLived == [.ipv6Unicast: .seconds(3720)])
    }

    @Test("Without End-of-RIB the long-lived timer still ends the stale paths, not the 360 s stale-path timer (RFC 9494 §4.2)")
    func longLivedTimerRunsOn() {
        var engine = Self.loaded(Self.session(theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 60)]))))
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        _ = Self.up(&engine, "mesh", Self.session(theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 60)]))), now: .seconds(150))
        let expired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(180))
        #expect(Set(Self.removed(expired)) == [pfx("10.244.1.0/26"), pfx("10.244.3.0/26")])
        // Expired before End-of-RIB: if this session resets first, what it sent goes at once (RFC 9494 §4.2).
        _ = engine.received(Self.update(["10.244.4.0/26"]), from: "mesh")
        let down = engine.peerDown("mesh", reason: Self.lost, now: .seconds(200))
        #expect(Self.removed(down) == [pfx("10.244.4.0/26")])
    }

    @Test("New OPEN without the LLGR F bit: the long-lived stale paths are flushed (RFC 9494 §3.1)")
    func forwardingNotPreserved() {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        let back = Self.up(
            &engine, "mesh",
            Self.session(theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 3600)], forwarding: false))), now: .seconds(200))
        #expect(Set(Self.removed(back)) == [pfx("10.244.1.0/26"), pfx("10.244.3.0/26")])
        #expect(engine.gracefulRestart.restarts.isEmpty)
    }

    @Test("Consecutive restart while long-lived stale: paths kept, timer not updated (RFC 9494 §4.2)")
    func consecutiveRestart() throws {
        var engine = Self.loaded()
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        _ = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        _ = Self.up(&engine, "mesh", Self.mesh, now: .seconds(1000))
        _ = engine.received(Self.update(["10.244.5.0/26"]), from: "mesh")
        let again = engine.peerDown("mesh", reason: Self.lost, now: .seconds(1100))
        #expect(Self.removed(again).isEmpty)
        // Both families were still long-lived (no End-of-RIB yet): they stay so, on the timer of the first restart.
        #expect(engine.gracefulRestart.restarts["mesh"]?.longLived == [.ipv4Unicast: .seconds(3720), .ipv6Unicast: .seconds(3720)])
        #expect(Self.timers(again) == [.seconds(3720)])
        #expect(Self.carriesLLGRStale(engine.locRIB.best(for: pfx("10.244.3.0/26"))))
        #expect(Self.carriesLLGRStale(engine.locRIB.best(for: pfx("10.244.5.0/26"))))
    }

    @Test("Without LLGR negotiated the restart time alone applies (RFC 9494 §4.2: only the GR procedures)")
    func withoutLongLived() {
        var engine = Self.loaded(Self.session(ours: (Self.gr(), nil), theirs: (Self.gr(), Self.llgr([(.ipv4Unicast, 3600)]))))
        _ = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        let fired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        #expect(Self.removed(fired).count == 3)
        #expect(engine.locRIB.prefixCount == 0)
    }

    // MARK: Advertisement

    @Test("Long-lived stale routes go with LLGR_STALE to peers that sent LLGR and are withdrawn from the others (RFC 9494 §4.3)")
    func advertisement() throws {
        var engine = Self.engine()
        // eBGP receivers (the mesh peer's iBGP routes are not re-advertised to iBGP peers).
        let tor = Self.session(peerAS: 65001, peerAddress: "192.0.2.2", theirs: (Self.gr(), []))
        let monitor = Self.session(peerAS: 65002, peerAddress: "192.0.2.3", theirs: (Self.gr(), nil))
        _ = Self.up(&engine, "mesh", Self.mesh)
        _ = Self.up(&engine, "tor", tor, address: "192.0.2.2")
        _ = Self.up(&engine, "monitor", monitor, address: "192.0.2.3")
        _ = engine.received(Self.update(["10.244.1.0/26"]), from: "mesh")
        let down = engine.peerDown("mesh", reason: Self.lost, now: .zero)
        #expect(try RouteEngineTests.sent(to: "tor", down).isEmpty)
        #expect(try RouteEngineTests.sent(to: "monitor", down).isEmpty)

        let fired = engine.gracefulRestartTimerFired(peer: "mesh", now: .seconds(120))
        let toTor = try RouteEngineTests.sent(to: "tor", fired)
        #expect(RouteEngineTests.announced(toTor) == [pfx("10.244.1.0/26")])
        #expect(toTor.first?.attributes.communities?.contains(.llgrStale) == true)
        let toMonitor = try RouteEngineTests.sent(to: "monitor", fired)
        #expect(RouteEngineTests.withdrawn(toMonitor) == [pfx("10.244.1.0/26")])
        #expect(RouteEngineTests.announced(toMonitor).isEmpty)
        let selected = try #require(engine.locRIB.best(for: pfx("10.244.1.0/26")))
        #expect(engine.explainExport(selected, to: "monitor")?.advertised == false)
    }
}
