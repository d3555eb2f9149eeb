// SPDX-License-Identifier: Apache-2.0
// Turns one YAML document into a Calico v3 `Resource`, collecting every mistake as a `ConfigError` with file, line,
// column and `Kind(name).field` path. Unknown fields are errors (a typo must be loud); Calico fields Swiftlet does
// not act on are accepted and listed in `ResourceMetadata.ignoredFields`; Kubernetes bookkeeping fields that
// `calicoctl get -o yaml` prints (`resourceVersion`, `uid`, `status`, …) are accepted silently.

import BGPWire
import ClusterModel
import Yams

/// Decodes one resource document; create one per document.
struct ResourceDecoder {
    let file: String
    /// `Kind(name)`, the prefix of every field path; `Kind(#n)` until the name is known.
    var resourcePath: String
    var errors: [ConfigError] = []
    var fieldLocations: [String: SourceLocation] = [:]
    var ignoredFields: [String] = []

    init(file: String, resourcePath: String) {
        self.file = file
        self.resourcePath = resourcePath
    }

    mutating func fail(_ field: YAMLField, _ message: String) {
        fail(at: field.location, path: field.path, message)
    }

    mutating func fail(at location: SourceLocation, path: String, _ message: String) {
        let fieldPath = path.isEmpty ? resourcePath : "\(resourcePath).\(path)"
        errors.append(ConfigError(at: location, field: fieldPath, message: message))
    }

    /// An error for a field that is missing from `parent`: blamed on the parent mapping.
    mutating func missing(_ key: String, in parent: YAMLField, _ why: String = "") {
        let path = parent.path.isEmpty ? key : "\(parent.path).\(key)"
        fail(at: parent.location, path: path, "required field \"\(key)\" is missing" + why)
    }

    // MARK: Mappings

    /// The fields of a mapping by key. Keys in `known` are returned; keys in `ignored` are Calico fields recorded in
    /// `ignoredFields`; keys in `silent` are bookkeeping and dropped; anything else is an error at the key.
    mutating func mapping(
        _ field: YAMLField, known: [String], ignored: Set<String> = [], silent: Set<String> = []
    ) -> [String: YAMLField]? {
        guard case .mapping(let mapping) = field.node else {
            if field.isNull { return [:] }
            fail(field, "expected a mapping, got \(field.shownValue)")
            return nil
        }
        fieldLocations[field.path] = field.location
        var result: [String: YAMLField] = [:]
        for (keyNode, valueNode) in mapping {
            let keyField = YAMLField(node: keyNode, path: field.path, file: file)
            guard let key = keyField.scalarText else {
                fail(keyField, "expected a field name, got \(keyField.shownValue)")
                continue
            }
            var child = field.child(key, node: valueNode)
            // A mapping or list value is blamed on its key's line (`secretKeyRef:`), not on its first entry.
            if case .scalar = valueNode {} else { child.location = keyField.location }
            if known.contains(key) {
                fieldLocations[child.path] = child.location
                result[key] = child
            } else if ignored.contains(key) {
                ignoredFields.append(child.path)
            } else if !silent.contains(key) {
                var message = "unknown field \"\(key)\""
                if let guess = Self.closest(to: key, in: known + ignored.sorted()) { message += " (did you mean \"\(guess)\"?)" }
                fail(at: keyField.location, path: child.path, message)
            }
        }
        return result
    }

    /// The candidate within edit distance 2 (case-insensitive), for "did you mean".
    static func closest(to word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var current = [i + 1]
                for (j, cb) in b.enumerated() {
                    current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
        let lowered = Array(word.lowercased())
        return candidates.map { ($0, distance(lowered, Array($0.lowercased()))) }
            .filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    // MARK: Scalars

    mutating func string(_ field: YAMLField) -> String? {
        guard let text = field.scalarText, !field.isNull else {
            fail(field, "expected a string, got \(field.isNull ? "nothing" : field.shownValue)")
            return nil
        }
        return text
    }

    /// A non-empty string.
    mutating func name(_ field: YAMLField) -> String? {
        guard let text = string(field) else { return nil }
        guard !text.isEmpty else {
            fail(field, "must not be empty")
            return nil
        }
        return text
    }

    mutating func bool(_ field: YAMLField) -> Bool? {
        if case .scalar(let scalar) = field.node, scalar.style == .plain || scalar.style == .any {
            switch scalar.string.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        fail(field, "expected true or false, got \(field.shownValue)")
        return nil
    }

    /// A decimal integer (plain or quoted) in `range`.
    mutating func integer(_ field: YAMLField, in range: ClosedRange<Int64>, what: String = "an integer") -> Int64? {
        if let text = field.scalarText, !text.isEmpty, text.allSatisfy(\.isASCIIDigitCharacter), let value = Int64(text),
            range.contains(value)
        {
            return value
        }
        fail(field, "expected \(what) \(range.lowerBound)-\(range.upperBound), got \(field.shownValue)")
        return nil
    }

    /// Calico `numorstring.ASNumber`: an integer, a string of one, or asdot (RFC 5396).
    mutating func asNumber(_ field: YAMLField) -> UInt32? {
        if let text = field.scalarText, let value = ASNumber.parse(text) { return value }
        fail(field, "expected an integer \(ASNumber.rangeText), got \(field.shownValue)")
        return nil
    }

    mutating func port(_ field: YAMLField) -> UInt16? {
        integer(field, in: 1...65535, what: "a port").map { UInt16($0) }
    }

    mutating func address(_ field: YAMLField, family: IPAddress.Family? = nil) -> IPAddress? {
        if let text = field.scalarText, let address = IPAddress(text), family == nil || address.family == family {
            return address
        }
        let what = family.map { $0 == .ipv4 ? "an IPv4 address" : "an IPv6 address" } ?? "an IPv4 or IPv6 address"
        fail(field, "expected \(what), got \(field.shownValue)")
        return nil
    }

    mutating func interfaceAddress(_ field: YAMLField, family: IPAddress.Family) -> InterfaceAddress? {
        if let text = field.scalarText, let address = InterfaceAddress(text), address.address.family == family {
            return address
        }
        let example = family == .ipv4 ? "10.0.0.1/24" : "fd00::1/64"
        fail(field, "expected an \(family == .ipv4 ? "IPv4" : "IPv6") address with prefix length such as \"\(example)\", got \(field.shownValue)")
        return nil
    }

    /// A CIDR with no host bits set (`10.0.0.0/16`, `fd00::/64`); with `allowAddress`, a bare address means its host
    /// prefix (Calico's `net` validation, `ParseCIDROrIP`).
    mutating func prefix(_ field: YAMLField, family: IPAddress.Family? = nil, allowAddress: Bool = false) -> IPPrefix? {
        if let text = field.scalarText {
            let value: IPPrefix?
            if allowAddress, !text.contains("/"), let address = IPAddress(text) {
                value = IPPrefix(address: address, length: UInt8(address.family.bitWidth))
            } else {
                value = IPPrefix(text)
            }
            if let value, family == nil || value.family == family { return value }
        }
        let what = family.map { $0 == .ipv4 ? "an IPv4 CIDR such as \"10.0.0.0/16\"" : "an IPv6 CIDR such as \"fd00::/64\"" }
            ?? "a CIDR such as \"10.0.0.0/16\" or \"fd00::/64\""
        var message = "expected \(what)"
        if let text = field.scalarText, let slash = text.firstIndex(of: "/"), let address = IPAddress(text[..<slash]),
            let length = UInt8(text[text.index(after: slash)...]), Int(length) <= address.family.bitWidth
        {
            message += " with no host bits set (\(IPPrefix(address: address, length: length)))"
        } else if allowAddress {
            message += " or an address"
        }
        fail(field, "\(message), got \(field.shownValue)")
        return nil
    }

    /// Seconds from a duration string (`90s`, `2m`, `1h30m`) or a plain integer, within `range`.
    mutating func seconds(_ field: YAMLField, in range: ClosedRange<Int64>, rule: String = "") -> Int64? {
        guard let text = field.scalarText, !field.isNull else {
            fail(field, "expected a duration such as \"90s\", got \(field.shownValue)")
            return nil
        }
        let value: Int64?
        if text.allSatisfy(\.isASCIIDigitCharacter) {
            value = Int64(text)
        } else {
            value = CalicoDuration.wholeSeconds(text)
        }
        guard let value else {
            fail(field, "expected a duration in whole seconds such as \"90s\", \"2m\" or \"1h30m\", got \(field.shownValue)")
            return nil
        }
        guard range.contains(value) else {
            fail(field, "expected \(range.lowerBound)-\(range.upperBound) seconds\(rule), got \(field.shownValue)")
            return nil
        }
        return value
    }

    /// RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
    mutating func holdTime(_ field: YAMLField) -> UInt16? {
        guard let value = seconds(field, in: 0...65535) else { return nil }
        guard value == 0 || value >= 3 else {
            fail(field, "expected 0 or 3-65535 seconds (RFC 4271 §4.2), got \(field.shownValue)")
            return nil
        }
        return UInt16(value)
    }

    mutating func timer(_ field: YAMLField, in range: ClosedRange<Int64> = 1...65535) -> UInt16? {
        seconds(field, in: range).map { UInt16($0) }
    }

    /// RFC 4724 §3: the Restart Time is a 12-bit field.
    mutating func restartTime(_ field: YAMLField) -> UInt16? {
        seconds(field, in: 0...4095, rule: " (RFC 4724 §3: 12 bits)").map { UInt16($0) }
    }

    mutating func enumeration<Value: RawRepresentable & CaseIterable>(_ field: YAMLField, as: Value.Type) -> Value?
    where Value.RawValue == String {
        if let text = field.scalarText, let value = Value(rawValue: text) { return value }
        let allowed = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        fail(field, "expected one of \(allowed), got \(field.shownValue)")
        return nil
    }

    /// `{secretKeyRef: {name, key, optional}}`.
    mutating func password(_ field: YAMLField) -> SecretReference? {
        guard let fields = mapping(field, known: ["secretKeyRef"]) else { return nil }
        guard let refField = fields["secretKeyRef"] else {
            missing("secretKeyRef", in: field)
            return nil
        }
        guard let ref = mapping(refField, known: ["name", "key", "optional"]) else { return nil }
        var name: String?
        var key: String?
        if let f = ref["name"] { name = secretComponent(f) } else { missing("name", in: refField) }
        if let f = ref["key"] { key = secretComponent(f) } else { missing("key", in: refField) }
        let optional = ref["optional"].flatMap { bool($0) } ?? false
        guard let name, let key else { return nil }
        return SecretReference(name: name, key: key, isOptional: optional)
    }

    /// A secret name or key: Kubernetes allows `[-._a-zA-Z0-9]+`; `.` and `..` would escape the secret directory.
    mutating func secretComponent(_ field: YAMLField) -> String? {
        guard let text = string(field) else { return nil }
        guard !text.isEmpty, text != ".", text != "..",
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) })
        else {
            fail(field, "expected a Kubernetes secret name or key ([-._a-zA-Z0-9]+), got \(field.shownValue)")
            return nil
        }
        return text
    }

    mutating func selector(_ field: YAMLField) -> NodeSelector? {
        guard let text = name(field) else { return nil }
        return NodeSelector(text)
    }

    mutating func metadata(name: String, labels: [String: String], at location: SourceLocation) -> ResourceMetadata {
        ResourceMetadata(
            name: name, labels: labels, location: location, fieldLocations: fieldLocations,
            ignoredFields: ignoredFields)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
