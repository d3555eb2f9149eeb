// SPDX-License-Identifier: Apache-2.0
// Attributes Swiftlet does not interpret, kept byte-exact (RFC 4271 §5, §9: optional transitive attributes are
// passed on with the Partial bit set; optional non-transitive ones are dropped when re-advertising).

/// An attribute kept verbatim: its flags as received (minus Extended Length, which encoding decides), code and
/// value.
public struct UnknownAttribute: Hashable, Sendable {
    public var flags: AttributeFlags
    public var code: AttributeCode
    public var value: [UInt8]

    public init(flags: AttributeFlags, code: AttributeCode, value: [UInt8]) {
        self.flags = flags.subtracting(.extendedLength)
        self.code = code
        self.value = value
    }

    public var isTransitive: Bool { flags.contains(.transitive) }

    /// The copy to re-advertise, or `nil` when it must not travel further (RFC 4271 §9: "If the unrecognized
    /// optional attribute is transitive ... the Partial bit ... MUST be set to 1"; non-transitive ones are
    /// "quietly ignored and not passed along").
    public func forwarded() -> UnknownAttribute? {
        guard isTransitive else { return nil }
        var copy = self
        copy.flags.insert(.partial)
        return copy
    }
}
