// SPDX-License-Identifier: Apache-2.0
// Captured messages checked against values written out by hand from the RFC layouts (ARCHITECTURE §12.1), so the
// JSON goldens rest on more than the decoder's own say-so. Sources: Vectors/SOURCES.md.

import BGPTestSupport
import BGPWire
import NIOCore
import Testing

@Suite("Golden values")
struct GoldenValueTests {
    func decode(_ name: String, message index: Int = 0) throws -> DecodedMessage {
        let vector = try #require(VectorFile.load(named: name))
        var buffer = ByteBuffer(bytes: vector.messages[index])
        return try #require(try buffer.readBGPMessage(context: vector.decodeContext))
    }

    @Test("FRR's OPEN: one capability per optional parameter, GR with R+N and F bits, LLGR, FQDN (RFC 5492, 4724, 9494)")
    func frrOpen() throws {
        let expected = OpenMessage(
            myAS: 64513, holdTime: 90, bgpIdentifier: IPAddress("10.99.1.2")!,
            optionalParameters: [
                [.multiprotocol(.ipv4Unicast)], [.multiprotocol(.ipv6Unicast)], [.unknown(code: 128, value: [])],
                [.routeRefresh], [.enhancedRouteRefresh], [.fourOctetAS(64513)], [.extendedMessage],
                [.addPath([AddPathEntry(family: .ipv4Unicast, mode: 1), AddPathEntry(family: .ipv6Unicast, mode: 1)])],
                [.fqdn(hostname: "frr-a", domain: "")],
                [.gracefulRestart(GracefulRestartCapability(
                    flags: 0xC, restartTime: 120,
                    families: [.init(family: .ipv4Unicast, forwardingPreserved: true), .init(family: .ipv6Unicast, forwardingPreserved: true)]))],
                [.longLivedGracefulRestart([
                    LongLivedGracefulRestartEntry(family: .ipv4Unicast, flags: 0x80, staleTime: 1800),
                    LongLivedGracefulRestartEntry(family: .ipv6Unicast, flags: 0x80, staleTime: 1800),
                ])],
            ])
        #expect(try decode("frr-open-rich.hex").message == .open(expected))
    }

    @Test("FRR's IPv6 UPDATE: MP_REACH first with global + link-local next hop (RFC 2545 §3, RFC 7606 §5.1)")
    func frrIPv6LinkLocal() throws {
        let decoded = try decode("frr-update-ipv6-linklocal.hex")
        guard case .update(let update) = decoded.message else { Issue.record("not an UPDATE"); return }
        var expected = PathAttributes(
            origin: .incomplete, asPath: ASPath(sequence: [64513]), multiExitDiscriminator: 78,
            communities: [Community(64513, 600), .noAdvertise],
            mpReach: MultiprotocolReach(
                family: .ipv6Unicast, nextHops: [IPAddress("fd99:1::2")!, IPAddress("fe80::6051:55ff:fe3d:b93f")!],
                nlri: [NLRI(IPPrefix("fd00:10:244:8000::/122")!)]),
            largeCommunities: [LargeCommunity(4_200_000_001, 64513, 6)])
        // FRR's own attribute order and its long-form AS_PATH length are kept as encoding hints.
        expected.wireOrder = update.attributes.wireOrder
        expected.extendedLengthHint = update.attributes.extendedLengthHint
        #expect(update.attributes.extendedLengthHint.contains(.asPath))
        #expect(update.attributes.mpReach?.linkLocalNextHop?.isIPv6LinkLocal == true)
        #expect(update == UpdateMessage(attributes: expected))
        #expect(update.announced.isEmpty && update.withdrawn.isEmpty)
    }

    @Test("BIRD reflecting to a non-client: ORIGINATOR_ID, CLUSTER_LIST, LOCAL_PREF (RFC 4456 §8)")
    func birdReflected() throws {
        let decoded = try decode("bird2-update-rr-reflected.hex")
        let expected = UpdateMessage(
            attributes: PathAttributes(
                origin: .igp, asPath: ASPath(), nextHop: IPAddress("10.99.4.1")!, multiExitDiscriminator: 0,
                localPreference: 200, communities: [Community(64516, 48), .noExport],
                originatorID: IPAddress("10.99.4.1")!, clusterList: [IPAddress("10.99.4.2")!],
                extendedCommunities: [.routeTarget(asn: 64516, value: 48)]),
            announced: [NLRI(IPPrefix("10.244.48.0/26")!), NLRI(IPPrefix("10.244.48.64/26")!)])
        #expect(decoded.message == .update(expected))
    }

    @Test("GoBGP to a 2-octet peer: AS_TRANS, AS4_PATH and AS4_AGGREGATOR merge back (RFC 6793 §4.2.3)")
    func gobgpAS4() throws {
        let decoded = try decode("gobgp-as4-to-2octet.hex", message: 3)
        guard case .update(let update) = decoded.message else { Issue.record("not an UPDATE"); return }
        let a = update.attributes
        #expect(a.asPath == ASPath(segments: [.init(kind: .sequence, asns: [64513, 23456]), .init(kind: .set, asns: [64520, 23456])]))
        #expect(a.aggregator == Aggregator(asn: 23456, address: IPAddress("10.98.1.16")!))
        #expect(a.as4Aggregator == Aggregator(asn: 4_200_000_001, address: IPAddress("10.98.1.16")!))
        let merged = a.mergingAS4Attributes()
        #expect(merged.asPath == ASPath(segments: [
            .init(kind: .sequence, asns: [64513, 4_200_000_001]), .init(kind: .set, asns: [64520, 4_200_000_002]),
        ]))
        #expect(merged.aggregator == Aggregator(asn: 4_200_000_001, address: IPAddress("10.98.1.16")!))
        #expect(merged.as4Path == nil && merged.as4Aggregator == nil)
    }

    @Test("ExaBGP's unknown optional transitive attribute is kept byte-exact and forwarded with Partial (RFC 4271 §9)")
    func unknownAttributeForwarded() throws {
        let decoded = try decode("exabgp-unknown-attribute.hex")
        guard case .update(var update) = decoded.message else { Issue.record("not an UPDATE"); return }
        let unknown = try #require(update.attributes.unknown.first)
        #expect(unknown == UnknownAttribute(flags: [.optional, .transitive], code: AttributeCode(rawValue: 0x70), value: [1, 2, 3, 4, 5]))
        let forwarded = try #require(unknown.forwarded())
        #expect(forwarded.flags == [.optional, .transitive, .partial])
        update.attributes.unknown = [forwarded]
        var buffer = ByteBuffer()
        buffer.writeBGPMessage(.update(update), context: EncodeContext())
        let bytes = Array(buffer: buffer)
        #expect(bytes.windowContaining([0xE0, 0x70, 0x05, 1, 2, 3, 4, 5]))
        // Optional non-transitive unknown attributes are not passed along.
        #expect(UnknownAttribute(flags: .optional, code: AttributeCode(rawValue: 0x71), value: []).forwarded() == nil)
    }

    @Test("FRR's shutdown NOTIFICATION carries its RFC 8203/9003 communication")
    func shutdownCommunication() throws {
        let decoded = try decode("frr-notification-shutdown.hex")
        guard case .notification(let notification) = decoded.message else { Issue.record("not a NOTIFICATION"); return }
        #expect(notification == .administrativeShutdown(message: "planned maintenance: moving pods to rack 7"))
        #expect(notification.shutdownCommunication == "planned maintenance: moving pods to rack 7")
    }

    @Test("End-of-RIB markers from BIRD for both families (RFC 4724 §2)")
    func endOfRIB() throws {
        let vector = try #require(VectorFile.load(named: "bird2-eor.hex"))
        var families: [AddressFamily] = []
        for bytes in vector.messages {
            var buffer = ByteBuffer(bytes: bytes)
            if case .update(let update) = try buffer.readBGPMessage(context: vector.decodeContext)?.message,
                let family = update.endOfRIBFamily
            {
                families.append(family)
            }
        }
        #expect(Set(families) == [.ipv4Unicast, .ipv6Unicast])
    }
}

extension Array where Element == UInt8 {
    func windowContaining(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
