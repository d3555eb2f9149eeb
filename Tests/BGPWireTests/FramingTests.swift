// SPDX-License-Identifier: Apache-2.0
// Framing (ARCHITECTURE §12.2): every vector stream fed whole, byte by byte, in odd chunks and concatenated,
// through the same NIO single-step processor the transport uses. Partial input yields nothing and consumes nothing.

import BGPTestSupport
import BGPWire
import NIOCore
import Testing

@Suite("Framing")
struct FramingTests {
    static let chunkSizes = [0, 1, 7, 64, 4096]  // 0 = whole stream at once

    /// Feeds `stream` in `chunk`-sized pieces and returns the frames' raw bytes.
    static func frames(of stream: [UInt8], chunk: Int) throws -> [[UInt8]] {
        let processor = NIOSingleStepByteToMessageProcessor(BGPFramer())
        var out: [[UInt8]] = []
        let size = chunk == 0 ? max(stream.count, 1) : chunk
        var offset = 0
        while offset < stream.count {
            let piece = stream[offset..<min(offset + size, stream.count)]
            try processor.process(buffer: ByteBuffer(bytes: piece)) { frame in
                var whole = ByteBuffer()
                whole.writeInteger(UInt64.max)
                whole.writeInteger(UInt64.max)
                whole.writeInteger(UInt16(frame.length))
                whole.writeInteger(frame.type)
                whole.writeImmutableBuffer(frame.body)
                out.append(Array(buffer: whole))
            }
            offset += size
        }
        return out
    }

    @Test("Each vector stream frames identically whole, byte by byte and in chunks",
          arguments: GoldenVectorTests.vectors, chunkSizes)
    func vectorStreams(vector: VectorFile, chunk: Int) throws {
        #expect(try Self.frames(of: vector.stream, chunk: chunk) == vector.messages)
    }

    @Test("All vectors concatenated frame back into every message in order", arguments: [0, 1, 13])
    func concatenated(chunk: Int) throws {
        let all = GoldenVectorTests.vectors.flatMap(\.messages)
        #expect(try Self.frames(of: all.flatMap { $0 }, chunk: chunk) == all)
    }

    @Test("A partial message returns nil and leaves the reader index where it was")
    func partialLeavesIndex() throws {
        var keepalive = ByteBuffer()
        keepalive.writeBGPMessage(.keepalive, context: .beforeOpen)
        let bytes = Array(buffer: keepalive)
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[0..<cut])
            let before = buffer.readerIndex
            #expect(try buffer.readBGPMessage(context: .beforeOpen) == nil)
            #expect(buffer.readerIndex == before)
        }
        var whole = ByteBuffer(bytes: bytes)
        #expect(try whole.readBGPMessage(context: .beforeOpen)?.message == .keepalive)
        #expect(whole.readableBytes == 0)
    }

    @Test("A bad marker is detected as soon as the header is in, before the body arrives (RFC 4271 §6.1)")
    func earlyMarkerCheck() {
        var bytes = [UInt8](repeating: 0xFF, count: 16) + [0x10, 0x00, 0x02]  // claims 4096 octets
        bytes[3] = 0xFE
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: BGPNotification.connectionNotSynchronized) { try buffer.readBGPFrame() }
        #expect(buffer.readerIndex == 0)
    }
}
