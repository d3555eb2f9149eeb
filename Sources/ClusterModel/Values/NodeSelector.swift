// SPDX-License-Identifier: Apache-2.0
// A subset of Calico's label selector language (libcalico-go `lib/selector`), enough for the BGP selectors people
// write: `all()`, `has(k)`, `!has(k)`, `k == 'v'`, `k != 'v'`, `k in {'a', 'b'}`, `k not in {'a', 'b'}`, joined by
// `&&`. Anything else (`||`, `!` before a term, parentheses) is kept as text and matches no node; the planner reports
// it as a note rather than guessing. As in libcalico-go, `!=` and `not in` hold for a node without the label.

/// A parsed node selector, or the text of one Swiftlet cannot evaluate yet.
public struct NodeSelector: Hashable, Sendable, CustomStringConvertible {
    public enum Term: Hashable, Sendable {
        case all
        case has(String)
        case lacks(String)
        case equals(String, String)
        case notEquals(String, String)
        /// `k in {'a', 'b'}`: the label is set to one of the values.
        case isIn(String, Set<String>)
        /// `k not in {'a', 'b'}`: the label is unset or set to none of the values.
        case notIn(String, Set<String>)
    }

    public var text: String
    /// `nil` when the selector uses syntax outside the supported subset.
    public var terms: [Term]?

    public init(_ text: String) {
        self.text = text
        self.terms = Self.parse(text)
    }

    public var isSupported: Bool { terms != nil }

    /// True when every term holds for `labels`; false for unsupported selectors.
    public func matches(_ labels: [String: String]) -> Bool {
        guard let terms else { return false }
        return terms.allSatisfy { term in
            switch term {
            case .all: true
            case .has(let key): labels[key] != nil
            case .lacks(let key): labels[key] == nil
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            }
        }
    }

    public var description: String { text }

    private static func parse(_ text: String) -> [Term]? {
        var terms: [Term] = []
        for part in text.split(separator: "&&", omittingEmptySubsequences: false) {
            let part = part.trimmingSpaces
            if part == "all()" {
                terms.append(.all)
            } else if let key = part.enclosed(prefix: "has(", suffix: ")"), key.isLabelKey {
                terms.append(.has(String(key)))
            } else if let key = part.enclosed(prefix: "!has(", suffix: ")"), key.isLabelKey {
                terms.append(.lacks(String(key)))
            } else if let (key, values) = part.membership("not in") {
                terms.append(.notIn(key, values))
            } else if let (key, values) = part.membership("in") {
                terms.append(.isIn(key, values))
            } else if let (key, value) = part.comparison("!=") {
                terms.append(.notEquals(key, value))
            } else if let (key, value) = part.comparison("==") {
                terms.append(.equals(key, value))
            } else {
                return nil
            }
        }
        return terms
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return s
    }

    fileprivate func enclosed(prefix: String, suffix: String) -> Substring? {
        guard hasPrefix(prefix), hasSuffix(suffix), count >= prefix.count + suffix.count else { return nil }
        return dropFirst(prefix.count).dropLast(suffix.count).trimmingSpaces
    }

    fileprivate var isLabelKey: Bool {
        !isEmpty && allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
    }

    /// `key OP {'a', "b"}` with OP a whole word (`in`, `not in`); the set may be empty.
    fileprivate func membership(_ op: String) -> (String, Set<String>)? {
        guard let open = firstIndex(of: "{"), last == "}" else { return nil }
        let head = self[..<open].trimmingSpaces
        guard head.hasSuffix(op) else { return nil }
        let key = head.dropLast(op.count)
        guard key.last?.isWhitespace == true, key.trimmingSpaces.isLabelKey else { return nil }
        let body = self[index(after: open)..<index(before: endIndex)].trimmingSpaces
        var values: Set<String> = []
        if !body.isEmpty {
            for item in body.split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = item.trimmingSpaces.quoted else { return nil }
                values.insert(value)
            }
        }
        return (String(key.trimmingSpaces), values)
    }

    /// `'value'` or `"value"` without the quotes.
    fileprivate var quoted: String? {
        guard count >= 2, let quote = first, quote == "'" || quote == "\"", last == quote else { return nil }
        let inner = dropFirst().dropLast()
        return inner.contains(quote) ? nil : String(inner)
    }

    /// `key OP 'value'` or `key OP "value"`.
    fileprivate func comparison(_ op: String) -> (String, String)? {
        guard let range = firstRange(of: op) else { return nil }
        let key = self[..<range.lowerBound].trimmingSpaces
        let value = self[range.upperBound...].trimmingSpaces
        guard key.isLabelKey, value.count >= 2, let quote = value.first, quote == "'" || quote == "\"",
            value.last == quote
        else { return nil }
        let inner = value.dropFirst().dropLast()
        guard !inner.contains(quote) else { return nil }
        return (String(key), String(inner))
    }
}
