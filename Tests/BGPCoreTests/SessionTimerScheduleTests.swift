// SPDX-License-Identifier: Apache-2.0
// The transport-side timer decisions: KEEPALIVEs scheduled apart from the speaker (RFC 4271 §4.4, §8.2.2) and a
// HoldTimer fire checked against when the socket last delivered bytes (§6.5). Time passed in; no clock.

import BGPCore
import Testing

@Suite("SessionTimerSchedule")
struct SessionTimerScheduleTests {
    @Test("A KEEPALIVE is sent at the deadline and the next one is due an interval later (RFC 4271 §4.4)")
    func sendsAtDeadline() {
        var schedule = KeepaliveSchedule(interval: .seconds(1), deadline: .seconds(10))
        #expect(schedule.armed(deadline: .seconds(10), interval: .seconds(1)) == .seconds(10))
        #expect(schedule.woke(now: .seconds(10)) == .send(next: .seconds(11)))
        #expect(schedule.wakeup == .seconds(11))
        #expect(schedule.woke(now: .milliseconds(11_020)) == .send(next: .milliseconds(12_020)))
    }

    @Test("An UPDATE sent moves the deadline later without a new wake-up; the early wake-up sleeps again (§8.2.2)")
    func updateSentMovesDeadline() {
        var schedule = KeepaliveSchedule(interval: .seconds(1), deadline: .zero)
        #expect(schedule.armed(deadline: .seconds(1), interval: .seconds(1)) == .seconds(1))
        // UPDATEs sent at 0.5 s and 0.7 s restart the KeepaliveTimer: nothing new to schedule.
        #expect(schedule.armed(deadline: .milliseconds(1500), interval: .seconds(1)) == nil)
        #expect(schedule.armed(deadline: .milliseconds(1700), interval: .seconds(1)) == nil)
        #expect(schedule.woke(now: .seconds(1)) == .sleep(until: .milliseconds(1700)))
        #expect(schedule.woke(now: .milliseconds(1700)) == .send(next: .milliseconds(2700)))
    }

    @Test("A deadline moved earlier replaces the scheduled wake-up")
    func earlierDeadlineReschedules() {
        var schedule = KeepaliveSchedule(interval: .seconds(30), deadline: .zero)
        #expect(schedule.armed(deadline: .seconds(30), interval: .seconds(30)) == .seconds(30))
        #expect(schedule.armed(deadline: .seconds(5), interval: .seconds(30)) == .seconds(5))
        #expect(schedule.wakeup == .seconds(5))
        #expect(schedule.woke(now: .seconds(5)) == .send(next: .seconds(35)))
    }

    @Test("A late wake-up sends once and counts the next interval from now, never a burst")
    func lateWakeSendsOnce() {
        var schedule = KeepaliveSchedule(interval: .seconds(1), deadline: .zero)
        _ = schedule.armed(deadline: .seconds(1), interval: .seconds(1))
        #expect(schedule.woke(now: .seconds(4)) == .send(next: .seconds(5)))
        #expect(schedule.woke(now: .milliseconds(4_100)) == .sleep(until: .seconds(5)))
    }

    @Test("A HoldTimer fire with nothing heard for the hold time expires (RFC 4271 §6.5)")
    func holdExpires() {
        #expect(HoldTimerCheck.check(holdTime: .seconds(3), lastReceived: .seconds(7), now: .seconds(10)) == .expired)
        #expect(HoldTimerCheck.check(holdTime: .seconds(3), lastReceived: nil, now: .seconds(10)) == .expired)
        #expect(HoldTimerCheck.check(holdTime: .seconds(3), lastReceived: .seconds(2), now: .seconds(10)) == .expired)
    }

    @Test("Bytes heard within the hold time but not yet processed defer the expiry to their arrival plus hold time")
    func holdDeferred() {
        // A KEEPALIVE arrived at 9.5 s and waits behind a burst on the speaker; the timer armed at 7 s fires at 10 s.
        #expect(
            HoldTimerCheck.check(holdTime: .seconds(3), lastReceived: .milliseconds(9500), now: .seconds(10))
                == .deferred(until: .milliseconds(12_500)))
        // Then silence: the deferred check expires.
        #expect(
            HoldTimerCheck.check(holdTime: .seconds(3), lastReceived: .milliseconds(9500), now: .milliseconds(12_500))
                == .expired)
    }
}
