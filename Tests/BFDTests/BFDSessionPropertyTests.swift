// SPDX-License-Identifier: Apache-2.0
// Property-based checks of the BFD session FSM: arbitrary sequences of peer packets, timer fires, reconfiguration
// and admin actions keep the RFC 5880 invariants (§6.2 transitions, §6.8.3 slow rate outside Up, §6.8.7 packet
// contents and jitter).

import BFD
import PropertyBased
import Testing

@Suite("BFD session properties")
struct BFDSessionPropertyTests {
    /// Scripted events: the first value picks the kind, the others shape a peer packet or a new configuration.
    static var steps: Generator<[(Int, UInt8, UInt8)], AnySequence<Any>> {
        zip(Gen<Int>.int(in: 0...9), Gen<UInt8>.uint8(in: 0...3), Gen<UInt8>.uint8(in: 0...15))
            .array(of: 1...80).eraseToAny()
    }

    /// RFC 5880 §6.2 (and §6.8.16 for AdminDown).
    static func allowed(_ from: BFDState, _ to: BFDState) -> Bool {
        switch (from, to) {
        case (.down, .`init`), (.down, .up), (.`init`, .up), (.`init`, .down), (.up, .down): true
        case (_, .adminDown): from != .adminDown
        case (.adminDown, .down): true
        default: false
        }
    }

    @Test("Random events keep §6.2 transitions, §6.8.3 rates and §6.8.7 packet rules")
    func invariants() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            let configuration = BFDSession.Configuration(
                desiredMinTXInterval: .milliseconds(100), requiredMinRXInterval: .milliseconds(200),
                detectMultiplier: 2)
            var session = BFDSession(
                localDiscriminator: 7, configuration: configuration, random: BFDJitterGenerator(seed: 9))
            var now = Duration.zero
            var deadlines: [BFDSession.Timer: Duration] = [:]
            var actions = session.start(now: now)
            for (kind, stateBits, flags) in steps {
                now += .milliseconds(40 * (Int(flags) + 1))
                Self.check(actions, deadlines: &deadlines)
                switch kind {
                case 0...4:
                    let state = BFDState(rawValue: stateBits)!
                    let your: UInt32 = (state == .down || state == .adminDown) && flags & 4 != 0 ? 0 : 7
                    let packet = BFDControlPacket(
                        state: state, poll: flags & 1 != 0, final: flags & 2 != 0, detectMultiplier: 3,
                        myDiscriminator: 99, yourDiscriminator: your,
                        desiredMinTXInterval: 50_000 * (UInt32(flags) + 1), requiredMinRXInterval: 100_000)
                    actions = session.packetReceived(packet, now: now)
                case 5, 6:
                    let timer: BFDSession.Timer = kind == 5 ? .transmit : .detection
                    let at = max(now, deadlines[timer] ?? now)
                    now = at
                    actions = session.timerFired(timer, now: at)
                    if timer == .transmit, let interval = session.transmitInterval,
                        case .armTimer(.transmit, let next)? = actions.last
                    {
                        // §6.8.7: 75-100% of the interval (Detect Mult 2).
                        #expect(next - at >= interval * 3 / 4 - .microseconds(1) && next - at <= interval)
                    }
                case 7:
                    var changed = configuration
                    changed.desiredMinTXInterval = .milliseconds(100 * (Int(flags) + 1))
                    changed.requiredMinRXInterval = .milliseconds(100 * (Int(stateBits) + 1))
                    actions = session.reconfigure(changed, now: now)
                case 8:
                    actions = session.disable(now: now)
                default:
                    actions = session.enable(now: now)
                }
            }
            Self.check(actions, deadlines: &deadlines)
        }
    }

    /// Checks what one event returned, and tracks the armed deadlines.
    static func check(_ actions: [BFDSession.Action], deadlines: inout [BFDSession.Timer: Duration]) {
        for action in actions {
            switch action {
            case .send(let packet):
                #expect(!(packet.poll && packet.final), "P and F together (§6.8.7)")
                #expect(packet.myDiscriminator == 7 && packet.detectMultiplier > 0)
                #expect(packet.requiredMinEchoRXInterval == 0 && !packet.demand)
                if packet.state != .up { #expect(packet.desiredMinTXInterval >= 1_000_000, "§6.8.3") }
                #expect(packet.yourDiscriminator != 0 || packet.state == .down || packet.state == .adminDown)
                #expect(packet.bytes.count == 24)
            case .armTimer(let timer, let deadline):
                deadlines[timer] = deadline
            case .cancelTimer(let timer):
                deadlines[timer] = nil
            case .stateChanged(let from, let to, _):
                #expect(allowed(from, to), "\(from) → \(to)")
            case .packetDiscarded:
                break
            }
        }
    }
}
