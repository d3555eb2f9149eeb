// SPDX-License-Identifier: Apache-2.0
// The peer above its connections: Idle/Connect/Active and the ConnectRetryTimer (RFC 4271 §8.2.2), the damped
// restart (§8.1.1 DampPeerOscillations, §10 jitter), administrative stop with RFC 8203 text, and connection
// collision resolution (RFC 4271 §6.8, RFC 6286 §2.3). Scripted events, time passed in.

import BGPCore
import BGPWire
import Testing

@Suite("PeerStateMachine")
struct PeerStateMachineTests {
    static let seeds: [UInt64] = Array(0..<16) + [0xDEAD_BEEF, .max]

    private func jitterBounds(_ interval: Duration) -> ClosedRange<Double> {
        (interval.seconds * 0.75)...(interval.seconds)
    }

    // MARK: Start, connect, ConnectRetry

    @Test(
        "Start connects and arms ConnectRetry with jitter in [0.75, 1] × ConnectRetryTime (RFC 4271 §8.2.2 Idle event 1, §10)",
        arguments: seeds)
    func startActive(seed: UInt64) throws {
        var peer = PeerStateMachine(configuration: configuration(connectRetryTime: .seconds(5)), seed: seed)
        #expect(peer.state == .idle && !peer.enabled)
        let actions = peer.start(now: .seconds(100))
        #expect(actions.count == 2)
        #expect(actions.first == .connect(1))
        let deadline = try #require(actions.deadline(of: .connectRetry))
        #expect(jitterBounds(.seconds(5)).contains((deadline - .seconds(100)).seconds))
        #expect(peer.state == .connect && peer.enabled)
        #expect(peer.start(now: .seconds(101)).isEmpty, "already started")
    }

    @Test("A passive peer does not connect and waits in Active (RFC 4271 §8.2.2 Idle event 4)")
    func startPassive() {
        var peer = PeerStateMachine(configuration: configuration(passive: true), seed: 1)
        #expect(peer.start(now: .zero).isEmpty)
        #expect(peer.state == .active)
        #expect(peer.timerFired(.connectRetry, now: .seconds(1000)).isEmpty)
    }

    @Test(
        "Connect failure goes to Active; ConnectRetry then connects again on a new connection (RFC 4271 §8.2.2 Connect event 18, Active event 9)"
    )
    func connectFailureThenRetry() throws {
        var peer = PeerStateMachine(configuration: configuration(connectRetryTime: .seconds(5)), seed: 3)
        let start = peer.start(now: .zero)
        let first = try #require(start.deadline(of: .connectRetry))
        #expect(peer.connectionFailed(1, reason: "connection refused", now: .seconds(1)).isEmpty)
        #expect(peer.state == .active)
        #expect(peer.lastError == .connectionLost("connection refused"))
        #expect(peer.timerFired(.connectRetry, now: first - .milliseconds(1)).isEmpty, "deadline not reached")
        let retry = peer.timerFired(.connectRetry, now: first)
        #expect(retry.connects == [2])
        #expect(retry.closed.isEmpty)
        let second = try #require(retry.deadline(of: .connectRetry))
        #expect(jitterBounds(.seconds(5)).contains((second - first).seconds))
        #expect(peer.state == .connect)
        #expect(peer.timerFired(.connectRetry, now: first).isEmpty, "the old deadline is stale")
    }

    @Test("ConnectRetry while still connecting drops that attempt and connects again (RFC 4271 §8.2.2 Connect event 9)")
    func connectRetryWhileConnecting() throws {
        var peer = PeerStateMachine(configuration: configuration(), seed: 4)
        let deadline = try #require(peer.start(now: .zero).deadline(of: .connectRetry))
        let retry = peer.timerFired(.connectRetry, now: deadline)
        #expect(retry.first == .close(1))
        #expect(retry.connects == [2])
        #expect(peer.state == .connect)
        // The first attempt completing late is closed and changes nothing.
        #expect(peer.connectionUp(1, now: deadline + .seconds(1)) == [.close(1)])
        #expect(peer.state == .connect)
    }

    @Test("TCP up sends OPEN, cancels ConnectRetry, OpenSent (RFC 4271 §8.2.2 Connect event 16)")
    func connectionUp() {
        let config = configuration()
        var peer = PeerStateMachine(configuration: config, seed: 5)
        _ = peer.start(now: .zero)
        let actions = peer.connectionUp(1, now: .seconds(1))
        #expect(
            actions == [
                .cancelTimer(.connectRetry), .send(1, .open(config.localOpen)),
                .armTimer(.session(1, .hold), deadline: .seconds(241)),
            ])
        #expect(peer.state == .openSent)
        #expect(peer.timerFired(.connectRetry, now: .seconds(1000)).isEmpty, "cancelled")
    }

    @Test("OPEN then KEEPALIVE reach Established with one .established action (RFC 4271 §8.2.2 OpenSent/OpenConfirm)")
    func fullExchange() throws {
        let config = configuration()
        var peer = PeerStateMachine(configuration: config, seed: 6)
        _ = peer.start(now: .zero)
        _ = peer.connectionUp(1, now: .seconds(1))
        let open = peer.messageReceived(decoded(.open(peerOpen())), on: 1, now: .seconds(2))
        #expect(open.sent(on: 1) == [.keepalive])
        #expect(peer.state == .openConfirm)
        let keepalive = peer.messageReceived(decoded(.keepalive), on: 1, now: .seconds(3))
        let negotiated = try config.negotiate(received: peerOpen()).get()
        #expect(keepalive.filter { if case .established = $0 { true } else { false } } == [.established(1, negotiated)])
        #expect(peer.state == .established)
        #expect(peer.established?.0 == 1)
        #expect(peer.established?.1 == negotiated)
        #expect(peer.since == .seconds(3))
        // Received UPDATEs and ROUTE-REFRESH pass through; sends go on the Established connection.
        let update = UpdateMessage(withdrawn: [NLRI(IPPrefix("198.51.100.0/24")!)])
        #expect(
            peer.messageReceived(decoded(.update(update)), on: 1, now: .seconds(4)).contains(
                .updateReceived(update, errors: [])))
        #expect(peer.send(.update(update), now: .seconds(5)).sent(on: 1) == [.update(update)])
        #expect(peer.timerFired(.session(1, .keepalive), now: .seconds(35)).sent(on: 1) == [.keepalive])
        #expect(
            peer.sendProgressed(on: 1, now: .seconds(35)) == [
                .armTimer(.session(1, .sendHold), deadline: .seconds(515))
            ])
    }

    // MARK: Failure and damping

    /// Connects (after `start` or an IdleHold expiry that requested connection `id`) and reaches Established.
    private func bringUp(_ peer: inout PeerStateMachine, id: ConnectionID, now: Duration) {
        _ = peer.connectionUp(id, now: now)
        _ = peer.messageReceived(decoded(.open(peerOpen())), on: id, now: now)
        _ = peer.messageReceived(decoded(.keepalive), on: id, now: now)
        #expect(peer.established?.0 == id)
    }

    @Test("A session failure after Established reports .down and arms IdleHold (RFC 4271 §8.1.1 DampPeerOscillations)")
    func failureAfterEstablished() throws {
        var peer = PeerStateMachine(configuration: configuration(idleHoldTime: .seconds(2)), seed: 7)
        _ = peer.start(now: .zero)
        bringUp(&peer, id: 1, now: .seconds(1))
        let notification = BGPNotification.administrativeReset(message: "clear")
        let actions = peer.messageReceived(decoded(.notification(notification)), on: 1, now: .seconds(10))
        #expect(actions.sent.isEmpty)
        #expect(actions.closed == [1])
        #expect(actions.downs == [.notificationReceived(notification)])
        let deadline = try #require(actions.deadline(of: .idleHold))
        #expect(jitterBounds(.seconds(2)).contains((deadline - .seconds(10)).seconds))
        #expect(peer.state == .idle)
        #expect(peer.established == nil)
        #expect(peer.flaps == 1)
        #expect(peer.lastError == .notificationReceived(notification))
        // IdleHold expiry restarts: a new connection.
        #expect(peer.timerFired(.idleHold, now: deadline - .milliseconds(1)).isEmpty)
        let restart = peer.timerFired(.idleHold, now: deadline)
        #expect(restart.connects == [2])
        #expect(peer.state == .connect)
    }

    @Test("A failure before Established also arms IdleHold, without .down (RFC 4271 §8.2.2 OpenSent event 10)")
    func failureBeforeEstablished() throws {
        var peer = PeerStateMachine(configuration: configuration(), seed: 8)
        _ = peer.start(now: .zero)
        _ = peer.connectionUp(1, now: .seconds(1))
        let actions = peer.timerFired(.session(1, .hold), now: .seconds(241))
        #expect(actions.sent(on: 1) == [.notification(.holdTimerExpired)])
        #expect(actions.downs.isEmpty)
        #expect(actions.deadline(of: .idleHold) != nil)
        #expect(peer.state == .idle)
        #expect(peer.flaps == 0)
    }

    @Test(
        "IdleHold doubles per consecutive failure up to the maximum, with jitter (RFC 4271 §8.1.1, §10)",
        arguments: [1, 42, 0xFFFF] as [UInt64])
    func idleHoldBackoff(seed: UInt64) throws {
        let config = configuration(
            idleHoldTime: .seconds(1), maximumIdleHoldTime: .seconds(30), stableTime: .seconds(60))
        var peer = PeerStateMachine(configuration: config, seed: seed)
        _ = peer.start(now: .zero)
        var now = Duration.seconds(1)
        var id: ConnectionID = 1
        var seen: [Double] = []
        for expected in [1, 2, 4, 8, 16, 30, 30, 30] as [Int64] {
            bringUp(&peer, id: id, now: now)
            now += .seconds(10)  // shorter than stableTime
            let down = peer.messageReceived(decoded(.notification(.administrativeReset())), on: id, now: now)
            #expect(down.downs.count == 1)
            let deadline = try #require(down.deadline(of: .idleHold))
            let wait = (deadline - now).seconds
            seen.append(wait)
            #expect(
                jitterBounds(.seconds(expected)).contains(wait),
                "failure \(seen.count): \(wait) s, expected ~\(expected) s")
            now = deadline
            let restart = peer.timerFired(.idleHold, now: now)
            id = try #require(restart.connects.first)
        }
        // A session that stays up for stableTime resets the damping.
        bringUp(&peer, id: id, now: now)
        now += .seconds(60)
        let down = peer.messageReceived(decoded(.notification(.administrativeReset())), on: id, now: now)
        let deadline = try #require(down.deadline(of: .idleHold))
        #expect(
            jitterBounds(.seconds(1)).contains((deadline - now).seconds), "after a stable session: \(deadline - now)")
        #expect(peer.flaps == 9)
    }

    @Test("A session up for less than stableTime keeps the damping (RFC 4271 §8.1.1)")
    func unstableKeepsDamping() throws {
        let config = configuration(
            idleHoldTime: .seconds(1), maximumIdleHoldTime: .seconds(30), stableTime: .seconds(60))
        var peer = PeerStateMachine(configuration: config, seed: 9)
        _ = peer.start(now: .zero)
        bringUp(&peer, id: 1, now: .seconds(1))
        let first = try #require(
            peer.messageReceived(decoded(.notification(.administrativeReset())), on: 1, now: .seconds(2)).deadline(
                of: .idleHold))
        let id = try #require(peer.timerFired(.idleHold, now: first).connects.first)
        bringUp(&peer, id: id, now: first)
        let now = first + .seconds(59)
        let second = try #require(
            peer.messageReceived(decoded(.notification(.administrativeReset())), on: id, now: now).deadline(
                of: .idleHold))
        #expect(jitterBounds(.seconds(2)).contains((second - now).seconds))
    }

    @Test("An incoming connection is not damped: it cancels IdleHold (RFC 4271 §8.2.2 Idle, passive acceptance)")
    func incomingCancelsIdleHold() throws {
        var peer = PeerStateMachine(configuration: configuration(), seed: 10)
        _ = peer.start(now: .zero)
        bringUp(&peer, id: 1, now: .seconds(1))
        _ = peer.messageReceived(decoded(.notification(.administrativeReset())), on: 1, now: .seconds(2))
        #expect(peer.state == .idle)
        let actions = peer.incomingConnection(100, now: .seconds(2))
        #expect(actions.contains(.cancelTimer(.idleHold)))
        #expect(actions.sent(on: 100) == [.open(configuration().localOpen)])
        #expect(peer.state == .openSent)
        #expect(peer.timerFired(.idleHold, now: .seconds(1000)).isEmpty)
    }

    // MARK: Administrative stop

    @Test(
        "stop sends Cease 6/2 with the RFC 8203 text, state Idle, incoming refused (RFC 4271 §8.2.2 event 2, RFC 8203 §2)"
    )
    func administrativeStop() throws {
        var peer = PeerStateMachine(configuration: configuration(), seed: 11)
        _ = peer.start(now: .zero)
        bringUp(&peer, id: 1, now: .seconds(1))
        let notification = BGPNotification.administrativeShutdown(message: "maintenance")
        let actions = peer.stop(notification, now: .seconds(5))
        #expect(actions.sent(on: 1) == [.notification(notification)])
        #expect(notification.code == .cease && notification.subcode == 2)
        #expect(notification.data == [11] + Array("maintenance".utf8))
        #expect(notification.shutdownCommunication == "maintenance")
        #expect(actions.closed == [1])
        #expect(actions.downs == [.notificationSent(notification)])
        #expect(actions.deadline(of: .idleHold) == nil, "an administrative stop does not restart")
        #expect(peer.state == .idle && !peer.enabled)
        #expect(peer.established == nil)
        // Disabled: incoming connections are refused without a word, and timers do nothing.
        #expect(peer.incomingConnection(100, now: .seconds(6)) == [.close(100)])
        #expect(peer.timerFired(.connectRetry, now: .seconds(1000)).isEmpty)
        #expect(peer.timerFired(.idleHold, now: .seconds(1000)).isEmpty)
        #expect(peer.stop(now: .seconds(7)).isEmpty)
        // Starting again connects afresh.
        #expect(peer.start(now: .seconds(8)).connects == [2])
    }

    @Test("stop while connecting closes the attempt and cancels ConnectRetry (RFC 4271 §8.2.2 Connect event 2)")
    func stopWhileConnecting() {
        var peer = PeerStateMachine(configuration: configuration(), seed: 12)
        _ = peer.start(now: .zero)
        let actions = peer.stop(now: .seconds(1))
        #expect(Set(actions) == [.cancelTimer(.connectRetry), .close(1)])
        #expect(peer.state == .idle)
        #expect(peer.connectionUp(1, now: .seconds(2)) == [.close(1)])
    }

    // MARK: Collisions (RFC 4271 §6.8)

    @Test("An incoming connection while Established gets Cease 6/7; the old session stays (RFC 4271 §6.8)")
    func incomingWhileEstablished() {
        var peer = PeerStateMachine(configuration: configuration(), seed: 13)
        _ = peer.start(now: .zero)
        bringUp(&peer, id: 1, now: .seconds(1))
        let actions = peer.incomingConnection(100, now: .seconds(2))
        #expect(actions == [.send(100, .notification(.connectionCollisionResolution)), .close(100)])
        #expect(BGPNotification.connectionCollisionResolution == BGPNotification(code: .cease, subcode: 7))
        #expect(peer.state == .established && peer.established?.0 == 1)
        #expect(peer.messageReceived(decoded(.keepalive), on: 100, now: .seconds(3)).isEmpty)
    }

    enum Kept: String, Sendable { case outgoing, incoming }

    struct CollisionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var localIdentifier: String
        var peerIdentifier: String
        var localAS: UInt32
        var peerAS: UInt32
        var kept: Kept
        var testDescription: String { name }
    }

    static let collisionCases: [CollisionCase] = [
        CollisionCase(
            name: "local ID higher keeps ours", localIdentifier: "10.0.0.9", peerIdentifier: "10.0.0.2", localAS: 64512,
            peerAS: 64513, kept: .outgoing),
        CollisionCase(
            name: "local ID lower keeps theirs", localIdentifier: "10.0.0.1", peerIdentifier: "10.0.0.2",
            localAS: 64512,
            peerAS: 64513, kept: .incoming),
        CollisionCase(
            name: "IDs compare as numbers, not as text", localIdentifier: "9.0.0.1", peerIdentifier: "10.0.0.2",
            localAS: 64512, peerAS: 64513, kept: .incoming),
        CollisionCase(
            name: "equal IDs, larger peer AS keeps theirs (RFC 6286 §2.3)", localIdentifier: "10.0.0.5",
            peerIdentifier: "10.0.0.5", localAS: 64512, peerAS: 64513, kept: .incoming),
        CollisionCase(
            name: "equal IDs, larger local AS keeps ours (RFC 6286 §2.3)", localIdentifier: "10.0.0.5",
            peerIdentifier: "10.0.0.5", localAS: 64513, peerAS: 64512, kept: .outgoing),
        CollisionCase(
            name: "equal IDs, 4-octet AS compared in full (RFC 6286 §2.3)", localIdentifier: "10.0.0.5",
            peerIdentifier: "10.0.0.5", localAS: 64512, peerAS: 4_200_000_000, kept: .incoming),
    ]

    @Test(
        "Collision: the connection initiated by the higher BGP Identifier survives, the other gets 6/7 (RFC 4271 §6.8)",
        arguments: collisionCases, [true, false])
    func collision(_ row: CollisionCase, outgoingOpenFirst: Bool) throws {
        let config = configuration(localAS: row.localAS, peerAS: row.peerAS, localIdentifier: row.localIdentifier)
        var peer = PeerStateMachine(configuration: config, seed: 14)
        var all: [PeerStateMachine.Action] = []
        all += peer.start(now: .zero)
        let outgoing: ConnectionID = 1
        let incoming: ConnectionID = 1000
        all += peer.connectionUp(outgoing, now: .seconds(1))
        all += peer.incomingConnection(incoming, now: .seconds(1))
        #expect(all.sent(on: outgoing) == [.open(config.localOpen)])
        #expect(all.sent(on: incoming) == [.open(config.localOpen)])
        #expect(peer.state == .openSent)

        let theirOpen = OpenMessage(
            asNumber: row.peerAS, holdTime: 90, bgpIdentifier: IPAddress(row.peerIdentifier)!,
            capabilities: [.multiprotocol(.ipv4Unicast), .fourOctetAS(row.peerAS)])
        let order = outgoingOpenFirst ? [outgoing, incoming] : [incoming, outgoing]
        let first = peer.messageReceived(decoded(.open(theirOpen)), on: order[0], now: .seconds(2))
        #expect(first.sent == [.keepalive], "no collision while the other connection is in OpenSent")
        #expect(peer.state == .openConfirm)
        let second = peer.messageReceived(decoded(.open(theirOpen)), on: order[1], now: .seconds(2))
        all += first + second

        let winner = row.kept == .outgoing ? outgoing : incoming
        let loser = row.kept == .outgoing ? incoming : outgoing
        #expect(second.sent(on: loser) == [.notification(.connectionCollisionResolution)])
        #expect(second.closed == [loser])
        if order[1] == winner {
            #expect(second.sent(on: winner) == [.keepalive], "the OPEN on the winner is processed")
        } else {
            #expect(second.sent(on: winner).isEmpty, "the OPEN on the loser is not answered")
        }
        #expect(second.deadline(of: .idleHold) == nil, "a collision loser is not a failure")
        #expect(peer.state == .openConfirm)

        // The winner completes; the loser is gone.
        let up = peer.messageReceived(decoded(.keepalive), on: winner, now: .seconds(3))
        #expect(up.establishedIDs == [winner])
        #expect(peer.messageReceived(decoded(.keepalive), on: loser, now: .seconds(3)).isEmpty)
        all += up
        #expect(peer.state == .established && peer.established?.0 == winner)
        #expect(all.establishedIDs == [winner], "exactly one Established session")
        #expect(all.deadline(of: .idleHold) == nil)
        #expect(all.downs.isEmpty && peer.flaps == 0)
        // The loser's timers are no longer live.
        #expect(peer.timerFired(.session(loser, .hold), now: .seconds(1000)).isEmpty)
    }

    @Test("The peer closing the collision loser with 6/7 is not a failure (RFC 4271 §6.8)")
    func collisionLoserClosedByPeer() {
        var peer = PeerStateMachine(configuration: configuration(localIdentifier: "10.0.0.1"), seed: 15)
        _ = peer.start(now: .zero)
        _ = peer.connectionUp(1, now: .seconds(1))
        _ = peer.incomingConnection(1000, now: .seconds(1))
        _ = peer.messageReceived(decoded(.open(peerOpen())), on: 1000, now: .seconds(2))
        // The peer (higher ID) resolved first and closes our outgoing connection.
        let closing = peer.messageReceived(
            decoded(.notification(.connectionCollisionResolution)), on: 1, now: .seconds(2))
        #expect(closing.sent.isEmpty && closing.closed == [1])
        #expect(closing.deadline(of: .idleHold) == nil)
        #expect(closing.downs.isEmpty)
        let up = peer.messageReceived(decoded(.keepalive), on: 1000, now: .seconds(3))
        #expect(up.establishedIDs == [1000])
        #expect(peer.state == .established)
    }

    @Test("Our own connect attempt still in flight when an incoming session is Established is dropped (RFC 4271 §6.8)")
    func pendingAttemptDroppedOnEstablished() {
        var peer = PeerStateMachine(configuration: configuration(), seed: 17)
        _ = peer.start(now: .zero)  // connect 1 in flight, ConnectRetry armed
        _ = peer.incomingConnection(1000, now: .seconds(1))
        _ = peer.messageReceived(decoded(.open(peerOpen())), on: 1000, now: .seconds(1))
        let up = peer.messageReceived(decoded(.keepalive), on: 1000, now: .seconds(2))
        #expect(up.establishedIDs == [1000])
        #expect(up.contains(.close(1)), "the attempt is abandoned")
        #expect(up.contains(.cancelTimer(.connectRetry)))
        // The attempt completing late opens no second session and sends no OPEN.
        #expect(peer.connectionUp(1, now: .seconds(3)) == [.close(1)])
        #expect(peer.state == .established && peer.established?.0 == 1000)
        #expect(peer.lastError == nil)
    }

    @Test("A newer incoming connection replaces an older one still opening (RFC 4271 §6.8)")
    func newerIncomingReplacesOlder() {
        var peer = PeerStateMachine(configuration: configuration(passive: true), seed: 16)
        _ = peer.start(now: .zero)
        _ = peer.incomingConnection(1000, now: .seconds(1))
        let actions = peer.incomingConnection(1001, now: .seconds(2))
        #expect(actions.sent(on: 1000) == [.notification(.connectionCollisionResolution)])
        #expect(actions.closed == [1000])
        #expect(actions.sent(on: 1001) == [.open(configuration(passive: true).localOpen)])
        #expect(actions.deadline(of: .idleHold) == nil)
        #expect(peer.state == .openSent)
    }
}
