// SPDX-License-Identifier: Apache-2.0
// UPDATE (RFC 4271 §4.3) and End-of-RIB (RFC 4724 §2).
//
//     | Withdrawn Routes Length (2) | Withdrawn Routes (var) |
//     | Total Path Attribute Length (2) | Path Attributes (var) | NLRI (var) |

import NIOCore

/// An UPDATE message. The withdrawn and NLRI fields carry IPv4 unicast; other families travel in
/// `attributes.mpReach` / `attributes.mpUnreach`. No length fields: encoding computes them, decoding checks them.
public struct UpdateMessage: Hashable, Sendable {
    public var withdrawn: [NLRI]
    public var attributes: PathAttributes
    public var announced: [NLRI]

    public init(withdrawn: [NLRI] = [], attributes: PathAttributes = PathAttributes(), announced: [NLRI] = []) {
        self.withdrawn = withdrawn
        self.attributes = attributes
        self.announced = announced
    }

    /// The End-of-RIB marker for a family (RFC 4724 §2): an empty UPDATE for IPv4 unicast, otherwise an UPDATE
    /// holding only an empty MP_UNREACH_NLRI.
    public static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        if family == .ipv4Unicast { return UpdateMessage() }
        return UpdateMessage(attributes: PathAttributes(mpUnreach: MultiprotocolUnreach(family: family, withdrawn: [])))
    }

    /// The family this UPDATE marks End-of-RIB for, if it is such a marker.
    public var endOfRIBFamily: AddressFamily? {
        guard withdrawn.isEmpty, announced.isEmpty else { return nil }
        if attributes.isEmpty { return .ipv4Unicast }
        if let unreach = attributes.mpUnreach, unreach.withdrawn.isEmpty, attributes.presentCodes == [.mpUnreachNLRI] {
            return unreach.family
        }
        return nil
    }
}

extension UpdateMessage {
    /// Decodes an UPDATE body (RFC 4271 §6.3 as revised by RFC 7606). Malformations that RFC 7606 handles without a
    /// reset are appended to `errors`; the rest throw.
    static func decode(
        _ body: inout ByteBuffer, context: DecodeContext, errors: inout [UpdateError]
    ) throws(BGPNotification) -> UpdateMessage {
        // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length is too large (i.e., if Withdrawn
        // Routes Length + Total Attribute Length + 23 exceeds the message Length), then the Error Subcode MUST be
        // set to Malformed Attribute List."
        guard let withdrawnLength = body.readInteger(as: UInt16.self), Int(withdrawnLength) + 2 <= body.readableBytes
        else { throw .malformedAttributeList }
        var withdrawn: [NLRI] = []
        let addPathV4 = context.addPath.contains(.ipv4Unicast)
        // RFC 7606 §5.3: an unparseable NLRI or Withdrawn Routes field cannot be treated as withdraw.
        guard body.readBGPNLRI(length: Int(withdrawnLength), family: .ipv4, addPath: addPathV4, into: &withdrawn) else {
            throw .invalidNetworkField
        }
        let attributesLength = Int(body.readInteger(as: UInt16.self)!)
        guard var attributeField = body.readSlice(length: attributesLength) else { throw .malformedAttributeList }
        let hasBodyNLRI = body.readableBytes > 0
        var announced: [NLRI] = []
        guard body.readBGPNLRI(length: body.readableBytes, family: .ipv4, addPath: addPathV4, into: &announced) else {
            throw .invalidNetworkField
        }
        let attributes = try PathAttributes.decode(
            &attributeField, context: context, hasBodyNLRI: hasBodyNLRI, errors: &errors)
        return UpdateMessage(withdrawn: withdrawn, attributes: attributes, announced: announced)
    }

    /// Writes the UPDATE body.
    func write(to buffer: inout ByteBuffer, context: EncodeContext) {
        let addPathV4 = context.addPath.contains(.ipv4Unicast)
        let withdrawnIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        let withdrawnLength = buffer.writeBGPNLRI(withdrawn[...], addPath: addPathV4)
        buffer.setInteger(UInt16(withdrawnLength), at: withdrawnIndex)
        let attributesIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        let attributesLength = attributes.write(to: &buffer, context: context)
        buffer.setInteger(UInt16(attributesLength), at: attributesIndex)
        buffer.writeBGPNLRI(announced[...], addPath: addPathV4)
    }
}
