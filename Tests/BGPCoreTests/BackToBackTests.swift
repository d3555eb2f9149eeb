// SPDX-License-Identifier: Apache-2.0
// Two PeerStateMachines wired back to back through the real codec (ARCHITECTURE §12.6): every message is encoded
// with `writeBGPMessage` and decoded with `readBGPMessage` under the connection's current context, and a small
// deterministic scheduler advances simulated time to the earliest armed timer. No sockets, no sleeps.

import BGPCore
import BGPWire
import NIOCore
import Testing

/// A simulated network of two speakers joined by zero-latency, in-order TCP connections.
struct BackToBack {
    enum Side: Int, Hashable, CustomStringConvertible {
        case a, b
        var other: Side { self == .a ? .b : .a }
        var description: String { self == .a ? "A" : "B" }
    }

    struct Endpoint: Hashable {
        var side: Side
        var id: ConnectionID
    }

    private enum Event {
        case connected(initiator: Endpoint, acceptor: Endpoint)
        case bytes(to: Endpoint, ByteBuffer, from: Endpoint)
        case closed(Endpoint)
    }

    private(set) var peers: [Side: PeerStateMachine]
    private(set) var now: Duration = .zero
    private var timers: [Side: [PeerTimer: Duration]] = [.a: [:], .b: [:]]
    /// Each open endpoint's far end.
    private var links: [Endpoint: Endpoint] = [:]
    /// The negotiated session once an endpoint reported `.established`; `.beforeOpen` contexts until then.
    private var sessions: [Endpoint: NegotiatedSession] = [:]
    private var inbound: [Endpoint: ByteBuffer] = [:]
    private var queue: [Event] = []
    private var nextIncoming: UInt64 = 1000
    /// A frozen side processes nothing: no deliveries, no timers.
    var frozen: Side?
    /// Every action each side produced, with the time.
    private(set) var log: [(time: Duration, side: Side, action: PeerStateMachine.Action)] = []
    /// Every message decoded by each side, with the connection it arrived on.
    private(set) var received: [(time: Duration, at: Endpoint, message: BGPMessage)] = []

    init(a: PeerStateMachine, b: PeerStateMachine) {
        peers = [.a: a, .b: b]
    }

    func established(_ side: Side) -> (ConnectionID, NegotiatedSession)? { peers[side]!.established }

    func actions(_ side: Side) -> [PeerStateMachine.Action] { log.filter { $0.side == side }.map(\.action) }

    // MARK: Driving

    mutating func start(_ side: Side) {
        perform(peers[side]!.start(now: now), side)
    }

    mutating func stop(_ side: Side, _ notification: BGPNotification) {
        perform(peers[side]!.stop(notification, now: now), side)
    }

    /// Delivers queued events, then fires timers in deadline order, until `limit` or `done` holds.
    mutating func run(until limit: Duration, stopWhen done: (BackToBack) -> Bool = { _ in false }) {
        while !done(self) {
            if !queue.isEmpty {
                deliver(queue.removeFirst())
                continue
            }
            guard let (side, timer, deadline) = earliestTimer(), deadline <= limit else { break }
            now = max(now, deadline)
            timers[side]![timer] = nil
            perform(peers[side]!.timerFired(timer, now: now), side)
        }
        if !done(self) { now = max(now, limit) }
    }

    private func earliestTimer() -> (Side, PeerTimer, Duration)? {
        var best: (Side, PeerTimer, Duration)? = nil
        for side in [Side.a, .b] where side != frozen {
            for (timer, deadline) in timers[side]! {
                let key = (deadline, side.rawValue, String(describing: timer))
                if let current = best {
                    let currentKey = (current.2, current.0.rawValue, String(describing: current.1))
                    if key >= currentKey { continue }
                }
                best = (side, timer, deadline)
            }
        }
        return best
    }

    private mutating func perform(_ actions: [PeerStateMachine.Action], _ side: Side) {
        for action in actions {
            log.append((now, side, action))
            switch action {
            case .connect(let id):
                // The far side accepts on a connection number of its own.
                let acceptor = Endpoint(side: side.other, id: ConnectionID(rawValue: nextIncoming))
                nextIncoming += 1
                queue.append(.connected(initiator: Endpoint(side: side, id: id), acceptor: acceptor))
            case .send(let id, let message):
                let from = Endpoint(side: side, id: id)
                guard let to = links[from] else { continue }
                // Encoded under the sender's context for this connection, as a driver would.
                let context = sessions[from]?.encodeContext ?? .beforeOpen
                var buffer = ByteBufferAllocator().buffer(capacity: 64)
                buffer.writeBGPMessage(message, context: context)
                queue.append(.bytes(to: to, buffer, from: from))
            case .close(let id):
                let endpoint = Endpoint(side: side, id: id)
                sessions[endpoint] = nil
                inbound[endpoint] = nil
                if let far = links.removeValue(forKey: endpoint) {
                    queue.append(.closed(far))
                }
            case .armTimer(let timer, let deadline):
                timers[side]![timer] = deadline
            case .cancelTimer(let timer):
                timers[side]![timer] = nil
            case .established(let id, let negotiated):
                sessions[Endpoint(side: side, id: id)] = negotiated
            case .down, .updateReceived, .routeRefreshReceived:
                break
            }
        }
    }

    private mutating func deliver(_ event: Event) {
        switch event {
        case .connected(let initiator, let acceptor):
            guard initiator.side != frozen else { return }
            links[initiator] = acceptor
            links[acceptor] = initiator
            if acceptor.side != frozen {
                perform(peers[acceptor.side]!.incomingConnection(acceptor.id, now: now), acceptor.side)
            }
            perform(peers[initiator.side]!.connectionUp(initiator.id, now: now), initiator.side)

        case .bytes(let to, var bytes, let from):
            guard to.side != frozen, links[to] == from else { return }
            inbound[to, default: ByteBufferAllocator().buffer(capacity: 64)].writeBuffer(&bytes)
            // The sender's write completed (RFC 9687 §3).
            perform(peers[from.side]!.sendProgressed(on: from.id, now: now), from.side)
            while links[to] != nil, var buffer = inbound[to] {
                let context = sessions[to]?.decodeContext ?? .beforeOpen
                let message: DecodedMessage?
                do {
                    message = try buffer.readBGPMessage(context: context)
                } catch {
                    inbound[to] = buffer
                    Issue.record("decode failed at \(to.side) \(to.id): \(error.summary)")
                    perform(peers[to.side]!.decodeFailed(error, on: to.id, now: now), to.side)
                    return
                }
                inbound[to] = buffer
                guard let message else { return }
                received.append((now, to, message.message))
                perform(peers[to.side]!.messageReceived(message, on: to.id, now: now), to.side)
            }

        case .closed(let endpoint):
            guard endpoint.side != frozen else { return }
            links[endpoint] = nil
            sessions[endpoint] = nil
            perform(
                peers[endpoint.side]!.connectionFailed(endpoint.id, reason: "closed by peer", now: now), endpoint.side)
        }
    }

    /// Whether `a` and `b` are the two ends of one live connection.
    func linked(_ a: ConnectionID, _ b: ConnectionID) -> Bool {
        links[Endpoint(side: .a, id: a)] == Endpoint(side: .b, id: b)
    }

    /// Endpoints still open on `side`.
    func openConnections(_ side: Side) -> [ConnectionID] {
        links.keys.filter { $0.side == side }.map(\.id).sorted()
    }
}

@Suite("Back to back")
struct BackToBackTests {
    static let aAddress = "192.0.2.1"
    static let bAddress = "192.0.2.2"

    struct Setup: Sendable, CustomTestStringConvertible {
        var name: String
        var aPassive = false
        var bPassive = false
        var aIdentifier = "10.0.0.1"
        var bIdentifier = "10.0.0.2"
        var delayOpen: Duration? = nil
        var testDescription: String { name }
    }

    static func network(_ setup: Setup) -> BackToBack {
        let a = configuration(
            localAS: 64512, peerAS: 64513, localIdentifier: setup.aIdentifier, peerAddress: bAddress,
            delayOpenTime: setup.delayOpen, passive: setup.aPassive)
        let b = configuration(
            localAS: 64513, peerAS: 64512, localIdentifier: setup.bIdentifier, peerAddress: aAddress,
            delayOpenTime: setup.delayOpen, passive: setup.bPassive)
        return BackToBack(
            a: PeerStateMachine(configuration: a, seed: 1), b: PeerStateMachine(configuration: b, seed: 2))
    }

    static func bothEstablished(_ net: BackToBack) -> Bool {
        net.established(.a) != nil && net.established(.b) != nil
    }

    static let setups: [Setup] = [
        Setup(name: "A active, B passive", bPassive: true),
        Setup(name: "A passive, B active", aPassive: true),
        Setup(name: "both active, B has the higher ID"),
        Setup(name: "both active, A has the higher ID", aIdentifier: "10.0.0.9"),
        Setup(
            name: "both active, equal IDs, B has the larger AS (RFC 6286 §2.3)", aIdentifier: "10.0.0.5",
            bIdentifier: "10.0.0.5"),
        Setup(name: "both active with DelayOpen", delayOpen: .seconds(3)),
    ]

    @Test(
        "Two speakers reach Established through the codec, one session each on the same connection (RFC 4271 §8, §6.8)",
        arguments: setups)
    func reachEstablished(_ setup: Setup) throws {
        var net = Self.network(setup)
        net.start(.a)
        net.start(.b)
        net.run(until: .seconds(60), stopWhen: Self.bothEstablished)
        let (aID, aSession) = try #require(net.established(.a))
        let (bID, bSession) = try #require(net.established(.b))
        #expect(net.linked(aID, bID), "both Established on the same connection")
        #expect(net.actions(.a).establishedIDs == [aID] && net.actions(.b).establishedIDs == [bID])
        #expect(net.peers[.a]!.state == .established && net.peers[.b]!.state == .established)
        #expect(net.now < .seconds(10), "no timer needed beyond DelayOpen")

        // Whatever collided is gone once both are Established, and nobody failed.
        net.run(until: net.now)
        #expect(net.openConnections(.a) == [aID] && net.openConnections(.b) == [bID])
        for side in [BackToBack.Side.a, .b] {
            #expect(net.actions(side).downs.isEmpty)
            #expect(net.actions(side).deadline(of: .idleHold) == nil)
        }

        // What each negotiated matches the other's view.
        #expect(aSession.peerAS == 64513 && bSession.peerAS == 64512)
        #expect(aSession.peerIdentifier == IPAddress(setup.bIdentifier)!)
        #expect(bSession.peerIdentifier == IPAddress(setup.aIdentifier)!)
        #expect(aSession.holdTime == 90 && aSession.keepaliveInterval == 30)
        #expect(aSession.families == [.ipv4Unicast, .ipv6Unicast] && aSession.fourOctetAS && aSession.extendedMessage)
        #expect(aSession.decodeContext.peerType == .external)
        #expect(aSession.localOpen == bSession.peerOpen && bSession.localOpen == aSession.peerOpen)

        // With both active, the surviving connection was initiated by the higher identifier (or larger AS). With
        // DelayOpen the first connection to reach Established wins instead, and the other is dropped before OPEN.
        if !setup.aPassive && !setup.bPassive && setup.delayOpen == nil {
            let aWins =
                setup.aIdentifier == setup.bIdentifier
                ? false  // B has AS 64513
                : IPAddress(setup.aIdentifier)!.ipv4Value > IPAddress(setup.bIdentifier)!.ipv4Value
            let aInitiated = net.actions(.a).connects.contains(aID)
            let bInitiated = net.actions(.b).connects.contains(bID)
            #expect(aInitiated == aWins && bInitiated == !aWins)
            // Two connections were made and the losing one was closed with Cease 6/7.
            #expect(net.actions(.a).connects.count == 1 && net.actions(.b).connects.count == 1)
            let collisionNotices = net.log.filter { $0.action.isSend(.notification(.connectionCollisionResolution)) }
            #expect(!collisionNotices.isEmpty)
        }
    }

    @Test(
        "Keepalives hold both sessions up for 10 minutes of simulated time (RFC 4271 §4.4, §10)",
        arguments: [setups[2], setups[3]])
    func keepalivesHold(_ setup: Setup) throws {
        var net = Self.network(setup)
        net.start(.a)
        net.start(.b)
        net.run(until: .seconds(60), stopWhen: Self.bothEstablished)
        let (aID, _) = try #require(net.established(.a))
        let (bID, _) = try #require(net.established(.b))
        let upAt = net.now
        let logStart = net.log.count

        net.run(until: upAt + .seconds(600))
        #expect(net.now == upAt + .seconds(600))
        #expect(net.established(.a)?.0 == aID && net.established(.b)?.0 == bID)
        let later = net.log[logStart...]
        #expect(!later.contains { if case .down = $0.action { true } else { false } })
        #expect(!later.contains { $0.action.isSend(.notification(.holdTimerExpired)) })
        #expect(!later.contains { $0.action.isSend(.notification(.sendHoldTimerExpired)) })
        // About 600 / 30 keepalives each way, never more than 30 s apart.
        for side in [BackToBack.Side.a, .b] {
            let times = later.filter { $0.side == side && $0.action.isSend(.keepalive) }.map(\.time)
            #expect((19...21).contains(times.count), "\(side) sent \(times.count) keepalives")
            for (earlier, next) in zip([upAt] + times, times) {
                #expect(next - earlier <= .seconds(30))
            }
        }
    }

    @Test(
        "A frozen peer is detected: the other sends exactly 4/0 within the hold time (RFC 4271 §6.5)",
        arguments: [BackToBack.Side.a, .b])
    func frozenPeer(_ frozen: BackToBack.Side) throws {
        var net = Self.network(Self.setups[2])
        net.start(.a)
        net.start(.b)
        net.run(until: .seconds(60), stopWhen: Self.bothEstablished)
        net.run(until: net.now + .seconds(100))
        let live = frozen.other
        let (liveID, _) = try #require(net.established(live))
        let frozenAt = net.now
        let lastHeard = try #require(net.received.last { $0.at.side == live }).time
        let logStart = net.log.count

        net.frozen = frozen
        net.run(until: frozenAt + .seconds(300)) { $0.established(live) == nil }
        let after = Array(net.log[logStart...].filter { $0.side == live })
        let sends = after.compactMap {
            if case .send(let id, let message) = $0.action, message.type != .keepalive { (id, message) } else { nil }
        }
        #expect(sends.count == 1)
        #expect(sends.first?.0 == liveID)
        #expect(sends.first?.1 == .notification(.holdTimerExpired))
        let expiry = try #require(after.first { $0.action.isSend(.notification(.holdTimerExpired)) }).time
        #expect(expiry == lastHeard + .seconds(90), "hold timer runs from the last message heard")
        #expect(expiry > frozenAt && expiry <= frozenAt + .seconds(90))
        #expect(after.map(\.action).downs == [.notificationSent(.holdTimerExpired)])
        #expect(after.map(\.action).closed.contains(liveID))
        #expect(after.map(\.action).deadline(of: .idleHold) != nil, "the live side restarts after IdleHold")
    }
}

extension PeerStateMachine.Action {
    func isSend(_ message: BGPMessage) -> Bool {
        if case .send(_, message) = self { return true }
        return false
    }
}
