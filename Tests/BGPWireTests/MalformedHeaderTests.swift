// SPDX-License-Identifier: Apache-2.0
// Malformed message headers (ARCHITECTURE §12.4): one row per RFC 4271 §6.1 clause, plus the RFC 8654 extended
// message limits and RFC 7313 §5 ROUTE-REFRESH length errors. Each row maps exact bytes to the exact NOTIFICATION,
// Data included. Also holds `MalformedDecode`, the decode-and-compare helpers the OPEN and UPDATE suites share.

import BGPTestSupport
import BGPWire
import NIOCore
import Testing

/// Decoding helpers shared by the Malformed* suites.
enum MalformedDecode {
    /// Decodes one message from `bytes` the way the transport does.
    static func decode(_ bytes: [UInt8], context: DecodeContext) throws(BGPNotification) -> DecodedMessage? {
        var buffer = ByteBuffer(bytes: bytes)
        return try buffer.readBGPMessage(context: context)
    }

    /// What decoding `bytes` ended in: the NOTIFICATION thrown, or `nil` when it decoded (recorded as an issue
    /// when `expectThrow` is set, so a row that should throw cannot pass by decoding).
    static func thrown(
        _ bytes: [UInt8], context: DecodeContext, sourceLocation: SourceLocation = #_sourceLocation
    ) -> BGPNotification? {
        do {
            let decoded = try decode(bytes, context: context)
            Issue.record("expected a NOTIFICATION, decoded \(String(describing: decoded))", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }
}

/// One bytes → NOTIFICATION row.
struct NotificationCase: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var bytes: [UInt8]
    var context = DecodeContext()
    var expected: BGPNotification
}

@Suite("Malformed message header (RFC 4271 §6.1, RFC 8654, RFC 7313 §5)")
struct MalformedHeaderTests {
    typealias B = MessageBytes

    /// A syntactically valid withdraw-only UPDATE of exactly `length` octets: one short prefix taking up the
    /// remainder (/0, /8, /16 or /24), then /32s of 5 octets each.
    static func withdrawUpdate(length: Int) -> [UInt8] {
        let count = (length - 23) / 5
        let filler: [[UInt8]] = [[], [0], [8, 10], [16, 10, 1], [24, 10, 1, 2]]
        var withdrawn = filler[(length - 23) % 5]
        for i in 0..<count { withdrawn += [32, 10, UInt8(i >> 16), UInt8((i >> 8) & 0xFF), UInt8(i & 0xFF)] }
        return B.update(withdrawn: withdrawn)
    }

    /// Errors found while framing: the stream cannot be split, so nothing may be consumed.
    static let framingCases: [NotificationCase] = [
        .init(
            testDescription: "Marker not all ones → 1/1 Connection Not Synchronized, no Data (RFC 4271 §6.1)",
            bytes: B.message(type: B.keepaliveType, body: [], marker: [0xFE] + [UInt8](repeating: 0xFF, count: 15)),
            expected: BGPNotification(code: .messageHeader, subcode: 1)),
        .init(
            testDescription: "Marker with a zero last octet → 1/1 (RFC 4271 §6.1)",
            bytes: B.message(type: B.keepaliveType, body: [], marker: [UInt8](repeating: 0xFF, count: 15) + [0]),
            expected: BGPNotification(code: .messageHeader, subcode: 1)),
        .init(
            testDescription: "Length 18 < 19 → 1/2, Data = the Length field 0x0012 (RFC 4271 §6.1)",
            bytes: B.message(type: B.keepaliveType, body: [], length: 18),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x12])),
        .init(
            testDescription: "Length 0 → 1/2, Data 0x0000 (RFC 4271 §6.1)",
            bytes: B.message(type: B.keepaliveType, body: [], length: 0),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x00])),
        .init(
            testDescription: "Length 4097 without Extended Message → 1/2, Data 0x1001 (RFC 4271 §6.1, RFC 8654 §5)",
            bytes: B.message(type: B.updateType, body: [UInt8](repeating: 0, count: 4078)),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x10, 0x01])),
        .init(
            testDescription: "Length 4098 UPDATE without Extended Message → 1/2, Data 0x1002 (RFC 8654 §5)",
            bytes: withdrawUpdate(length: 4098),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x10, 0x02])),
        .init(
            testDescription: "Length 65535 with only the header present → 1/2 at once, Data 0xFFFF (RFC 4271 §6.1)",
            bytes: B.message(type: B.updateType, body: [], length: 65535),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0xFF, 0xFF])),
    ]

    @Test("Framing error throws the exact NOTIFICATION and leaves the reader index unchanged", arguments: framingCases)
    func framingError(_ row: NotificationCase) {
        var buffer = ByteBuffer(bytes: row.bytes)
        let before = buffer.readerIndex
        do {
            let decoded = try buffer.readBGPMessage(context: row.context)
            Issue.record("expected \(row.expected), decoded \(String(describing: decoded))")
        } catch {
            #expect(error == row.expected)
        }
        #expect(buffer.readerIndex == before)
        #expect(buffer.readableBytes == row.bytes.count)
    }

    /// Errors found after framing: the per-type length rules and the Type field. The message is consumed.
    static let messageCases: [NotificationCase] = [
        .init(
            testDescription: "KEEPALIVE with a 1-octet body (Length 20) → 1/2, Data 0x0014 (RFC 4271 §6.1)",
            bytes: B.keepalive(body: [0]),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x14])),
        .init(
            testDescription: "KEEPALIVE with a body stays 1/2 with Extended Message (RFC 8654 §4)",
            bytes: B.keepalive(body: [1, 2, 3, 4]), context: DecodeContext(extendedMessage: true),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x17])),
        .init(
            testDescription: "NOTIFICATION of 20 octets (< 21) → 1/2, Data 0x0014 (RFC 4271 §6.1)",
            bytes: B.notification(body: [6]),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x14])),
        .init(
            testDescription: "NOTIFICATION with no body (Length 19) → 1/2, Data 0x0013 (RFC 4271 §6.1)",
            bytes: B.notification(body: []),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x13])),
        .init(
            testDescription: "OPEN of 28 octets (< 29) → 1/2, Data 0x001C (RFC 4271 §6.1)",
            bytes: B.message(type: B.openType, body: [4, 0xFD, 0xE9, 0, 90, 192, 0, 2, 1]),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x1C])),
        .init(
            testDescription: "UPDATE of 22 octets (< 23) → 1/2, Data 0x0016 (RFC 4271 §6.1)",
            bytes: B.message(type: B.updateType, body: [0, 0, 0]),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x16])),
        .init(
            testDescription: "OPEN of 4097 octets with Extended Message → 1/2, Data 0x1001 (RFC 8654 §4)",
            bytes: B.open(parameters: [UInt8](repeating: 0, count: 4068), parametersLength: 0),
            context: DecodeContext(extendedMessage: true),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x10, 0x01])),
        .init(
            testDescription: "Unknown message Type 6 → 1/3, Data = the Type 0x06 (RFC 4271 §6.1)",
            bytes: B.message(type: 6, body: []),
            expected: BGPNotification(code: .messageHeader, subcode: 3, data: [0x06])),
        .init(
            testDescription: "Message Type 0 → 1/3, Data 0x00 (RFC 4271 §6.1)",
            bytes: B.message(type: 0, body: [1, 2]),
            expected: BGPNotification(code: .messageHeader, subcode: 3, data: [0x00])),
        .init(
            testDescription: "Message Type 255 → 1/3, Data 0xFF (RFC 4271 §6.1)",
            bytes: B.message(type: 255, body: []),
            expected: BGPNotification(code: .messageHeader, subcode: 3, data: [0xFF])),
        .init(
            testDescription: "ROUTE-REFRESH of 24 octets without enhanced refresh → 1/2, Data 0x0018 (RFC 4271 §6.1)",
            bytes: B.routeRefresh(body: [0, 1, 1, 1, 0]),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x18])),
        .init(
            testDescription: "BoRR of 24 octets with enhanced refresh → 7/1, Data = the whole message (RFC 7313 §5)",
            bytes: B.routeRefresh(body: [0, 1, 1, 1, 0]), context: DecodeContext(enhancedRouteRefresh: true),
            expected: BGPNotification(
                code: .routeRefreshMessage, subcode: 1, data: B.routeRefresh(body: [0, 1, 1, 1, 0]))),
        .init(
            testDescription: "Plain request (subtype 0) of 24 octets with enhanced refresh → 1/2: code 7 is only for BoRR/EoRR (RFC 7313 §5)",
            bytes: B.routeRefresh(body: [0, 1, 0, 1, 0]), context: DecodeContext(enhancedRouteRefresh: true),
            expected: BGPNotification(code: .messageHeader, subcode: 2, data: [0x00, 0x18])),
        .init(
            testDescription: "EoRR of 22 octets with enhanced refresh → 7/1, Data = the whole message (RFC 7313 §5)",
            bytes: B.routeRefresh(body: [0, 1, 2]), context: DecodeContext(enhancedRouteRefresh: true),
            expected: BGPNotification(code: .routeRefreshMessage, subcode: 1, data: B.routeRefresh(body: [0, 1, 2]))),
    ]

    @Test("Per-type length and Type errors throw the exact NOTIFICATION and consume the message",
          arguments: messageCases)
    func messageError(_ row: NotificationCase) {
        var buffer = ByteBuffer(bytes: row.bytes + B.keepalive())
        do {
            let decoded = try buffer.readBGPMessage(context: row.context)
            Issue.record("expected \(row.expected), decoded \(String(describing: decoded))")
        } catch {
            #expect(error == row.expected)
        }
        // The framed message is gone; the KEEPALIVE behind it still decodes.
        #expect(buffer.readableBytes == 19)
        #expect((try? buffer.readBGPMessage(context: row.context))?.message == .keepalive)
    }

    @Test("The same rows through BGPMessage.decode(frame:context:) give the same NOTIFICATION", arguments: messageCases)
    func messageErrorViaFrame(_ row: NotificationCase) throws {
        var buffer = ByteBuffer(bytes: row.bytes)
        let frame = try #require(try buffer.readBGPFrame())
        #expect(throws: row.expected) { try BGPMessage.decode(frame, context: row.context) }
    }

    @Test("A 4098-octet UPDATE decodes when Extended Message is negotiated (RFC 8654 §5)")
    func extendedUpdateAccepted() throws {
        let bytes = Self.withdrawUpdate(length: 4098)
        var buffer = ByteBuffer(bytes: bytes)
        let decoded = try #require(try buffer.readBGPMessage(context: DecodeContext(extendedMessage: true)))
        guard case .update(let update) = decoded.message else {
            Issue.record("decoded \(decoded.message)")
            return
        }
        #expect(update.withdrawn.count == 815)
        #expect(update.withdrawn.last == NLRI(IPPrefix("10.0.3.46/32")!))
        #expect(update.announced.isEmpty && update.attributes.isEmpty)
        #expect(decoded.updateErrors.isEmpty)
        #expect(buffer.readableBytes == 0)
    }

    @Test("Boundary lengths decode: KEEPALIVE 19, NOTIFICATION 21, ROUTE-REFRESH 23, UPDATE 4096 (RFC 4271 §4.1)")
    func boundaryLengthsAccepted() throws {
        let notification = try #require(try MalformedDecode.decode(B.notification(body: [6, 2]), context: .init()))
        #expect(notification.message == .notification(BGPNotification(code: .cease, subcode: 2)))
        let keepalive = try #require(try MalformedDecode.decode(B.keepalive(), context: .init()))
        #expect(keepalive.message == .keepalive)
        let refresh = try #require(
            try MalformedDecode.decode(B.routeRefresh(body: [0, 2, 1, 1]), context: .init(enhancedRouteRefresh: true)))
        #expect(refresh.message == .routeRefresh(RouteRefreshMessage(family: .ipv6Unicast, subtype: 1)))
        let update = try #require(try MalformedDecode.decode(Self.withdrawUpdate(length: 4096), context: .init()))
        guard case .update(let body) = update.message else {
            Issue.record("decoded \(update.message)")
            return
        }
        #expect(body.withdrawn.count == 815)
        #expect(body.withdrawn.first == NLRI(IPPrefix("10.1.0.0/16")!))
    }
}
