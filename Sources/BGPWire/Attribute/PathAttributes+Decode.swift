// SPDX-License-Identifier: Apache-2.0
// Decoding the Path Attributes field of an UPDATE with RFC 7606 error handling: each malformation becomes an
// `UpdateError` carrying both the RFC 4271 §6.3 NOTIFICATION and the RFC 7606 §7 action. Only what RFC 7606 still
// treats as "session reset" throws.

import NIOCore

extension PathAttributes {
    /// Decodes the whole Path Attributes field held by `buffer`.
    ///
    /// - Parameter hasBodyNLRI: whether the UPDATE's own NLRI field is non-empty (it makes NEXT_HOP mandatory).
    static func decode(
        _ buffer: inout ByteBuffer, context: DecodeContext, hasBodyNLRI: Bool, errors: inout [UpdateError]
    ) throws(BGPNotification) -> PathAttributes {
        var attributes = PathAttributes()
        var seen = AttributeCodeSet()
        var order: [AttributeCode] = []
        var framingBroken = false

        while buffer.readableBytes > 0 {
            let start = buffer.readerIndex
            // NIO only reads at or past the reader index; this view still starts at the attribute, for the
            // NOTIFICATION Data that RFC 4271 §6.3 wants (the whole attribute).
            let atStart = buffer
            let remaining = buffer.readableBytes
            // RFC 7606 §4: fewer than 3 octets (4 with Extended Length) left for an attribute header, or a value
            // that runs past the Total Path Attribute Length, is "treat-as-withdraw"; the Total Path Attribute
            // Length still locates the NLRI.
            guard remaining >= 3, let flagsByte = buffer.readInteger(as: UInt8.self),
                let codeByte = buffer.readInteger(as: UInt8.self)
            else {
                errors.append(Self.framingError(atStart, reason: "\(remaining) octet(s) left, too few for an attribute header"))
                framingBroken = true
                break
            }
            let flags = AttributeFlags(rawValue: flagsByte & 0xF0)
            let code = AttributeCode(rawValue: codeByte)
            let length: Int
            if flags.contains(.extendedLength) {
                guard let l = buffer.readInteger(as: UInt16.self) else {
                    errors.append(Self.framingError(atStart, reason: "\(code.name): extended length field truncated"))
                    framingBroken = true
                    break
                }
                length = Int(l)
            } else {
                length = Int(buffer.readInteger(as: UInt8.self)!)
            }
            guard var value = buffer.readSlice(length: length) else {
                errors.append(Self.framingError(atStart, reason: "\(code.name): length \(length) overruns the attribute field"))
                framingBroken = true
                break
            }
            func whole() -> [UInt8] { atStart.getBytes(at: start, length: buffer.readerIndex - start) ?? [] }

            // RFC 7606 §3 (g): a repeated MP_REACH_NLRI/MP_UNREACH_NLRI resets the session; any other repeat is
            // discarded and the first occurrence kept.
            if seen.contains(code) {
                if code == .mpReachNLRI || code == .mpUnreachNLRI { throw .malformedAttributeList }
                errors.append(UpdateError(
                    action: .attributeDiscard, notification: .malformedAttributeList, attribute: code,
                    reason: "\(code.name) appears more than once; later copies discarded"))
                continue
            }
            seen.insert(code)

            guard let descriptor = code.descriptor else {
                // RFC 4271 §6.3: an unrecognized well-known attribute ends the session.
                guard flags.contains(.optional) else { throw .unrecognizedWellKnownAttribute(whole()) }
                attributes.unknown.append(UnknownAttribute(flags: flags, code: code, value: Array(buffer: value)))
                order.append(code)
                if flags.contains(.extendedLength) && length <= 255 { attributes.extendedLengthHint.insert(code) }
                continue
            }

            // RFC 7606 §3 (c): "If the value of either the Optional or Transitive bits in the Attribute Flags is in
            // conflict with their specified values, then the attribute MUST be treated as malformed and the
            // 'treat-as-withdraw' approach used".
            let expected = descriptor.flags
            if flags.intersection([.optional, .transitive]) != expected {
                errors.append(UpdateError(
                    action: .treatAsWithdraw, notification: .attributeFlagsError(whole()), attribute: code,
                    reason: "\(descriptor.name): flags 0x\(String(flagsByte, radix: 16)) conflict with the expected optional/transitive bits"))
                continue
            }

            let failure = attributes.decodeValue(code, &value, length: length, context: context, whole: whole)
            if let failure {
                if failure.action == .sessionReset { throw failure.notification }
                errors.append(failure)
                continue
            }
            if flags.contains(.partial) && expected == [.optional, .transitive] { attributes.partial.insert(code) }
            if flags.contains(.extendedLength) && length <= 255 { attributes.extendedLengthHint.insert(code) }
            order.append(code)
        }

        // RFC 7606 §3 (d): a missing well-known mandatory attribute is "treat-as-withdraw". They are mandatory only
        // when the UPDATE carries reachable NLRI; NEXT_HOP only for NLRI in the UPDATE's own field (RFC 4760 §3).
        if !framingBroken && (hasBodyNLRI || seen.contains(.mpReachNLRI)) {
            var mandatory: [AttributeCode] = [.origin, .asPath]
            if hasBodyNLRI { mandatory.append(.nextHop) }
            for code in mandatory where !seen.contains(code) {
                errors.append(UpdateError(
                    action: .treatAsWithdraw, notification: .missingWellKnownAttribute(code), attribute: code,
                    reason: "well-known mandatory attribute \(code.name) is missing"))
            }
        }

        // RFC 7606 §5.2: "if an UPDATE message is encountered that does contain path attributes other than
        // MP_UNREACH_NLRI and doesn't encode any reachable NLRI ... if any encountered error specifies an
        // error-handling approach other than 'attribute discard', then the 'session reset' approach MUST be used."
        // Without reachable NLRI we cannot be sure the NLRI were parsed correctly, so withdrawing them is no remedy.
        var otherThanUnreach = seen
        otherThanUnreach.remove(.mpUnreachNLRI)
        if !hasBodyNLRI, !seen.contains(.mpReachNLRI), !otherThanUnreach.isEmpty || framingBroken,
            let worst = errors.first(where: { $0.action > .attributeDiscard })
        {
            throw worst.notification
        }

        if order != attributes.presentCodes { attributes.wireOrder = order }
        return attributes
    }

    /// RFC 7606 §4 framing failure: "treat-as-withdraw"; the NOTIFICATION RFC 4271 would send is Attribute Length
    /// Error with what was there of the attribute.
    private static func framingError(_ atStart: ByteBuffer, reason: String) -> UpdateError {
        let data = Array(buffer: atStart)
        return UpdateError(action: .treatAsWithdraw, notification: .attributeLengthError(data), reason: reason)
    }

    /// Decodes one attribute value into `self`, or returns what was wrong with it.
    private mutating func decodeValue(
        _ code: AttributeCode, _ value: inout ByteBuffer, length: Int, context: DecodeContext,
        whole: () -> [UInt8]
    ) -> UpdateError? {
        let descriptor = code.descriptor!
        func malformed(_ notification: BGPNotification, _ reason: String) -> UpdateError {
            UpdateError(
                action: descriptor.onMalformed, notification: notification, attribute: code,
                reason: "\(descriptor.name): \(reason)")
        }
        func lengthError(expected: String) -> UpdateError {
            malformed(.attributeLengthError(whole()), "length \(length), expected \(expected)")
        }
        func discardedFromExternal() -> UpdateError {
            UpdateError(
                action: .attributeDiscard, notification: .optionalAttributeError(whole()), attribute: code,
                reason: "\(descriptor.name) received from an external peer; discarded")
        }

        switch code {
        case .origin:
            // RFC 7606 §7.1: wrong length or an undefined value.
            guard length == 1 else { return lengthError(expected: "1") }
            guard let origin = Origin(rawValue: value.readInteger()!) else {
                return malformed(.invalidOriginAttribute(whole()), "undefined value")
            }
            self.origin = origin

        case .asPath, .as4Path:
            let asSize = (code == .as4Path || context.fourOctetAS) ? 4 : 2
            guard let path = ASPath.decode(&value, asSize: asSize) else {
                let notification: BGPNotification = code == .asPath ? .malformedASPath : .optionalAttributeError(whole())
                return malformed(notification, "malformed segment (bad type, zero or overrunning length)")
            }
            // RFC 7607 §2: AS 0 in AS_PATH is malformed (RFC 7606 handling), in AS4_PATH malformed per RFC 6793.
            if path.segments.contains(where: { $0.asns.contains(0) }) {
                let notification: BGPNotification = code == .asPath ? .malformedASPath : .optionalAttributeError(whole())
                return malformed(notification, "contains AS 0 (RFC 7607)")
            }
            if code == .asPath {
                self.asPath = path
            } else {
                // RFC 6793 §6: a NEW speaker discards AS4_PATH received from another NEW speaker.
                if context.fourOctetAS {
                    return UpdateError(
                        action: .attributeDiscard, notification: .optionalAttributeError(whole()), attribute: code,
                        reason: "AS4_PATH received on a 4-octet AS session; discarded")
                }
                self.as4Path = path
            }

        case .nextHop:
            // RFC 7606 §7.3: a length other than 4 is "treat-as-withdraw".
            guard length == 4 else { return lengthError(expected: "4") }
            nextHop = IPAddress(ipv4: value.readInteger()!)

        case .multiExitDiscriminator:
            guard length == 4 else { return lengthError(expected: "4") }
            multiExitDiscriminator = value.readInteger()

        case .localPreference:
            // RFC 7606 §7.5: from an external neighbor "it SHALL be discarded"; otherwise the length must be 4.
            if context.peerType == .external { return discardedFromExternal() }
            guard length == 4 else { return lengthError(expected: "4") }
            localPreference = value.readInteger()

        case .atomicAggregate:
            // RFC 7606 §7.6: a non-zero length is "attribute discard".
            guard length == 0 else { return lengthError(expected: "0") }
            atomicAggregate = true

        case .aggregator, .as4Aggregator:
            // RFC 7606 §7.7 and RFC 6793 §6: 6 octets with 2-octet ASes, 8 with 4-octet ASes.
            let asSize = (code == .as4Aggregator || context.fourOctetAS) ? 4 : 2
            guard length == asSize + 4 else { return lengthError(expected: "\(asSize + 4)") }
            let asn: UInt32 = asSize == 4 ? value.readInteger()! : UInt32(value.readInteger(as: UInt16.self)!)
            let aggregator = Aggregator(asn: asn, address: IPAddress(ipv4: value.readInteger()!))
            // RFC 7607 §2: AS 0 here is malformed; both aggregator attributes are then discarded.
            if asn == 0 { return malformed(.optionalAttributeError(whole()), "aggregating AS is 0 (RFC 7607)") }
            if code == .aggregator {
                self.aggregator = aggregator
            } else {
                if context.fourOctetAS {
                    return UpdateError(
                        action: .attributeDiscard, notification: .optionalAttributeError(whole()), attribute: code,
                        reason: "AS4_AGGREGATOR received on a 4-octet AS session; discarded")
                }
                as4Aggregator = aggregator
            }

        case .communities:
            // RFC 7606 §7.8: a length that is not a non-zero multiple of 4.
            guard length > 0, length % 4 == 0 else { return lengthError(expected: "a non-zero multiple of 4") }
            communities = (0..<(length / 4)).map { _ in Community(rawValue: value.readInteger()!) }

        case .originatorID:
            // RFC 7606 §7.9.
            if context.peerType == .external { return discardedFromExternal() }
            guard length == 4 else { return lengthError(expected: "4") }
            originatorID = IPAddress(ipv4: value.readInteger()!)

        case .clusterList:
            // RFC 7606 §7.10.
            if context.peerType == .external { return discardedFromExternal() }
            guard length > 0, length % 4 == 0 else { return lengthError(expected: "a non-zero multiple of 4") }
            clusterList = (0..<(length / 4)).map { _ in IPAddress(ipv4: value.readInteger()!) }

        case .mpReachNLRI:
            return decodeMPReach(&value, context: context, whole: whole)

        case .mpUnreachNLRI:
            return decodeMPUnreach(&value, context: context, whole: whole)

        case .extendedCommunities:
            // RFC 7606 §7.14: a length that is not a non-zero multiple of 8.
            guard length > 0, length % 8 == 0 else { return lengthError(expected: "a non-zero multiple of 8") }
            extendedCommunities = (0..<(length / 8)).map { _ in ExtendedCommunity(rawValue: value.readInteger()!) }

        case .largeCommunities:
            // RFC 8092 §5: a length that is not a non-zero multiple of 12.
            guard length > 0, length % 12 == 0 else { return lengthError(expected: "a non-zero multiple of 12") }
            largeCommunities = (0..<(length / 12)).map { _ in
                LargeCommunity(value.readInteger()!, value.readInteger()!, value.readInteger()!)
            }

        default:
            preconditionFailure("attribute \(code.rawValue) has a descriptor but no decoder")
        }
        return nil
    }

    /// RFC 4760 §3 / RFC 7606 §7.11. A family we do not parse is kept verbatim in `unknown`.
    private mutating func decodeMPReach(
        _ value: inout ByteBuffer, context: DecodeContext, whole: () -> [UInt8]
    ) -> UpdateError? {
        let original = value
        // Without AFI/SAFI the family to disable is unknown: RFC 7606 §7.11 leaves "session reset".
        guard value.readableBytes >= 5, let afi = value.readInteger(as: UInt16.self),
            let safi = value.readInteger(as: UInt8.self), let nextHopLength = value.readInteger(as: UInt8.self)
        else {
            return UpdateError(
                action: .sessionReset, notification: .optionalAttributeError(whole()), attribute: .mpReachNLRI,
                reason: "MP_REACH_NLRI: too short for AFI, SAFI and next-hop length")
        }
        let family = AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi))
        guard let ipFamily = family.ipFamily else {
            unknown.append(UnknownAttribute(flags: .optional, code: .mpReachNLRI, value: Array(buffer: original)))
            return nil
        }
        func disable(_ reason: String) -> UpdateError {
            UpdateError(
                action: .afiSafiDisable, notification: .optionalAttributeError(whole()), attribute: .mpReachNLRI,
                family: family, reason: "MP_REACH_NLRI \(family): \(reason)")
        }
        // RFC 7606 §7.11: a next-hop length inconsistent with the family makes the NLRI impossible to locate.
        // IPv6: 16 or 32 (global + link-local, RFC 2545 §3). IPv4: 4, or 16/32 with RFC 8950 extended next hop.
        let allowed: [Int] = ipFamily == .ipv6 ? [16, 32] : [4, 16, 32]
        guard allowed.contains(Int(nextHopLength)), let nextHopBytes = value.readBytes(length: Int(nextHopLength)),
            value.readInteger(as: UInt8.self) != nil  // Reserved: RFC 4760 §3 "MUST be ignored upon receipt".
        else { return disable("next-hop length \(nextHopLength) is inconsistent with the family") }
        var nextHops: [IPAddress] = []
        var offset = 0
        while offset < nextHopBytes.count {
            let width = nextHopBytes.count - offset >= 16 ? 16 : 4
            nextHops.append(IPAddress(bytes: nextHopBytes[offset..<(offset + width)])!)
            offset += width
        }
        var nlri: [NLRI] = []
        guard
            value.readBGPNLRI(
                length: value.readableBytes, family: ipFamily, addPath: context.addPath.contains(family), into: &nlri)
        else { return disable("NLRI field is malformed (RFC 7606 §5.3)") }
        mpReach = MultiprotocolReach(family: family, nextHops: nextHops, nlri: nlri)
        return nil
    }

    /// RFC 4760 §4 / RFC 7606 §7.12.
    private mutating func decodeMPUnreach(
        _ value: inout ByteBuffer, context: DecodeContext, whole: () -> [UInt8]
    ) -> UpdateError? {
        let original = value
        guard value.readableBytes >= 3, let afi = value.readInteger(as: UInt16.self),
            let safi = value.readInteger(as: UInt8.self)
        else {
            return UpdateError(
                action: .sessionReset, notification: .optionalAttributeError(whole()), attribute: .mpUnreachNLRI,
                reason: "MP_UNREACH_NLRI: too short for AFI and SAFI")
        }
        let family = AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi))
        guard let ipFamily = family.ipFamily else {
            unknown.append(UnknownAttribute(flags: .optional, code: .mpUnreachNLRI, value: Array(buffer: original)))
            return nil
        }
        var withdrawn: [NLRI] = []
        guard
            value.readBGPNLRI(
                length: value.readableBytes, family: ipFamily, addPath: context.addPath.contains(family),
                into: &withdrawn)
        else {
            return UpdateError(
                action: .afiSafiDisable, notification: .optionalAttributeError(whole()), attribute: .mpUnreachNLRI,
                family: family, reason: "MP_UNREACH_NLRI \(family): withdrawn routes field is malformed")
        }
        mpUnreach = MultiprotocolUnreach(family: family, withdrawn: withdrawn)
        return nil
    }
}

extension ASPath {
    /// Parses AS_PATH/AS4_PATH segments. `nil` when RFC 7606 §7.2 calls the path malformed: an unrecognized segment
    /// type, a segment that overruns the attribute, a lone trailing octet, or a segment length of zero.
    static func decode(_ value: inout ByteBuffer, asSize: Int) -> ASPath? {
        var segments: [ASPathSegment] = []
        while value.readableBytes > 0 {
            guard value.readableBytes >= 2, let kind = ASPathSegment.Kind(rawValue: value.readInteger()!) else {
                return nil
            }
            let count = Int(value.readInteger(as: UInt8.self)!)
            guard count > 0, value.readableBytes >= count * asSize else { return nil }
            var asns: [UInt32] = []
            asns.reserveCapacity(count)
            for _ in 0..<count {
                asns.append(asSize == 4 ? value.readInteger()! : UInt32(value.readInteger(as: UInt16.self)!))
            }
            segments.append(ASPathSegment(kind: kind, asns: asns))
        }
        return ASPath(segments: segments)
    }
}
