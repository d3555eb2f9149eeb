// SPDX-License-Identifier: Apache-2.0
// The end-of-run summary over all sessions: text for people, one JSON object for scripts.

import Foundation

struct SessionsSummary: Codable, Sendable {
    struct NotificationCount: Codable, Sendable {
        var code: UInt8
        var subcode: UInt8
        var count: Int
        var name: String
    }

    var sessions: Int
    var established: Int
    var establishedAtEnd: Int
    var durationSeconds: Double
    var holdTimeSeconds: Int
    var timeToEstablishedMsP50: Double?
    var timeToEstablishedMsMax: Double?
    var inboundGaps: Int
    var maxInboundGapMs: Double
    var p99InboundGapMs: Double
    var gapsOverHoldTime: Int
    var maxOutboundKeepaliveGapMs: Double
    var notificationsReceived: [NotificationCount]
    var notificationsSent: [NotificationCount]
    var disconnects: Int
    var reconnects: Int
    var failedAttempts: Int
    var updatesReceived: Int
    var toolPeakRssKib: Int?
    /// Private (anonymous) resident memory at the end: what the sessions cost, without shared library pages.
    var toolRssAnonKib: Int?
    var ok: Bool

    init(reports: [SessionReport], holdTime: UInt16, duration: Double) {
        sessions = reports.count
        established = reports.count { $0.everEstablished }
        establishedAtEnd = reports.count { $0.establishedAtEnd }
        durationSeconds = duration
        holdTimeSeconds = Int(holdTime)

        let toEstablish = reports.compactMap(\.timeToEstablishedMicros).sorted()
        timeToEstablishedMsP50 = toEstablish.percentile(0.50).map { Double($0) / 1000 }
        timeToEstablishedMsMax = toEstablish.last.map { Double($0) / 1000 }

        var gaps: [UInt32] = []
        gaps.reserveCapacity(reports.reduce(0) { $0 + $1.gapsMicros.count })
        for report in reports { gaps.append(contentsOf: report.gapsMicros) }
        gaps.sort()
        inboundGaps = gaps.count
        maxInboundGapMs = Double(gaps.last ?? 0) / 1000
        p99InboundGapMs = Double(gaps.percentile(0.99) ?? 0) / 1000
        let holdMicros = UInt32(holdTime) * 1_000_000
        gapsOverHoldTime = holdTime == 0 ? 0 : gaps.count { $0 > holdMicros }
        maxOutboundKeepaliveGapMs = Double(reports.map(\.maxOutboundGapMicros).max() ?? 0) / 1000

        notificationsReceived = Self.count(reports.flatMap(\.notifications))
        notificationsSent = Self.count(reports.flatMap(\.notificationsSent))
        disconnects = reports.reduce(0) { $0 + $1.disconnects }
        reconnects = reports.reduce(0) { $0 + $1.reconnects }
        failedAttempts = reports.reduce(0) { $0 + $1.failedAttempts }
        updatesReceived = reports.reduce(0) { $0 + $1.updatesReceived }
        toolPeakRssKib = Self.status("VmHWM:")
        toolRssAnonKib = Self.status("RssAnon:")
        // Every session up for the whole run, and the DUT never silent for longer than the hold time.
        ok = established == sessions && establishedAtEnd == sessions && disconnects == 0 && gapsOverHoldTime == 0
    }

    private static func count(_ records: [NotificationRecord]) -> [NotificationCount] {
        var counts: [String: NotificationCount] = [:]
        for record in records {
            let key = "\(record.code)/\(record.subcode)"
            counts[key, default: NotificationCount(
                code: record.code, subcode: record.subcode, count: 0,
                name: BGPNotificationName.describe(code: record.code, subcode: record.subcode))].count += 1
        }
        return counts.values.sorted { ($0.code, $0.subcode) < ($1.code, $1.subcode) }
    }

    /// A kB field of /proc/self/status.
    static func status(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    var text: String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        var lines = [
            "sessions:               \(sessions)",
            "established:            \(established) (still up at end: \(establishedAtEnd))",
            "time to established ms: p50 \(ms(timeToEstablishedMsP50))  max \(ms(timeToEstablishedMsMax))",
            "inbound gaps:           \(inboundGaps)  max \(ms(maxInboundGapMs)) ms  p99 \(ms(p99InboundGapMs)) ms",
            "gaps > hold (\(holdTimeSeconds) s):       \(gapsOverHoldTime)",
            "our keepalive gap max:  \(ms(maxOutboundKeepaliveGapMs)) ms",
            "disconnects:            \(disconnects)  reconnects: \(reconnects)  failed attempts: \(failedAttempts)",
            "updates received:       \(updatesReceived)",
        ]
        lines.append("notifications received: " + (notificationsReceived.isEmpty ? "none" : ""))
        for n in notificationsReceived { lines.append("  \(n.code)/\(n.subcode) \(n.name): \(n.count)") }
        if !notificationsSent.isEmpty {
            lines.append("notifications sent:")
            for n in notificationsSent { lines.append("  \(n.code)/\(n.subcode) \(n.name): \(n.count)") }
        }
        if let toolPeakRssKib, let toolRssAnonKib {
            lines.append("tool memory:            peak RSS \(toolPeakRssKib / 1024) MiB, private \(toolRssAnonKib / 1024) MiB")
        }
        lines.append("result:                 \(ok ? "OK" : "FAIL")")
        return lines.joined(separator: "\n")
    }
}

extension Array where Element: BinaryInteger {
    /// Nearest-rank percentile of a sorted array.
    func percentile(_ p: Double) -> Element? {
        guard !isEmpty else { return nil }
        let rank = Int((p * Double(count)).rounded(.up))
        return self[Swift.max(0, Swift.min(count - 1, rank - 1))]
    }
}
