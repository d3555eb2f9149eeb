// SPDX-License-Identifier: Apache-2.0
// Property-based round trips (ARCHITECTURE.md §12.3): decode(encode(m)) == m for generated messages under every
// session context, address and prefix text, UPDATE packing (RFC 4271 §4.1, RFC 8654) and the RFC 6793 AS4 split.
// Generators live in BGPTestSupport/Generators.swift, which also explains the one normalization (AS path segments
// over 255 ASes come back split).

import BGPTestSupport
import BGPWire
import NIOCore
import PropertyBased
import Testing

@Suite("Round trips")
struct RoundTripTests {
    // MARK: Messages

    @Test("decode(encode(m)) == m for generated messages (RFC 4271 §4, RFC 6793, RFC 7911, RFC 8654)")
    func messageRoundTrip() async throws {
        await propertyCheck(count: 400, input: Gen.withContext { Gen.message(context: $0) }) { pair in
            let (context, message) = pair
            var buffer = ByteBuffer()
            let written = buffer.writeBGPMessage(message, context: context)
            #expect(written == buffer.readableBytes)
            #expect(written <= context.maximumMessageLength)
            let decoded = try #require(try buffer.readBGPMessage(context: context.decodeContext))
            #expect(decoded.updateErrors == [])
            #expect(decoded.message == message.wireNormalized)
            #expect(buffer.readableBytes == 0, "the message must be consumed exactly")
        }
    }

    @Test("AS path segments over 255 ASes are written as several segments of the same kind (RFC 4271 §4.3)")
    func longSegmentsSplit() async throws {
        let context = EncodeContext(fourOctetAS: true)
        await propertyCheck(count: 200, input: Gen.asPath()) { path in
            let attributes = PathAttributes(origin: .igp, asPath: path)
            var buffer = ByteBuffer()
            buffer.writeBGPMessage(.update(UpdateMessage(attributes: attributes)), context: context)
            let decoded = try #require(try buffer.readBGPMessage(context: context.decodeContext))
            guard case .update(let update) = decoded.message else { Issue.record("not an UPDATE"); return }
            let segments = try #require(update.attributes.asPath).segments
            #expect(segments.allSatisfy { (1...255).contains($0.asns.count) })
            #expect(segments == path.wireNormalized.segments)
            #expect(ASPath(segments: segments).allASNs == path.allASNs)
        }
    }

    // MARK: Text forms

    @Test("IPAddress(a.description) == a for both families (RFC 4291 §2.2, RFC 5952)")
    func addressTextRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.ipAddress) { address in
            #expect(IPAddress(address.description) == address)
        }
    }

    @Test("IPv6 text is RFC 5952 canonical: lower case, no leading zeros, longest zero run (first on a tie) as ::")
    func ipv6TextIsCanonical() async {
        await propertyCheck(count: 500, input: Gen.ipv6Address) { address in
            let text = address.description
            #expect(Self.rfc5952Text(address.ipv6Groups) == text)
        }
    }

    @Test("Non-canonical IPv6 spellings parse to the same address (RFC 4291 §2.2 forms 1-3)")
    func ipv6AlternativeSpellings() async {
        await propertyCheck(count: 300, input: Gen.ipv6Address) { address in
            let groups = address.ipv6Groups
            // Form 1, full and upper case with leading zeros.
            let full = groups.map { g in
                let hex = String(g, radix: 16, uppercase: true)
                return String(repeating: "0", count: 4 - hex.count) + hex
            }.joined(separator: ":")
            #expect(IPAddress(full) == address, "\(full)")
            // Form 3, the low 32 bits as a dotted quad.
            let v4 = IPAddress(ipv4: UInt32(truncatingIfNeeded: address.low))
            let mixed = groups[0..<6].map { String($0, radix: 16) }.joined(separator: ":") + ":\(v4)"
            #expect(IPAddress(mixed) == address, "\(mixed)")
        }
    }

    @Test("IPPrefix(p.description) == p, and text with host bits set is refused")
    func prefixTextRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.ipPrefix, Gen<UInt64>.uint64()) { prefix, noise in
            #expect(IPPrefix(prefix.description) == prefix)
            // Set one host bit, if the prefix has any.
            let width = prefix.family.bitWidth
            guard Int(prefix.length) < width else { return }
            let bit = Int(prefix.length) + Int(noise % UInt64(width - Int(prefix.length)))
            var address = prefix.address
            let fromRight = width - 1 - bit
            if prefix.family == .ipv4 {
                address = IPAddress(ipv4: address.ipv4Value | UInt32(1) << UInt32(fromRight))
            } else if fromRight < 64 {
                address.low |= UInt64(1) << UInt64(fromRight)
            } else {
                address.high |= UInt64(1) << UInt64(fromRight - 64)
            }
            #expect(IPPrefix("\(address)/\(prefix.length)") == nil)
        }
    }

    // MARK: UPDATE packing

    @Test(
        "Packed announcements fit the limit, decode back in order, and no two could merge (RFC 4271 §4.1, RFC 8654)",
        arguments: [AddressFamily.ipv4Unicast, .ipv6Unicast])
    func packedAnnouncements(family: AddressFamily) async throws {
        let cases = Gen.withContext { PackingCase.generator(family: family, context: $0) }
        await propertyCheck(count: 120, input: cases) { pair in
            let (context, packing) = pair
            let addPath = context.addPath.contains(family)
            var buffer = ByteBuffer()
            let count = UpdatePacker.writeAnnouncements(
                packing.nlri, family: family, nextHops: packing.nextHops, attributes: packing.attributes,
                into: &buffer, context: context)
            let updates = try Self.readUpdates(&buffer, context: context)
            #expect(updates.count == count)
            var received: [NLRI] = []
            for update in updates {
                #expect(update.length <= context.maximumMessageLength)
                var attributes = update.message.attributes
                if family == .ipv4Unicast {
                    received += update.message.announced
                } else {
                    #expect(update.message.announced.isEmpty)
                    let reach = try #require(attributes.mpReach)
                    #expect(reach.family == family)
                    #expect(reach.nextHops == packing.nextHops)
                    received += reach.nlri
                    attributes.mpReach = nil
                }
                #expect(update.message.withdrawn.isEmpty)
                #expect(attributes.withoutWireHints == packing.attributes.wireNormalized)
            }
            #expect(received == packing.nlri)
            Self.expectTight(updates, context: context, addPath: addPath)
        }
    }

    @Test(
        "Packed withdrawals fit the limit, decode back in order, and no two could merge (RFC 4271 §4.1, RFC 4760 §4)",
        arguments: [AddressFamily.ipv4Unicast, .ipv6Unicast])
    func packedWithdrawals(family: AddressFamily) async throws {
        let nlri = { (context: EncodeContext) in
            // Enough entries to need several messages at either maximum length.
            let count = context.extendedMessage ? 0...(family == .ipv4Unicast ? 30_000 : 12_000) : 0...2_000
            return Gen.nlriList(family.ipFamily!, addPath: context.addPath.contains(family), count: count)
        }
        await propertyCheck(count: 40, input: Gen.withContext(nlri)) { pair in
            let (context, withdrawn) = pair
            var buffer = ByteBuffer()
            let count = UpdatePacker.writeWithdrawals(withdrawn, family: family, into: &buffer, context: context)
            let updates = try Self.readUpdates(&buffer, context: context)
            #expect(updates.count == count)
            var received: [NLRI] = []
            for update in updates {
                #expect(update.length <= context.maximumMessageLength)
                #expect(update.message.announced.isEmpty)
                if family == .ipv4Unicast {
                    #expect(update.message.attributes.isEmpty)
                    received += update.message.withdrawn
                } else {
                    #expect(update.message.withdrawn.isEmpty)
                    let unreach = try #require(update.message.attributes.mpUnreach)
                    #expect(unreach.family == family)
                    #expect(update.message.attributes.presentCodes == [.mpUnreachNLRI])
                    received += unreach.withdrawn
                }
            }
            #expect(received == withdrawn)
            Self.expectTight(updates, context: context, addPath: context.addPath.contains(family))
        }
    }

    // MARK: RFC 6793

    @Test("splittingForTwoOctetPeer() then mergingAS4Attributes() restores AS_PATH and AGGREGATOR (RFC 6793 §4.2)")
    func as4SplitThenMerge() async throws {
        let path = Gen.asPath(kinds: [.sequence, .set])
        await propertyCheck(count: 300, input: path, Gen.aggregator().optional) { asPath, aggregator in
            let original = PathAttributes(
                origin: .igp, asPath: asPath, nextHop: IPAddress(ipv4: 1), aggregator: aggregator)
            let split = original.splittingForTwoOctetPeer()
            #expect(split.asPath?.allASNs.allSatisfy { $0 <= 0xFFFF } == true)
            #expect(split.aggregator.map { $0.asn <= 0xFFFF } ?? true)
            let merged = split.mergingAS4Attributes()
            #expect(merged.asPath == asPath)
            #expect(merged.aggregator == aggregator)
            #expect(merged.as4Path == nil && merged.as4Aggregator == nil)

            // The same through a 2-octet session's wire.
            let context = EncodeContext(fourOctetAS: false)
            var buffer = ByteBuffer()
            buffer.writeBGPMessage(
                .update(UpdateMessage(attributes: split, announced: [NLRI(IPPrefix("10.0.0.0/8")!)])),
                context: context)
            let decoded = try #require(try buffer.readBGPMessage(context: context.decodeContext))
            #expect(decoded.updateErrors == [])
            guard case .update(let update) = decoded.message else { Issue.record("not an UPDATE"); return }
            let remerged = update.attributes.mergingAS4Attributes()
            #expect(remerged.asPath == asPath.wireNormalized)
            #expect(remerged.aggregator == aggregator)
        }
    }
}

// MARK: - Helpers

extension RoundTripTests {
    /// Reads every message in `buffer` as an UPDATE, requiring clean decodes.
    static func readUpdates(
        _ buffer: inout ByteBuffer, context: EncodeContext
    ) throws -> [(message: UpdateMessage, length: Int)] {
        var updates: [(message: UpdateMessage, length: Int)] = []
        while buffer.readableBytes > 0 {
            let before = buffer.readableBytes
            let decoded = try #require(try buffer.readBGPMessage(context: context.decodeContext))
            #expect(decoded.updateErrors == [])
            guard case .update(let update) = decoded.message else {
                Issue.record("expected an UPDATE, got \(decoded.message.type)")
                break
            }
            updates.append((update, before - buffer.readableBytes))
        }
        return updates
    }

    /// No two consecutive messages could have been one: the first NLRI of each message would not have fitted in
    /// the message before it.
    static func expectTight(
        _ updates: [(message: UpdateMessage, length: Int)], context: EncodeContext, addPath: Bool
    ) {
        func nlri(_ update: UpdateMessage) -> [NLRI] {
            update.withdrawn + update.announced + (update.attributes.mpReach?.nlri ?? [])
                + (update.attributes.mpUnreach?.withdrawn ?? [])
        }
        for (previous, next) in zip(updates, updates.dropFirst()) {
            guard let first = nlri(next.message).first else {
                Issue.record("a packed UPDATE carries no NLRI")
                continue
            }
            #expect(
                previous.length + first.encodedLength(addPath: addPath) > context.maximumMessageLength,
                "\(first) would have fitted in the previous \(previous.length)-octet message")
        }
    }

    /// RFC 5952 §4 text built independently of `IPAddress.description`.
    static func rfc5952Text(_ groups: [UInt16]) -> String {
        // §4.2.1-4.2.3: the longest run of at least two zero groups, the first one on a tie.
        var best: Range<Int>? = nil
        var start: Int? = nil
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if start == nil { start = i }
            } else if let s = start {
                if i - s >= 2 && i - s > (best?.count ?? 0) { best = s..<i }
                start = nil
            }
        }
        // §4.1 no leading zeros, §4.3 lower case.
        let hex = groups.map { String($0, radix: 16) }
        guard let best else { return hex.joined(separator: ":") }
        return hex[..<best.lowerBound].joined(separator: ":") + "::" + hex[best.upperBound...].joined(separator: ":")
    }
}

/// One `UpdatePacker.writeAnnouncements` call: NLRI, next hops for MP_REACH_NLRI, and a shared attribute set padded
/// with an unknown attribute so that the room left for NLRI varies from one entry to the whole message.
struct PackingCase: Sendable {
    var nlri: [NLRI]
    var nextHops: [IPAddress]
    var attributes: PathAttributes

    static func generator(family: AddressFamily, context: EncodeContext) -> AnyGen<PackingCase> {
        // Body NLRI need NEXT_HOP; MP_REACH_NLRI needs ORIGIN and AS_PATH (RFC 7606 §3 (d)).
        let mandatory: [AttributeCode] = family == .ipv4Unicast ? [.origin, .asPath, .nextHop] : [.origin, .asPath]
        let attributes = Gen.pathAttributes(
            context: context, mandatory: mandatory, multiprotocol: false, wireHints: false)
        let nextHops = zip(Gen.ipv6Address, Gen.ipv6LinkLocal.optional)
            .map { global, linkLocal in [global] + (linkLocal.map { [$0] } ?? []) }
        return zip(
            Gen.nlriList(family.ipFamily!, addPath: context.addPath.contains(family), count: 0...1_500), nextHops,
            attributes, Gen.int(in: 0...6_000)
        ).map { nlri, nextHops, attributes, room -> PackingCase? in
            var attributes = attributes
            let limit = context.maximumMessageLength
            let nextHops = family == .ipv4Unicast ? [] : nextHops
            // What the packer puts in every message besides NLRI (see UpdatePacker), plus room for the largest
            // NLRI entry (ADD-PATH + /128) and the padding attribute's 4-octet header.
            var block = ByteBuffer()
            attributes.write(to: &block, context: context)
            let mpFixed = family == .ipv4Unicast ? 0 : 4 + 5 + 16 * nextHops.count
            let spare = limit - (BGPMessage.headerLength + 4 + block.readableBytes + mpFixed) - 21 - 4
            guard spare >= 0 else { return nil }
            // Leave about `room` octets for NLRI, so that extended messages split too.
            let pad = spare - room
            let used = Set(attributes.unknown.map(\.code))
            if pad > 0, let code = AttributeCode.unknownCodes.last(where: { !used.contains($0) }) {
                let padding = [UInt8](repeating: 0xA5, count: pad)
                attributes.unknown.append(UnknownAttribute(flags: [.optional, .transitive], code: code, value: padding))
                attributes.unknown.sort { $0.code < $1.code }
            }
            return PackingCase(nlri: nlri, nextHops: nextHops, attributes: attributes)
        }.compactMap { $0 }.eraseToAny()
    }
}
