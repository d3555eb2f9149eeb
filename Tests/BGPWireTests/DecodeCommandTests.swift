// SPDX-License-Identifier: Apache-2.0
// `swiftletctl decode` as operators (and outside test harnesses) use it: the built binary, real input, exit codes.

import BGPTestSupport
import BGPWire
import Foundation
import NIOCore
import Testing

@Suite("swiftletctl decode")
struct DecodeCommandTests {
    static func bytes(_ messages: [BGPMessage], context: EncodeContext = EncodeContext()) -> [UInt8] {
        var buffer = ByteBuffer()
        for message in messages { buffer.writeBGPMessage(message, context: context) }
        return Array(buffer: buffer)
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test("Garbage prints one error naming offset 0 and exits 1")
    func garbage() throws {
        let result = try SwiftletCtlProcess.run(["decode"], input: Array("this is not BGP at all, just text".utf8))
        #expect(result.status == 1)
        let output = Self.lines(result.stdout)
        #expect(output.count == 1)
        #expect(output.first?.contains(#""error":{"code":1,"subcode":1,"data":"","rfc7606":"session-reset","offset":0"#) == true)
    }

    @Test("A malformed message in the middle is reported with its offset and decoding continues")
    func malformedInTheMiddle() throws {
        let keepalive = Self.bytes([.keepalive])
        // A NOTIFICATION header claiming 20 octets: framed fine, but below the 21-octet minimum (RFC 4271 §6.1).
        let bad: [UInt8] = [UInt8](repeating: 0xFF, count: 16) + [0x00, 0x14, 0x03, 0x06]
        let input = keepalive + bad + keepalive
        let result = try SwiftletCtlProcess.run(["decode"], input: input)
        #expect(result.status == 1)
        let output = Self.lines(result.stdout)
        #expect(output.count == 3)
        #expect(output[0] == #"{"offset":0,"length":19,"type":"KEEPALIVE"}"#)
        #expect(output[1] == #"{"offset":19,"length":20,"type":"NOTIFICATION","error":{"code":1,"subcode":2,"data":"0014","rfc7606":"session-reset","offset":19,"reason":"Message Header Error: Bad Message Length"}}"#)
        #expect(output[2] == #"{"offset":39,"length":19,"type":"KEEPALIVE"}"#)
    }

    @Test("A truncated last message is reported, exit 1")
    func truncated() throws {
        let input = Self.bytes([.keepalive, .keepalive]).dropLast(5)
        let result = try SwiftletCtlProcess.run(["decode"], input: Array(input))
        #expect(result.status == 1)
        let output = Self.lines(result.stdout)
        #expect(output.count == 2)
        #expect(output[1].contains(#""offset":19"#) && output[1].contains(#""reason":"truncated message: 14 octet(s) left"}"#))
    }

    @Test("RFC 7606 treat-as-withdraw is printed beside the decoded UPDATE, exit 1")
    func treatAsWithdraw() throws {
        // ORIGIN with value 5: RFC 7606 §7.1.
        var attributes = [UInt8]()
        attributes += [0x40, 0x01, 0x01, 0x05]  // ORIGIN = 5 (undefined)
        attributes += [0x40, 0x02, 0x00]  // empty AS_PATH
        attributes += [0x40, 0x03, 0x04, 10, 0, 0, 1]  // NEXT_HOP
        let nlri: [UInt8] = [24, 192, 0, 2]
        var body: [UInt8] = [0, 0, 0, UInt8(attributes.count)] + attributes + nlri
        body = [UInt8](repeating: 0xFF, count: 16) + [0x00, UInt8(19 + body.count), 0x02] + body
        let result = try SwiftletCtlProcess.run(["decode"], input: body)
        #expect(result.status == 1)
        let line = try #require(Self.lines(result.stdout).first)
        #expect(line.contains(#""nlri":["192.0.2.0/24"]"#))
        #expect(line.contains(#""rfc7606":"treat-as-withdraw","errors":[{"code":3,"subcode":6,"data":"40010105","rfc7606":"treat-as-withdraw","attribute":"ORIGIN""#))
    }

    @Test("Binary input on stdin and hex input of the same bytes print the same JSON")
    func binaryAndHex() throws {
        let vector = try #require(VectorFile.load(named: "bird2-session-ipv4.hex"))
        let flags = ["--as4", "--addpath", "ipv4,ipv6", "--extended-message"]
        let binary = try SwiftletCtlProcess.run(["decode", "-"] + flags, input: vector.stream)
        let hex = try SwiftletCtlProcess.run(["decode", "--hex"] + flags, input: Array(vector.stream.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ").utf8))
        #expect(binary.status == 0 && hex.status == 0)
        #expect(binary.stdout == hex.stdout)
        #expect(Self.lines(binary.stdout).count == vector.messages.count)
        // The whole BIRD session: OPEN first, the shutdown NOTIFICATION with its RFC 8203 text last.
        #expect(Self.lines(binary.stdout).first?.contains(#""type":"OPEN""#) == true)
        #expect(Self.lines(binary.stdout).last?.contains(#""type":"NOTIFICATION","code":6,"subcode":2"#) == true)
    }

    @Test("Bad usage exits 64 without output")
    func badUsage() throws {
        let result = try SwiftletCtlProcess.run(["decode", "--addpath", "ipx"], input: [])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
    }
}
