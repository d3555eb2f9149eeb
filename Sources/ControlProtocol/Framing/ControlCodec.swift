// SPDX-License-Identifier: Apache-2.0
// Requests and responses ↔ lines of bytes. A line is one compact JSON object (sorted keys, so output is stable)
// followed by "\n"; JSON escapes every newline inside strings, so a line never contains one. Decoding tolerates a
// trailing "\r" so hand-typed requests from `socat` work.

import Foundation

/// Encodes and decodes control-socket lines.
public enum ControlCodec {
    /// Longest request line the daemon accepts, without the newline. Requests are a few dozen bytes; shutdown
    /// communications are at most 255 octets (RFC 9003).
    public static let maximumRequestLength = 64 * 1024
    /// Longest response line the CLI accepts: thousands of sessions fit.
    public static let maximumResponseLength = 64 * 1024 * 1024

    /// The request as one line, newline included.
    public static func encode(_ request: ControlRequest) -> [UInt8] {
        // Only strings and a fixed command name: JSONEncoder cannot fail here.
        (try? line(request)) ?? Array(#"{"command":"\#(request.command)"}"#.utf8) + [0x0A]
    }

    /// The response as one line, newline included. A response that cannot be encoded (a NaN time, say) becomes an
    /// `internal` error response rather than a crash or a silent hang.
    public static func encode(_ response: ControlResponse) -> [UInt8] {
        do {
            return try line(response)
        } catch {
            let fallback = ControlResponse.error(code: .internal, message: "cannot encode the response: \(error)")
            return (try? line(fallback)) ?? Array(#"{"error":{"code":"internal","message":"cannot encode the response"}}"#.utf8) + [0x0A]
        }
    }

    /// Decodes one request line (with or without its "\n").
    public static func decodeRequest(_ line: some Collection<UInt8>) throws(ControlCodecError) -> ControlRequest {
        try decode(ControlRequest.self, line)
    }

    /// Decodes one response line (with or without its "\n").
    public static func decodeResponse(_ line: some Collection<UInt8>) throws(ControlCodecError) -> ControlResponse {
        try decode(ControlResponse.self, line)
    }

    /// The JSON object of a line as text, without the newline: what `--json` prints.
    public static func text(ofLine line: [UInt8]) -> String {
        String(decoding: trimmed(line), as: UTF8.self)
    }

    static func line(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(value))
        bytes.append(0x0A)
        return bytes
    }

    static func trimmed(_ line: some Collection<UInt8>) -> ArraySlice<UInt8> {
        var bytes = ArraySlice(line)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    static func decode<T: Decodable>(_ type: T.Type, _ line: some Collection<UInt8>) throws(ControlCodecError) -> T {
        let bytes = trimmed(line)
        guard !bytes.isEmpty else { throw ControlCodecError(reason: "empty line") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ControlCodecError(reason: describe(error))
        } catch {
            throw ControlCodecError(reason: "\(error)")
        }
    }

    /// One line of text for a decoding error (Foundation's own descriptions span several lines).
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context): return "wrong type\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "null value\(path(context))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty,
                context.underlyingError != nil || context.debugDescription.contains("not valid JSON")
            {
                return "not valid JSON"
            }
            return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
