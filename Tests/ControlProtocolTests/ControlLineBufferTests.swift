// SPDX-License-Identifier: Apache-2.0
// Line splitting for both ends of the socket: lines split across reads, several lines in one read, the length limit
// (a line without a newline cannot grow without bound) and the unterminated last line at end of input.

import ControlProtocol
import Testing

@Suite("ControlLineBuffer")
struct ControlLineBufferTests {
    func lines(_ buffer: inout ControlLineBuffer) throws -> [String] {
        var out: [String] = []
        while let line = try buffer.nextLine() { out.append(String(decoding: line, as: UTF8.self)) }
        return out
    }

    @Test("A line split over several reads comes out once, whole")
    func splitAcrossReads() throws {
        var buffer = ControlLineBuffer(maximumLineLength: 100)
        buffer.append(Array("{\"comm".utf8))
        #expect(try lines(&buffer) == [])
        buffer.append(Array("and\":1}".utf8))
        #expect(try lines(&buffer) == [])
        buffer.append([0x0A])
        #expect(try lines(&buffer) == [#"{"command":1}"#])
        #expect(buffer.pendingCount == 0)
    }

    @Test("Several lines in one read, empty lines kept, CR left for the decoder")
    func severalInOneRead() throws {
        var buffer = ControlLineBuffer(maximumLineLength: 100)
        buffer.append(Array("a\nbb\n\nccc\r\ndd".utf8))
        #expect(try lines(&buffer) == ["a", "bb", "", "ccc\r"])
        #expect(buffer.pendingCount == 2)
        #expect(buffer.finish() == Array("dd".utf8))
        #expect(buffer.finish() == nil)
    }

    @Test("Many small lines: consumed bytes are reclaimed")
    func manyLines() throws {
        var buffer = ControlLineBuffer(maximumLineLength: 10)
        for i in 0..<10_000 {
            buffer.append(Array("\(i % 10)\n".utf8))
            #expect(try buffer.nextLine() == Array("\(i % 10)".utf8))
        }
        #expect(buffer.pendingCount == 0)
    }

    @Test("A line longer than the limit throws, with or without its newline")
    func tooLong() throws {
        var withNewline = ControlLineBuffer(maximumLineLength: 4)
        withNewline.append(Array("12345\n".utf8))
        #expect(throws: ControlCodecError.self) { try withNewline.nextLine() }

        var endless = ControlLineBuffer(maximumLineLength: 4)
        endless.append(Array("1234".utf8))
        #expect(try endless.nextLine() == nil)
        endless.append(Array("5".utf8))
        #expect(throws: ControlCodecError(reason: "line longer than 4 bytes")) { try endless.nextLine() }

        var exact = ControlLineBuffer(maximumLineLength: 4)
        exact.append(Array("1234\n".utf8))
        #expect(try exact.nextLine() == Array("1234".utf8))
    }

    @Test("Whitespace left at end of input is not a line")
    func finishWhitespace() {
        var buffer = ControlLineBuffer(maximumLineLength: 10)
        buffer.append(Array(" \r\t".utf8))
        #expect(buffer.finish() == nil)
    }
}
