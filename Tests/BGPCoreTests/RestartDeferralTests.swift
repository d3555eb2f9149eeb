// SPDX-License-Identifier: Apache-2.0
// The restarting speaker's deferral (RFC 4724 §4.1): `RestartDeferral` on its own, then through the routing engine —
// no UPDATE and no End-of-RIB to anyone until every expected graceful-restart peer sent End-of-RIB or the
// Selection_Deferral_Timer fired; then each peer gets the whole table and End-of-RIB.

import BGPCore
import BGPWire
import NIOCore
import Testing

@Suite("Restarting speaker: selection deferral (RFC 4724 §4.1)")
struct RestartDeferralTests {
    static let gr = GracefulRestartCapability(
        flags: 0, restartTime: 120, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])

    /// An iBGP session with `address`; `theirs` is the peer's GR capability (`nil`: none).
    static func session(_ address: String, theirs: GracefulRestartCapability?) -> NegotiatedSession {
        var local = configuration(localAS: 64512, peerAS: 64512, peerAddress: address, families: [.ipv4Unicast])
        local.gracefulRestart = GracefulRestartCapability(flags: 0x8, restartTime: 120, families: gr.families)
        var remote = configuration(
            localAS: 64512, peerAS: 64512, localIdentifier: address, peerAddress: "10.0.0.1", families: [.ipv4Unicast])
        remote.gracefulRestart = theirs
        let open = OpenMessage(asNumber: 64512, holdTime: 90, bgpIdentifier: ip(address), capabilities: remote.localOpen.capabilities)
        guard case .success(let session) = local.negotiate(received: open) else { fatalError("negotiation") }
        return session
    }

    static func up(_ engine: inout RouteEngine, _ name: String, _ session: NegotiatedSession) -> [RouteEngine.Output] {
        engine.peerUp(
            RoutingPeer(name: name), negotiated: session, peerAddress: session.peerIdentifier,
            localAddress: ip("10.0.0.1"), sessionLocalAS: 64512)
    }

    static func sends(_ outputs: [RouteEngine.Output]) -> [String] {
        outputs.flatMap { output -> [String] in
            guard case .send(let peers, let bytes) = output, bytes.readableBytes > 0 else { return [] }
            return peers
        }
    }

    /// A restarting engine (deferral until 360 s) originating 10.244.0.0/26, with peers `a` and `b` expected.
    static func restarting() -> RouteEngine {
        var engine = RouteEngine(configuration: RouteEngine.Configuration(routerID: ip("10.0.0.1"), localAS: 64512))
        let deadline = engine.beginRestartDeferral(now: .zero)
        #expect(deadline == .seconds(360))
        _ = engine.setOriginated([.init(prefix: pfx("10.244.0.0/26"))])
        let out = engine.expectEndOfRIB(from: ["a", "b"])
        #expect(out.isEmpty)
        return engine
    }

    static let endOfRIB = UpdateMessage()
    static let route = UpdateMessage(
        attributes: PathAttributes(origin: .igp, asPath: ASPath(), nextHop: ip("10.0.0.2"), localPreference: 100),
        announced: [NLRI(pfx("10.244.9.0/26"))])

    // MARK: RestartDeferral

    @Test("Ends when every expected peer sent End-of-RIB, never before the expected set is known")
    func endsOnEndOfRIB() {
        var deferral = RestartDeferral(now: .seconds(5), time: .seconds(60))
        #expect(deferral.deadline == .seconds(65))
        let early = deferral.endOfRIB(from: "a")
        #expect(!early, "peers not known yet: an empty wait list proves nothing")
        let known = deferral.expect(["a", "b"])
        #expect(!known)
        #expect(deferral.awaiting == ["b"])
        let last = deferral.endOfRIB(from: "b")
        #expect(last)
        #expect(deferral.finished)
        let fired = deferral.timerFired(now: .seconds(65))
        #expect(!fired.finished, "already over")
    }

    @Test("Peers without the capability or with the Restart State bit are not waited for (RFC 4724 §4.1)")
    func excludedPeers() {
        var deferral = RestartDeferral(now: .zero)
        _ = deferral.expect(["plain", "restarting", "helper"])
        var ended = deferral.sessionUp("helper", negotiated: Self.session("10.0.0.4", theirs: Self.gr))
        ended = ended || deferral.sessionUp("plain", negotiated: Self.session("10.0.0.2", theirs: nil))
        let alsoRestarting = GracefulRestartCapability(flags: 0x8, restartTime: 120, families: Self.gr.families)
        ended = ended || deferral.sessionUp("restarting", negotiated: Self.session("10.0.0.3", theirs: alsoRestarting))
        #expect(!ended)
        #expect(deferral.awaiting == ["helper"])
        ended = deferral.endOfRIB(from: "helper")
        #expect(ended)
    }

    @Test("The Selection_Deferral_Timer ends it; an early fire does not (RFC 4724 §4.1 (b))")
    func timer() {
        var deferral = RestartDeferral(now: .zero, time: .seconds(360))
        _ = deferral.expect(["a"])
        _ = deferral.sessionUp("a", negotiated: Self.session("10.0.0.2", theirs: Self.gr))
        #expect(deferral.nextDeadline == .seconds(30))
        let wait = deferral.timerFired(now: .seconds(30))
        #expect(!wait.finished && wait.notUp.isEmpty, "a is up: still waited for")
        #expect(deferral.nextDeadline == .seconds(360))
        let early = deferral.timerFired(now: .seconds(359))
        #expect(!early.finished)
        let due = deferral.timerFired(now: .seconds(360))
        #expect(due.finished)
        #expect(deferral.finished)
        #expect(deferral.nextDeadline == nil)
    }

    @Test("A configured peer whose session is not up after peerWaitTime stops being waited for (a dead mesh node)")
    func deadPeerNotWaitedFor() {
        var deferral = RestartDeferral(now: .zero, time: .seconds(360), peerWaitTime: .seconds(30))
        _ = deferral.expect(["alive", "dead"])
        _ = deferral.sessionUp("alive", negotiated: Self.session("10.0.0.2", theirs: Self.gr))
        let ended = deferral.endOfRIB(from: "alive")
        #expect(!ended)
        let early = deferral.timerFired(now: .seconds(29))
        #expect(!early.finished && early.notUp.isEmpty)
        let wait = deferral.timerFired(now: .seconds(30))
        #expect(wait.finished)
        #expect(wait.notUp == ["dead"])
    }

    @Test("After peerWaitTime an Established peer without End-of-RIB is still waited for; a dead one no longer")
    func upPeerStillAwaited() {
        var deferral = RestartDeferral(now: .zero, time: .seconds(360), peerWaitTime: .seconds(30))
        _ = deferral.expect(["slow", "dead"])
        _ = deferral.sessionUp("slow", negotiated: Self.session("10.0.0.2", theirs: Self.gr))
        let wait = deferral.timerFired(now: .seconds(30))
        #expect(!wait.finished)
        #expect(wait.notUp == ["dead"])
        #expect(deferral.awaiting == ["slow"])
        let done = deferral.endOfRIB(from: "slow")
        #expect(done)
    }

    @Test("No expected peer: the deferral ends as soon as the peer set is known")
    func noPeers() {
        var deferral = RestartDeferral(now: .zero)
        let ended = deferral.expect([])
        #expect(ended)
    }

    // MARK: Through the routing engine

    @Test("Nothing is sent, not even End-of-RIB, until the last expected peer's End-of-RIB; then table + End-of-RIB to all")
    func engineDefersUntilEndOfRIB() throws {
        var engine = Self.restarting()
        #expect(Self.sends(Self.up(&engine, "a", Self.session("10.0.0.2", theirs: Self.gr))).isEmpty)
        #expect(Self.sends(Self.up(&engine, "b", Self.session("10.0.0.3", theirs: Self.gr))).isEmpty)
        #expect(Self.sends(engine.received(Self.route, from: "a")).isEmpty)
        #expect(Self.sends(engine.received(Self.endOfRIB, from: "a")).isEmpty)
        #expect(engine.isDeferringAdvertisement)
        #expect(engine.advertisedRoutes(to: "a") == nil)

        let out = engine.received(Self.endOfRIB, from: "b")
        #expect(!engine.isDeferringAdvertisement)
        for name in ["a", "b"] {
            let updates = try RouteEngineTests.sent(to: name, out)
            // The originated block and, to b only, a's route (iBGP from a is not sent back to a).
            #expect(RouteEngineTests.announced(updates).contains(pfx("10.244.0.0/26")))
            #expect(updates.last == Self.endOfRIB)
        }
        #expect(RouteEngineTests.announced(try RouteEngineTests.sent(to: "b", out)).contains(pfx("10.244.9.0/26")) == false)
    }

    @Test("An expected peer that never sends End-of-RIB: the timer releases the others")
    func engineTimer() throws {
        var engine = Self.restarting()
        _ = Self.up(&engine, "a", Self.session("10.0.0.2", theirs: Self.gr))
        _ = Self.up(&engine, "b", Self.session("10.0.0.3", theirs: Self.gr))
        _ = engine.received(Self.endOfRIB, from: "a")
        #expect(engine.restartDeferralTimerFired(now: .seconds(30)).isEmpty, "b is up: still waited for")
        let early = engine.restartDeferralTimerFired(now: .seconds(359))
        #expect(early.isEmpty)
        let out = engine.restartDeferralTimerFired(now: .seconds(360))
        #expect(Set(Self.sends(out)) == ["a", "b"])
        #expect(try RouteEngineTests.sent(to: "a", out).last == Self.endOfRIB)
        // Afterwards changes go out as they happen.
        let later = engine.setOriginated([.init(prefix: pfx("10.244.0.0/26")), .init(prefix: pfx("10.244.0.64/26"))])
        #expect(Set(Self.sends(later)) == ["a", "b"])
    }

    @Test("A peer without graceful restart does not hold the others back; a peer that went down gets nothing")
    func engineExclusions() throws {
        var engine = Self.restarting()
        _ = Self.up(&engine, "b", Self.session("10.0.0.3", theirs: Self.gr))
        _ = engine.peerDown("b", reason: .connectionLost("reset"))
        let out = Self.up(&engine, "a", Self.session("10.0.0.2", theirs: nil))
        #expect(Self.sends(out).isEmpty, "b is still expected")
        let released = engine.expectEndOfRIB(from: ["a"])
        #expect(Self.sends(released) == ["a"], "b deconfigured: nobody left to wait for")
        #expect(!engine.isDeferringAdvertisement)
    }

    @Test("The deferral time: the routing configuration's, or the one the restart asks for (swiftletd --selection-deferral-time)")
    func deferralTime() {
        var configuration = RouteEngine.Configuration(routerID: ip("10.0.0.1"), localAS: 64512)
        configuration.selectionDeferralTime = .seconds(90)
        var engine = RouteEngine(configuration: configuration)
        let configured = engine.beginRestartDeferral(now: .seconds(10))
        #expect(configured == .seconds(100))
        let asked = engine.beginRestartDeferral(now: .seconds(10), time: .seconds(30))
        #expect(asked == .seconds(40))
    }

    @Test("Without a restart nothing is deferred")
    func notRestarting() {
        var engine = RouteEngine(configuration: RouteEngine.Configuration(routerID: ip("10.0.0.1"), localAS: 64512))
        let out = Self.up(&engine, "a", Self.session("10.0.0.2", theirs: Self.gr))
        #expect(Self.sends(out) == ["a"])
        let expected = engine.expectEndOfRIB(from: ["a"])
        #expect(expected.isEmpty)
    }
}
