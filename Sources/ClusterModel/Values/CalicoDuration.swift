// SPDX-License-Identifier: Apache-2.0
// Durations as Calico writes them (Kubernetes `metav1.Duration`, i.e. Go's `time.ParseDuration`): a sequence of
// decimal numbers with units, such as `90s`, `2m`, `1h30m`, `1.5h` or `500ms`; a bare `0` is zero. Swiftlet's timers
// are whole seconds, so callers use `wholeSeconds(_:)`.

/// Parsing of Go-style duration strings.
public enum CalicoDuration {
    /// Nanoseconds per unit, longest unit names first so `ms` is not read as `m` + `s`.
    private static let units: [(name: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// The duration `text` spells, or `nil` when it is malformed, negative, or overflows.
    public static func parse(_ text: some StringProtocol) -> Duration? {
        var rest = Substring(text)
        if rest == "0" { return .zero }
        if rest.hasPrefix("+") { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            // Number: digits with an optional fraction (Go accepts "1.", ".5").
            let integerDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(integerDigits.count)
            var fractionDigits: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fractionDigits = rest.prefix(while: \.isASCIIDigit)
                rest = rest.dropFirst(fractionDigits.count)
            }
            guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
            guard let unit = units.first(where: { rest.hasPrefix($0.name) }) else { return nil }
            rest = rest.dropFirst(unit.name.count)
            guard let whole = integerDigits.isEmpty ? 0 : Int64(integerDigits) else { return nil }
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: unit.nanoseconds)
            guard !overflow else { return nil }
            var fraction: Int64 = 0
            var scale = unit.nanoseconds
            for digit in fractionDigits.prefix(18) {
                scale /= 10
                fraction += Int64(digit.wholeNumberValue!) * scale
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(scaled + fraction)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// Whole seconds of `text`, or `nil` when it is malformed or has a fraction of a second.
    public static func wholeSeconds(_ text: some StringProtocol) -> Int64? {
        guard let duration = parse(text), duration.components.attoseconds == 0 else { return nil }
        return duration.components.seconds
    }
}
