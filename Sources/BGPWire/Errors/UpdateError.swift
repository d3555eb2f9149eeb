// SPDX-License-Identifier: Apache-2.0
// RFC 7606 outcomes for a malformed UPDATE. Decoding reports them as values; only "session reset" throws.

/// RFC 7606 §2 approaches, weakest first; an UPDATE's outcome is the strongest one it saw (RFC 7606 §3 (b)).
public enum UpdateErrorAction: Int, Comparable, Hashable, Sendable, CustomStringConvertible {
    /// RFC 7606 §2: the attribute is dropped and the UPDATE processed without it.
    case attributeDiscard
    /// RFC 7606 §2: every NLRI in the UPDATE is handled as withdrawn; the session stays up.
    case treatAsWithdraw
    /// RFC 7606 §2: the AFI/SAFI is disabled (or, if that is not supported, the session reset).
    case afiSafiDisable
    /// RFC 4271 §6: NOTIFICATION and close.
    case sessionReset

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .attributeDiscard: "attribute-discard"
        case .treatAsWithdraw: "treat-as-withdraw"
        case .afiSafiDisable: "afi-safi-disable"
        case .sessionReset: "session-reset"
        }
    }
}

/// One malformation found while decoding an UPDATE: what RFC 4271 would have sent, what RFC 7606 does instead,
/// and a sentence for the log.
public struct UpdateError: Hashable, Sendable {
    public var action: UpdateErrorAction
    /// The NOTIFICATION RFC 4271 §6.3 prescribes; sent only when `action` is `.sessionReset` (or AFI/SAFI disable
    /// is not supported).
    public var notification: BGPNotification
    /// The attribute at fault, if one is.
    public var attribute: AttributeCode?
    /// The family whose NLRI could not be parsed, for `.afiSafiDisable`.
    public var family: AddressFamily?
    public var reason: String

    public init(
        action: UpdateErrorAction, notification: BGPNotification, attribute: AttributeCode? = nil,
        family: AddressFamily? = nil, reason: String
    ) {
        self.action = action
        self.notification = notification
        self.attribute = attribute
        self.family = family
        self.reason = reason
    }
}
