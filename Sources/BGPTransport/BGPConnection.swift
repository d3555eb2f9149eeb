// SPDX-License-Identifier: Apache-2.0
// One TCP connection to a peer, driven by two tasks: a reader that frames and decodes off the speaker (so a full
// table on one peer never blocks the actor that runs everyone's timers), and a writer that drains a queue of
// encoded messages into the socket and reports progress (RFC 9687 send hold timer).

import BGPCore
import BGPWire
import NIOCore

/// What the connection reports to its owner.
public protocol BGPConnectionDelegate: Sendable {
    func connection(_ id: ConnectionID, received message: DecodedMessage) async
    func connection(_ id: ConnectionID, failedToDecode notification: BGPNotification) async
    func connection(_ id: ConnectionID, closed reason: String) async
    /// `bytes` octets queued earlier have been written to the socket.
    func connection(_ id: ConnectionID, wrote bytes: Int) async
}

/// The send side of a connection: a queue its writer task drains. `Sendable` so the speaker can keep it.
public struct BGPConnectionHandle: Sendable {
    public let id: ConnectionID
    public let remote: IPAddress
    /// Our end of the connection (our next hop on the session).
    public let local: IPAddress?
    let outbound: AsyncStream<ByteBuffer>.Continuation

    /// Queues bytes; never blocks. The speaker bounds what is queued (`BGPSpeaker.maximumQueuedBytes`) and the
    /// RFC 9687 send hold timer catches a peer that stops reading.
    public func write(_ bytes: ByteBuffer) { outbound.yield(bytes) }

    /// Flushes what is queued, then closes.
    public func close() { outbound.finish() }
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
        outbound: AsyncStream<ByteBuffer>, delegate: any BGPConnectionDelegate
    ) async {
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
