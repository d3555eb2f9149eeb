// SPDX-License-Identifier: Apache-2.0
// OPEN (RFC 4271 §4.2) with Capabilities optional parameters (RFC 5492) and the RFC 9072 extended optional
// parameters length.
//
//     | Version (1) | My Autonomous System (2) | Hold Time (2) | BGP Identifier (4) |
//     | Opt Parm Len (1) | Optional Parameters: | Parm. Type (1) | Parm. Length (1) | Parm. Value | ... |
//     RFC 9072: Opt Parm Len = 255, then | Non-Ext OP Type = 255 | Extended Opt. Parm. Length (2) |, and every
//     parameter's length field is two octets.

import NIOCore

/// An OPEN message.
public struct OpenMessage: Hashable, Sendable {
    /// The only version Swiftlet speaks.
    public static let version: UInt8 = 4
    /// Optional Parameter type for Capabilities (RFC 5492 §4).
    static let capabilitiesParameter: UInt8 = 2

    /// My Autonomous System, two octets: AS_TRANS when the real AS needs four (RFC 6793 §4.1).
    public var myAS: UInt16
    public var holdTime: UInt16
    public var bgpIdentifier: IPAddress
    /// Capabilities optional parameters as sent: each inner array is one parameter of type 2. BIRD sends one
    /// parameter holding everything; FRR one parameter per capability. Both are legal (RFC 5492 §4).
    public var optionalParameters: [[Capability]]

    public init(myAS: UInt16, holdTime: UInt16, bgpIdentifier: IPAddress, optionalParameters: [[Capability]]) {
        self.myAS = myAS
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.optionalParameters = optionalParameters
    }

    /// An OPEN for `asNumber`, with AS_TRANS in the 2-octet field when needed and all capabilities in one parameter.
    public init(asNumber: UInt32, holdTime: UInt16, bgpIdentifier: IPAddress, capabilities: [Capability]) {
        self.init(
            myAS: asNumber > 0xFFFF ? UInt16(ASPath.asTrans) : UInt16(asNumber), holdTime: holdTime,
            bgpIdentifier: bgpIdentifier, optionalParameters: capabilities.isEmpty ? [] : [capabilities])
    }

    /// Every capability, in order.
    public var capabilities: [Capability] { optionalParameters.flatMap { $0 } }

    /// The speaker's AS: the 4-octet AS capability when present (RFC 6793 §4.1), else My Autonomous System.
    public var asNumber: UInt32 {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return UInt32(myAS)
    }
}

extension OpenMessage {
    /// Decodes an OPEN body (everything after the 19-octet header).
    static func decode(_ body: inout ByteBuffer) throws(BGPNotification) -> OpenMessage {
        guard let version = body.readInteger(as: UInt8.self), let myAS = body.readInteger(as: UInt16.self),
            let holdTime = body.readInteger(as: UInt16.self), let identifier = body.readInteger(as: UInt32.self),
            let shortLength = body.readInteger(as: UInt8.self)
        else { throw .badMessageLength(UInt16(19 + body.readableBytes)) }
        // RFC 4271 §6.2: a version we do not support.
        guard version == OpenMessage.version else { throw .unsupportedVersionNumber }

        var extended = false
        var parametersLength = Int(shortLength)
        // RFC 9072 §2: a Non-Ext OP Type of 255 announces the extended format.
        if shortLength != 0, body.getInteger(at: body.readerIndex, as: UInt8.self) == 255 {
            body.moveReaderIndex(forwardBy: 1)
            guard let extendedLength = body.readInteger(as: UInt16.self) else { throw .malformedOpen }
            parametersLength = Int(extendedLength)
            extended = true
        }
        // The parameters must fill the rest of the message exactly.
        guard parametersLength == body.readableBytes else { throw .malformedOpen }

        var parameters: [[Capability]] = []
        while body.readableBytes > 0 {
            guard let type = body.readInteger(as: UInt8.self) else { throw .malformedOpen }
            let length: Int?
            if extended {
                length = body.readInteger(as: UInt16.self).map(Int.init)
            } else {
                length = body.readInteger(as: UInt8.self).map(Int.init)
            }
            guard let length, let value = body.readBytes(length: length) else { throw .malformedOpen }
            // RFC 4271 §6.2 / RFC 5492 §3: only Capabilities (2) is defined; Authentication (1) is deprecated.
            guard type == OpenMessage.capabilitiesParameter else { throw .unsupportedOptionalParameter }
            var capabilities: [Capability] = []
            var i = 0
            while i < value.count {
                guard i + 2 <= value.count, i + 2 + Int(value[i + 1]) <= value.count else { throw .malformedOpen }
                let code = value[i]
                let capabilityLength = Int(value[i + 1])
                capabilities.append(try Capability.decode(code: code, value: value[(i + 2)..<(i + 2 + capabilityLength)]))
                i += 2 + capabilityLength
            }
            parameters.append(capabilities)
        }
        return OpenMessage(
            myAS: myAS, holdTime: holdTime, bgpIdentifier: IPAddress(ipv4: identifier), optionalParameters: parameters)
    }

    /// Writes the OPEN body.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(OpenMessage.version)
        buffer.writeInteger(myAS)
        buffer.writeInteger(holdTime)
        buffer.writeInteger(bgpIdentifier.ipv4Value)
        let encoded: [[UInt8]] = optionalParameters.map { capabilities in
            var bytes: [UInt8] = []
            for capability in capabilities { capability.appendTLV(to: &bytes) }
            return bytes
        }
        let shortTotal = encoded.reduce(0) { $0 + 2 + $1.count }
        // RFC 9072 §2: the extended form only when the parameters do not fit the one-octet length, or when any
        // single parameter is over 255 octets.
        let needsExtended = shortTotal > 255 || encoded.contains { $0.count > 255 }
        if needsExtended {
            let total = encoded.reduce(0) { $0 + 3 + $1.count }
            buffer.writeInteger(UInt8(255))
            buffer.writeInteger(UInt8(255))
            buffer.writeInteger(UInt16(total))
            for value in encoded {
                buffer.writeInteger(OpenMessage.capabilitiesParameter)
                buffer.writeInteger(UInt16(value.count))
                buffer.writeBytes(value)
            }
        } else {
            buffer.writeInteger(UInt8(shortTotal))
            for value in encoded {
                buffer.writeInteger(OpenMessage.capabilitiesParameter)
                buffer.writeInteger(UInt8(value.count))
                buffer.writeBytes(value)
            }
        }
    }
}
