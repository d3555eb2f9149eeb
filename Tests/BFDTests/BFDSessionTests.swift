// SPDX-License-Identifier: Apache-2.0
// The BFD session FSM (RFC 5880 §6.2, §6.8): two sessions wired back to back through the codec on a simulated
// clock (three-way handshake, detection, a peer going down, Poll/Final), and scripted single-session cases for
// jitter, the slow rate outside Up, discard rules and administrative control. No sleeps: time is a `Duration`.

import BFD
import Testing

/// Two sessions joined by a link with a fixed one-way delay. Packets go through encode and decode; timers are the
/// deadlines the sessions armed. `run(until:)` processes events in time order.
struct BackToBack {
    struct Change: Equatable {
        var at: Duration
        var from: BFDState
        var to: BFDState
        var diagnostic: BFDDiagnostic
    }

    var sessions: [BFDSession]
    var timers: [[BFDSession.Timer: Duration]] = [[:], [:]]
    /// (arrival time, receiving side, bytes), in send order.
    var inFlight: [(Duration, Int, [UInt8])] = []
    var changes: [[Change]] = [[], []]
    var sent: [[(Duration, BFDControlPacket)]] = [[], []]
    var now: Duration = .zero
    var delay: Duration = .milliseconds(1)
    var linkUp = true

    init(_ a: BFDSession.Configuration, _ b: BFDSession.Configuration) {
        sessions = [
            BFDSession(localDiscriminator: 0x1111, configuration: a, random: BFDJitterGenerator(seed: 1)),
            BFDSession(localDiscriminator: 0x2222, configuration: b, random: BFDJitterGenerator(seed: 2)),
        ]
    }

    mutating func perform(_ actions: [BFDSession.Action], side: Int) {
        for action in actions {
            switch action {
            case .send(let packet):
                sent[side].append((now, packet))
                if linkUp { inFlight.append((now + delay, 1 - side, packet.bytes)) }
            case .armTimer(let timer, let deadline):
                timers[side][timer] = deadline
            case .cancelTimer(let timer):
                timers[side][timer] = nil
            case .stateChanged(let from, let to, let diagnostic):
                changes[side].append(Change(at: now, from: from, to: to, diagnostic: diagnostic))
            case .packetDiscarded(.sessionAdminDown):
                break  // §6.8.6: an AdminDown session ignores what it receives
            case .packetDiscarded(let reason):
                Issue.record("side \(side) discarded a packet: \(reason)")
            }
        }
    }

    mutating func start() {
        for side in 0..<2 { perform(sessions[side].start(now: now), side: side) }
    }

    mutating func run(until end: Duration) {
        while true {
            let nextPacket = inFlight.indices.min { inFlight[$0].0 < inFlight[$1].0 }
            var nextTimer: (Int, BFDSession.Timer, Duration)? = nil
            for side in 0..<2 {
                for (timer, deadline) in timers[side] where deadline < (nextTimer?.2 ?? .seconds(1_000_000)) {
                    nextTimer = (side, timer, deadline)
                }
            }
            let packetTime = nextPacket.map { inFlight[$0].0 }
            if let packetTime, packetTime <= (nextTimer?.2 ?? packetTime), packetTime <= end {
                let (_, side, bytes) = inFlight.remove(at: nextPacket!)
                now = packetTime
                let packet = try! BFDControlPacket(decoding: bytes)
                perform(sessions[side].packetReceived(packet, now: now), side: side)
            } else if let (side, timer, deadline) = nextTimer, deadline <= end {
                now = deadline
                timers[side][timer] = nil
                perform(sessions[side].timerFired(timer, now: now), side: side)
            } else {
                now = end
                return
            }
        }
    }

    mutating func cutLink() {
        linkUp = false
        inFlight = []
    }
}

@Suite("BFD session")
struct BFDSessionTests {
    static let fast = BFDSession.Configuration(
        desiredMinTXInterval: .milliseconds(300), requiredMinRXInterval: .milliseconds(300), detectMultiplier: 3)

    // MARK: Back to back

    @Test("Three-way handshake: Down → Init → Up on both sides, then the fast rate (RFC 5880 §6.2, §6.8.6)")
    func handshake() {
        var link = BackToBack(Self.fast, Self.fast)
        link.start()
        link.run(until: .seconds(5))
        for side in 0..<2 {
            let session = link.sessions[side]
            #expect(session.state == .up)
            #expect(session.remoteState == .up)
            #expect(session.remoteDiscriminator == link.sessions[1 - side].localDiscriminator)
            #expect(session.localDiagnostic == .noDiagnostic)
            #expect(!session.pollInProgress, "the speed-up Poll Sequence has ended")
            #expect(session.desiredMinTXInterval == 300_000)
            #expect(session.transmitInterval == .milliseconds(300))
            #expect(session.detectionTime == .milliseconds(900))
            #expect(link.changes[side].last?.to == .up)
            #expect(link.changes[side].allSatisfy { $0.diagnostic == .noDiagnostic })
        }
        // Both sent Down at once, so both pass through Init.
        #expect(link.changes[0].map(\.to) == [.`init`, .up])
        #expect(link.changes[1].map(\.to) == [.`init`, .up])
        // The first packets go out at the slow rate, with Your Discriminator 0.
        #expect(link.sent[0].first?.1.yourDiscriminator == 0)
        #expect(link.sent[0].first?.1.desiredMinTXInterval == 1_000_000)
        // Once Up, packets come at most every 300 ms (less jitter) and at least every 225 ms.
        let upAt = link.changes[0].last!.at
        let times = link.sent[0].filter { $0.0 > upAt + .seconds(1) && !$0.1.final }.map(\.0)
        #expect(times.count > 10)
        for (a, b) in zip(times, times.dropFirst()) {
            #expect(b - a >= .milliseconds(225) && b - a <= .milliseconds(300), "\(b - a)")
        }
    }

    @Test("One side starting late goes Init → Up from the other's Init (RFC 5880 §6.2)")
    func handshakeFromInit() {
        var link = BackToBack(Self.fast, Self.fast)
        link.perform(link.sessions[0].start(now: .zero), side: 0)
        link.run(until: .milliseconds(500))
        link.perform(link.sessions[1].start(now: link.now), side: 1)
        link.run(until: .seconds(5))
        #expect(link.sessions[0].state == .up && link.sessions[1].state == .up)
    }

    @Test("No packet for a Detection Time: Up → Down, diagnostic 1, remote discriminator 0 (RFC 5880 §6.8.4)")
    func detectionTimeExpiry() {
        var link = BackToBack(Self.fast, Self.fast)
        link.start()
        link.run(until: .seconds(5))
        let lastHeard = link.sent[1].last!.0 + link.delay
        link.cutLink()
        link.run(until: .seconds(8))
        for side in 0..<2 {
            let down = link.changes[side].last!
            #expect(down.from == .up && down.to == .down && down.diagnostic == .controlDetectionTimeExpired)
            #expect(link.sessions[side].remoteDiscriminator == 0)
            #expect(link.sessions[side].localDiagnostic == .controlDetectionTimeExpired)
            // Back at the slow rate, still sending (active role) with Your Discriminator 0.
            #expect(link.sessions[side].desiredMinTXInterval == 1_000_000)
            #expect(link.sent[side].last!.1.state == .down && link.sent[side].last!.1.yourDiscriminator == 0)
        }
        #expect(link.changes[0].last!.at == lastHeard + .milliseconds(900))
    }

    @Test("The link coming back brings the session Up again (RFC 5880 §6.2)")
    func recovery() {
        var link = BackToBack(Self.fast, Self.fast)
        link.start()
        link.run(until: .seconds(5))
        link.cutLink()
        link.run(until: .seconds(8))
        link.linkUp = true
        link.run(until: .seconds(14))
        #expect(link.sessions[0].state == .up && link.sessions[1].state == .up)
        #expect(link.sessions[0].localDiagnostic == .noDiagnostic)
    }

    @Test("A peer going AdminDown takes us Down with diagnostic 3 (RFC 5880 §6.8.6, §6.8.16)")
    func peerAdminDown() {
        var link = BackToBack(Self.fast, Self.fast)
        link.start()
        link.run(until: .seconds(5))
        link.perform(link.sessions[1].disable(now: link.now), side: 1)
        #expect(
            link.changes[1].last == .init(at: link.now, from: .up, to: .adminDown, diagnostic: .administrativelyDown))
        link.run(until: .seconds(7))
        #expect(link.sessions[0].state == .down)
        #expect(link.changes[0].last?.diagnostic == .neighborSignaledSessionDown)
        #expect(link.changes[0].last?.from == .up)
        // AdminDown packets keep going out, with diagnostic 7; ours stay Down (not Init) meanwhile.
        #expect(link.sent[1].last?.1.state == .adminDown && link.sent[1].last?.1.diagnostic == .administrativelyDown)
        #expect(link.changes[0].count == 3)
        // Enabling again: AdminDown → Down, then the handshake.
        link.perform(link.sessions[1].enable(now: link.now), side: 1)
        #expect(link.changes[1].last?.to == .down)
        link.run(until: .seconds(12))
        #expect(link.sessions[0].state == .up && link.sessions[1].state == .up)
    }

    @Test("Poll/Final when the TX interval is raised: P until F, the old rate until then (RFC 5880 §6.5, §6.8.3)")
    func pollFinalOnSlowDown() {
        var link = BackToBack(Self.fast, Self.fast)
        link.start()
        link.run(until: .seconds(5))
        var slower = Self.fast
        slower.desiredMinTXInterval = .seconds(1)
        link.perform(link.sessions[0].reconfigure(slower, now: link.now), side: 0)
        #expect(link.sessions[0].pollInProgress)
        #expect(link.sessions[0].desiredMinTXInterval == 1_000_000)
        #expect(link.sessions[0].transmitInterval == .milliseconds(300), "§6.8.3: not slower before the Final")
        let changedAt = link.now
        link.run(until: changedAt + .seconds(3))
        let polls = link.sent[0].filter { $0.0 >= changedAt && $0.1.poll }
        #expect(polls.count == 1, "the first P is answered within the link delay")
        #expect(polls.allSatisfy { !$0.1.final && $0.1.desiredMinTXInterval == 1_000_000 })
        let finals = link.sent[1].filter { $0.0 >= changedAt && $0.1.final }
        #expect(finals.count == 1)
        #expect(finals.first.map { !$0.1.poll } == true, "P and F never together (§6.8.7)")
        #expect(finals.first!.0 == polls.first!.0 + link.delay, "F goes out at once, not on the TX timer")
        #expect(!link.sessions[0].pollInProgress)
        #expect(link.sessions[0].transmitInterval == .seconds(1))
        // The peer now expects our packets every second: 3 × max(300 ms, 1 s).
        #expect(link.sessions[1].detectionTime == .seconds(3))
        #expect(link.sessions[0].state == .up && link.sessions[1].state == .up)
        #expect(link.changes[0].count == 2 && link.changes[1].count == 2, "no flap")
    }

    @Test("A shorter Required Min RX keeps the old Detection Time until the Final (RFC 5880 §6.8.3)")
    func pollFinalOnShorterRX() {
        var session = Self.upSession(Self.fast)
        var faster = Self.fast
        faster.requiredMinRXInterval = .milliseconds(100)
        let actions = session.reconfigure(faster, now: .seconds(10))
        #expect(actions.isEmpty, "nothing changes for our own timing yet")
        #expect(session.pollInProgress && session.requiredMinRXInterval == 100_000)
        #expect(session.detectionTime == .milliseconds(900))
        var final = Self.peerPacket(state: .up)
        final.final = true
        final.desiredMinTXInterval = 100_000
        // A Final before our first Poll answers nothing of ours (§6.8.6: "the local system has sent a Poll").
        _ = session.packetReceived(final, now: .seconds(10) + .milliseconds(1))
        #expect(session.pollInProgress && session.detectionTime == .milliseconds(900))
        #expect(Self.sendsPoll(&session, now: .seconds(11)))
        _ = session.packetReceived(final, now: .seconds(11) + .milliseconds(1))
        #expect(!session.pollInProgress)
        #expect(session.detectionTime == .milliseconds(300))
    }

    @Test("A change during a Poll Sequence waits for a packet with F clear after the Final (RFC 5880 §6.8.3)")
    func secondPollWaitsForClearFinal() {
        var session = Self.upSession(Self.fast)
        var slower = Self.fast
        slower.desiredMinTXInterval = .milliseconds(500)
        _ = session.reconfigure(slower, now: .seconds(10))
        #expect(Self.sendsPoll(&session, now: .seconds(11)))
        slower.desiredMinTXInterval = .milliseconds(800)
        _ = session.reconfigure(slower, now: .seconds(11) + .milliseconds(1))
        var final = Self.peerPacket(state: .up)
        final.final = true
        _ = session.packetReceived(final, now: .seconds(11) + .milliseconds(2))
        // Only the polled 500 ms is acknowledged; 800 ms needs a sequence of its own.
        #expect(!session.pollInProgress)
        #expect(session.transmitInterval == .milliseconds(500))
        #expect(!Self.sendsPoll(&session, now: .seconds(12)), "no new Poll before a packet with F clear")
        _ = session.packetReceived(Self.peerPacket(state: .up), now: .seconds(12) + .milliseconds(1))
        #expect(session.pollInProgress)
        #expect(Self.sendsPoll(&session, now: .seconds(13)))
        _ = session.packetReceived(final, now: .seconds(13) + .milliseconds(1))
        #expect(!session.pollInProgress && session.transmitInterval == .milliseconds(800))
    }

    // MARK: Scripted

    /// A packet from the peer (discriminator 0x2222) to session 0x1111.
    static func peerPacket(state: BFDState, your: UInt32 = 0x1111) -> BFDControlPacket {
        BFDControlPacket(
            state: state, detectMultiplier: 3, myDiscriminator: 0x2222, yourDiscriminator: your,
            desiredMinTXInterval: 300_000, requiredMinRXInterval: 300_000)
    }

    /// A started session brought Up by scripted peer packets, its speed-up Poll answered.
    static func upSession(_ configuration: BFDSession.Configuration, seed: UInt64 = 7) -> BFDSession {
        var session = BFDSession(
            localDiscriminator: 0x1111, configuration: configuration, random: BFDJitterGenerator(seed: seed))
        _ = session.start(now: .zero)
        _ = session.packetReceived(peerPacket(state: .down, your: 0), now: .milliseconds(100))
        _ = session.packetReceived(peerPacket(state: .up), now: .milliseconds(200))
        precondition(sendsPoll(&session, now: .seconds(1)))
        var final = peerPacket(state: .up)
        final.final = true
        _ = session.packetReceived(final, now: .seconds(1) + .milliseconds(1))
        precondition(session.state == .up && !session.pollInProgress)
        return session
    }

    /// Fires the transmit timer at `now` (past any deadline armed so far) and tells whether the packet had P.
    static func sendsPoll(_ session: inout BFDSession, now: Duration) -> Bool {
        guard case .send(let packet) = session.timerFired(.transmit, now: now).first else { return false }
        return packet.poll
    }

    @Test("Outside Up at least 1 s is advertised and used; Up brings the configured rate, polled (RFC 5880 §6.8.3)")
    func slowRateUntilUp() {
        var session = BFDSession(
            localDiscriminator: 0x1111, configuration: Self.fast, random: BFDJitterGenerator(seed: 3))
        let start = session.start(now: .zero)
        guard case .send(let first) = start.first, case .armTimer(.transmit, let deadline) = start.last else {
            Issue.record("start must send and arm the transmit timer: \(start)")
            return
        }
        #expect(first.state == .down && first.desiredMinTXInterval == 1_000_000)
        #expect(first.requiredMinRXInterval == 300_000)
        #expect(deadline >= .milliseconds(750) && deadline <= .seconds(1))
        #expect(session.transmitInterval == .seconds(1))
        _ = session.packetReceived(Self.peerPacket(state: .`init`), now: .milliseconds(100))
        #expect(session.state == .up)
        #expect(session.pollInProgress && session.desiredMinTXInterval == 300_000)
        #expect(session.transmitInterval == .milliseconds(300), "a faster rate applies at once (§6.8.3)")
        let fired = session.timerFired(.transmit, now: deadline)
        guard case .send(let packet) = fired.first else {
            Issue.record("the transmit timer must send: \(fired)")
            return
        }
        #expect(packet.poll && packet.state == .up && packet.desiredMinTXInterval == 300_000)
    }

    @Test("Jitter: 75-100% of the interval, 75-90% with Detect Mult 1 (RFC 5880 §6.8.7)", arguments: [UInt8(3), 1])
    func jitterBounds(multiplier: UInt8) {
        var configuration = Self.fast
        configuration.detectMultiplier = multiplier
        var session = Self.upSession(configuration, seed: UInt64(multiplier))
        var now = Duration.seconds(2)
        var shortest = Duration.seconds(1)
        var longest = Duration.zero
        for _ in 0..<2000 {
            let actions = session.timerFired(.transmit, now: now)
            guard case .armTimer(.transmit, let deadline) = actions.last else {
                Issue.record("no rearm: \(actions)")
                return
            }
            shortest = min(shortest, deadline - now)
            longest = max(longest, deadline - now)
            now = deadline
        }
        let upper = multiplier == 1 ? Duration.milliseconds(270) : .milliseconds(300)
        #expect(shortest >= .milliseconds(225) && longest <= upper)
        // The draws spread over the whole allowed range.
        #expect(shortest < .milliseconds(227) && longest > upper - .milliseconds(2))
    }

    @Test("The same seed gives the same schedule")
    func jitterIsSeeded() {
        func schedule(_ seed: UInt64) -> [BFDSession.Action] {
            var session = Self.upSession(Self.fast, seed: seed)
            return (2...21).flatMap { session.timerFired(.transmit, now: .seconds($0)) }
        }
        #expect(schedule(5) == schedule(5))
        #expect(schedule(5) != schedule(6))
    }

    @Test("A peer signalling Down while Up: Down with diagnostic 3, then Init (RFC 5880 §6.8.6)")
    func peerSignalsDown() {
        var session = Self.upSession(Self.fast)
        let actions = session.packetReceived(Self.peerPacket(state: .down), now: .seconds(2))
        #expect(actions.contains(.stateChanged(from: .up, to: .down, diagnostic: .neighborSignaledSessionDown)))
        #expect(session.desiredMinTXInterval == 1_000_000)
        _ = session.packetReceived(Self.peerPacket(state: .down), now: .seconds(3))
        #expect(session.state == .`init`)
        #expect(session.localDiagnostic == .neighborSignaledSessionDown, "kept until the next change")
    }

    @Test("Discriminator rules: 0 only in Down/AdminDown, nonzero must be ours (RFC 5880 §6.8.6)")
    func discriminatorRules() {
        var session = BFDSession(
            localDiscriminator: 0x1111, configuration: Self.fast, random: BFDJitterGenerator(seed: 1))
        _ = session.start(now: .zero)
        #expect(
            session.packetReceived(Self.peerPacket(state: .up, your: 0), now: .milliseconds(1))
                == [.packetDiscarded(.zeroYourDiscriminator(state: .up))])
        #expect(
            session.packetReceived(Self.peerPacket(state: .`init`, your: 0), now: .milliseconds(1))
                == [.packetDiscarded(.zeroYourDiscriminator(state: .`init`))])
        #expect(
            session.packetReceived(Self.peerPacket(state: .down, your: 0x3333), now: .milliseconds(1))
                == [.packetDiscarded(.yourDiscriminatorMismatch(0x3333))])
        #expect(session.state == .down && session.remoteDiscriminator == 0)
        let accepted = session.packetReceived(Self.peerPacket(state: .down, your: 0), now: .milliseconds(2))
        #expect(accepted.contains(.stateChanged(from: .down, to: .`init`, diagnostic: .noDiagnostic)))
        #expect(session.remoteDiscriminator == 0x2222)
    }

    @Test("The A bit is refused while no authentication is configured (RFC 5880 §6.8.6)")
    func authenticationNotInUse() {
        var session = BFDSession(
            localDiscriminator: 0x1111, configuration: Self.fast, random: BFDJitterGenerator(seed: 1))
        var packet = Self.peerPacket(state: .down, your: 0)
        packet.authentication = .simplePassword(keyID: 1, password: [0x61])
        #expect(session.packetReceived(packet, now: .zero) == [.packetDiscarded(.authenticationNotInUse)])
    }

    @Test("AdminDown discards packets but still answers nothing and keeps sending AdminDown (RFC 5880 §6.8.16)")
    func adminDownDiscards() {
        var session = Self.upSession(Self.fast)
        let disabled = session.disable(now: .seconds(1))
        #expect(disabled.first == .stateChanged(from: .up, to: .adminDown, diagnostic: .administrativelyDown))
        #expect(disabled.contains(.cancelTimer(.detection)))
        #expect(session.disable(now: .seconds(1)) == [])
        let received = session.packetReceived(Self.peerPacket(state: .up), now: .seconds(2))
        #expect(received.first == .packetDiscarded(.sessionAdminDown))
        #expect(session.state == .adminDown)
        let fired = session.timerFired(.transmit, now: .seconds(5))
        guard case .send(let packet) = fired.first else {
            Issue.record("AdminDown packets keep going out: \(fired)")
            return
        }
        #expect(packet.state == .adminDown && packet.diagnostic == .administrativelyDown && !packet.poll)
        #expect(
            session.enable(now: .seconds(6))
                == [.stateChanged(from: .adminDown, to: .down, diagnostic: .administrativelyDown)])
    }

    @Test("Passive role: silent until the peer's first packet (RFC 5880 §6.1, §6.8.7)")
    func passive() {
        var configuration = Self.fast
        configuration.passive = true
        var session = BFDSession(
            localDiscriminator: 0x1111, configuration: configuration, random: BFDJitterGenerator(seed: 1))
        #expect(session.start(now: .zero) == [])
        #expect(session.transmitInterval == nil)
        let actions = session.packetReceived(Self.peerPacket(state: .down, your: 0), now: .seconds(1))
        #expect(actions.contains { if case .armTimer(.transmit, _) = $0 { true } else { false } })
        // A Detection Time later without packets, the peer is forgotten and we fall silent again.
        let expired = session.timerFired(.detection, now: .seconds(4))
        #expect(expired.contains(.cancelTimer(.transmit)))
        #expect(expired.contains(.stateChanged(from: .`init`, to: .down, diagnostic: .controlDetectionTimeExpired)))
    }

    @Test("A peer with Required Min RX 0 gets no periodic packets, but still a Final (RFC 5880 §6.8.7)")
    func remoteMinRXZero() {
        var session = Self.upSession(Self.fast)
        var packet = Self.peerPacket(state: .up)
        packet.requiredMinRXInterval = 0
        packet.poll = true
        let actions = session.packetReceived(packet, now: .seconds(1))
        #expect(actions.contains(.cancelTimer(.transmit)))
        #expect(actions.contains { if case .send(let p) = $0 { p.final } else { false } })
        #expect(session.transmitInterval == nil)
    }

    @Test("Timer fires for a moved or cancelled deadline are ignored")
    func staleTimers() {
        var session = Self.upSession(Self.fast)
        #expect(session.timerFired(.detection, now: .milliseconds(301)) == [], "the deadline is 900 ms later")
        _ = session.disable(now: .seconds(1))
        #expect(session.timerFired(.detection, now: .seconds(10)) == [], "cancelled")
        #expect(session.state == .adminDown)
    }

    @Test("Detection time uses the peer's multiplier and the slower of our RX and its TX (RFC 5880 §6.8.4)")
    func detectionTimeFormula() {
        var session = Self.upSession(Self.fast)
        var packet = Self.peerPacket(state: .up)
        packet.detectMultiplier = 5
        packet.desiredMinTXInterval = 500_000
        let actions = session.packetReceived(packet, now: .seconds(1))
        #expect(session.detectionTime == .milliseconds(2500))
        #expect(actions.last == .armTimer(.detection, deadline: .seconds(1) + .milliseconds(2500)))
        packet.desiredMinTXInterval = 100_000
        _ = session.packetReceived(packet, now: .seconds(2))
        #expect(session.detectionTime == .milliseconds(1500), "our 300 ms RX is the slower")
    }
}

@Suite("BFD demultiplexer")
struct BFDDemultiplexerTests {
    static func packet(state: BFDState, your: UInt32) -> BFDControlPacket {
        BFDControlPacket(
            state: state, detectMultiplier: 3, myDiscriminator: 99, yourDiscriminator: your,
            desiredMinTXInterval: 1_000_000, requiredMinRXInterval: 1_000_000)
    }

    @Test("Nonzero Your Discriminator selects the session; zero falls back to the peer (RFC 5880 §6.3, §6.8.6)")
    func selection() {
        var table = BFDDemultiplexer<String>()
        let a = table.add("10.0.0.1")
        let b = table.add("10.0.0.2")
        #expect(a != 0 && b != 0 && a != b)
        #expect(table.session(for: Self.packet(state: .up, your: b), from: "10.0.0.1") == .success(b))
        #expect(table.session(for: Self.packet(state: .down, your: 0), from: "10.0.0.2") == .success(b))
        #expect(table.session(for: Self.packet(state: .down, your: 0), from: "10.0.0.3") == .failure(.unknownPeer))
        #expect(
            table.session(for: Self.packet(state: .up, your: 12345), from: "10.0.0.1")
                == .failure(.unknownYourDiscriminator(12345)))
        table.remove("10.0.0.1")
        #expect(table.session(for: Self.packet(state: .up, your: a), from: "10.0.0.1")
            == .failure(.unknownYourDiscriminator(a)))
        #expect(table.localDiscriminator(for: "10.0.0.2") == b)
    }

    @Test("Discriminators are never 0 and never reused while in use, across wrap-around (RFC 5880 §6.8.1)")
    func allocation() {
        var table = BFDDemultiplexer<Int>(firstDiscriminator: UInt32.max - 1)
        let first = table.add(1)
        let second = table.add(2)
        let third = table.add(3)
        #expect([first, second, third] == [UInt32.max - 1, UInt32.max, 1])
    }
}
