// SPDX-License-Identifier: Apache-2.0
// One BFD session in Asynchronous mode (RFC 5880 §6.2 state machine, §6.8 procedures): the §6.8.1 state variables,
// reception (§6.8.6), timer negotiation and Poll/Final (§6.5, §6.8.2, §6.8.3), detection time (§6.8.4), jittered
// transmission (§6.8.7) and administrative control (§6.8.16). No sockets, no clock: callers pass `now` (monotonic,
// since an arbitrary origin), perform the returned actions in order, and call `timerFired` when an armed deadline
// passes. Demand mode, the Echo function and authentication are not implemented: we never set D, always advertise
// a Required Min Echo RX Interval of 0, and discard packets with the A bit set.

/// The state of one BFD session with one remote system.
public struct BFDSession: Sendable {
    /// What the operator asks for. Intervals are rounded down to whole microseconds on the wire.
    public struct Configuration: Hashable, Sendable {
        /// bfd.DesiredMinTxInterval while Up; at least 1 s is advertised otherwise (§6.8.3).
        public var desiredMinTXInterval: Duration
        /// bfd.RequiredMinRxInterval. Zero asks the peer not to send periodic packets.
        public var requiredMinRXInterval: Duration
        /// bfd.DetectMult.
        public var detectMultiplier: UInt8
        /// The Passive role (§6.1): send nothing until the peer's first packet tells us its discriminator.
        public var passive: Bool

        public init(
            desiredMinTXInterval: Duration, requiredMinRXInterval: Duration, detectMultiplier: UInt8,
            passive: Bool = false
        ) {
            precondition(detectMultiplier > 0, "BFD detect multiplier must be at least 1")
            self.desiredMinTXInterval = desiredMinTXInterval
            self.requiredMinRXInterval = requiredMinRXInterval
            self.detectMultiplier = detectMultiplier
            self.passive = passive
        }
    }

    public enum Timer: Hashable, Sendable, CaseIterable {
        /// The next periodic Control packet (§6.8.7).
        case transmit
        /// The Detection Time since the last packet received (§6.8.4).
        case detection
    }

    /// Why `packetReceived` discarded a packet the decoder accepted.
    public enum DiscardReason: Hashable, Sendable {
        /// §6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the packet MUST
        /// be discarded."
        case authenticationNotInUse
        /// Your Discriminator names another session (the demultiplexer should not have sent it here).
        case yourDiscriminatorMismatch(UInt32)
        /// §6.8.6: Your Discriminator zero while the State field is Init or Up.
        case zeroYourDiscriminator(state: BFDState)
        /// §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet" (after the remote variables are updated).
        case sessionAdminDown
    }

    public enum Action: Hashable, Sendable {
        /// Send this packet now, to the session's peer.
        case send(BFDControlPacket)
        /// (Re)arm a timer; a timer that is already armed moves to the new deadline.
        case armTimer(Timer, deadline: Duration)
        case cancelTimer(Timer)
        /// bfd.SessionState changed. Up → Down (or AdminDown) is the signal for the client (BGP) to act.
        case stateChanged(from: BFDState, to: BFDState, diagnostic: BFDDiagnostic)
        /// The packet was not used; for counters and logs.
        case packetDiscarded(DiscardReason)
    }

    /// §6.8.3: "When bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to a value of not
    /// less than one second (1,000,000 microseconds)."
    public static let slowTransmitInterval: UInt32 = 1_000_000

    /// bfd.LocalDiscr: nonzero, unique on this system (see `BFDDemultiplexer`).
    public let localDiscriminator: UInt32
    public private(set) var configuration: Configuration
    /// bfd.SessionState.
    public private(set) var state: BFDState = .down
    /// bfd.RemoteSessionState.
    public private(set) var remoteState: BFDState = .down
    /// bfd.RemoteDiscr: zero until the peer is heard, and again after a Detection Time of silence (§6.8.1).
    public private(set) var remoteDiscriminator: UInt32 = 0
    /// bfd.LocalDiag: the reason for the last change of state.
    public private(set) var localDiagnostic: BFDDiagnostic = .noDiagnostic
    /// bfd.DesiredMinTxInterval as advertised, in microseconds.
    public private(set) var desiredMinTXInterval: UInt32
    /// bfd.RequiredMinRxInterval as advertised, in microseconds.
    public private(set) var requiredMinRXInterval: UInt32
    /// bfd.RemoteMinRxInterval: "initialized to 1" (§6.8.1), in microseconds.
    public private(set) var remoteMinRXInterval: UInt32 = 1
    /// The last Desired Min TX Interval received, in microseconds (for §6.8.4).
    public private(set) var remoteDesiredMinTXInterval: UInt32 = 0
    /// The last Detect Mult received; 0 until the peer is heard.
    public private(set) var remoteDetectMultiplier: UInt8 = 0
    /// bfd.RemoteDemandMode.
    public private(set) var remoteDemand = false
    /// A Poll Sequence is in progress: periodic packets carry P until a packet with F arrives (§6.5).
    public private(set) var pollInProgress = false

    /// The intervals carried by the first Poll of the current sequence; nil until it is sent. A Final answers these.
    private var polledIntervals: (tx: UInt32, rx: UInt32)?
    /// The intervals changed again after a Poll went out. §6.8.3: a second sequence may start only once "an
    /// additional BFD Control packet with the Final (F) bit *clear*" has been received after the first one ended.
    private var pollAgain = false
    /// The first sequence ended and the second waits for a packet with F clear.
    private var pollAwaitingClearFinal = false

    /// The Desired Min TX Interval our own transmissions are paced by. §6.8.3: an increase while Up waits for the
    /// Poll Sequence to end ("the actual transmission interval used MUST NOT change until the Poll Sequence ...
    /// has terminated").
    private var transmitBasis: UInt32
    /// The Required Min RX Interval the Detection Time uses. §6.8.3: a reduction while Up waits for the Poll
    /// Sequence ("the previous value ... MUST be used when calculating the Detection Time").
    private var detectionBasis: UInt32
    private var lastReceived: Duration?
    private var started = false
    private var deadlines: [Timer: Duration] = [:]
    private var random: any RandomNumberGenerator & Sendable

    /// A session in Down. Nothing is sent until `start(now:)`. `random` draws the §6.8.7 jitter; pass a seeded
    /// `BFDJitterGenerator` for reproducible runs.
    public init(
        localDiscriminator: UInt32, configuration: Configuration, random: any RandomNumberGenerator & Sendable
    ) {
        precondition(localDiscriminator != 0, "bfd.LocalDiscr must be nonzero (RFC 5880 §6.8.1)")
        self.localDiscriminator = localDiscriminator
        self.configuration = configuration
        self.random = random
        let tx = max(Self.microseconds(configuration.desiredMinTXInterval), Self.slowTransmitInterval)
        let rx = Self.microseconds(configuration.requiredMinRXInterval)
        self.desiredMinTXInterval = tx
        self.requiredMinRXInterval = rx
        self.transmitBasis = tx
        self.detectionBasis = rx
    }

    // MARK: Derived timing

    /// The interval periodic packets are sent at before jitter (§6.8.2, §6.8.7), or nil when none may be sent.
    public var transmitInterval: Duration? {
        guard shouldTransmitPeriodically else { return nil }
        return .microseconds(Int64(max(transmitBasis, remoteMinRXInterval)))
    }

    /// §6.8.4: "the value of Detect Mult received from the remote system, multiplied by the agreed transmit
    /// interval of the remote system (the greater of bfd.RequiredMinRxInterval and the last received Desired Min
    /// TX Interval)". Nil until the peer is heard.
    public var detectionTime: Duration? {
        guard remoteDetectMultiplier > 0 else { return nil }
        let interval = Int64(max(detectionBasis, remoteDesiredMinTXInterval))
        return .microseconds(Int64(remoteDetectMultiplier) * interval)
    }

    /// §6.8.7: no periodic packets when the peer's Required Min RX Interval is 0, in the Passive role before the
    /// peer is heard, or while the peer runs Demand mode with both sides Up.
    private var shouldTransmitPeriodically: Bool {
        guard started, remoteMinRXInterval != 0 else { return false }
        if configuration.passive && remoteDiscriminator == 0 { return false }
        // "... if Demand mode is active on the remote system ... and a Poll Sequence is not being transmitted."
        if remoteDemand && state == .up && remoteState == .up && !pollInProgress { return false }
        return true
    }

    // MARK: Events

    /// The session is configured: send the first packet at once (unless passive) and start the transmit timer.
    public mutating func start(now: Duration) -> [Action] {
        guard !started else { return [] }
        started = true
        guard shouldTransmitPeriodically else { return [] }
        return [.send(periodicPacket())] + armTransmit(now: now)
    }

    /// A Control packet decoded (by `readBFDControlPacket`) and routed here (by `BFDDemultiplexer`), with its
    /// arrival time. Implements the session part of §6.8.6.
    public mutating func packetReceived(_ packet: BFDControlPacket, now: Duration) -> [Action] {
        if packet.authentication != nil { return [.packetDiscarded(.authenticationNotInUse)] }
        if packet.yourDiscriminator == 0 && packet.state != .down && packet.state != .adminDown {
            return [.packetDiscarded(.zeroYourDiscriminator(state: packet.state))]
        }
        if packet.yourDiscriminator != 0 && packet.yourDiscriminator != localDiscriminator {
            return [.packetDiscarded(.yourDiscriminatorMismatch(packet.yourDiscriminator))]
        }
        let before = timing

        remoteDiscriminator = packet.myDiscriminator
        remoteState = packet.state
        remoteDemand = packet.demand
        remoteMinRXInterval = packet.requiredMinRXInterval
        remoteDesiredMinTXInterval = packet.desiredMinTXInterval
        remoteDetectMultiplier = packet.detectMultiplier
        lastReceived = now
        // "If the Final (F) bit is set and the local system has sent a Poll, terminate the Poll Sequence": the new
        // intervals now govern our own timing too.
        if packet.final, pollInProgress, let polled = polledIntervals {
            pollInProgress = false
            polledIntervals = nil
            if pollAgain {
                // Only the polled values are known to be acknowledged; the later ones wait for the next sequence.
                pollAgain = false
                pollAwaitingClearFinal = true
                transmitBasis = min(polled.tx, desiredMinTXInterval)
                detectionBasis = max(polled.rx, requiredMinRXInterval)
            } else {
                transmitBasis = desiredMinTXInterval
                detectionBasis = requiredMinRXInterval
            }
        } else if !packet.final && pollAwaitingClearFinal {
            pollAwaitingClearFinal = false
            pollInProgress = true
        }

        var actions: [Action] = []
        if state == .adminDown {
            actions.append(.packetDiscarded(.sessionAdminDown))
            actions += retime(from: before, now: now)
            return actions
        }

        switch (state, packet.state) {
        case (.adminDown, _):
            break  // handled above
        case (_, .adminDown):
            // "If received state is AdminDown: If bfd.SessionState is not Down, set bfd.LocalDiag to 3".
            if state != .down { actions += transition(to: .down, diagnostic: .neighborSignaledSessionDown) }
        case (.down, .down):
            actions += transition(to: .`init`, diagnostic: localDiagnostic)
        case (.down, .`init`), (.`init`, .`init`), (.`init`, .up):
            actions += transition(to: .up, diagnostic: .noDiagnostic)
        case (.up, .down):
            // "If received State is Down: Set bfd.LocalDiag to 3 ... Set bfd.SessionState to Down".
            actions += transition(to: .down, diagnostic: .neighborSignaledSessionDown)
        case (.down, .up), (.`init`, .down), (.up, .`init`), (.up, .up):
            break
        }

        // "If the Poll (P) bit is set, send a BFD Control packet to the remote system with the Poll (P) bit clear,
        // and the Final (F) bit set" (§6.8.7: "without respect to the transmission timer").
        if packet.poll { actions.append(.send(controlPacket(final: true))) }
        actions += retime(from: before, now: now)
        if let detectionTime, deadlines[.detection] != now + detectionTime {
            actions.append(arm(.detection, at: now + detectionTime))
        }
        return actions
    }

    /// An armed timer reached its deadline. Fires for a deadline that moved or was cancelled are ignored.
    public mutating func timerFired(_ timer: Timer, now: Duration) -> [Action] {
        guard let deadline = deadlines[timer], now >= deadline else { return [] }
        deadlines[timer] = nil
        switch timer {
        case .transmit:
            guard shouldTransmitPeriodically else { return [] }
            return [.send(periodicPacket())] + armTransmit(now: now)
        case .detection:
            let before = timing
            // §6.8.1: bfd.RemoteDiscr "MUST be set to zero" after a Detection Time without a packet.
            remoteDiscriminator = 0
            remoteDetectMultiplier = 0
            lastReceived = nil
            var actions: [Action] = []
            // §6.8.4: "... and bfd.SessionState is Init or Up, the session has gone down -- the local system MUST
            // set bfd.SessionState to Down and bfd.LocalDiag to 1 (Control Detection Time Expired)."
            if state == .`init` || state == .up {
                actions += transition(to: .down, diagnostic: .controlDetectionTimeExpired)
            }
            actions += retime(from: before, now: now)
            return actions
        }
    }

    /// §6.8.16: the session is administratively disabled. AdminDown packets keep going out at the slow rate so the
    /// peer learns why (its session goes Down with diagnostic 3); the owner removes the session to stop them.
    public mutating func disable(now: Duration) -> [Action] {
        guard state != .adminDown else { return [] }
        let before = timing
        var actions = transition(to: .adminDown, diagnostic: .administrativelyDown)
        if deadlines[.detection] != nil { actions.append(cancel(.detection)) }
        lastReceived = nil
        actions += retime(from: before, now: now)
        return actions
    }

    /// §6.8.16: "If the session is to be administratively enabled, bfd.SessionState is set to Down."
    public mutating func enable(now: Duration) -> [Action] {
        guard state == .adminDown else { return [] }
        let before = timing
        var actions = transition(to: .down, diagnostic: localDiagnostic)
        actions += retime(from: before, now: now)
        return actions
    }

    /// New intervals or multiplier. A change of either interval starts a Poll Sequence (§6.8.3); outside Up the new
    /// values apply at once, inside Up as §6.8.3 allows.
    public mutating func reconfigure(_ configuration: Configuration, now: Duration) -> [Action] {
        let before = timing
        self.configuration = configuration
        updateAdvertisedIntervals(poll: state != .adminDown)
        return retime(from: before, now: now)
    }

    // MARK: Helpers

    private struct Timing: Equatable {
        var transmitInterval: Duration?
        var detectionTime: Duration?
    }

    private var timing: Timing { Timing(transmitInterval: transmitInterval, detectionTime: detectionTime) }

    /// Moves the timers after anything that may have changed the transmit interval or the Detection Time.
    private mutating func retime(from before: Timing, now: Duration) -> [Action] {
        var actions: [Action] = []
        let after = timing
        switch (after.transmitInterval, deadlines[.transmit]) {
        case (nil, .some):
            actions.append(cancel(.transmit))
        case (.some, nil):
            if started { actions += armTransmit(now: now) }
        case (.some(let interval), .some(let deadline)):
            // A shorter interval takes effect before the (longer) wait already armed ends.
            if interval != before.transmitInterval && deadline > now + interval { actions += armTransmit(now: now) }
        case (nil, nil):
            break
        }
        if after.detectionTime != before.detectionTime, deadlines[.detection] != nil, let lastReceived,
            let detectionTime = after.detectionTime
        {
            actions.append(arm(.detection, at: lastReceived + detectionTime))
        }
        return actions
    }

    /// Sets bfd.SessionState and bfd.LocalDiag, and the intervals that depend on being Up (§6.8.3).
    private mutating func transition(to newState: BFDState, diagnostic: BFDDiagnostic) -> [Action] {
        let old = state
        state = newState
        localDiagnostic = diagnostic
        if newState != .up { endPoll() }
        // Going Up lowers the advertised TX interval from 1 s to the configured one: a Poll Sequence (§6.8.3).
        updateAdvertisedIntervals(poll: newState == .up)
        return [.stateChanged(from: old, to: newState, diagnostic: diagnostic)]
    }

    /// Recomputes bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval from the configuration and state.
    private mutating func updateAdvertisedIntervals(poll: Bool) {
        let configuredTX = Self.microseconds(configuration.desiredMinTXInterval)
        let tx = state == .up ? configuredTX : max(configuredTX, Self.slowTransmitInterval)
        let rx = Self.microseconds(configuration.requiredMinRXInterval)
        guard tx != desiredMinTXInterval || rx != requiredMinRXInterval else { return }
        desiredMinTXInterval = tx
        requiredMinRXInterval = rx
        if state == .up {
            // §6.8.3: a faster TX and a longer RX apply at once; a slower TX and a shorter RX after the Final.
            transmitBasis = min(transmitBasis, tx)
            detectionBasis = max(detectionBasis, rx)
        } else {
            transmitBasis = tx
            detectionBasis = rx
        }
        // "If either bfd.DesiredMinTxInterval or bfd.RequiredMinRxInterval is changed, a Poll Sequence MUST be
        // initiated". Not on the way down: the session is gone and the next packets carry the values.
        guard poll else { return }
        if !pollInProgress {
            pollInProgress = !pollAwaitingClearFinal
        } else if let polled = polledIntervals, polled != (tx, rx) {
            pollAgain = true
        }
    }

    private mutating func endPoll() {
        pollInProgress = false
        polledIntervals = nil
        pollAgain = false
        pollAwaitingClearFinal = false
    }

    /// The next periodic packet; the first one with P records what the sequence polls for.
    private mutating func periodicPacket() -> BFDControlPacket {
        if pollInProgress && polledIntervals == nil { polledIntervals = (desiredMinTXInterval, requiredMinRXInterval) }
        return controlPacket()
    }

    /// The packet §6.8.7 says to send now.
    private func controlPacket(final: Bool = false) -> BFDControlPacket {
        BFDControlPacket(
            diagnostic: localDiagnostic, state: state,
            // "A system MUST NOT set the Poll (P) and Final (F) bits in the same packet" (§6.8.7).
            poll: pollInProgress && !final, final: final, controlPlaneIndependent: false, demand: false,
            detectMultiplier: configuration.detectMultiplier, myDiscriminator: localDiscriminator,
            yourDiscriminator: remoteDiscriminator, desiredMinTXInterval: desiredMinTXInterval,
            requiredMinRXInterval: requiredMinRXInterval, requiredMinEchoRXInterval: 0)
    }

    private mutating func armTransmit(now: Duration) -> [Action] {
        guard let interval = transmitInterval else { return [] }
        return [arm(.transmit, at: now + jittered(interval))]
    }

    /// §6.8.7: "the interval MUST be reduced by a random value of 0 to 25%"; with bfd.DetectMult 1 the interval
    /// "MUST be no more than 90% of the negotiated transmission interval, and MUST be no less than 75%".
    private mutating func jittered(_ interval: Duration) -> Duration {
        let upper: UInt64 = configuration.detectMultiplier == 1 ? 900_000 : 1_000_000
        let perMillion = UInt64.random(in: 750_000...upper, using: &random)
        let microseconds = UInt64(Self.microseconds(interval)) * perMillion / 1_000_000
        return .microseconds(Int64(microseconds))
    }

    private mutating func arm(_ timer: Timer, at deadline: Duration) -> Action {
        deadlines[timer] = deadline
        return .armTimer(timer, deadline: deadline)
    }

    private mutating func cancel(_ timer: Timer) -> Action {
        deadlines[timer] = nil
        return .cancelTimer(timer)
    }

    /// Whole microseconds, clamped to the 32-bit wire field.
    static func microseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let total = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !total.overflow else { return .max }
        return UInt32(clamping: total.partialValue + attoseconds / 1_000_000_000_000)
    }
}
