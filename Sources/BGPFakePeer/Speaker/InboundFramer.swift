// SPDX-License-Identifier: Apache-2.0
// Accumulates TCP reads and yields whole BGP frames as slices of the accumulated buffer (no copies, no per-message
// allocation): the same `readBGPFrame` the daemon's framer uses.

import BGPWire
import NIOCore

struct InboundFramer {
    private var pending: ByteBuffer?

    /// Adds one read. The first read is kept as is; later ones are appended only while a partial frame is waiting.
    mutating func append(_ incoming: inout ByteBuffer) {
        if var buffer = pending, buffer.readableBytes > 0 {
            pending = nil  // keep `buffer` uniquely referenced so the append does not copy
            buffer.writeBuffer(&incoming)
            pending = buffer
        } else {
            pending = incoming
        }
    }

    /// The next whole frame, or `nil` for "need more bytes". Throws what the stream's framing breaks.
    mutating func next() throws(BGPNotification) -> BGPFrame? {
        guard var buffer = pending else { return nil }
        pending = nil
        defer { pending = buffer.readableBytes > 0 ? buffer : nil }
        return try buffer.readBGPFrame()
    }
}
