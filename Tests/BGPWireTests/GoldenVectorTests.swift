// SPDX-License-Identifier: Apache-2.0
// Golden vectors: real messages captured from BIRD 2, FRR, GoBGP and ExaBGP (Vectors/SOURCES.md). Each decodes
// cleanly, re-encodes byte-identical, and renders to the JSON in Vectors/<name>.json through the real
// `swiftletctl decode` binary (UPDATE_GOLDENS=1 rewrites those files).

import BGPTestSupport
import BGPWire
import Foundation
import NIOCore
import Testing

@Suite("Golden vectors")
struct GoldenVectorTests {
    static let vectors = VectorFile.all()

    @Test("There are vectors from every implementation")
    func coverage() {
        for implementation in ["bird2-", "frr-", "gobgp-", "exabgp-"] {
            #expect(Self.vectors.contains { $0.name.hasPrefix(implementation) }, "no \(implementation) vectors")
        }
    }

    @Test("Every captured message decodes without error and re-encodes byte-identical", arguments: vectors)
    func decodeAndReencode(vector: VectorFile) throws {
        #expect(!vector.messages.isEmpty)
        for (index, bytes) in vector.messages.enumerated() {
            var buffer = ByteBuffer(bytes: bytes)
            let decoded = try #require(try buffer.readBGPMessage(context: vector.decodeContext), "message \(index)")
            #expect(buffer.readableBytes == 0, "message \(index) left \(buffer.readableBytes) octets")
            #expect(decoded.updateErrors.isEmpty, "message \(index): \(decoded.updateErrors)")
            var encoded = ByteBuffer()
            encoded.writeBGPMessage(decoded.message, context: vector.encodeContext)
            let reencoded = Array(buffer: encoded)
            #expect(reencoded == bytes, "message \(index) of \(vector.name) re-encodes differently")
        }
    }

    @Test("swiftletctl decode prints the golden JSON for every vector", arguments: vectors)
    func cliJSON(vector: VectorFile) throws {
        let result = try SwiftletCtlProcess.run(decode: vector)
        #expect(result.status == 0, "exit status \(result.status): \(result.stderr)")
        let golden = VectorFile.directory.appendingPathComponent(vector.name.replacingOccurrences(of: ".hex", with: ".json"))
        if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
            try result.stdout.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(result.stdout == expected)
        #expect(result.stdout.split(separator: "\n").count == vector.messages.count)
    }
}

/// Runs the built `swiftletctl` (see `BuiltProduct`).
enum SwiftletCtlProcess {
    static func run(decode vector: VectorFile) throws -> BuiltProduct.Output {
        var arguments = ["decode", "--hex", VectorFile.directory.appendingPathComponent(vector.name).path]
        if vector.decodeContext.fourOctetAS { arguments.append("--as4") }
        if vector.decodeContext.extendedMessage { arguments.append("--extended-message") }
        let families = vector.decodeContext.addPath.map { $0 == .ipv4Unicast ? "ipv4" : "ipv6" }.sorted()
        if !families.isEmpty { arguments += ["--addpath", families.joined(separator: ",")] }
        return try run(arguments)
    }

    static func run(_ arguments: [String], input: [UInt8]? = nil) throws -> BuiltProduct.Output {
        try BuiltProduct.run("swiftletctl", arguments, input: input ?? [])
    }
}
