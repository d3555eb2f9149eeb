// SPDX-License-Identifier: Apache-2.0
// Encoding the Path Attributes field (RFC 4271 §4.3). Lengths are computed, never stored: each attribute is
// written with a 2-octet length first and shifted down to the 1-octet form when it fits (and the sender had not
// chosen the long form, see `extendedLengthHint`).

import NIOCore

extension PathAttributes {
    /// Writes every attribute, returning the octets written (the Total Path Attribute Length).
    @discardableResult
    package func write(to buffer: inout ByteBuffer, context: EncodeContext) -> Int {
        let start = buffer.writerIndex
        let canonical = presentCodes
        var order = canonical
        if let wireOrder, AttributeCodeSet(wireOrder) == AttributeCodeSet(canonical), wireOrder.count == canonical.count {
            order = wireOrder
        }
        for code in order {
            writeAttribute(code, to: &buffer, context: context)
        }
        return buffer.writerIndex - start
    }

    private func writeAttribute(_ code: AttributeCode, to buffer: inout ByteBuffer, context: EncodeContext) {
        if let descriptor = code.descriptor, hasTypedValue(code) {
            var flags = descriptor.flags
            if partial.contains(code) && flags == [.optional, .transitive] { flags.insert(.partial) }
            writeFramed(code: code, flags: flags, to: &buffer) { buffer in
                writeValue(code, to: &buffer, context: context)
            }
        }
        for attribute in unknown where attribute.code == code {
            writeFramed(code: code, flags: attribute.flags, to: &buffer) { buffer in
                buffer.writeBytes(attribute.value)
            }
        }
    }

    /// Writes flags, code, length and the value produced by `body`, choosing the length form afterwards.
    private func writeFramed(
        code: AttributeCode, flags: AttributeFlags, to buffer: inout ByteBuffer, body: (inout ByteBuffer) -> Void
    ) {
        let headerIndex = buffer.writerIndex
        buffer.writeInteger(flags.union(.extendedLength).rawValue)
        buffer.writeInteger(code.rawValue)
        buffer.writeInteger(UInt16(0))
        let valueIndex = buffer.writerIndex
        body(&buffer)
        let length = buffer.writerIndex - valueIndex
        precondition(length <= 0xFFFF, "attribute \(code.rawValue) value of \(length) octets cannot be encoded")
        if length > 255 || extendedLengthHint.contains(code) {
            buffer.setInteger(UInt16(length), at: headerIndex + 2)
        } else {
            // One-octet length: drop the Extended Length bit and slide the value down by one octet.
            buffer.setInteger(flags.subtracting(.extendedLength).rawValue, at: headerIndex)
            buffer.setInteger(UInt8(length), at: headerIndex + 2)
            if length > 0 { _ = try? buffer.copyBytes(at: valueIndex, to: headerIndex + 3, length: length) }
            buffer.moveWriterIndex(to: headerIndex + 3 + length)
        }
    }

    private func hasTypedValue(_ code: AttributeCode) -> Bool {
        switch code {
        case .origin: origin != nil
        case .asPath: asPath != nil
        case .nextHop: nextHop != nil
        case .multiExitDiscriminator: multiExitDiscriminator != nil
        case .localPreference: localPreference != nil
        case .atomicAggregate: atomicAggregate
        case .aggregator: aggregator != nil
        case .communities: communities != nil
        case .originatorID: originatorID != nil
        case .clusterList: clusterList != nil
        case .mpReachNLRI: mpReach != nil
        case .mpUnreachNLRI: mpUnreach != nil
        case .extendedCommunities: extendedCommunities != nil
        case .as4Path: as4Path != nil
        case .as4Aggregator: as4Aggregator != nil
        case .largeCommunities: largeCommunities != nil
        default: false
        }
    }

    private func writeValue(_ code: AttributeCode, to buffer: inout ByteBuffer, context: EncodeContext) {
        switch code {
        case .origin:
            buffer.writeInteger(origin!.rawValue)
        case .asPath:
            asPath!.write(to: &buffer, asSize: context.fourOctetAS ? 4 : 2)
        case .as4Path:
            as4Path!.write(to: &buffer, asSize: 4)
        case .nextHop:
            buffer.writeInteger(nextHop!.ipv4Value)
        case .multiExitDiscriminator:
            buffer.writeInteger(multiExitDiscriminator!)
        case .localPreference:
            buffer.writeInteger(localPreference!)
        case .atomicAggregate:
            break
        case .aggregator:
            aggregator!.write(to: &buffer, asSize: context.fourOctetAS ? 4 : 2)
        case .as4Aggregator:
            as4Aggregator!.write(to: &buffer, asSize: 4)
        case .communities:
            for community in communities! { buffer.writeInteger(community.rawValue) }
        case .originatorID:
            buffer.writeInteger(originatorID!.ipv4Value)
        case .clusterList:
            for id in clusterList! { buffer.writeInteger(id.ipv4Value) }
        case .mpReachNLRI:
            let reach = mpReach!
            buffer.writeInteger(reach.family.afi.rawValue)
            buffer.writeInteger(reach.family.safi.rawValue)
            let nextHopBytes = reach.nextHops.flatMap(\.bytes)
            buffer.writeInteger(UInt8(nextHopBytes.count))
            buffer.writeBytes(nextHopBytes)
            buffer.writeInteger(UInt8(0))  // Reserved (RFC 4760 §3).
            buffer.writeBGPNLRI(reach.nlri[...], addPath: context.addPath.contains(reach.family))
        case .mpUnreachNLRI:
            let unreach = mpUnreach!
            buffer.writeInteger(unreach.family.afi.rawValue)
            buffer.writeInteger(unreach.family.safi.rawValue)
            buffer.writeBGPNLRI(unreach.withdrawn[...], addPath: context.addPath.contains(unreach.family))
        case .extendedCommunities:
            for community in extendedCommunities! { buffer.writeInteger(community.rawValue) }
        case .largeCommunities:
            for community in largeCommunities! {
                buffer.writeInteger(community.globalAdministrator)
                buffer.writeInteger(community.localData1)
                buffer.writeInteger(community.localData2)
            }
        default:
            preconditionFailure("attribute \(code.rawValue) has no typed encoder")
        }
    }
}

extension ASPath {
    /// Writes the segments; a segment longer than 255 ASes is split, since its length field is one octet. A 4-octet
    /// AS on a 2-octet session is written as AS_TRANS (RFC 6793 §4.2.2).
    func write(to buffer: inout ByteBuffer, asSize: Int) {
        for segment in segments {
            var rest = segment.asns[...]
            repeat {
                let chunk = rest.prefix(255)
                rest = rest.dropFirst(chunk.count)
                buffer.writeInteger(segment.kind.rawValue)
                buffer.writeInteger(UInt8(chunk.count))
                for asn in chunk {
                    if asSize == 4 {
                        buffer.writeInteger(asn)
                    } else {
                        buffer.writeInteger(UInt16(asn > 0xFFFF ? ASPath.asTrans : asn))
                    }
                }
            } while !rest.isEmpty
        }
    }
}

extension Aggregator {
    func write(to buffer: inout ByteBuffer, asSize: Int) {
        if asSize == 4 {
            buffer.writeInteger(asn)
        } else {
            buffer.writeInteger(UInt16(asn > 0xFFFF ? ASPath.asTrans : asn))
        }
        buffer.writeInteger(address.ipv4Value)
    }
}
