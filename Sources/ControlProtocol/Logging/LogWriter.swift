// SPDX-License-Identifier: Apache-2.0
// The part of swiftletd's log handler that does not need swift-log: rate limiting, formatting and writing whole
// lines. Shared by every logger of the process; the clock, the timestamp and the output are injected so tests see
// exactly what would be written.

import Synchronization

/// Formats, rate-limits and writes log lines; one per process.
public final class LogWriter: Sendable {
    public let format: LogLineFormat
    private let limiter: Mutex<LogRepeatLimiter>
    private let clock: @Sendable () -> Double
    private let timestamp: @Sendable () -> String
    private let sink: @Sendable (String) -> Void

    /// - Parameters:
    ///   - clock: monotonic seconds, for the repeat windows.
    ///   - timestamp: the `ts` field.
    ///   - sink: receives each line with its trailing newline (one call per line, so one write(2)).
    public init(
        format: LogLineFormat, limiter: LogRepeatLimiter, clock: @escaping @Sendable () -> Double,
        timestamp: @escaping @Sendable () -> String, sink: @escaping @Sendable (String) -> Void
    ) {
        self.format = format
        self.limiter = Mutex(limiter)
        self.clock = clock
        self.timestamp = timestamp
        self.sink = sink
    }

    /// Writes `event` unless it repeats too often; first writes the summaries of windows that ended.
    public func write(_ event: LogRecord) {
        let now = clock()
        let (write, summaries) = limiter.withLock { $0.admit(event, now: now) }
        for summary in summaries { emit(summary.line) }
        if write { emit(event) }
    }

    /// Writes the summaries of windows that are over (call it periodically).
    public func flushExpired() {
        let now = clock()
        let summaries = limiter.withLock { $0.expire(now: now) }
        for summary in summaries { emit(summary.line) }
    }

    /// The line for `event`, without the newline.
    public func render(_ event: LogRecord) -> String {
        var fields: [(String, String)] = [
            ("ts", timestamp()), ("level", event.level.rawValue), ("logger", event.label), ("msg", event.message),
        ]
        for field in event.metadata { fields.append((field.key, field.value)) }
        return format.render(fields)
    }

    private func emit(_ event: LogRecord) {
        sink(render(event) + "\n")
    }
}
