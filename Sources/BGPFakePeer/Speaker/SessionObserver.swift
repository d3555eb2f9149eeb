// SPDX-License-Identifier: Apache-2.0
// What a `SpeakerHandler` reports about its connection. Observers live on the channel's event loop.

import BGPWire
import NIOCore

protocol SessionObserver: AnyObject {
    /// The TCP connection is up and our OPEN is on its way.
    func connectionUp(at now: NIODeadline)
    /// Any whole message arrived from the DUT (called before the type-specific callbacks).
    func messageReceived(type: UInt8, at now: NIODeadline)
    /// The DUT's KEEPALIVE confirmed our OPEN: the session is Established (RFC 4271 §8.2.2, OpenConfirm).
    func established(_ session: EstablishedSession, at now: NIODeadline)
    /// A NOTIFICATION arrived.
    func notificationReceived(_ notification: BGPNotification, at now: NIODeadline)
    /// We sent a KEEPALIVE.
    func keepaliveSent(at now: NIODeadline)
    /// We found the DUT's bytes or OPEN unacceptable and sent this NOTIFICATION.
    func protocolErrorSent(_ notification: BGPNotification, at now: NIODeadline)
    /// The connection closed.
    func connectionDown(at now: NIODeadline)
}

/// Handed to the observer once Established, to send what it wants on the connection.
struct EstablishedSession {
    let context: ChannelHandlerContext
    let timing: NegotiatedTiming

    /// Writes raw bytes and flushes.
    func send(_ buffer: ByteBuffer) {
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    var allocator: ByteBufferAllocator { context.channel.allocator }
}
