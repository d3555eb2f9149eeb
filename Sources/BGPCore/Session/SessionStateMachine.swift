// SPDX-License-Identifier: Apache-2.0
// The BGP FSM of one TCP connection (RFC 4271 §8.2.2, from the moment TCP is up: OpenSent, OpenConfirm,
// Established, with DelayOpen), RFC 6608 FSM error subcodes and the RFC 9687 send hold timer. The peer-level states
// (Idle, Connect, Active), ConnectRetry and the damped restart live in `PeerStateMachine`, which owns up to two of
// these for collision resolution (RFC 4271 §6.8), as BIRD's per-connection state does. No sockets, no clock:
// callers pass `now` and perform the returned actions in order.

import BGPWire

/// One connection's FSM.
public struct SessionStateMachine: Sendable {
    public enum State: Hashable, Sendable {
        /// TCP is up and the DelayOpenTimer runs (RFC 4271 §8.2.2, Connect/Active with DelayOpen).
        case delayOpen
        case openSent
        case openConfirm(NegotiatedSession)
        case established(NegotiatedSession)
        case closed(DownReason)
    }

    public enum Action: Hashable, Sendable {
        case send(BGPMessage)
        /// Close the TCP connection after flushing what was queued.
        case close
        case armTimer(SessionTimer, deadline: Duration)
        case cancelTimer(SessionTimer)
        case established(NegotiatedSession)
        /// The connection ended; `wasEstablished` tells whether routes learned over it must go.
        case closed(DownReason, wasEstablished: Bool)
        case updateReceived(UpdateMessage, errors: [UpdateError])
        case routeRefreshReceived(RouteRefreshMessage)
    }

    public let id: ConnectionID
    public let initiatedLocally: Bool
    public let configuration: SessionConfiguration
    public private(set) var state: State
    /// Timer deadlines; a fire whose deadline is not yet reached (or that was cancelled) is stale and ignored.
    private var deadlines: [SessionTimer: Duration] = [:]
    /// RFC 4271 §8.2.2: the large hold time used in OpenSent ("a value of 4 minutes is suggested").
    public static let openSentHoldTime = Duration.seconds(240)

    public init(id: ConnectionID, initiatedLocally: Bool, configuration: SessionConfiguration) {
        self.id = id
        self.initiatedLocally = initiatedLocally
        self.configuration = configuration
        self.state = .openSent
    }

    public var negotiated: NegotiatedSession? {
        switch state {
        case .openConfirm(let n), .established(let n): n
        case .delayOpen, .openSent, .closed: nil
        }
    }

    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: Events

    /// Events 16/17 (Tcp_CR_Acked / TcpConnectionConfirmed): TCP is up. Sends OPEN, or starts DelayOpen.
    public mutating func connectionUp(now: Duration) -> [Action] {
        if let delay = configuration.delayOpenTime {
            state = .delayOpen
            return [arm(.delayOpen, at: now + delay)]
        }
        return sendOpen(now: now)
    }

    /// Event 18 (TcpConnectionFails): the connection closed or could not be used.
    public mutating func connectionFailed(_ why: String, now: Duration) -> [Action] {
        guard !isClosed else { return [] }
        return finish(.connectionLost(why), sending: nil)
    }

    /// Events 19-27 and ROUTE-REFRESH: a message decoded on this connection.
    public mutating func messageReceived(_ decoded: DecodedMessage, now: Duration) -> [Action] {
        switch (state, decoded.message) {
        case (.closed, _):
            return []

        case (_, .notification(let notification)):
            // Events 24/25: a NOTIFICATION ends the connection in every state; nothing is sent back.
            return finish(.notificationReceived(notification), sending: nil)

        case (.delayOpen, .open(let open)), (.openSent, .open(let open)):
            // Event 19/20: negotiate; on success KEEPALIVE and OpenConfirm.
            switch configuration.negotiate(received: open) {
            case .failure(let notification):
                return finish(.notificationSent(notification), sending: notification)
            case .success(let negotiated):
                var actions: [Action] = []
                if case .delayOpen = state {
                    // Event 20: the peer's OPEN arrived while we delayed ours.
                    actions.append(cancel(.delayOpen))
                    actions.append(.send(.open(configuration.localOpen)))
                }
                state = .openConfirm(negotiated)
                actions.append(.send(.keepalive))
                actions += restartHoldAndKeepalive(negotiated, now: now)
                return actions
            }

        case (.openConfirm(let negotiated), .keepalive):
            // Event 26 in OpenConfirm: Established.
            state = .established(negotiated)
            var actions: [Action] = [.established(negotiated)]
            actions += restartHold(negotiated, now: now)
            if negotiated.holdTime > 0 { actions.append(arm(.sendHold, at: now + sendHoldTime(negotiated))) }
            return actions

        case (.established(let negotiated), .keepalive):
            return restartHold(negotiated, now: now)

        case (.established(let negotiated), .update(let update)):
            var actions = restartHold(negotiated, now: now)
            // RFC 7606 §2: AFI/SAFI disable falls back to session reset where it is not supported (it is not yet).
            if decoded.updateAction == .afiSafiDisable,
                let error = decoded.updateErrors.first(where: { $0.action == .afiSafiDisable })
            {
                return finish(.notificationSent(error.notification), sending: error.notification)
            }
            actions.append(.updateReceived(update, errors: decoded.updateErrors))
            return actions

        case (.established(let negotiated), .routeRefresh(let refresh)):
            var actions = restartHold(negotiated, now: now)
            actions.append(.routeRefreshReceived(refresh))
            return actions

        case (.delayOpen, _):
            // Anything but OPEN or NOTIFICATION while delaying OPEN: RFC 6608 subcode 0 (no state of its own).
            return fsmError(0)
        case (.openSent, _):
            return fsmError(1)  // RFC 6608 §3: unexpected message in OpenSent.
        case (.openConfirm, _):
            return fsmError(2)  // in OpenConfirm (an UPDATE, ROUTE-REFRESH, or a second OPEN).
        case (.established, _):
            return fsmError(3)  // in Established (an OPEN).
        }
    }

    /// Events 21, 22, 28: the bytes could not be decoded; RFC 4271 §6 sends the NOTIFICATION and closes.
    public mutating func decodeFailed(_ notification: BGPNotification, now: Duration) -> [Action] {
        guard !isClosed else { return [] }
        return finish(.notificationSent(notification), sending: notification)
    }

    /// Events 10-12 and the RFC 9687 send hold timer. Stale fires are ignored.
    public mutating func timerFired(_ timer: SessionTimer, now: Duration) -> [Action] {
        guard let deadline = deadlines[timer], now >= deadline, !isClosed else { return [] }
        deadlines[timer] = nil
        switch (timer, state) {
        case (.delayOpen, .delayOpen):
            return sendOpen(now: now)
        case (.hold, _):
            // Event 10: RFC 4271 §6.5 Hold Timer Expired.
            return finish(.notificationSent(.holdTimerExpired), sending: .holdTimerExpired)
        case (.keepalive, .openConfirm(let negotiated)), (.keepalive, .established(let negotiated)):
            return [.send(.keepalive), arm(.keepalive, at: now + .seconds(Int(negotiated.keepaliveInterval)))]
        case (.sendHold, _):
            // RFC 9687 §3: nothing could be sent for the Send Hold Time; the peer is not reading.
            return finish(.notificationSent(.sendHoldTimerExpired), sending: .sendHoldTimerExpired)
        default:
            return []
        }
    }

    /// Our writes made progress (RFC 9687 §3): restart the send hold timer.
    public mutating func sendProgressed(now: Duration) -> [Action] {
        guard case .established(let negotiated) = state, negotiated.holdTime > 0 else { return [] }
        return [arm(.sendHold, at: now + sendHoldTime(negotiated))]
    }

    /// We send an UPDATE (or ROUTE-REFRESH); RFC 4271 §8.2.2 restarts the KeepaliveTimer on each UPDATE sent.
    public mutating func send(_ message: BGPMessage, now: Duration) -> [Action] {
        guard case .established(let negotiated) = state else { return [] }
        var actions: [Action] = [.send(message)]
        if negotiated.holdTime > 0 {
            actions.append(arm(.keepalive, at: now + .seconds(Int(negotiated.keepaliveInterval))))
        }
        return actions
    }

    /// Cease subcodes that mean "this session is over, forget its routes" (RFC 8538 §5's table): Maximum Number of
    /// Prefixes Reached, Administrative Shutdown, Peer De-configured, and Administrative Reset (an operator's reset
    /// asks for a clean start; FRR's `hard-administrative-reset` default does the same). Also BFD Down (RFC 9384),
    /// which postdates that table: we send it when forwarding to the peer failed, so routes the peer kept through
    /// us as graceful-restart stale would lead into the failed path.
    static let hardResetCeaseSubcodes: Set<UInt8> = [
        CeaseSubcode.maximumPrefixesReached, CeaseSubcode.administrativeShutdown, CeaseSubcode.peerDeconfigured,
        CeaseSubcode.administrativeReset, CeaseSubcode.bfdDown,
    ]

    /// RFC 8538 §4-5: once both sides sent the N bit, every NOTIFICATION is followed by graceful restart on the
    /// other side, except a Cease/Hard Reset, which carries the original code, subcode and data. So the Ceases that
    /// must flush our routes there go wrapped; without the N bit on both sides the NOTIFICATION goes as it is (§5: a
    /// Hard Reset "SHOULD NOT" go to a peer that did not send the N bit).
    public static func hardResetIfRequired(_ notification: BGPNotification, negotiated: NegotiatedSession?) -> BGPNotification {
        guard notification.code == .cease, hardResetCeaseSubcodes.contains(notification.subcode),
            negotiated?.peerGracefulRestart?.notificationSupported == true,
            negotiated?.localGracefulRestart?.notificationSupported == true
        else { return notification }
        return .hardReset(wrapping: notification)
    }

    /// Ends the connection with `notification` (administrative stop, collision, configuration change).
    public mutating func close(with notification: BGPNotification, now: Duration) -> [Action] {
        guard !isClosed else { return [] }
        // RFC 4271 §8.2.2: a NOTIFICATION may only follow our OPEN; while delaying OPEN, just drop TCP.
        if case .delayOpen = state {
            return finish(.notificationSent(notification), sending: nil)
        }
        let sent = Self.hardResetIfRequired(notification, negotiated: negotiated)
        return finish(.notificationSent(sent), sending: sent)
    }

    // MARK: Helpers

    private mutating func sendOpen(now: Duration) -> [Action] {
        state = .openSent
        return [.send(.open(configuration.localOpen)), arm(.hold, at: now + Self.openSentHoldTime)]
    }

    private mutating func fsmError(_ subcode: UInt8) -> [Action] {
        let notification = BGPNotification.finiteStateMachineError(subcode: subcode)
        return finish(.notificationSent(notification), sending: notification)
    }

    private mutating func restartHoldAndKeepalive(_ negotiated: NegotiatedSession, now: Duration) -> [Action] {
        guard negotiated.holdTime > 0 else { return [cancel(.hold), cancel(.keepalive)] }
        return restartHold(negotiated, now: now) + [arm(.keepalive, at: now + .seconds(Int(negotiated.keepaliveInterval)))]
    }

    private mutating func restartHold(_ negotiated: NegotiatedSession, now: Duration) -> [Action] {
        guard negotiated.holdTime > 0 else { return [] }
        return [arm(.hold, at: now + .seconds(Int(negotiated.holdTime)))]
    }

    /// RFC 9687 §4: "max(8 minutes, 2 × HoldTime)" unless configured otherwise.
    private func sendHoldTime(_ negotiated: NegotiatedSession) -> Duration {
        max(.seconds(480), .seconds(2 * Int(negotiated.holdTime)))
    }

    private mutating func arm(_ timer: SessionTimer, at deadline: Duration) -> Action {
        deadlines[timer] = deadline
        return .armTimer(timer, deadline: deadline)
    }

    private mutating func cancel(_ timer: SessionTimer) -> Action {
        deadlines[timer] = nil
        return .cancelTimer(timer)
    }

    private mutating func finish(_ reason: DownReason, sending notification: BGPNotification?) -> [Action] {
        let wasEstablished = isEstablished
        var actions: [Action] = []
        if let notification { actions.append(.send(.notification(notification))) }
        actions.append(.close)
        for timer in deadlines.keys.sorted(by: { $0.rawValue < $1.rawValue }) { actions.append(.cancelTimer(timer)) }
        deadlines = [:]
        state = .closed(reason)
        actions.append(.closed(reason, wasEstablished: wasEstablished))
        return actions
    }
}
