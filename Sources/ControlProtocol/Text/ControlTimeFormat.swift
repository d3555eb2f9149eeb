// SPDX-License-Identifier: Apache-2.0
// BIRD's time formats for the CLI: "iso short ms" in tables (`12:34:56.789` within 20 hours of now, `2026-01-02`
// before that; BIRD 2's default `timeformat protocol`) and "iso long ms" for absolute times (`2026-01-02
// 12:34:56.789`). Both take `now` and the time zone as arguments, so the output is testable.

import Foundation

/// Renders Unix-seconds timestamps the way birdc does.
struct ControlTimeFormat {
    var now: Double
    var timeZone: TimeZone

    /// BIRD's short format: time of day when recent, date otherwise.
    func short(_ time: Double) -> String {
        guard time.isFinite, time > 0 else { return "-" }
        let parts = components(time)
        if abs(now - time) < 20 * 3600 {
            return "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(parts.millisecond, 3))"
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))"
    }

    /// BIRD's long format: date and time of day with milliseconds.
    func long(_ time: Double) -> String {
        guard time.isFinite, time > 0 else { return "-" }
        let parts = components(time)
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) "
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(parts.millisecond, 3))"
    }

    /// "3d 04:05:06" style duration, for uptimes.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let total = Int(seconds)
        let days = total / 86_400
        let clock = "\(pad(total % 86_400 / 3600, 2)):\(pad(total % 3600 / 60, 2)):\(pad(total % 60, 2))"
        return days > 0 ? "\(days)d \(clock)" : clock
    }

    private struct Parts {
        var year, month, day, hour, minute, second, millisecond: Int
    }

    private func components(_ time: Double) -> Parts {
        // Whole milliseconds first, so 0.123 stays 123 despite binary floating point.
        let milliseconds = (time * 1000).rounded()
        let whole = (milliseconds / 1000).rounded(.down)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        return Parts(
            year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0, hour: c.hour ?? 0, minute: c.minute ?? 0,
            second: c.second ?? 0, millisecond: Int(milliseconds - whole * 1000))
    }

    private func pad(_ value: Int, _ width: Int) -> String { Self.pad(value, width) }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
