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

@Suite("Hard Reset (RFC 8538 §4-5)")
struct HardResetTests {
    static func capability(n: Bool) -> GracefulRestartCapability {
        GracefulRestartCapability(
            flags: n ? 0x4 : 0, restartTime: 120, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])
    }

    /// A machine Established with both sides' graceful restart capability, N bit as given.
    func established(localN: Bool, peerN: Bool) -> SessionStateMachine {
        var config = configuration(families: [.ipv4Unicast])
        config.gracefulRestart = Self.capability(n: localN)
        var theirs = configuration(localAS: 64513, peerAS: 64512, localIdentifier: "10.0.0.2", families: [.ipv4Unicast])
        theirs.gracefulRestart = Self.capability(n: peerN)
        var machine = SessionStateMachine(id: 1, initiatedLocally: true, configuration: config)
        _ = machine.connectionUp(now: .zero)
        _ = machine.messageReceived(decoded(.open(peerOpen(capabilities: theirs.localOpen.capabilities))), now: .zero)
        _ = machine.messageReceived(decoded(.keepalive), now: .zero)
        #expect(machine.isEstablished)
        return machine
    }

    func sentNotification(_ actions: [SessionStateMachine.Action]) -> BGPNotification? {
        for case .send(.notification(let n)) in actions { return n }
        return nil
    }

    @Test("Both N bits: Administrative Shutdown, Peer De-configured, Reset, Max Prefixes and BFD Down go wrapped in Hard Reset", arguments: [
        BGPNotification(code: .cease, subcode: 2, data: [3, 0x61, 0x62, 0x63]), BGPNotification(code: .cease, subcode: 3),
        BGPNotification(code: .cease, subcode: 4), BGPNotification(code: .cease, subcode: 1, data: [0, 1, 1, 0, 0, 0, 9]),
        BGPNotification.bfdDown,
    ])
    func wrapped(_ notification: BGPNotification) throws {
        var machine = established(localN: true, peerN: true)
        let actions = machine.close(with: notification, now: .seconds(1))
        let sent = try #require(sentNotification(actions))
        #expect(sent == BGPNotification(code: .cease, subcode: 9, data: [6, notification.subcode] + notification.data))
        // The reason recorded is what went on the wire, so the routing engine flushes (GracefulRestartHelper).
        #expect(actions.contains(.closed(.notificationSent(sent), wasEstablished: true)))
    }

    @Test("Other Ceases go as they are, so the peer keeps our routes (RFC 8538 §3)", arguments: [UInt8(6), 7, 8])
    func notWrapped(subcode: UInt8) {
        var machine = established(localN: true, peerN: true)
        let notification = BGPNotification(code: .cease, subcode: subcode)
        #expect(sentNotification(machine.close(with: notification, now: .seconds(1))) == notification)
    }

    @Test("Without the N bit on both sides no Hard Reset is sent (RFC 8538 §5)", arguments: [(true, false), (false, true)])
    func oneSided(localN: Bool, peerN: Bool) {
        var machine = established(localN: localN, peerN: peerN)
        let notification = BGPNotification(code: .cease, subcode: 2)
        #expect(sentNotification(machine.close(with: notification, now: .seconds(1))) == notification)
    }
}
