// SPDX-License-Identifier: Apache-2.0
// Splits a byte stream into newline-terminated lines, for both ends of the control socket (swift-nio-extras'
// LineBasedFrameDecoder is not a dependency, and this target has none). A line that grows past the limit without a
// newline is an error rather than unbounded memory; the caller answers it and closes the connection.

/// Accumulates bytes and hands out complete lines.
public struct ControlLineBuffer: Sendable {
    /// Longest line accepted, newline not counted.
    public let maximumLineLength: Int
    private var bytes: [UInt8] = []
    /// Start of the first unconsumed byte.
    private var start = 0
    /// Bytes before this index (from `start`) are known to hold no newline.
    private var scanned = 0

    public init(maximumLineLength: Int) {
        precondition(maximumLineLength > 0, "a control line limit must be positive")
        self.maximumLineLength = maximumLineLength
    }

    /// Bytes received but not yet returned as a line.
    public var pendingCount: Int { bytes.count - start }

    public mutating func append(_ chunk: some Sequence<UInt8>) {
        if start > 0, start * 2 >= bytes.count {
            bytes.removeFirst(start)
            scanned -= start
            start = 0
        }
        bytes.append(contentsOf: chunk)
    }

    /// The next complete line without its "\n" (a trailing "\r" is left for the decoder), or nil when no complete
    /// line has arrived yet. Throws when the pending bytes exceed the limit with no newline among them.
    public mutating func nextLine() throws(ControlCodecError) -> [UInt8]? {
        scanned = max(scanned, start)
        if let newline = bytes[scanned...].firstIndex(of: 0x0A) {
            guard newline - start <= maximumLineLength else { throw tooLong() }
            let line = Array(bytes[start..<newline])
            start = newline + 1
            scanned = start
            return line
        }
        scanned = bytes.count
        if bytes.count - start > maximumLineLength { throw tooLong() }
        return nil
    }

    /// At end of input: whatever is left, as a last unterminated line (nil when nothing but whitespace is left).
    public mutating func finish() -> [UInt8]? {
        let rest = Array(bytes[start...])
        bytes = []
        start = 0
        scanned = 0
        return rest.allSatisfy { $0 == 0x20 || $0 == 0x0D || $0 == 0x09 } ? nil : rest
    }

    private func tooLong() -> ControlCodecError {
        ControlCodecError(reason: "line longer than \(maximumLineLength) bytes")
    }
}
