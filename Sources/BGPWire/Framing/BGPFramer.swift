// SPDX-License-Identifier: Apache-2.0
// The framer as a NIO single-step decoder, so the transport and the tests run the same code through
// `NIOSingleStepByteToMessageProcessor`.

import NIOCore

/// Splits a byte stream into `BGPFrame`s. Context-free: decoding the frame applies the session's context.
public struct BGPFramer: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = BGPFrame

    public init() {}

    public mutating func decode(buffer: inout ByteBuffer) throws -> BGPFrame? {
        try buffer.readBGPFrame()
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> BGPFrame? {
        try decode(buffer: &buffer)
    }
}
