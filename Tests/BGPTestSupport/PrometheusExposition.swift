// SPDX-License-Identifier: Apache-2.0
// A strict parser of the Prometheus text exposition format, shared because two test targets scrape swiftletd's
// /metrics: SwiftletdTests (MetricsTests, on loopback over a plain HTTP client) and InteropTests
// (MetricsInteropTests, with curl inside a network namespace during BIRD and FRR sessions). Both read values by name
// and labels and want a malformed scrape to fail the test, so the parser and its checks live here once.

/// The Prometheus text format 0.0.4, parsed strictly enough to catch what would break a scrape: metric and label
/// names, quoted and escaped label values, float values, HELP/TYPE at most once per family and before its samples,
/// a family's samples together, no duplicate series, non-negative counters.
public struct PrometheusExposition: Sendable {
    public struct Sample: Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var text: String
        public var description: String { "line \(line): \(reason): \(text)" }
    }

    public var samples: [Sample] = []
    /// TYPE per family name.
    public var types: [String: String] = [:]
    /// HELP text per family name.
    public var helps: [String: String] = [:]

    public init() {}

    /// The one sample named `name` whose labels include `labels`; nil if none or several.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// Every sample named `name`.
    public func samples(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    /// A metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), or with `colons: false` a label name.
    public static func isName(_ text: Substring, colons: Bool = true) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" || (colons && first == ":") else {
            return false
        }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || (colons && $0 == ":")) }
    }

    public static func parse(_ text: String) throws -> PrometheusExposition {
        var result = PrometheusExposition()
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, reason: "no final line feed", text: "") }
        var seen = Set<String>()
        var finished = Set<String>()
        var current: String?
        func family(_ name: String) -> String {
            if result.types[name] != nil { return name }
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if result.types[base] != nil { return base }
            }
            return name
        }
        func enter(_ name: String, _ number: Int, _ line: Substring) throws {
            if current == name { return }
            if let current { finished.insert(current) }
            if finished.contains(name) { throw ParseError(line: number, reason: "family \(name) split up", text: String(line)) }
            current = name
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: reason, text: String(line)) }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard words.count >= 3, words[0] == "#", words[1] == "HELP" || words[1] == "TYPE" else { continue }
                let name = String(words[2])
                guard isName(words[2]) else { throw fail("bad metric name") }
                if result.samples.contains(where: { family($0.name) == name }) { throw fail("\(words[1]) after samples") }
                try enter(name, number, line)
                if words[1] == "HELP" {
                    guard result.helps[name] == nil else { throw fail("second HELP") }
                    result.helps[name] = words.count > 3 ? String(words[3]) : ""
                } else {
                    guard result.types[name] == nil else { throw fail("second TYPE") }
                    guard words.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3]) else {
                        throw fail("bad TYPE")
                    }
                    result.types[name] = String(words[3])
                }
                continue
            }
            // name{label="value",...} value [timestamp]
            var rest = line[...]
            let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
            let name = String(rest[..<nameEnd])
            guard isName(rest[..<nameEnd]) else { throw fail("bad metric name") }
            rest = rest[nameEnd...]
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    guard let equals = rest.firstIndex(of: "=") else { throw fail("label without =") }
                    let label = rest[..<equals]
                    guard isName(label, colons: false), !label.hasPrefix("__") else { throw fail("bad label name \(label)") }
                    rest = rest[rest.index(after: equals)...]
                    guard rest.first == "\"" else { throw fail("unquoted label value") }
                    rest = rest.dropFirst()
                    var value = ""
                    var closed = false
                    while let c = rest.first {
                        rest = rest.dropFirst()
                        if c == "\"" { closed = true; break }
                        if c == "\\" {
                            guard let e = rest.first else { break }
                            rest = rest.dropFirst()
                            switch e {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw fail("bad escape \\\(e)")
                            }
                        } else {
                            value.append(c)
                        }
                    }
                    guard closed else { throw fail("unterminated label value") }
                    guard labels.updateValue(value, forKey: String(label)) == nil else { throw fail("label \(label) twice") }
                    if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected , or }") }
                }
                rest = rest.dropFirst()
            }
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
            guard rest.first == " ", fields.count == 1 || fields.count == 2 else { throw fail("expected value [timestamp]") }
            let value: Double
            switch fields[0] {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let parsed = Double(fields[0]) else { throw fail("bad value") }
                value = parsed
            }
            if fields.count == 2, Int64(fields[1]) == nil { throw fail("bad timestamp") }
            let base = family(name)
            try enter(base, number, line)
            if result.types[base] == "counter" && !(value >= 0) { throw fail("negative counter") }
            let key = name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw fail("duplicate series") }
            result.samples.append(Sample(name: name, labels: labels, value: value))
        }
        return result
    }
}
