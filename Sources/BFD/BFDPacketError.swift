// SPDX-License-Identifier: Apache-2.0
// Why a received datagram is not a usable BFD Control packet: the packet-level reception checks of RFC 5880 §6.8.6
// and the Authentication Section layouts of §4.2-§4.4. Every case means "discard the packet"; none ends a session.

/// A received BFD Control packet that RFC 5880 says MUST be discarded, for a reason found in the packet itself.
public enum BFDPacketError: Error, Hashable, Sendable {
    /// Fewer than the 24 octets of the mandatory section.
    case truncated(received: Int)
    /// §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
    case unsupportedVersion(UInt8)
    /// §6.8.6: Length below 24 (A clear) or 26 (A set).
    case lengthTooShort(length: Int, minimum: Int)
    /// §6.8.6: "If the Length field is greater than the payload of the encapsulating protocol".
    case lengthExceedsPayload(length: Int, received: Int)
    /// §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
    case zeroDetectMultiplier
    /// §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
    case multipointSet
    /// §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
    case zeroMyDiscriminator
    /// §6.8.6: Your Discriminator zero with a State other than Down or AdminDown.
    case zeroYourDiscriminator(state: BFDState)
    /// Length covers more than the mandatory section but the A bit is clear, so the extra octets mean nothing.
    case authenticationSectionWithoutABit(length: Int)
    /// The Authentication Section disagrees with its own Auth Len, with the packet's Length, or with the layout of
    /// its Auth Type (§4.2-§4.4).
    case malformedAuthentication(type: UInt8, length: Int)
}
