// SPDX-License-Identifier: Apache-2.0
// swiftletd's log levels and per-subsystem level settings, without a swift-log dependency so the parsing and the
// rate limiting can be tested in isolation (swiftletd's LogfmtLogHandler is the thin swift-log adapter). The names
// are swift-log's `Logger.Level` raw values.

/// A log level, lowest first.
public enum LogSeverity: String, Hashable, Sendable, CaseIterable, Comparable, Codable {
    case trace, debug, info, notice, warning, error, critical

    public static func < (a: LogSeverity, b: LogSeverity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// `--log-level` that did not parse.
public struct LogLevelError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The level of each subsystem (logger label): `--log-level info --log-level kernel=debug,session=warning`.
public struct LogLevels: Hashable, Sendable {
    /// The logger labels swiftletd uses. `rib` and `datastore` are reserved for the routing engine and the
    /// configuration source; the routing engine's lines currently come out under `session`.
    public static let subsystems = [
        "swiftletd", "session", "rib", "kernel", "datastore", "control", "bird-socket", "metrics", "bfd",
    ]

    /// The level of every subsystem not named.
    public var defaultLevel: LogSeverity
    /// Levels by subsystem.
    public var levels: [String: LogSeverity]

    public init(defaultLevel: LogSeverity = .info, levels: [String: LogSeverity] = [:]) {
        self.defaultLevel = defaultLevel
        self.levels = levels
    }

    /// The level for logger `label`.
    public func level(for label: String) -> LogSeverity { levels[label] ?? defaultLevel }

    /// Parses every `--log-level` value in order; each is a comma-separated list of `LEVEL` (the default) and
    /// `SUBSYSTEM=LEVEL` items, and a later item wins over an earlier one for the same subsystem.
    public static func parse(_ specs: [String]) throws(LogLevelError) -> LogLevels {
        var result = LogLevels()
        let names = LogSeverity.allCases.map(\.rawValue).joined(separator: ", ")
        for spec in specs {
            for rawItem in spec.split(separator: ",", omittingEmptySubsequences: false) {
                let item = rawItem.trimmingSpaces
                guard !item.isEmpty else { throw LogLevelError("empty item in --log-level '\(spec)'") }
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingSpaces }
                guard let level = LogSeverity(rawValue: parts.last!.lowercased()) else {
                    throw LogLevelError("unknown log level '\(parts.last!)' in --log-level '\(spec)' (expected \(names))")
                }
                if parts.count == 1 {
                    result.defaultLevel = level
                } else {
                    let subsystem = parts[0]
                    guard subsystems.contains(subsystem) else {
                        throw LogLevelError(
                            "unknown subsystem '\(subsystem)' in --log-level '\(spec)' (expected \(subsystems.joined(separator: ", ")))")
                    }
                    result.levels[subsystem] = level
                }
            }
        }
        return result
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension String {
    fileprivate var trimmingSpaces: String { self[...].trimmingSpaces }
}
