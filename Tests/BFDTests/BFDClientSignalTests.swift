// SPDX-License-Identifier: Apache-2.0
// The BGP wiring decision (RFC 5882 §3.2, §4.3): which changes of BFD state tell the client its forwarding path
// failed.

import BFD
import Testing

@Suite("BFDClientSignal")
struct BFDClientSignalTests {
    @Test("Up → Down after a Detection Time, or a peer that says Down, is a forwarding failure (RFC 5882 §4.3)")
    func upToDownFails() {
        #expect(BFDClientSignal.after(from: .up, to: .down, remoteState: .up) == .forwardingFailed)
        #expect(BFDClientSignal.after(from: .up, to: .down, remoteState: .down) == .forwardingFailed)
        #expect(BFDClientSignal.after(from: .up, to: .down, remoteState: .`init`) == .forwardingFailed)
    }

    @Test("A peer signalling AdminDown is not a failure (RFC 5882 §3.2)")
    func remoteAdminDown() {
        #expect(BFDClientSignal.after(from: .up, to: .down, remoteState: .adminDown) == .none)
    }

    @Test("Our own AdminDown, coming up, and never having been Up say nothing about forwarding")
    func others() {
        for from in BFDState.allCases {
            for to in BFDState.allCases where !(from == .up && to == .down) {
                for remote in BFDState.allCases {
                    #expect(BFDClientSignal.after(from: from, to: to, remoteState: remote) == .none)
                }
            }
        }
    }

    @Test("Back to back: a session that times out after Up signals a failure; one that never came up does not")
    func throughTheFSM() {
        let configuration = BFDSession.Configuration(
            desiredMinTXInterval: .milliseconds(300), requiredMinRXInterval: .milliseconds(300), detectMultiplier: 3)
        var a = BFDSession(localDiscriminator: 1, configuration: configuration, random: BFDJitterGenerator(seed: 1))
        var b = BFDSession(localDiscriminator: 2, configuration: configuration, random: BFDJitterGenerator(seed: 2))
        var now = Duration.zero
        var signals: [BFDClientSignal] = []
        func deliver(_ actions: [BFDSession.Action], to session: inout BFDSession, from sender: BFDSession) -> [BFDSession.Action] {
            var out: [BFDSession.Action] = []
            for case .send(let packet) in actions { out += session.packetReceived(packet, now: now) }
            return out
        }
        func record(_ actions: [BFDSession.Action], _ session: BFDSession) {
            for case .stateChanged(let from, let to, _) in actions {
                signals.append(BFDClientSignal.after(from: from, to: to, remoteState: session.remoteState))
            }
        }
        var fromA = a.start(now: now)
        var fromB = b.start(now: now)
        for _ in 0..<6 {
            record(deliver(fromA, to: &b, from: a), b)
            record(deliver(fromB, to: &a, from: b), a)
            now += .seconds(1)
            fromA = a.timerFired(.transmit, now: now)
            fromB = b.timerFired(.transmit, now: now)
        }
        #expect(a.state == .up && b.state == .up)
        #expect(!signals.contains(.forwardingFailed))
        // b falls silent: a's detection timer fires.
        now += .seconds(5)
        let expired = a.timerFired(.detection, now: now)
        record(expired, a)
        #expect(a.state == .down)
        #expect(signals.last == .forwardingFailed)
    }
}
