// SPDX-License-Identifier: Apache-2.0
// Loader for the golden vectors in Tests/BGPWireTests/Vectors: hex text, '#' header lines (source, session,
// context, messages), one message per blank-line-separated block. The `# context:` line gives the decode context.

import BGPWire
import Foundation

/// One vector file: its messages and the session context needed to decode them.
public struct VectorFile: Sendable, CustomStringConvertible {
    public var name: String
    public var messages: [[UInt8]]
    public var decodeContext: DecodeContext
    public var encodeContext: EncodeContext

    public var description: String { name }

    /// All bytes of the file, concatenated as they were on the wire.
    public var stream: [UInt8] { messages.flatMap { $0 } }

    /// The package's root directory, found from this source file.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let directory = packageRoot.appendingPathComponent("Tests/BGPWireTests/Vectors")

    /// Every `*.hex` vector, sorted by name.
    public static func all() -> [VectorFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".hex") }.sorted().compactMap { load(named: $0) }
    }

    public static func load(named name: String) -> VectorFile? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else {
            return nil
        }
        return parse(name: name, text: text)
    }

    public static func parse(name: String, text: String) -> VectorFile {
        var messages: [[UInt8]] = []
        var current: [UInt8] = []
        var fourOctetAS = false
        var extendedMessage = false
        var addPath: Set<AddressFamily> = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") {
                if line.hasPrefix("# context:") {
                    for word in line.dropFirst("# context:".count).split(separator: " ") {
                        if word == "as4" { fourOctetAS = true }
                        if word == "extended-message" { extendedMessage = true }
                        if word.hasPrefix("addpath=") {
                            for family in word.dropFirst("addpath=".count).split(separator: ",") {
                                if family == "ipv4" { addPath.insert(.ipv4Unicast) }
                                if family == "ipv6" { addPath.insert(.ipv6Unicast) }
                            }
                        }
                    }
                }
                continue
            }
            if line.isEmpty {
                if !current.isEmpty { messages.append(current) }
                current = []
                continue
            }
            var chars = line.filter { !$0.isWhitespace }.makeIterator()
            while let high = chars.next(), let low = chars.next() {
                current.append(UInt8(String([high, low]), radix: 16)!)
            }
        }
        if !current.isEmpty { messages.append(current) }
        return VectorFile(
            name: name, messages: messages,
            decodeContext: DecodeContext(fourOctetAS: fourOctetAS, addPath: addPath, extendedMessage: extendedMessage),
            encodeContext: EncodeContext(fourOctetAS: fourOctetAS, addPath: addPath, extendedMessage: extendedMessage))
    }
}
