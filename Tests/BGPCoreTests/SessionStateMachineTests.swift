// SPDX-License-Identifier: Apache-2.0
// One connection's FSM from TCP up: RFC 4271 §8.2.2 rows for DelayOpen, OpenSent, OpenConfirm and Established,
// RFC 6608 subcodes, RFC 7606 outcomes as the session sees them, and the RFC 9687 send hold timer. Scripted
// events, time passed in; no sockets and no sleeps.

import BGPCore
import BGPWire
import Testing

@Suite("SessionStateMachine")
struct SessionStateMachineTests {
    static let id: ConnectionID = 1

    /// A machine with TCP up at `now`, in OpenSent (or DelayOpen when configured).
    static func connected(_ config: SessionConfiguration = configuration(), now: Duration = .zero)
        -> SessionStateMachine
    {
        var session = SessionStateMachine(id: id, initiatedLocally: true, configuration: config)
        _ = session.connectionUp(now: now)
        return session
    }

    static func openConfirm(
        _ config: SessionConfiguration = configuration(), open: OpenMessage = peerOpen(), now: Duration = .seconds(1)
    ) -> SessionStateMachine {
        var session = connected(config)
        _ = session.messageReceived(decoded(.open(open)), now: now)
        return session
    }

    static func established(
        _ config: SessionConfiguration = configuration(), open: OpenMessage = peerOpen(), now: Duration = .seconds(2)
    ) -> SessionStateMachine {
        var session = openConfirm(config, open: open)
        _ = session.messageReceived(decoded(.keepalive), now: now)
        return session
    }

    static let update = UpdateMessage(withdrawn: [NLRI(IPPrefix("198.51.100.0/24")!)])

    /// The tail every close ends with: `.close` after any NOTIFICATION, the timers cancelled, then `.closed`.
    private func expectClosed(
        _ actions: [SessionStateMachine.Action], sending notification: BGPNotification?, reason: DownReason,
        wasEstablished: Bool, _ session: SessionStateMachine, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actions.sent == (notification.map { [.notification($0)] } ?? []), sourceLocation: sourceLocation)
        let closeIndex = actions.firstIndex(of: .close)
        #expect(closeIndex == (notification == nil ? 0 : 1), sourceLocation: sourceLocation)
        #expect(actions.last == .closed(reason, wasEstablished: wasEstablished), sourceLocation: sourceLocation)
        #expect(
            !actions.contains { if case .armTimer = $0 { true } else { false } }, "no timer armed while closing",
            sourceLocation: sourceLocation)
        #expect(session.state == .closed(reason), sourceLocation: sourceLocation)
        #expect(session.negotiated == nil && session.isClosed, sourceLocation: sourceLocation)
    }

    // MARK: Connection up, OPEN, KEEPALIVE

    @Test("TCP up sends OPEN and arms the 4-minute OpenSent hold timer (RFC 4271 §8.2.2 Connect, event 16/17)")
    func connectionUpSendsOpen() {
        let config = configuration()
        var session = SessionStateMachine(id: 7, initiatedLocally: false, configuration: config)
        let actions = session.connectionUp(now: .seconds(10))
        #expect(actions == [.send(.open(config.localOpen)), .armTimer(.hold, deadline: .seconds(250))])
        #expect(session.state == .openSent)
        #expect(SessionStateMachine.openSentHoldTime == .seconds(240))
        #expect(session.id == 7 && !session.initiatedLocally)
    }

    @Test(
        "OPEN in OpenSent sends KEEPALIVE, arms hold and keepalive at the negotiated values (RFC 4271 §8.2.2 OpenSent, event 19)"
    )
    func openInOpenSent() throws {
        var session = Self.connected()
        let open = peerOpen(holdTime: 60)
        let actions = session.messageReceived(decoded(.open(open)), now: .seconds(3))
        #expect(
            actions == [
                .send(.keepalive), .armTimer(.hold, deadline: .seconds(63)),
                .armTimer(.keepalive, deadline: .seconds(23)),
            ])
        let negotiated = try configuration().negotiate(received: open).get()
        #expect(session.state == .openConfirm(negotiated))
        #expect(session.negotiated == negotiated)
        #expect(!session.isEstablished)
    }

    @Test("A refused OPEN in OpenSent sends its NOTIFICATION and closes (RFC 4271 §8.2.2 OpenSent, event 22)")
    func badOpenInOpenSent() {
        var session = Self.connected()
        let actions = session.messageReceived(decoded(.open(peerOpen(holdTime: 2))), now: .seconds(1))
        expectClosed(
            actions, sending: .unacceptableHoldTime, reason: .notificationSent(.unacceptableHoldTime),
            wasEstablished: false, session)
        #expect(
            actions == [
                .send(.notification(.unacceptableHoldTime)), .close, .cancelTimer(.hold),
                .closed(.notificationSent(.unacceptableHoldTime), wasEstablished: false),
            ])
    }

    @Test(
        "KEEPALIVE in OpenConfirm: Established, hold restarted, send hold armed (RFC 4271 §8.2.2 OpenConfirm, event 26)"
    )
    func keepaliveInOpenConfirm() throws {
        var session = Self.openConfirm()
        let actions = session.messageReceived(decoded(.keepalive), now: .seconds(5))
        let negotiated = try configuration().negotiate(received: peerOpen()).get()
        #expect(
            actions == [
                .established(negotiated), .armTimer(.hold, deadline: .seconds(95)),
                .armTimer(.sendHold, deadline: .seconds(485)),
            ])
        #expect(session.state == .established(negotiated))
        #expect(session.isEstablished)
    }

    @Test(
        "Send hold time is max(8 minutes, 2 × hold time) (RFC 9687 §4)",
        arguments: [
            (3, 480), (90, 480), (240, 480), (241, 482), (300, 600), (65535, 131_070),
        ] as [(UInt16, Int)])
    func sendHoldTime(hold: UInt16, expected: Int) {
        var session = Self.openConfirm(configuration(holdTime: 65535), open: peerOpen(holdTime: hold))
        let actions = session.messageReceived(decoded(.keepalive), now: .seconds(10))
        #expect(actions.last == .armTimer(.sendHold, deadline: .seconds(10 + expected)))
    }

    @Test(
        "KEEPALIVE, UPDATE and ROUTE-REFRESH in Established restart the hold timer (RFC 4271 §8.2.2 Established, events 26/27)"
    )
    func messagesRestartHold() {
        var session = Self.established()
        #expect(
            session.messageReceived(decoded(.keepalive), now: .seconds(50)) == [
                .armTimer(.hold, deadline: .seconds(140))
            ])
        #expect(
            session.messageReceived(decoded(.update(Self.update)), now: .seconds(60))
                == [.armTimer(.hold, deadline: .seconds(150)), .updateReceived(Self.update, errors: [])])
        let refresh = RouteRefreshMessage(family: .ipv4Unicast)
        #expect(
            session.messageReceived(decoded(.routeRefresh(refresh)), now: .seconds(70))
                == [.armTimer(.hold, deadline: .seconds(160)), .routeRefreshReceived(refresh)])
        #expect(session.isEstablished)
    }

    // MARK: NOTIFICATION, connection loss, decode errors

    enum Stage: String, CaseIterable, Sendable {
        case delayOpen, openSent, openConfirm, established

        func machine() -> SessionStateMachine {
            switch self {
            case .delayOpen: SessionStateMachineTests.connected(configuration(delayOpenTime: .seconds(5)))
            case .openSent: SessionStateMachineTests.connected()
            case .openConfirm: SessionStateMachineTests.openConfirm()
            case .established: SessionStateMachineTests.established()
            }
        }
    }

    @Test(
        "NOTIFICATION in any state closes and sends nothing back (RFC 4271 §8.2.2 events 24/25)",
        arguments: Stage.allCases)
    func notificationReceived(_ stage: Stage) {
        var session = stage.machine()
        let notification = BGPNotification.administrativeShutdown(message: "bye")
        let actions = session.messageReceived(decoded(.notification(notification)), now: .seconds(3))
        expectClosed(
            actions, sending: nil, reason: .notificationReceived(notification), wasEstablished: stage == .established,
            session)
        // Nothing happens after the close.
        #expect(session.messageReceived(decoded(.keepalive), now: .seconds(4)).isEmpty)
        #expect(session.timerFired(.hold, now: .seconds(1000)).isEmpty)
        #expect(session.close(with: .administrativeShutdown(), now: .seconds(5)).isEmpty)
        #expect(session.decodeFailed(.malformedASPath, now: .seconds(5)).isEmpty)
        #expect(session.connectionFailed("reset", now: .seconds(5)).isEmpty)
    }

    @Test("TCP failure closes without a NOTIFICATION (RFC 4271 §8.2.2 event 18)", arguments: Stage.allCases)
    func connectionFailed(_ stage: Stage) {
        var session = stage.machine()
        let actions = session.connectionFailed("connection reset by peer", now: .seconds(3))
        expectClosed(
            actions, sending: nil, reason: .connectionLost("connection reset by peer"),
            wasEstablished: stage == .established, session)
    }

    @Test(
        "A decode error sends that NOTIFICATION, then closes (RFC 4271 §6, events 21/22/28)",
        arguments: [Stage.openSent, .openConfirm, .established])
    func decodeFailed(_ stage: Stage) {
        var session = stage.machine()
        let error = BGPNotification.badMessageLength(17)
        let actions = session.decodeFailed(error, now: .seconds(3))
        expectClosed(
            actions, sending: error, reason: .notificationSent(error), wasEstablished: stage == .established, session)
    }

    // MARK: Timers

    @Test("Hold timer expiry in OpenSent sends exactly 4/0, then closes (RFC 4271 §8.2.2 OpenSent, event 10)")
    func holdExpiryInOpenSent() {
        var session = Self.connected(now: .seconds(5))
        #expect(session.timerFired(.hold, now: .seconds(244)).isEmpty, "deadline not reached")
        let actions = session.timerFired(.hold, now: .seconds(245))
        #expect(
            actions == [
                .send(.notification(.holdTimerExpired)), .close,
                .closed(.notificationSent(.holdTimerExpired), wasEstablished: false),
            ])
        #expect(BGPNotification.holdTimerExpired == BGPNotification(code: .holdTimerExpired, subcode: 0))
        #expect(session.state == .closed(.notificationSent(.holdTimerExpired)))
    }

    @Test("Hold timer expiry in OpenConfirm sends 4/0 (RFC 4271 §8.2.2 OpenConfirm, event 10)")
    func holdExpiryInOpenConfirm() {
        var session = Self.openConfirm(now: .seconds(1))
        let actions = session.timerFired(.hold, now: .seconds(91))
        expectClosed(
            actions, sending: .holdTimerExpired, reason: .notificationSent(.holdTimerExpired), wasEstablished: false,
            session)
    }

    @Test("Hold timer expiry in Established sends exactly 4/0, then closes (RFC 4271 §8.2.2 Established, event 10)")
    func holdExpiryInEstablished() {
        var session = Self.established(now: .seconds(2))
        let actions = session.timerFired(.hold, now: .seconds(92))
        expectClosed(
            actions, sending: .holdTimerExpired, reason: .notificationSent(.holdTimerExpired), wasEstablished: true,
            session)
        #expect(
            actions == [
                .send(.notification(.holdTimerExpired)), .close, .cancelTimer(.keepalive), .cancelTimer(.sendHold),
                .closed(.notificationSent(.holdTimerExpired), wasEstablished: true),
            ])
    }

    @Test(
        "Keepalive timer sends KEEPALIVE and re-arms (RFC 4271 §8.2.2 event 11)",
        arguments: [Stage.openConfirm, .established])
    func keepaliveTimer(_ stage: Stage) {
        var session = stage.machine()  // keepalive armed at 1 + 30
        #expect(
            session.timerFired(.keepalive, now: .seconds(31)) == [
                .send(.keepalive), .armTimer(.keepalive, deadline: .seconds(61)),
            ])
        #expect(session.timerFired(.keepalive, now: .seconds(31)).isEmpty, "the old deadline is gone")
        #expect(
            session.timerFired(.keepalive, now: .seconds(62)) == [
                .send(.keepalive), .armTimer(.keepalive, deadline: .seconds(92)),
            ])
    }

    @Test("Sending an UPDATE restarts the keepalive timer (RFC 4271 §8.2.2 Established)")
    func sendRestartsKeepalive() {
        var session = Self.established()
        #expect(
            session.send(.update(Self.update), now: .seconds(20)) == [
                .send(.update(Self.update)), .armTimer(.keepalive, deadline: .seconds(50)),
            ])
        #expect(session.timerFired(.keepalive, now: .seconds(31)).isEmpty, "stale: the keepalive moved to 50")
        #expect(Self.openConfirm().negotiated != nil)
        var notYet = Self.openConfirm()
        #expect(notYet.send(.update(Self.update), now: .seconds(20)).isEmpty, "only Established sends UPDATEs")
    }

    @Test("Stale timer fires are ignored: deadline not reached, re-armed, or cancelled (ARCHITECTURE §7)")
    func staleTimers() {
        var session = Self.established(now: .seconds(2))  // hold at 92
        #expect(session.timerFired(.hold, now: .seconds(91)).isEmpty)
        _ = session.messageReceived(decoded(.keepalive), now: .seconds(60))  // hold moves to 150
        #expect(session.timerFired(.hold, now: .seconds(92)).isEmpty)
        #expect(session.timerFired(.hold, now: .seconds(149)).isEmpty)
        #expect(session.timerFired(.delayOpen, now: .seconds(1000)).isEmpty, "never armed")
        #expect(session.isEstablished)
        #expect(session.timerFired(.hold, now: .seconds(150)).sent == [.notification(.holdTimerExpired)])
    }

    @Test("Send hold expiry sends 8/0 and closes (RFC 9687 §3)")
    func sendHoldExpiry() {
        var session = Self.established(now: .seconds(2))  // send hold at 482
        #expect(session.timerFired(.sendHold, now: .seconds(481)).isEmpty)
        let actions = session.timerFired(.sendHold, now: .seconds(482))
        expectClosed(
            actions, sending: .sendHoldTimerExpired, reason: .notificationSent(.sendHoldTimerExpired),
            wasEstablished: true,
            session)
        #expect(BGPNotification.sendHoldTimerExpired == BGPNotification(code: .sendHoldTimerExpired, subcode: 0))
    }

    @Test("Write progress re-arms the send hold timer (RFC 9687 §3)")
    func sendProgressed() {
        var session = Self.established(now: .seconds(2))  // send hold at 482
        #expect(session.sendProgressed(now: .seconds(100)) == [.armTimer(.sendHold, deadline: .seconds(580))])
        #expect(session.timerFired(.sendHold, now: .seconds(482)).isEmpty, "stale after the re-arm")
        #expect(session.timerFired(.sendHold, now: .seconds(580)).sent == [.notification(.sendHoldTimerExpired)])
        var early = Self.openConfirm()
        #expect(early.sendProgressed(now: .seconds(3)).isEmpty, "the send hold timer starts with Established")
    }

    @Test(
        "Hold time 0: no hold, keepalive or send hold timers (RFC 4271 §4.2)",
        arguments: [(0, 90), (90, 0)] as [(UInt16, UInt16)])
    func holdTimeZero(ours: UInt16, theirs: UInt16) {
        let config = configuration(holdTime: ours)
        var session = Self.connected(config)
        let open = session.messageReceived(decoded(.open(peerOpen(holdTime: theirs))), now: .seconds(1))
        #expect(open == [.send(.keepalive), .cancelTimer(.hold), .cancelTimer(.keepalive)])
        #expect(session.timerFired(.hold, now: .seconds(240)).isEmpty, "the OpenSent hold timer was cancelled")
        let keepalive = session.messageReceived(decoded(.keepalive), now: .seconds(2))
        #expect(keepalive.count == 1)
        guard case .established(let negotiated) = keepalive.first else {
            Issue.record("not Established: \(keepalive)")
            return
        }
        #expect(negotiated.holdTime == 0 && negotiated.keepaliveInterval == 0)
        #expect(session.messageReceived(decoded(.keepalive), now: .seconds(3)).isEmpty)
        #expect(session.send(.update(Self.update), now: .seconds(4)) == [.send(.update(Self.update))])
        #expect(session.sendProgressed(now: .seconds(4)).isEmpty)
        #expect(session.timerFired(.keepalive, now: .seconds(10_000)).isEmpty)
        #expect(session.isEstablished)
    }

    // MARK: DelayOpen

    @Test("With DelayOpen, TCP up arms the DelayOpenTimer and sends nothing (RFC 4271 §8.2.2 Connect, event 17)")
    func delayOpenStarts() {
        var session = SessionStateMachine(
            id: 1, initiatedLocally: false, configuration: configuration(delayOpenTime: .seconds(5)))
        #expect(session.connectionUp(now: .seconds(1)) == [.armTimer(.delayOpen, deadline: .seconds(6))])
        #expect(session.state == .delayOpen)
    }

    @Test("DelayOpenTimer expiry sends OPEN, OpenSent (RFC 4271 §8.2.2 Connect, event 12)")
    func delayOpenExpires() {
        let config = configuration(delayOpenTime: .seconds(5))
        var session = Self.connected(config, now: .seconds(1))
        #expect(session.timerFired(.delayOpen, now: .seconds(5)).isEmpty)
        #expect(
            session.timerFired(.delayOpen, now: .seconds(6)) == [
                .send(.open(config.localOpen)), .armTimer(.hold, deadline: .seconds(246)),
            ])
        #expect(session.state == .openSent)
        #expect(session.timerFired(.delayOpen, now: .seconds(7)).isEmpty)
    }

    @Test("OPEN while delaying ours: OPEN + KEEPALIVE, OpenConfirm (RFC 4271 §8.2.2 Connect, event 20)")
    func openDuringDelayOpen() throws {
        let config = configuration(delayOpenTime: .seconds(5))
        var session = Self.connected(config, now: .seconds(1))
        let actions = session.messageReceived(decoded(.open(peerOpen())), now: .seconds(2))
        #expect(
            actions == [
                .cancelTimer(.delayOpen), .send(.open(config.localOpen)), .send(.keepalive),
                .armTimer(.hold, deadline: .seconds(92)), .armTimer(.keepalive, deadline: .seconds(32)),
            ])
        #expect(session.state == .openConfirm(try config.negotiate(received: peerOpen()).get()))
        #expect(session.timerFired(.delayOpen, now: .seconds(6)).isEmpty, "cancelled")
        #expect(
            session.messageReceived(decoded(.keepalive), now: .seconds(3)).first.map {
                if case .established = $0 { true } else { false }
            } == true)
    }

    @Test("close(with:) while delaying OPEN sends nothing (RFC 4271 §8.2.2: NOTIFICATION only after OPEN)")
    func closeDuringDelayOpen() {
        var session = Self.connected(configuration(delayOpenTime: .seconds(5)))
        let notification = BGPNotification.administrativeShutdown()
        let actions = session.close(with: notification, now: .seconds(1))
        #expect(
            actions == [
                .close, .cancelTimer(.delayOpen), .closed(.notificationSent(notification), wasEstablished: false),
            ])
    }

    @Test(
        "close(with:) after OPEN sends that NOTIFICATION (RFC 4486, RFC 8203)",
        arguments: [Stage.openSent, .openConfirm, .established])
    func closeWithNotification(_ stage: Stage) {
        var session = stage.machine()
        let notification = BGPNotification.administrativeShutdown(message: "maintenance")
        let actions = session.close(with: notification, now: .seconds(3))
        expectClosed(
            actions, sending: notification, reason: .notificationSent(notification),
            wasEstablished: stage == .established,
            session)
    }

    // MARK: RFC 6608

    struct UnexpectedCase: Sendable, CustomTestStringConvertible {
        var stage: Stage
        var message: BGPMessage
        var subcode: UInt8
        var testDescription: String { "\(message.type) in \(stage.rawValue) → 5/\(subcode)" }
    }

    static let unexpectedCases: [UnexpectedCase] = [
        UnexpectedCase(stage: .openSent, message: .update(update), subcode: 1),
        UnexpectedCase(stage: .openSent, message: .keepalive, subcode: 1),
        UnexpectedCase(stage: .openSent, message: .routeRefresh(RouteRefreshMessage(family: .ipv4Unicast)), subcode: 1),
        UnexpectedCase(stage: .openConfirm, message: .update(update), subcode: 2),
        UnexpectedCase(stage: .openConfirm, message: .open(peerOpen()), subcode: 2),
        UnexpectedCase(
            stage: .openConfirm, message: .routeRefresh(RouteRefreshMessage(family: .ipv4Unicast)), subcode: 2),
        UnexpectedCase(stage: .established, message: .open(peerOpen()), subcode: 3),
    ]

    @Test("Unexpected messages send FSM Error with the state's subcode (RFC 6608 §3)", arguments: unexpectedCases)
    func unexpectedMessage(_ row: UnexpectedCase) {
        var session = row.stage.machine()
        let actions = session.messageReceived(decoded(row.message), now: .seconds(3))
        let notification = BGPNotification(code: .finiteStateMachine, subcode: row.subcode)
        #expect(BGPNotification.finiteStateMachineError(subcode: row.subcode) == notification)
        expectClosed(
            actions, sending: notification, reason: .notificationSent(notification),
            wasEstablished: row.stage == .established, session)
    }

    // MARK: RFC 7606

    @Test("UPDATE with treat-as-withdraw errors is delivered with them and the session stays (RFC 7606 §2)")
    func treatAsWithdraw() {
        var session = Self.established()
        let errors = [
            UpdateError(
                action: .attributeDiscard, notification: .attributeLengthError([0x40, 0x05, 0x00]),
                attribute: .localPreference, reason: "discard"),
            UpdateError(
                action: .treatAsWithdraw, notification: .malformedASPath, attribute: .asPath, reason: "bad AS_PATH"),
        ]
        let actions = session.messageReceived(decoded(.update(Self.update), errors: errors), now: .seconds(10))
        #expect(actions == [.armTimer(.hold, deadline: .seconds(100)), .updateReceived(Self.update, errors: errors)])
        #expect(session.isEstablished)
    }

    @Test("UPDATE needing AFI/SAFI disable resets the session with that error's NOTIFICATION (RFC 7606 §2, §5.3)")
    func afiSafiDisable() {
        var session = Self.established()
        let errors = [
            UpdateError(action: .treatAsWithdraw, notification: .malformedASPath, reason: "bad AS_PATH"),
            UpdateError(
                action: .afiSafiDisable, notification: .optionalAttributeError([0x80, 0x0E, 0x01, 0x00]),
                family: .ipv6Unicast, reason: "MP_REACH NLRI"),
        ]
        let actions = session.messageReceived(decoded(.update(Self.update), errors: errors), now: .seconds(10))
        let notification = BGPNotification.optionalAttributeError([0x80, 0x0E, 0x01, 0x00])
        expectClosed(
            actions, sending: notification, reason: .notificationSent(notification), wasEstablished: true, session)
        #expect(!actions.contains { if case .updateReceived = $0 { true } else { false } })
    }
}
