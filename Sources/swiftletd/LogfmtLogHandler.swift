// SPDX-License-Identifier: Apache-2.0
// Log lines on stderr as logfmt (default) or JSON, one line per event, written with one write(2) so lines from
// concurrent tasks never interleave. Each logger label is a subsystem with its own level (`--log-level info
// --log-level kernel=debug,session=warning`); repeats of one message about one peer are rate-limited and
// summarized ("repeated K times"). Formatting, levels and rate limiting live in ControlProtocol's LogWriter and
// LogLevels (tested there); this is the swift-log adapter. Peer name and address travel as metadata on every session
// line.

import ControlProtocol
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct LogfmtLogHandler: LogHandler {
    typealias Format = LogLineFormat

    var label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let writer: LogWriter

    init(label: String, logLevel: Logger.Level, writer: LogWriter) {
        self.label = label
        self.logLevel = logLevel
        self.writer = writer
    }

    /// A handler with its own writer to stderr and no rate limiting.
    init(label: String, format: Format, logLevel: Logger.Level) {
        self.init(label: label, logLevel: logLevel, writer: Self.stderrWriter(format: format, limiter: LogRepeatLimiter(limit: 1, window: 0)))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: Logging.LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        var fields = merged.keys.sorted().map { LogField($0, "\(merged[$0]!)") }
        if let error = event.error { fields.append(LogField("error", "\(error)")) }
        writer.write(
            LogRecord(
                label: label, level: LogSeverity(event.level), message: "\(event.message)", metadata: fields))
    }

    /// The process's writer: stderr, monotonic clock, UTC timestamps.
    static func stderrWriter(format: Format, limiter: LogRepeatLimiter) -> LogWriter {
        LogWriter(
            format: format, limiter: limiter, clock: monotonicSeconds, timestamp: timestamp,
            sink: { line in
                var line = line
                line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
            })
    }

    @Sendable static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @Sendable static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &time)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(time.tm_year) + 1900, 4))-\(pad(Int(time.tm_mon) + 1, 2))-\(pad(Int(time.tm_mday), 2))T"
            + "\(pad(Int(time.tm_hour), 2)):\(pad(Int(time.tm_min), 2)):\(pad(Int(time.tm_sec), 2))."
            + "\(pad(Int(now.tv_nsec / 1_000_000), 3))Z"
    }
}

extension LogSeverity {
    init(_ level: Logger.Level) { self = LogSeverity(rawValue: level.rawValue) ?? .info }
}

extension Logger.Level {
    init(_ severity: LogSeverity) { self = Logger.Level(rawValue: severity.rawValue) ?? .info }
}
