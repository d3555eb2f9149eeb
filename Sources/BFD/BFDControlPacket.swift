// SPDX-License-Identifier: Apache-2.0
// The BFD Control packet as a value (RFC 5880 §4.1) with its optional Authentication Section (§4.2-§4.4), decoded
// with the §6.8.6 reception checks that concern the packet alone (version, length, multiplier, M bit, discriminators,
// A bit) and encoded byte-exact. Session-level checks (which session, whether authentication is in use) live in
// `BFDSession` and `BFDDemultiplexer`.

import NIOCore

/// A BFD Control packet (RFC 5880 §4.1). Intervals are in microseconds, as on the wire.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
///     |                       My Discriminator                        |
///     |                      Your Discriminator                       |
///     |                    Desired Min TX Interval                    |
///     |                   Required Min RX Interval                    |
///     |                 Required Min Echo RX Interval                 |
///     |   Auth Type   |   Auth Len    |    Authentication Data...     |   (present iff A is set)
///
/// No Version, Length, A or M field is stored: encoding writes version 1, computes the length, sets A exactly when
/// `authentication` is present and never sets M (§6.8.7); decoding checks them.
public struct BFDControlPacket: Hashable, Sendable {
    /// RFC 5880 §4.1: "This document defines protocol version 1."
    public static let version: UInt8 = 1
    /// The length of a packet without an Authentication Section.
    public static let mandatoryLength = 24
    /// §6.8.6: the minimum Length when the A bit is set (mandatory section plus Auth Type and Auth Len).
    public static let minimumAuthenticatedLength = 26

    public var diagnostic: BFDDiagnostic
    public var state: BFDState
    /// P: the sender asks for verification of a connectivity or parameter change (§6.5).
    public var poll: Bool
    /// F: the answer to a received Poll.
    public var final: Bool
    /// C: the sender's BFD does not share fate with its control plane.
    public var controlPlaneIndependent: Bool
    /// D: the sender wishes to run Demand mode.
    public var demand: Bool
    public var detectMultiplier: UInt8
    public var myDiscriminator: UInt32
    public var yourDiscriminator: UInt32
    /// Microseconds.
    public var desiredMinTXInterval: UInt32
    /// Microseconds; 0 means the sender does not want periodic Control packets.
    public var requiredMinRXInterval: UInt32
    /// Microseconds; 0 means the sender does not support the Echo function.
    public var requiredMinEchoRXInterval: UInt32
    /// The Authentication Section; its presence is the A bit.
    public var authentication: BFDAuthentication?

    public init(
        diagnostic: BFDDiagnostic = .noDiagnostic, state: BFDState, poll: Bool = false, final: Bool = false,
        controlPlaneIndependent: Bool = false, demand: Bool = false, detectMultiplier: UInt8,
        myDiscriminator: UInt32, yourDiscriminator: UInt32, desiredMinTXInterval: UInt32,
        requiredMinRXInterval: UInt32, requiredMinEchoRXInterval: UInt32 = 0, authentication: BFDAuthentication? = nil
    ) {
        self.diagnostic = diagnostic
        self.state = state
        self.poll = poll
        self.final = final
        self.controlPlaneIndependent = controlPlaneIndependent
        self.demand = demand
        self.detectMultiplier = detectMultiplier
        self.myDiscriminator = myDiscriminator
        self.yourDiscriminator = yourDiscriminator
        self.desiredMinTXInterval = desiredMinTXInterval
        self.requiredMinRXInterval = requiredMinRXInterval
        self.requiredMinEchoRXInterval = requiredMinEchoRXInterval
        self.authentication = authentication
    }

    /// The Length field this packet is encoded with.
    public var encodedLength: Int {
        Self.mandatoryLength + (authentication?.encodedLength ?? 0)
    }
}

// MARK: - Flags

extension BFDControlPacket {
    // Bits of the second octet (§4.1): Sta(2) P F C A D M.
    static let pollBit: UInt8 = 0x20
    static let finalBit: UInt8 = 0x10
    static let controlPlaneIndependentBit: UInt8 = 0x08
    static let authenticationBit: UInt8 = 0x04
    static let demandBit: UInt8 = 0x02
    static let multipointBit: UInt8 = 0x01
}

// MARK: - Decoding

extension BFDControlPacket {
    /// Decodes one received datagram: `bytes` is the whole UDP payload (RFC 5881 §4).
    public init(decoding bytes: [UInt8]) throws(BFDPacketError) {
        var buffer = ByteBuffer(bytes: bytes)
        self = try buffer.readBFDControlPacket()
    }
}

extension ByteBuffer {
    /// Reads a BFD Control packet from the readable bytes, which must be one whole UDP payload: the Length field is
    /// checked against them (§6.8.6). On success the reader index moves past the whole payload (bytes after Length
    /// are ignored); on failure it is unchanged.
    public mutating func readBFDControlPacket() throws(BFDPacketError) -> BFDControlPacket {
        let received = readableBytes
        guard received >= BFDControlPacket.mandatoryLength,
            let first = getInteger(at: readerIndex, as: UInt8.self),
            let second = getInteger(at: readerIndex + 1, as: UInt8.self),
            let multiplier = getInteger(at: readerIndex + 2, as: UInt8.self),
            let lengthOctet = getInteger(at: readerIndex + 3, as: UInt8.self),
            let my = getInteger(at: readerIndex + 4, as: UInt32.self),
            let your = getInteger(at: readerIndex + 8, as: UInt32.self),
            let desiredTX = getInteger(at: readerIndex + 12, as: UInt32.self),
            let requiredRX = getInteger(at: readerIndex + 16, as: UInt32.self),
            let requiredEchoRX = getInteger(at: readerIndex + 20, as: UInt32.self)
        else { throw .truncated(received: received) }

        // §6.8.6, in the RFC's order.
        let version = first >> 5
        guard version == BFDControlPacket.version else { throw .unsupportedVersion(version) }
        let length = Int(lengthOctet)
        let authenticated = second & BFDControlPacket.authenticationBit != 0
        let minimum = authenticated ? BFDControlPacket.minimumAuthenticatedLength : BFDControlPacket.mandatoryLength
        guard length >= minimum else { throw .lengthTooShort(length: length, minimum: minimum) }
        guard length <= received else { throw .lengthExceedsPayload(length: length, received: received) }
        guard multiplier != 0 else { throw .zeroDetectMultiplier }
        guard second & BFDControlPacket.multipointBit == 0 else { throw .multipointSet }
        guard my != 0 else { throw .zeroMyDiscriminator }
        let state = BFDState(rawValue: second >> 6)!  // two bits: always one of the four states
        // "If the Your Discriminator field is zero and the State field is not Down or AdminDown, the packet MUST be
        // discarded."
        guard your != 0 || state == .down || state == .adminDown else {
            throw .zeroYourDiscriminator(state: state)
        }

        var authentication: BFDAuthentication? = nil
        if authenticated {
            let section = getBytes(at: readerIndex + BFDControlPacket.mandatoryLength,
                                   length: length - BFDControlPacket.mandatoryLength)!
            authentication = try BFDAuthentication(section: section)
        } else if length != BFDControlPacket.mandatoryLength {
            // Length covers an Authentication Section, but A is clear.
            throw .authenticationSectionWithoutABit(length: length)
        }

        moveReaderIndex(forwardBy: received)
        return BFDControlPacket(
            diagnostic: BFDDiagnostic(rawValue: first & 0x1F), state: state,
            poll: second & BFDControlPacket.pollBit != 0, final: second & BFDControlPacket.finalBit != 0,
            controlPlaneIndependent: second & BFDControlPacket.controlPlaneIndependentBit != 0,
            demand: second & BFDControlPacket.demandBit != 0, detectMultiplier: multiplier,
            myDiscriminator: my, yourDiscriminator: your, desiredMinTXInterval: desiredTX,
            requiredMinRXInterval: requiredRX, requiredMinEchoRXInterval: requiredEchoRX,
            authentication: authentication)
    }

    /// Writes `packet` (RFC 5880 §4.1, M always clear) and returns the number of bytes written.
    @discardableResult
    public mutating func writeBFDControlPacket(_ packet: BFDControlPacket) -> Int {
        precondition(packet.diagnostic.rawValue < 32, "BFD diagnostic \(packet.diagnostic.rawValue) needs 5 bits")
        var flags = packet.state.rawValue << 6
        if packet.poll { flags |= BFDControlPacket.pollBit }
        if packet.final { flags |= BFDControlPacket.finalBit }
        if packet.controlPlaneIndependent { flags |= BFDControlPacket.controlPlaneIndependentBit }
        if packet.authentication != nil { flags |= BFDControlPacket.authenticationBit }
        if packet.demand { flags |= BFDControlPacket.demandBit }
        var written = writeInteger(BFDControlPacket.version << 5 | packet.diagnostic.rawValue)
        written += writeInteger(flags)
        written += writeInteger(packet.detectMultiplier)
        written += writeInteger(UInt8(packet.encodedLength))
        written += writeInteger(packet.myDiscriminator)
        written += writeInteger(packet.yourDiscriminator)
        written += writeInteger(packet.desiredMinTXInterval)
        written += writeInteger(packet.requiredMinRXInterval)
        written += writeInteger(packet.requiredMinEchoRXInterval)
        if let authentication = packet.authentication { written += writeBytes(authentication.encoded) }
        return written
    }
}

extension BFDControlPacket {
    /// The packet's bytes, ready for one UDP datagram.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(encodedLength)
        buffer.writeBFDControlPacket(self)
        return buffer.readBytes(length: buffer.readableBytes)!
    }
}
