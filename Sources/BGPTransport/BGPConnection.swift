// SPDX-License-Identifier: Apache-2.0
// One TCP connection to a peer, driven by two tasks: a reader that frames and decodes off the speaker (so a full
// table on one peer never blocks the actor that runs everyone's timers), and a writer that drains a queue of
// encoded messages into the socket and reports progress (RFC 9687 send hold timer). Once Established, KEEPALIVEs
// (RFC 4271 §4.4) leave from the channel's event loop, and the event loop stamps when bytes last arrived, so neither
// depends on the speaker actor or the task pool keeping up with a burst of UPDATEs on another session.

import BGPCore
import BGPWire
import NIOCore
import Synchronization

/// What the connection reports to its owner.
public protocol BGPConnectionDelegate: Sendable {
    func connection(_ id: ConnectionID, received message: DecodedMessage) async
    func connection(_ id: ConnectionID, failedToDecode notification: BGPNotification) async
    func connection(_ id: ConnectionID, closed reason: String) async
    /// `bytes` octets queued earlier have been written to the socket.
    func connection(_ id: ConnectionID, wrote bytes: Int) async
    /// The event loop wrote a KEEPALIVE of its own (`BGPConnectionHandle.keepalive(after:every:)`) to the socket.
    func connectionSentKeepalive(_ id: ConnectionID) async
}

/// The send side of a connection: a queue its writer task drains. `Sendable` so the speaker can keep it.
public struct BGPConnectionHandle: Sendable {
    public let id: ConnectionID
    public let remote: IPAddress
    /// Our end of the connection (our next hop on the session).
    public let local: IPAddress?
    let outbound: AsyncStream<ByteBuffer>.Continuation
    let timers: ConnectionTimers

    /// When the socket last delivered bytes from the peer, on the speaker's clock (`ConnectionTimers.origin`); nil
    /// before the first. Stamped on the event loop, ahead of any queue of messages waiting for the speaker.
    var lastReceived: Duration? { timers.lastReceived }

    /// Sends KEEPALIVEs from the event loop: the first once `delay` has passed, then every `interval` (RFC 4271
    /// §4.4), until `stopKeepalives()` or the connection closes. Calling it again moves the next one (the state
    /// machine restarts its KeepaliveTimer on every UPDATE it sends, §8.2.2).
    func keepalive(after delay: Duration, every interval: Duration) { timers.keepalive(after: delay, every: interval) }

    func stopKeepalives() { timers.stopKeepalives() }

    /// Queues bytes; never blocks. The speaker bounds what is queued (`BGPSpeaker.maximumQueuedBytes`) and the
    /// RFC 9687 send hold timer catches a peer that stops reading.
    public func write(_ bytes: ByteBuffer) { outbound.yield(bytes) }

    /// Flushes what is queued, then closes.
    public func close() {
        timers.stopKeepalives()  // nothing of ours after a NOTIFICATION queued before the close
        outbound.finish()
    }
}

/// A connection's event-loop side of its timers: the KEEPALIVEs of an Established session (`KeepaliveSchedule`
/// decides when) and the stamp of the last bytes received (for `HoldTimerCheck`). The event loop writes a KEEPALIVE
/// straight into the channel, between whole messages of the writer task; the speaker hears about it afterwards.
final class ConnectionTimers: Sendable {
    struct Keepalives {
        var schedule: KeepaliveSchedule
        var task: Scheduled<Void>?
    }

    /// The speaker's time zero: every `Duration` here counts from it, as the state machines' `now` does.
    let origin: ContinuousClock.Instant
    let channel: any Channel
    private let onKeepaliveSent: @Sendable () -> Void
    /// Nanoseconds after `origin`, -1 before the first bytes.
    private let lastReceivedNanoseconds = Atomic<Int64>(-1)
    private let keepalives = Mutex<Keepalives?>(nil)
    private static let keepaliveMessage: ByteBuffer = {
        var buffer = ByteBuffer()
        buffer.writeBGPMessage(.keepalive, context: .beforeOpen)
        return buffer
    }()

    init(channel: any Channel, origin: ContinuousClock.Instant, onKeepaliveSent: @escaping @Sendable () -> Void) {
        self.channel = channel
        self.origin = origin
        self.onKeepaliveSent = onKeepaliveSent
    }

    private var now: Duration { ContinuousClock.now - origin }

    var lastReceived: Duration? {
        let nanoseconds = lastReceivedNanoseconds.load(ordering: .relaxed)
        return nanoseconds < 0 ? nil : .nanoseconds(nanoseconds)
    }

    func received() {
        let (seconds, attoseconds) = now.components
        lastReceivedNanoseconds.store(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .relaxed)
    }

    func keepalive(after delay: Duration, every interval: Duration) {
        let deadline = now + delay
        keepalives.withLock { state in
            if state == nil { state = Keepalives(schedule: KeepaliveSchedule(interval: interval, deadline: deadline)) }
            guard let wakeup = state!.schedule.armed(deadline: deadline, interval: interval) else { return }
            state!.task?.cancel()
            state!.task = scheduleWake(at: wakeup)
        }
    }

    func stopKeepalives() {
        keepalives.withLock { state in
            state?.task?.cancel()
            state = nil
        }
    }

    /// Called with the lock held.
    private func scheduleWake(at wakeup: Duration) -> Scheduled<Void> {
        let delay = wakeup - now
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        return channel.eventLoop.scheduleTask(in: .nanoseconds(max(0, nanoseconds))) { [self] in wake(at: wakeup) }
    }

    private func wake(at wakeup: Duration) {
        let send: Bool = keepalives.withLock { state in
            // Stopped, or superseded by an earlier wake-up.
            guard state != nil, state!.schedule.wakeup == wakeup else { return false }
            switch state!.schedule.woke(now: now) {
            case .send(let next):
                state!.task = scheduleWake(at: next)
                return true
            case .sleep(let until):
                state!.task = scheduleWake(at: until)
                return false
            }
        }
        guard send, channel.isActive else { return }
        let onKeepaliveSent = self.onKeepaliveSent
        channel.writeAndFlush(Self.keepaliveMessage).whenSuccess { onKeepaliveSent() }
    }
}

/// Stamps the arrival of every read on the event loop, before the bytes queue up for the reader task.
final class ReceiveStamp: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let timers: ConnectionTimers

    init(_ timers: ConnectionTimers) { self.timers = timers }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timers.received()
        context.fireChannelRead(data)
    }
}

enum BGPConnection {
    enum Ending: Sendable {
        /// The peer closed the connection (EOF) or the socket failed.
        case peerClosed
        /// We could not decode; the speaker answers with a NOTIFICATION and closes the queue.
        case decodeFailed
        /// The send queue was finished and drained: we closed.
        case closedLocally
    }

    /// Runs a connection until it closes. `configuration` decides how the peer's OPEN negotiates, which fixes the
    /// decode context for everything after it (the same pure function the FSM runs).
    static func run(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, id: ConnectionID, configuration: SessionConfiguration,
        outbound: AsyncStream<ByteBuffer>, timers: ConnectionTimers, delegate: any BGPConnectionDelegate
    ) async {
        defer { timers.stopKeepalives() }
        var closeReason = "connection closed by peer"
        do {
            try await channel.executeThenClose { inbound, writer in
                try await withThrowingTaskGroup(of: Ending.self) { group in
                    group.addTask {
                        for await bytes in outbound {
                            let count = bytes.readableBytes
                            try await writer.write(bytes)
                            await delegate.connection(id, wrote: count)
                        }
                        return .closedLocally
                    }
                    group.addTask {
                        var context = DecodeContext.beforeOpen
                        let framer = NIOSingleStepByteToMessageProcessor(BGPFramer(), maximumBufferSize: 1 << 20)
                        for try await bytes in inbound {
                            var frames: [BGPFrame] = []
                            var framingError: BGPNotification? = nil
                            do {
                                try framer.process(buffer: bytes) { frames.append($0) }
                            } catch let error as BGPNotification {
                                framingError = error
                            }
                            // Whole messages before a broken one are still delivered, in order.
                            for frame in frames {
                                do throws(BGPNotification) {
                                    let decoded = try BGPMessage.decode(frame, context: context)
                                    if case .open(let open) = decoded.message,
                                        case .success(let negotiated) = configuration.negotiate(received: open)
                                    {
                                        context = negotiated.decodeContext
                                    }
                                    await delegate.connection(id, received: decoded)
                                } catch {
                                    await delegate.connection(id, failedToDecode: error)
                                    return .decodeFailed
                                }
                            }
                            if let framingError {
                                await delegate.connection(id, failedToDecode: framingError)
                                return .decodeFailed
                            }
                        }
                        return .peerClosed
                    }
                    // A decode failure waits for the speaker to queue its NOTIFICATION and close; anything else
                    // ends the connection at once.
                    while let ending = try await group.next() {
                        if case .decodeFailed = ending { continue }
                        if case .closedLocally = ending { closeReason = "closed locally" }
                        break
                    }
                    group.cancelAll()
                }
            }
        } catch {
            closeReason = "\(error)"
        }
        await delegate.connection(id, closed: closeReason)
    }
}
