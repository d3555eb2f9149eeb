// SPDX-License-Identifier: Apache-2.0
// `swiftletctl decode`: raw BGP messages in, one JSON object per message out (like `tshark -V` for BGP). Framing
// errors stop the stream (the byte boundaries are lost); any other malformed message is reported and decoding goes
// on with the next one. Exit status 1 when anything was malformed.

import ArgumentParser
import BGPWire
import Foundation
import NIOCore

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a stream of raw BGP messages into JSON, one object per line.",
        discussion: """
            Input is binary unless --hex is given (hex digits; whitespace and lines starting with '#' are ignored). \
            Each message prints as a JSON object with its offset in the stream. A message that fails to decode \
            prints {"error": {"code", "subcode", "data", "rfc7606", "offset", "reason"}}; RFC 7606 errors that keep \
            the session (treat-as-withdraw, attribute discard) print beside the decoded fields under "errors". \
            Exit status: 0 all clean, 1 something was malformed, 64 bad usage or unreadable input.
            """
    )

    @Argument(help: "File to read; '-' or nothing for standard input.")
    var file: String?

    @Flag(help: "Input is hex text instead of binary.")
    var hex = false

    @Flag(help: "Decode with 4-octet AS numbers (both sides sent the 4-octet AS capability).")
    var as4 = false

    @Option(help: "Families that carry ADD-PATH path identifiers, comma separated: ipv4, ipv6.")
    var addpath: String?

    @Flag(help: "Accept messages up to 65535 octets (RFC 8654 extended messages).")
    var extendedMessage = false

    @Flag(help: "Enhanced route refresh was negotiated (ROUTE-REFRESH length errors use code 7).")
    var enhancedRouteRefresh = false

    func run() throws {
        var context = DecodeContext(
            fourOctetAS: as4, extendedMessage: extendedMessage, enhancedRouteRefresh: enhancedRouteRefresh)
        for name in (addpath ?? "").split(separator: ",") {
            switch name.trimmingCharacters(in: .whitespaces).lowercased() {
            case "ipv4": context.addPath.insert(.ipv4Unicast)
            case "ipv6": context.addPath.insert(.ipv6Unicast)
            default: throw ValidationError("unknown ADD-PATH family '\(name)' (expected ipv4 or ipv6)")
            }
        }
        let raw = try readInput()
        let bytes: [UInt8]
        if hex {
            guard let parsed = [UInt8](hexText: raw) else { throw ValidationError("input is not hex text") }
            bytes = parsed
        } else {
            bytes = raw
        }
        let clean = Self.decodeStream(bytes, context: context) { print($0.rendered) }
        if !clean { throw ExitCode(1) }
    }

    private func readInput() throws -> [UInt8] {
        if file == nil || file == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: file!) else {
            throw ValidationError("cannot read \(file!)")
        }
        return Array(data)
    }

    /// Decodes every message in `bytes`, handing each JSON object to `emit`. Returns `false` if anything was
    /// malformed.
    static func decodeStream(_ bytes: [UInt8], context: DecodeContext, emit: (JSON) -> Void) -> Bool {
        var buffer = ByteBuffer(bytes: bytes)
        var clean = true
        while buffer.readableBytes > 0 {
            let offset = buffer.readerIndex
            let frame: BGPFrame
            do {
                // Frame with the structural limit so that an over-long message is reported and skipped, not fatal.
                guard let next = try buffer.readBGPFrame() else {
                    let needed = buffer.getInteger(at: offset + 16, as: UInt16.self).map { " of \($0)" } ?? ""
                    emit(MessageJSON.error(
                        nil, offset: offset, length: nil, type: nil,
                        reason: "truncated message: \(buffer.readableBytes) octet(s) left\(needed)"))
                    return false
                }
                frame = next
            } catch {
                emit(MessageJSON.error(
                    error, offset: offset, length: nil, type: nil,
                    reason: BGPNotification.describe(code: error.code, subcode: error.subcode) + "; framing lost"))
                return false
            }
            do {
                let decoded = try BGPMessage.decode(frame, context: context)
                emit(MessageJSON.message(decoded, offset: offset, length: frame.length))
                if !decoded.updateErrors.isEmpty { clean = false }
            } catch {
                emit(MessageJSON.error(
                    error, offset: offset, length: frame.length, type: frame.type,
                    reason: BGPNotification.describe(code: error.code, subcode: error.subcode)))
                clean = false
            }
        }
        return clean
    }
}
