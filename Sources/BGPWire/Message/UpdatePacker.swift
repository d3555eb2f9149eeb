// SPDX-License-Identifier: Apache-2.0
// Packs many prefixes that share one attribute set into as few UPDATEs as fit the session's message size
// (RFC 4271 §4.1, RFC 8654), the way routers send full tables. The attribute block is encoded once per set and
// copied into each message; NLRI are appended until the next one would not fit.

import NIOCore

/// Writes announcements and withdrawals as packed UPDATE messages.
public enum UpdatePacker {
    /// Writes UPDATEs announcing `nlri` with `attributes`, returning how many messages were written.
    ///
    /// IPv4 unicast NLRI go in the UPDATE's own NLRI field (with `attributes.nextHop`) when `nextHops` is empty; any
    /// other family, and IPv4 with `nextHops` (an IPv6 next hop, RFC 8950 §3), goes in an MP_REACH_NLRI with
    /// `nextHops`, placed first (RFC 7606 §5.1). `attributes.mpReach/mpUnreach` are ignored.
    @discardableResult
    public static func writeAnnouncements(
        _ nlri: [NLRI], family: AddressFamily, nextHops: [IPAddress] = [], attributes: PathAttributes,
        into buffer: inout ByteBuffer, context: EncodeContext
    ) -> Int {
        writeAnnouncements(
            nlri[...], family: family, nextHops: nextHops, attributes: attributes, into: &buffer, context: context)
    }

    /// As above, for a slice; concrete types keep the per-prefix loop specialized (no allocation per prefix).
    @discardableResult
    public static func writeAnnouncements(
        _ nlri: ArraySlice<NLRI>, family: AddressFamily, nextHops: [IPAddress] = [], attributes: PathAttributes,
        into buffer: inout ByteBuffer, context: EncodeContext
    ) -> Int {
        var shared = attributes.withoutWireHints
        shared.mpReach = nil
        shared.mpUnreach = nil
        var block = ByteBuffer()
        shared.write(to: &block, context: context)
        let addPath = context.addPath.contains(family)
        let limit = context.maximumMessageLength
        var messages = 0
        var rest = nlri
        if family == .ipv4Unicast && nextHops.isEmpty {
            // Header + withdrawn length + attribute length + attributes.
            let fixed = BGPMessage.headerLength + 4 + block.readableBytes
            precondition(fixed < limit, "attribute set too large for one UPDATE")
            while !rest.isEmpty {
                let take = fitting(rest, room: limit - fixed, addPath: addPath)
                let start = beginMessage(&buffer)
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(block.readableBytes))
                buffer.writeImmutableBuffer(block)
                buffer.writeBGPNLRI(rest.prefix(take), addPath: addPath)
                endMessage(&buffer, start: start)
                rest = rest.dropFirst(take)
                messages += 1
            }
        } else {
            let nextHopBytes = nextHops.flatMap(\.bytes)
            // MP_REACH header (flags, code, 2-octet length) + AFI, SAFI, NH length, NH, reserved.
            let mpFixed = 4 + 5 + nextHopBytes.count
            let fixed = BGPMessage.headerLength + 4 + block.readableBytes + mpFixed
            precondition(fixed < limit, "attribute set too large for one UPDATE")
            while !rest.isEmpty {
                let take = fitting(rest, room: limit - fixed, addPath: addPath)
                let start = beginMessage(&buffer)
                buffer.writeInteger(UInt16(0))
                let attributesIndex = buffer.writerIndex
                buffer.writeInteger(UInt16(0))
                let attributesStart = buffer.writerIndex
                // The MP attribute's value exceeds 255 octets often enough that the long form is simplest; RFC 4271
                // §4.3 allows it for any length.
                buffer.writeInteger((AttributeFlags.optional.union(.extendedLength)).rawValue)
                buffer.writeInteger(AttributeCode.mpReachNLRI.rawValue)
                let mpLengthIndex = buffer.writerIndex
                buffer.writeInteger(UInt16(0))
                let mpStart = buffer.writerIndex
                buffer.writeInteger(family.afi.rawValue)
                buffer.writeInteger(family.safi.rawValue)
                buffer.writeInteger(UInt8(nextHopBytes.count))
                buffer.writeBytes(nextHopBytes)
                buffer.writeInteger(UInt8(0))
                buffer.writeBGPNLRI(rest.prefix(take), addPath: addPath)
                buffer.setInteger(UInt16(buffer.writerIndex - mpStart), at: mpLengthIndex)
                buffer.writeImmutableBuffer(block)
                buffer.setInteger(UInt16(buffer.writerIndex - attributesStart), at: attributesIndex)
                endMessage(&buffer, start: start)
                rest = rest.dropFirst(take)
                messages += 1
            }
        }
        return messages
    }

    /// Writes UPDATEs withdrawing `nlri`, returning how many messages were written.
    @discardableResult
    public static func writeWithdrawals(
        _ nlri: [NLRI], family: AddressFamily, into buffer: inout ByteBuffer, context: EncodeContext
    ) -> Int {
        writeWithdrawals(nlri[...], family: family, into: &buffer, context: context)
    }

    @discardableResult
    public static func writeWithdrawals(
        _ nlri: ArraySlice<NLRI>, family: AddressFamily, into buffer: inout ByteBuffer, context: EncodeContext
    ) -> Int {
        let addPath = context.addPath.contains(family)
        let limit = context.maximumMessageLength
        var messages = 0
        var rest = nlri
        while !rest.isEmpty {
            let start = beginMessage(&buffer)
            if family == .ipv4Unicast {
                let take = fitting(rest, room: limit - BGPMessage.headerLength - 4, addPath: addPath)
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(UInt16(0))
                let written = buffer.writeBGPNLRI(rest.prefix(take), addPath: addPath)
                buffer.setInteger(UInt16(written), at: lengthIndex)
                buffer.writeInteger(UInt16(0))
                rest = rest.dropFirst(take)
            } else {
                let take = fitting(rest, room: limit - BGPMessage.headerLength - 4 - 7, addPath: addPath)
                buffer.writeInteger(UInt16(0))
                var attributes = PathAttributes()
                attributes.mpUnreach = MultiprotocolUnreach(family: family, withdrawn: Array(rest.prefix(take)))
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(UInt16(0))
                let written = attributes.write(to: &buffer, context: context)
                buffer.setInteger(UInt16(written), at: lengthIndex)
                rest = rest.dropFirst(take)
            }
            endMessage(&buffer, start: start)
            messages += 1
        }
        return messages
    }

    /// How many leading entries fit in `room` octets. At least one must, so progress is guaranteed: taking it anyway
    /// would write a message over the session's limit (RFC 4271 §4.1), which the peer answers with Bad Message Length.
    private static func fitting(_ nlri: ArraySlice<NLRI>, room: Int, addPath: Bool) -> Int {
        var used = 0
        var count = 0
        for entry in nlri {
            let size = entry.encodedLength(addPath: addPath)
            if used + size > room { break }
            used += size
            count += 1
        }
        precondition(count > 0, "attribute set too large for one UPDATE with an NLRI entry")
        return count
    }

    private static func beginMessage(_ buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt64.max)
        buffer.writeInteger(UInt64.max)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(MessageType.update.rawValue)
        return start
    }

    private static func endMessage(_ buffer: inout ByteBuffer, start: Int) {
        buffer.setInteger(UInt16(buffer.writerIndex - start), at: start + 16)
    }
}
