// SPDX-License-Identifier: Apache-2.0
// Rate limiting of repeated log lines, so that a flapping peer cannot flood the log: the same message from the same
// logger about the same peer is written at most `limit` times per `window` seconds; further repeats in that window
// are counted, and when the window ends one line says "repeated K times" (with the message and the last repeat's
// metadata). Windows end when the next line arrives after them or on `expire(now:)` (swiftletd calls it every
// second). Debug and trace lines are never limited: they are asked for per subsystem, for troubleshooting, and
// limiting them would hide what they were turned on for. Time is passed in, so tests drive it with a fake clock.

/// One log event, as the limiter and the writer see it.
public struct LogRecord: Hashable, Sendable {
    public var label: String
    public var level: LogSeverity
    public var message: String
    /// Metadata, sorted by key.
    public var metadata: [LogField]

    public init(label: String, level: LogSeverity, message: String, metadata: [LogField] = []) {
        self.label = label
        self.level = level
        self.message = message
        self.metadata = metadata
    }

    /// The value of metadata `key`, if present.
    public func value(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// A metadata key and its rendered value.
public struct LogField: Hashable, Sendable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// Counts repeats per (logger, level, message, peer) and says which lines to write.
public struct LogRepeatLimiter: Sendable {
    /// Lines of one kind written per window; the rest are counted.
    public var limit: Int
    /// Seconds; 0 turns limiting off.
    public var window: Double
    /// Lines below this level are always written.
    public var minimumLevel: LogSeverity

    /// A window that suppressed lines, reported when it ends.
    public struct Summary: Hashable, Sendable {
        /// The last suppressed event.
        public var event: LogRecord
        /// How many lines were suppressed.
        public var suppressed: Int
        public var window: Double

        /// The line that reports it: the same logger and level, `msg="repeated K times"`, the original message as
        /// `repeated_msg`, the last repeat's metadata, and `repeated=K`.
        public var line: LogRecord {
            var metadata = event.metadata
            metadata.append(LogField("repeated", "\(suppressed)"))
            metadata.append(LogField("repeated_msg", event.message))
            metadata.append(LogField("window", "\(LogRepeatLimiter.seconds(window))s"))
            metadata.sort { $0.key < $1.key }
            return LogRecord(
                label: event.label, level: event.level, message: "repeated \(suppressed) times", metadata: metadata)
        }
    }

    struct Key: Hashable {
        var label: String
        var level: LogSeverity
        var message: String
        var peer: String?
    }

    struct Entry {
        var start: Double
        var count: Int
        var suppressed: Int
        var last: LogRecord
    }

    private var entries: [Key: Entry] = [:]
    private var lastSweep: Double = -.infinity

    public init(limit: Int, window: Double, minimumLevel: LogSeverity = .info) {
        self.limit = max(1, limit)
        self.window = window
        self.minimumLevel = minimumLevel
    }

    /// Whether `event` at `now` is written, and the summaries of windows that ended before it (written first).
    public mutating func admit(_ event: LogRecord, now: Double) -> (write: Bool, summaries: [Summary]) {
        guard window > 0, event.level >= minimumLevel else { return (true, []) }
        var summaries: [Summary] = []
        if now - lastSweep >= min(1, window) { summaries = expire(now: now) }
        let key = Key(label: event.label, level: event.level, message: event.message, peer: event.value("peer"))
        if var entry = entries[key], now - entry.start < window {
            entry.count += 1
            entry.last = event
            let write = entry.count <= limit
            if !write { entry.suppressed += 1 }
            entries[key] = entry
            return (write, summaries)
        }
        if let ended = entries[key], ended.suppressed > 0 {
            summaries.append(Summary(event: ended.last, suppressed: ended.suppressed, window: window))
        }
        entries[key] = Entry(start: now, count: 1, suppressed: 0, last: event)
        return (true, summaries)
    }

    /// Ends every window that is over at `now`; returns the summaries of those that suppressed lines, oldest first.
    public mutating func expire(now: Double) -> [Summary] {
        lastSweep = now
        guard window > 0 else { return [] }
        var summaries: [(Double, Summary)] = []
        for (key, entry) in entries where now - entry.start >= window {
            if entry.suppressed > 0 {
                summaries.append((entry.start, Summary(event: entry.last, suppressed: entry.suppressed, window: window)))
            }
            entries[key] = nil
        }
        return summaries.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Kinds of line currently inside a window.
    public var tracked: Int { entries.count }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
