// SPDX-License-Identifier: Apache-2.0
// RFC 4724 §4.2: a graceful-restart peer that comes back while its old session still looks Established (we never
// saw the old TCP session end) replaces it instead of losing the RFC 4271 §6.8 collision; without graceful restart
// on both sides the collision rule stands.

import BGPCore
import BGPWire
import Testing

@Suite("Restarted peer: new connection while Established (RFC 4724 §4.2)")
struct RestartedPeerConnectionTests {
    static let gr = GracefulRestartCapability(
        flags: 0, restartTime: 120, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])

    func grConfiguration(local: Bool) -> SessionConfiguration {
        var config = configuration(families: [.ipv4Unicast])
        if local { config.gracefulRestart = Self.gr }
        return config
    }

    func grOpen(peer: Bool) -> OpenMessage {
        var theirs = configuration(localAS: 64513, peerAS: 64512, localIdentifier: "10.0.0.2", families: [.ipv4Unicast])
        if peer { theirs.gracefulRestart = Self.gr }
        return peerOpen(capabilities: theirs.localOpen.capabilities)
    }

    func established(local: Bool, peer: Bool) -> PeerStateMachine {
        var machine = PeerStateMachine(configuration: grConfiguration(local: local), seed: 42)
        _ = machine.start(now: .zero)
        _ = machine.connectionUp(1, now: .seconds(1))
        _ = machine.messageReceived(decoded(.open(grOpen(peer: peer))), on: 1, now: .seconds(1))
        _ = machine.messageReceived(decoded(.keepalive), on: 1, now: .seconds(1))
        #expect(machine.established?.0 == 1)
        return machine
    }

    @Test("Both sides GR: the new connection's OPEN ends the old session as a TCP failure (routes kept) and the new one comes up")
    func replaces() throws {
        var machine = established(local: true, peer: true)
        let accepted = machine.incomingConnection(100, now: .seconds(10))
        #expect(!accepted.contains(.close(100)), "the new connection is kept until its OPEN decides")
        #expect(machine.established?.0 == 1, "the old session carries on until then")

        let open = machine.messageReceived(decoded(.open(grOpen(peer: true))), on: 100, now: .seconds(11))
        #expect(open.contains(.close(1)))
        // No NOTIFICATION on the dead connection, and the reason is a lost connection: the routing engine keeps the
        // peer's routes as stale (GracefulRestartHelper.retainedFamilies).
        #expect(!open.contains { if case .send(1, _) = $0 { true } else { false } })
        let down = open.compactMap { if case .down(let reason) = $0 { reason } else { nil } }
        #expect(down.count == 1)
        if case .connectionLost = down.first {} else { Issue.record("expected connectionLost, got \(down)") }
        #expect(open.contains(.send(100, .keepalive)))
        #expect(!open.contains { if case .armTimer(.idleHold, _) = $0 { true } else { false } }, "no restart damping")

        let up = machine.messageReceived(decoded(.keepalive), on: 100, now: .seconds(12))
        #expect(up.contains { if case .established(100, _) = $0 { true } else { false } })
        #expect(machine.established?.0 == 100)
    }

    @Test("An incoming Established session is not closed by the peer's next connection before its OPEN")
    func incomingEstablishedKept() {
        var machine = PeerStateMachine(configuration: grConfiguration(local: true), seed: 7)
        _ = machine.start(now: .zero)
        _ = machine.incomingConnection(50, now: .seconds(1))
        _ = machine.messageReceived(decoded(.open(grOpen(peer: true))), on: 50, now: .seconds(1))
        _ = machine.messageReceived(decoded(.keepalive), on: 50, now: .seconds(1))
        #expect(machine.established?.0 == 50)
        let accepted = machine.incomingConnection(51, now: .seconds(5))
        #expect(!accepted.contains(.close(50)))
        #expect(machine.established?.0 == 50)
    }

    @Test("GR on one side only: RFC 4271 §6.8 stands, the new connection gets Cease 7", arguments: [(true, false), (false, true), (false, false)])
    func collisionStands(local: Bool, peer: Bool) {
        var machine = established(local: local, peer: peer)
        let actions = machine.incomingConnection(100, now: .seconds(10))
        #expect(actions == [.send(100, .notification(.connectionCollisionResolution)), .close(100)])
        #expect(machine.established?.0 == 1)
    }
}
