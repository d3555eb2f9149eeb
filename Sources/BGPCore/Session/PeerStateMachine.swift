// SPDX-License-Identifier: Apache-2.0
// One peer's FSM above its connections (RFC 4271 §8): Idle, Connect and Active, the ConnectRetryTimer, the damped
// automatic restart (IdleHoldTimer with exponential backoff and jitter, RFC 4271 §8.1.1 DampPeerOscillations and
// §10 jitter), administrative stop/start with an RFC 8203 message, and connection collision detection (RFC 4271
// §6.8, RFC 6286 §2.3) over at most two connections. Events in, actions out; time is passed in.

import BGPWire

/// The peer as `show protocols` names it.
public enum PeerState: String, Hashable, Sendable, Codable {
    case idle = "Idle"
    case connect = "Connect"
    case active = "Active"
    case openSent = "OpenSent"
    case openConfirm = "OpenConfirm"
    case established = "Established"
}

/// A peer: configuration, admin state, timers, and up to two connections.
public struct PeerStateMachine: Sendable {
    public enum Action: Hashable, Sendable {
        /// Open an outgoing TCP connection for `ConnectionID`; report `connectionUp` or `connectionFailed`.
        case connect(ConnectionID)
        case send(ConnectionID, BGPMessage)
        case close(ConnectionID)
        case armTimer(PeerTimer, deadline: Duration)
        case cancelTimer(PeerTimer)
        case established(ConnectionID, NegotiatedSession)
        /// The Established session ended: routes learned from it must go.
        case down(DownReason)
        case updateReceived(UpdateMessage, errors: [UpdateError])
        case routeRefreshReceived(RouteRefreshMessage)
    }

    public private(set) var configuration: SessionConfiguration
    /// Administratively enabled (`start`) or disabled (`stop`).
    public private(set) var enabled = false
    private var connections: [ConnectionID: SessionStateMachine] = [:]
    /// The outgoing connection whose TCP handshake is in progress, if any.
    private var connecting: ConnectionID?
    private var nextConnection: UInt64 = 1
    private var connectRetryDeadline: Duration?
    private var idleHoldDeadline: Duration?
    private var consecutiveFailures = 0
    private var establishedAt: Duration?
    private var random: SplitMix64
    /// What ended the last session or attempt, for `show protocols`.
    public private(set) var lastError: DownReason?
    /// When the displayed state last changed.
    public private(set) var since: Duration = .zero
    public private(set) var flaps = 0

    /// - Parameter firstConnectionID: where this peer's outgoing connection numbers start; a speaker with many
    ///   peers gives each its own range so connection IDs are unique across peers.
    public init(configuration: SessionConfiguration, firstConnectionID: UInt64 = 1, seed: UInt64? = nil) {
        self.configuration = configuration
        self.nextConnection = firstConnectionID
        // Deterministic per peer, so tests are repeatable; different peers jitter differently.
        self.random = SplitMix64(seed: seed ?? (configuration.peerAddress.low &+ configuration.peerAddress.high))
    }

    // MARK: State for display

    public var state: PeerState {
        var best: PeerState? = nil
        for session in connections.values {
            let s: PeerState? =
                switch session.state {
                case .established: .established
                case .openConfirm: .openConfirm
                case .openSent, .delayOpen: .openSent
                case .closed: nil
                }
            if let s, best.map({ rank(s) > rank($0) }) ?? true { best = s }
        }
        if let best { return best }
        if !enabled || idleHoldDeadline != nil { return .idle }
        return connecting != nil ? .connect : .active
    }

    private func rank(_ s: PeerState) -> Int {
        switch s {
        case .idle: 0
        case .connect: 1
        case .active: 2
        case .openSent: 3
        case .openConfirm: 4
        case .established: 5
        }
    }

    /// The Established connection and what it negotiated.
    public var established: (ConnectionID, NegotiatedSession)? {
        for (id, session) in connections where session.isEstablished { return (id, session.negotiated!) }
        return nil
    }

    // MARK: Administrative events (RFC 4271 events 1-5)

    /// ManualStart (event 1), or its passive variant (event 4) for passive peers.
    public mutating func start(now: Duration) -> [Action] {
        guard !enabled else { return [] }
        enabled = true
        consecutiveFailures = 0
        return automaticStart(now: now)
    }

    /// ManualStop (event 2): every connection is closed with `notification` (Cease, RFC 4486 / RFC 8203).
    public mutating func stop(_ notification: BGPNotification = .administrativeShutdown(), now: Duration) -> [Action] {
        guard enabled else { return [] }
        enabled = false
        var actions = closeAll(with: notification, now: now)
        actions += cancelPeerTimers()
        markChanged(now)
        return actions
    }

    /// Replaces the configuration (a reload). The caller restarts the peer when the change needs a new session.
    public mutating func reconfigure(_ configuration: SessionConfiguration) {
        self.configuration = configuration
    }

    // MARK: Transport events

    /// Event 16/17 for an outgoing connection: the TCP handshake finished.
    public mutating func connectionUp(_ id: ConnectionID, now: Duration) -> [Action] {
        guard connecting == id else { return [.close(id)] }  // a stale attempt finished late
        connecting = nil
        var actions = cancelConnectRetry()
        var session = SessionStateMachine(id: id, initiatedLocally: true, configuration: configuration)
        let sessionActions = session.connectionUp(now: now)
        connections[id] = session
        actions += translate(sessionActions, for: id, now: now)
        markChanged(now)
        return actions
    }

    /// An incoming connection was accepted from the peer's address (event 14/17).
    public mutating func incomingConnection(_ id: ConnectionID, now: Duration) -> [Action] {
        // Disabled peers refuse connections (RFC 4271 §8.2.2, Idle ignores TcpConnection events).
        guard enabled else { return [.close(id)] }
        // RFC 4271 §6.8: with an Established session, a new connection is closed (Cease 7). Not when both sides
        // negotiated graceful restart: a peer that restarted without our noticing the old TCP session end (a crash
        // with the FIN lost, a link cut) connects again while that session still looks Established here, and
        // RFC 4724 §4.2 has the new connection replace it (see `replaceRestartedSession`). Its OPEN decides.
        if let (_, negotiated) = established, !Self.helpsRestart(negotiated) {
            return [.send(id, .notification(.connectionCollisionResolution)), .close(id)]
        }
        var actions: [Action] = []
        // An older incoming connection still open means the peer gave up on it and retried; keep the newest.
        for (other, session) in connections where !session.initiatedLocally && !session.isEstablished {
            actions += closeConnection(other, with: .connectionCollisionResolution, now: now)
        }
        // Passive acceptance is never damped: a peer that restarted must get back at once.
        if idleHoldDeadline != nil {
            idleHoldDeadline = nil
            actions.append(.cancelTimer(.idleHold))
        }
        var session = SessionStateMachine(id: id, initiatedLocally: false, configuration: configuration)
        let sessionActions = session.connectionUp(now: now)
        connections[id] = session
        actions += translate(sessionActions, for: id, now: now)
        markChanged(now)
        return actions
    }

    /// Event 18: a connection failed, or an outgoing attempt could not connect.
    public mutating func connectionFailed(_ id: ConnectionID, reason: String, now: Duration) -> [Action] {
        if connecting == id {
            // Connect → Active: wait for the ConnectRetryTimer (already running) or an incoming connection.
            connecting = nil
            lastError = .connectionLost(reason)
            markChanged(now)
            return []
        }
        guard var session = connections[id] else { return [] }
        let sessionActions = session.connectionFailed(reason, now: now)
        connections[id] = session
        return translate(sessionActions, for: id, now: now)
    }

    /// A message decoded on connection `id`.
    public mutating func messageReceived(_ decoded: DecodedMessage, on id: ConnectionID, now: Duration) -> [Action] {
        guard connections[id] != nil else { return [] }
        var actions: [Action] = []
        if case .open(let open) = decoded.message {
            // RFC 4271 §6.8: on an OPEN, look for a collision with the other connection in OpenConfirm.
            let (winner, collisionActions) = resolveCollision(receivedOpenOn: id, open: open, now: now)
            actions += collisionActions
            if winner != id { return actions }
        }
        var session = connections[id]!
        let sessionActions = session.messageReceived(decoded, now: now)
        connections[id] = session
        actions += translate(sessionActions, for: id, now: now)
        return actions
    }

    /// Events 21, 22, 28 on connection `id`.
    public mutating func decodeFailed(_ notification: BGPNotification, on id: ConnectionID, now: Duration) -> [Action] {
        guard var session = connections[id] else { return [] }
        let sessionActions = session.decodeFailed(notification, now: now)
        connections[id] = session
        return translate(sessionActions, for: id, now: now)
    }

    /// A timer fired; stale fires are ignored.
    public mutating func timerFired(_ timer: PeerTimer, now: Duration) -> [Action] {
        switch timer {
        case .connectRetry:
            guard let deadline = connectRetryDeadline, now >= deadline, enabled else { return [] }
            connectRetryDeadline = nil
            // Event 9: give up on a hanging attempt and try again.
            var actions: [Action] = []
            if let id = connecting {
                connecting = nil
                actions.append(.close(id))
            }
            if established == nil && !hasOpenConnection { actions += connectOut(now: now) }
            return actions
        case .idleHold:
            guard let deadline = idleHoldDeadline, now >= deadline, enabled else { return [] }
            idleHoldDeadline = nil
            return automaticStart(now: now)
        case .session(let id, let sessionTimer):
            guard var session = connections[id] else { return [] }
            let sessionActions = session.timerFired(sessionTimer, now: now)
            connections[id] = session
            return translate(sessionActions, for: id, now: now)
        }
    }

    /// Writes on `id` made progress (RFC 9687).
    public mutating func sendProgressed(on id: ConnectionID, now: Duration) -> [Action] {
        guard var session = connections[id] else { return [] }
        let sessionActions = session.sendProgressed(now: now)
        connections[id] = session
        return translate(sessionActions, for: id, now: now)
    }

    /// Sends a message on the Established connection (UPDATE, ROUTE-REFRESH).
    public mutating func send(_ message: BGPMessage, now: Duration) -> [Action] {
        guard let (id, _) = established, var session = connections[id] else { return [] }
        let sessionActions = session.send(message, now: now)
        connections[id] = session
        return translate(sessionActions, for: id, now: now)
    }

    // MARK: Internals

    private var hasOpenConnection: Bool { connections.values.contains { !$0.isClosed } }

    private mutating func automaticStart(now: Duration) -> [Action] {
        markChanged(now)
        // Event 4/5: a passive peer only waits in Active.
        if configuration.passive { return [] }
        return connectOut(now: now)
    }

    private mutating func connectOut(now: Duration) -> [Action] {
        let id = ConnectionID(rawValue: nextConnection)
        nextConnection += 1
        connecting = id
        let deadline = now + jittered(configuration.connectRetryTime)
        connectRetryDeadline = deadline
        markChanged(now)
        return [.connect(id), .armTimer(.connectRetry, deadline: deadline)]
    }

    private mutating func cancelConnectRetry() -> [Action] {
        guard connectRetryDeadline != nil else { return [] }
        connectRetryDeadline = nil
        return [.cancelTimer(.connectRetry)]
    }

    private mutating func cancelPeerTimers() -> [Action] {
        var actions = cancelConnectRetry()
        if idleHoldDeadline != nil {
            idleHoldDeadline = nil
            actions.append(.cancelTimer(.idleHold))
        }
        if let id = connecting {
            connecting = nil
            actions.append(.close(id))
        }
        return actions
    }

    private mutating func closeAll(with notification: BGPNotification, now: Duration) -> [Action] {
        var actions: [Action] = []
        for id in connections.keys.sorted() { actions += closeConnection(id, with: notification, now: now) }
        return actions
    }

    private mutating func closeConnection(_ id: ConnectionID, with notification: BGPNotification, now: Duration) -> [Action] {
        guard var session = connections[id] else { return [] }
        let sessionActions = session.close(with: notification, now: now)
        connections[id] = session
        return translate(sessionActions, for: id, now: now)
    }

    /// RFC 4271 §6.8: "the connection initiated by the BGP speaker with the larger BGP Identifier is preserved";
    /// RFC 6286 §2.3: with equal identifiers, the one initiated by the speaker with the larger AS number.
    private mutating func resolveCollision(
        receivedOpenOn id: ConnectionID, open: OpenMessage, now: Duration
    ) -> (winner: ConnectionID, actions: [Action]) {
        guard let (otherID, other) = connections.first(where: { $0.key != id && !$0.value.isClosed }) else {
            return (id, [])
        }
        switch other.state {
        case .established where other.negotiated.map(Self.helpsRestart) ?? false:
            return (id, replaceRestartedSession(otherID, now: now))
        case .established:
            // The existing session stays; the new connection is closed.
            return (otherID, closeConnection(id, with: .connectionCollisionResolution, now: now))
        case .openConfirm:
            let local = configuration.localIdentifier.ipv4Value
            let remote = open.bgpIdentifier.ipv4Value
            let localWins = local != remote ? local > remote : configuration.localAS > open.asNumber
            let thisInitiatedLocally = connections[id]!.initiatedLocally
            // Keep the connection initiated by the winner of the comparison.
            let keepThis = thisInitiatedLocally == localWins
            let loser = keepThis ? otherID : id
            return (keepThis ? id : otherID, closeConnection(loser, with: .connectionCollisionResolution, now: now))
        case .openSent, .delayOpen, .closed:
            // Without the peer's identifier on the other connection no decision is possible yet (RFC 4271 §6.8).
            return (id, [])
        }
    }

    /// Both sides sent the Graceful Restart capability (RFC 4724 §3): we are the peer's receiving speaker.
    static func helpsRestart(_ negotiated: NegotiatedSession) -> Bool {
        negotiated.peerGracefulRestart != nil && negotiated.localGracefulRestart != nil
    }

    /// RFC 4724 §4.2: an OPEN on a new connection from a peer whose Established session negotiated graceful restart
    /// means the peer restarted and the old TCP session is dead even if we never saw it end. The old session ends as
    /// if its TCP connection had failed (no NOTIFICATION: the peer no longer reads it), so the routing engine keeps
    /// the peer's routes as stale, and the new connection goes on to become the session.
    private mutating func replaceRestartedSession(_ old: ConnectionID, now: Duration) -> [Action] {
        guard var session = connections[old] else { return [] }
        let sessionActions = session.connectionFailed("the peer restarted: a new connection replaced this session (RFC 4724 §4.2)", now: now)
        connections[old] = session
        return translate(sessionActions, for: old, now: now)
    }

    /// Maps one connection's actions to peer actions and reacts to its closing.
    private mutating func translate(_ actions: [SessionStateMachine.Action], for id: ConnectionID, now: Duration) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .send(let message): out.append(.send(id, message))
            case .close: out.append(.close(id))
            case .armTimer(let timer, let deadline): out.append(.armTimer(.session(id, timer), deadline: deadline))
            case .cancelTimer(let timer): out.append(.cancelTimer(.session(id, timer)))
            case .established(let negotiated):
                establishedAt = now
                lastError = nil
                markChanged(now)
                // RFC 4271 §6.8: once Established, any other connection to the peer is closed.
                for (other, session) in connections where other != id && !session.isClosed {
                    var s = session
                    let closing = s.close(with: .connectionCollisionResolution, now: now)
                    connections[other] = s
                    out += closing.compactMap { mapSimple($0, other) }
                    connections[other] = nil
                }
                // The same holds for our own attempt still connecting: dropped now, it cannot bring up a second
                // session later, and ConnectRetry has nothing left to retry.
                out += cancelConnectRetry()
                if let attempt = connecting {
                    connecting = nil
                    out.append(.close(attempt))
                }
                out.append(.established(id, negotiated))
            case .updateReceived(let update, let errors): out.append(.updateReceived(update, errors: errors))
            case .routeRefreshReceived(let refresh): out.append(.routeRefreshReceived(refresh))
            case .closed(let reason, let wasEstablished):
                connections[id] = nil
                out += connectionEnded(reason, wasEstablished: wasEstablished, now: now)
            }
        }
        return out
    }

    private func mapSimple(_ action: SessionStateMachine.Action, _ id: ConnectionID) -> Action? {
        switch action {
        case .send(let message): .send(id, message)
        case .close: .close(id)
        case .cancelTimer(let timer): .cancelTimer(.session(id, timer))
        default: nil
        }
    }

    /// A connection ended. If it carried the session, the peer goes down and restarts after a damped delay.
    private mutating func connectionEnded(_ reason: DownReason, wasEstablished: Bool, now: Duration) -> [Action] {
        var actions: [Action] = []
        lastError = reason
        if wasEstablished {
            flaps += 1
            actions.append(.down(reason))
            // A session that held for `stableTime` was healthy: start damping afresh.
            if let establishedAt, now - establishedAt >= configuration.stableTime { consecutiveFailures = 0 }
            establishedAt = nil
        }
        markChanged(now)
        // Another connection may still carry on (collision); only a peer with nothing left restarts.
        guard enabled, !hasOpenConnection else { return actions }
        // Collision losers and administrative closes do not count as failures.
        if case .notificationSent(let n) = reason, n == .connectionCollisionResolution { return actions }
        consecutiveFailures += 1
        actions += cancelConnectRetry()
        if let id = connecting {
            connecting = nil
            actions.append(.close(id))
        }
        let deadline = now + idleHoldTime()
        idleHoldDeadline = deadline
        actions.append(.armTimer(.idleHold, deadline: deadline))
        return actions
    }

    /// IdleHoldTime for the current failure count: base × 2^(n-1), capped, with RFC 4271 §10 jitter.
    private mutating func idleHoldTime() -> Duration {
        var hold = configuration.idleHoldTime
        for _ in 1..<max(consecutiveFailures, 1) where hold < configuration.maximumIdleHoldTime { hold = hold * 2 }
        return jittered(min(hold, configuration.maximumIdleHoldTime))
    }

    /// RFC 4271 §10: "a random value between 0.75 and 1.0" times the configured interval.
    private mutating func jittered(_ interval: Duration) -> Duration {
        let factor = 0.75 + 0.25 * Double(random.next() >> 11) / Double(1 << 53)
        return interval * factor
    }

    private mutating func markChanged(_ now: Duration) { since = now }
}
