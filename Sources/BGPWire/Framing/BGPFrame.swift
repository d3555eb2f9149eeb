// SPDX-License-Identifier: Apache-2.0
// Message framing (RFC 4271 §4.1, §6.1): marker, length and type, before anything is interpreted. Framing is
// context-free (any length 19...65535 frames); the session's limits are applied when the frame is decoded, so a
// NIO pipeline can keep one framer across the OPEN exchange that changes them.

import NIOCore

/// One whole message as framed: the Type octet and the body after the 19-octet header.
public struct BGPFrame: Hashable, Sendable {
    public var type: UInt8
    public var body: ByteBuffer

    public init(type: UInt8, body: ByteBuffer) {
        self.type = type
        self.body = body
    }

    /// The message's Length field.
    public var length: Int { BGPMessage.headerLength + body.readableBytes }
}

extension ByteBuffer {
    /// Reads one frame. `nil` means "not a whole message yet", with the reader index unchanged. Throws, also leaving
    /// the index unchanged, when the stream cannot be framed: a marker that is not all ones (RFC 4271 §6.1,
    /// Connection Not Synchronized) or a Length below 19 or above `maximumLength` (Bad Message Length).
    public mutating func readBGPFrame(maximumLength: Int = BGPMessage.extendedMaximumLength) throws(BGPNotification)
        -> BGPFrame?
    {
        guard readableBytes >= BGPMessage.headerLength else { return nil }
        let start = readerIndex
        // The marker is 16 octets of ones: two 64-bit loads.
        guard getInteger(at: start, as: UInt64.self) == UInt64.max,
            getInteger(at: start + 8, as: UInt64.self) == UInt64.max
        else { throw .connectionNotSynchronized }
        let length = getInteger(at: start + 16, as: UInt16.self)!
        guard Int(length) >= BGPMessage.headerLength, Int(length) <= maximumLength else {
            throw .badMessageLength(length)
        }
        guard readableBytes >= Int(length) else { return nil }
        let type = getInteger(at: start + 18, as: UInt8.self)!
        let body = getSlice(at: start + BGPMessage.headerLength, length: Int(length) - BGPMessage.headerLength)!
        moveReaderIndex(forwardBy: Int(length))
        return BGPFrame(type: type, body: body)
    }

    /// Reads and decodes one message. `nil` means "not a whole message yet" (reader index unchanged). Framing
    /// errors throw without consuming; a framed message that fails to decode throws after being consumed, so a
    /// reader that only reports errors (the CLI) can go on with the next message.
    public mutating func readBGPMessage(context: DecodeContext) throws(BGPNotification) -> DecodedMessage? {
        guard let frame = try readBGPFrame(maximumLength: context.maximumMessageLength) else { return nil }
        return try BGPMessage.decode(frame, context: context)
    }

    /// Writes one message with its header, returning the octets written.
    @discardableResult
    public mutating func writeBGPMessage(_ message: BGPMessage, context: EncodeContext) -> Int {
        let start = writerIndex
        writeInteger(UInt64.max)
        writeInteger(UInt64.max)
        writeInteger(UInt16(0))
        writeInteger(message.type.rawValue)
        switch message {
        case .open(let open): open.write(to: &self)
        case .update(let update): update.write(to: &self, context: context)
        case .notification(let notification):
            writeInteger(notification.code.rawValue)
            writeInteger(notification.subcode)
            writeBytes(notification.data)
        case .keepalive: break
        case .routeRefresh(let refresh):
            writeInteger(refresh.family.afi.rawValue)
            writeInteger(refresh.subtype)
            writeInteger(refresh.family.safi.rawValue)
        }
        let length = writerIndex - start
        precondition(length <= BGPMessage.extendedMaximumLength, "a \(message.type) of \(length) octets cannot be framed")
        setInteger(UInt16(length), at: start + 16)
        return length
    }
}

extension BGPMessage {
    /// Decodes a framed message under the session's context: the session's length limit, the per-type length
    /// rules of RFC 4271 §6.1, then the body.
    public static func decode(_ frame: BGPFrame, context: DecodeContext) throws(BGPNotification) -> DecodedMessage {
        let length = frame.length
        guard length <= context.maximumMessageLength else { throw .badMessageLength(UInt16(length)) }
        // RFC 4271 §6.1: "If the Type field of the message header is not recognized, then the Error Subcode MUST be
        // set to Bad Message Type."
        guard let type = MessageType(rawValue: frame.type) else { throw .badMessageType(frame.type) }
        // RFC 4271 §6.1 per-type lengths; RFC 8654 §3 keeps OPEN and KEEPALIVE within 4096.
        switch type {
        case .keepalive:
            guard length == BGPMessage.headerLength else { throw .badMessageLength(UInt16(length)) }
        case .open:
            guard length >= type.minimumLength, length <= BGPMessage.maximumLength else {
                throw .badMessageLength(UInt16(length))
            }
        case .routeRefresh:
            if length != type.minimumLength {
                // RFC 7313 §5: a BoRR or EoRR (subtype 1 or 2) of the wrong length, with enhanced route refresh
                // negotiated, gets code 7 with the whole message as Data; anything else is a header length error.
                let subtype = frame.body.getInteger(at: frame.body.readerIndex + 2, as: UInt8.self)
                if context.enhancedRouteRefresh,
                    subtype == RouteRefreshMessage.beginningOfRouteRefresh || subtype == RouteRefreshMessage.endOfRouteRefresh
                {
                    var whole = ByteBuffer()
                    whole.writeInteger(UInt64.max)
                    whole.writeInteger(UInt64.max)
                    whole.writeInteger(UInt16(length))
                    whole.writeInteger(frame.type)
                    whole.writeImmutableBuffer(frame.body)
                    throw .invalidRouteRefreshLength(Array(buffer: whole))
                }
                throw .badMessageLength(UInt16(length))
            }
        case .update, .notification:
            guard length >= type.minimumLength else { throw .badMessageLength(UInt16(length)) }
        }

        var body = frame.body
        switch type {
        case .open:
            return DecodedMessage(message: .open(try OpenMessage.decode(&body)))
        case .update:
            var errors: [UpdateError] = []
            let update = try UpdateMessage.decode(&body, context: context, errors: &errors)
            return DecodedMessage(message: .update(update), updateErrors: errors)
        case .notification:
            let code = ErrorCode(rawValue: body.readInteger()!)
            let subcode: UInt8 = body.readInteger()!
            return DecodedMessage(
                message: .notification(BGPNotification(code: code, subcode: subcode, data: Array(buffer: body))))
        case .keepalive:
            return DecodedMessage(message: .keepalive)
        case .routeRefresh:
            let afi: UInt16 = body.readInteger()!
            let subtype: UInt8 = body.readInteger()!
            let safi: UInt8 = body.readInteger()!
            let family = AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi))
            return DecodedMessage(message: .routeRefresh(RouteRefreshMessage(family: family, subtype: subtype)))
        }
    }
}
