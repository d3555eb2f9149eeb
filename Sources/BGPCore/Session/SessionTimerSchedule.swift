// SPDX-License-Identifier: Apache-2.0
// What a transport decides about a session's KeepaliveTimer and HoldTimer (RFC 4271 §4.4, §6.5, §8.2.2) when it
// runs them apart from the state machine, so a busy speaker (a full table arriving on another session) neither
// delays KEEPALIVEs nor lets a queue of unprocessed messages look like a silent peer. Pure: time is a `Duration`.

/// When to send KEEPALIVEs on an Established connection. The state machine still sets the deadline (it restarts
/// the KeepaliveTimer on every UPDATE it sends, RFC 4271 §8.2.2); the transport's own wake-up only has to be no
/// later than the deadline, so moving the deadline later costs nothing and a wake-up before it sleeps again.
public struct KeepaliveSchedule: Hashable, Sendable {
    public enum Wake: Hashable, Sendable {
        /// Send a KEEPALIVE now; the next one is due at `next` (wake then).
        case send(next: Duration)
        /// The deadline moved later since this wake-up was set: wake again at `until`.
        case sleep(until: Duration)
    }

    /// RFC 4271 §4.4: the time between KEEPALIVEs (one third of the hold time by default).
    public private(set) var interval: Duration
    /// When the next KEEPALIVE is due.
    public private(set) var deadline: Duration
    /// The wake-up the transport has scheduled, if any.
    public private(set) var wakeup: Duration?

    public init(interval: Duration, deadline: Duration) {
        self.interval = interval
        self.deadline = deadline
    }

    /// The state machine (re)armed the KeepaliveTimer. Returns a wake-up to schedule (replacing the one scheduled),
    /// or nil when the one already scheduled comes first.
    public mutating func armed(deadline: Duration, interval: Duration) -> Duration? {
        self.deadline = deadline
        self.interval = interval
        if let wakeup, wakeup <= deadline { return nil }
        wakeup = deadline
        return deadline
    }

    /// The scheduled wake-up happened at `now`.
    public mutating func woke(now: Duration) -> Wake {
        if deadline > now {
            wakeup = deadline
            return .sleep(until: deadline)
        }
        // As the state machine's own KeepaliveTimer: the next one an interval after this one (RFC 4271 §8.2.2).
        deadline = now + interval
        wakeup = deadline
        return .send(next: deadline)
    }
}

/// Whether a HoldTimer that fired has really expired. The state machine restarts the HoldTimer when it processes a
/// message (RFC 4271 §6.5, §8.2.2 events 26/27); messages that arrived but still wait behind a long burst on the
/// speaker have not restarted it yet. The transport stamps when its socket last delivered bytes from the peer, and
/// only a hold time without any counts as expiry. (Bytes rather than whole messages: a peer cannot keep a session
/// alive for long with partial messages, since the framer bounds a message's length.)
public enum HoldTimerCheck: Hashable, Sendable {
    case expired
    /// The peer was heard within the hold time: check again at `until` (its last bytes plus the hold time).
    case deferred(until: Duration)

    /// `holdTime`: the span the timer was armed with; `lastReceived`: when the socket last delivered bytes, nil if
    /// never.
    public static func check(holdTime: Duration, lastReceived: Duration?, now: Duration) -> Self {
        guard let lastReceived, lastReceived + holdTime > now else { return .expired }
        return .deferred(until: lastReceived + holdTime)
    }
}
