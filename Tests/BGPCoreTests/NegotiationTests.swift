// SPDX-License-Identifier: Apache-2.0
// `SessionConfiguration.negotiate(received:)`: OPEN checks (RFC 4271 §6.2, RFC 6793, RFC 7607, RFC 6286) and what
// the two OPENs agree on (RFC 4760, RFC 7911, RFC 8654, RFC 2918/7313), including the codec contexts it yields.

import BGPCore
import BGPWire
import Testing

@Suite("Negotiation")
struct NegotiationTests {
    private func negotiate(
        _ config: SessionConfiguration = configuration(), _ open: OpenMessage = peerOpen()
    ) throws -> NegotiatedSession {
        try config.negotiate(received: open).get()
    }

    private func failure(_ config: SessionConfiguration, _ open: OpenMessage) -> BGPNotification? {
        if case .failure(let notification) = config.negotiate(received: open) { return notification }
        return nil
    }

    // MARK: OPEN checks

    struct PeerASCase: Sendable, CustomTestStringConvertible {
        var name: String
        var configuredPeerAS: UInt32
        var myAS: UInt16
        var fourOctet: UInt32?
        var accepted: Bool
        var testDescription: String { name }
    }

    static let peerASCases: [PeerASCase] = [
        PeerASCase(name: "2-octet match", configuredPeerAS: 64513, myAS: 64513, fourOctet: nil, accepted: true),
        PeerASCase(name: "4-octet match", configuredPeerAS: 64513, myAS: 64513, fourOctet: 64513, accepted: true),
        PeerASCase(
            name: "4-octet AS behind AS_TRANS", configuredPeerAS: 4_200_000_001, myAS: 23456,
            fourOctet: 4_200_000_001, accepted: true),
        PeerASCase(name: "2-octet mismatch", configuredPeerAS: 64513, myAS: 64514, fourOctet: nil, accepted: false),
        PeerASCase(name: "4-octet mismatch", configuredPeerAS: 64513, myAS: 64513, fourOctet: 64514, accepted: false),
        PeerASCase(name: "AS 0 in My AS (RFC 7607)", configuredPeerAS: 0, myAS: 0, fourOctet: nil, accepted: false),
        PeerASCase(
            name: "AS 0 in the capability (RFC 7607)", configuredPeerAS: 0, myAS: 0, fourOctet: 0, accepted: false),
        PeerASCase(
            name: "AS 0 where AS 64513 is expected (RFC 7607)", configuredPeerAS: 64513, myAS: 0, fourOctet: nil,
            accepted: false),
        PeerASCase(
            name: "AS_TRANS without the 4-octet capability (RFC 6793 §4.1)", configuredPeerAS: 23456, myAS: 23456,
            fourOctet: nil, accepted: false),
        PeerASCase(
            name: "4-octet AS expected, peer speaks 2-octet AS_TRANS only", configuredPeerAS: 4_200_000_001,
            myAS: 23456, fourOctet: nil, accepted: false),
    ]

    @Test(
        "Peer AS must match the configured one, else Bad Peer AS 2/2 (RFC 4271 §6.2, RFC 7607, RFC 6793)",
        arguments: peerASCases)
    func badPeerAS(_ row: PeerASCase) throws {
        let config = configuration(peerAS: row.configuredPeerAS)
        var capabilities: [Capability] = [.multiprotocol(.ipv4Unicast)]
        if let asn = row.fourOctet { capabilities.append(.fourOctetAS(asn)) }
        let open = OpenMessage(
            myAS: row.myAS, holdTime: 90, bgpIdentifier: IPAddress("10.0.0.2")!, optionalParameters: [capabilities])
        let result = config.negotiate(received: open)
        if row.accepted {
            let session = try result.get()
            #expect(session.peerAS == row.configuredPeerAS)
            #expect(session.fourOctetAS == (row.fourOctet != nil))
        } else {
            #expect(failure(config, open) == .badPeerAS)
            #expect(failure(config, open) == BGPNotification(code: .openMessage, subcode: 2))
        }
    }

    @Test("Hold time 1 or 2 is refused, 2/6 (RFC 4271 §6.2)", arguments: [1, 2] as [UInt16])
    func unacceptableHoldTime(_ hold: UInt16) {
        let notification = failure(configuration(), peerOpen(holdTime: hold))
        #expect(notification == .unacceptableHoldTime)
        #expect(notification == BGPNotification(code: .openMessage, subcode: 6))
    }

    @Test("Hold time 0 or at least 3 is accepted (RFC 4271 §4.2)", arguments: [0, 3, 4, 65535] as [UInt16])
    func acceptableHoldTime(_ hold: UInt16) throws {
        #expect(try negotiate(configuration(), peerOpen(holdTime: hold)).holdTime == min(hold, 90))
    }

    struct TimerCase: Sendable, CustomTestStringConvertible {
        var ours: UInt16
        var theirs: UInt16
        var keepalive: UInt16?
        var hold: UInt16
        var expectedKeepalive: UInt16
        var testDescription: String {
            "ours \(ours), theirs \(theirs), keepalive \(keepalive.map(String.init) ?? "default") → \(hold)/\(expectedKeepalive)"
        }
    }

    static let timerCases: [TimerCase] = [
        TimerCase(ours: 90, theirs: 90, keepalive: nil, hold: 90, expectedKeepalive: 30),
        TimerCase(ours: 90, theirs: 30, keepalive: nil, hold: 30, expectedKeepalive: 10),
        TimerCase(ours: 30, theirs: 90, keepalive: nil, hold: 30, expectedKeepalive: 10),
        TimerCase(ours: 90, theirs: 240, keepalive: nil, hold: 90, expectedKeepalive: 30),
        TimerCase(ours: 3, theirs: 90, keepalive: nil, hold: 3, expectedKeepalive: 1),
        TimerCase(ours: 90, theirs: 4, keepalive: nil, hold: 4, expectedKeepalive: 1),
        // A configured keepalive is used when shorter than hold/3, and capped at hold/3 otherwise.
        TimerCase(ours: 90, theirs: 90, keepalive: 10, hold: 90, expectedKeepalive: 10),
        TimerCase(ours: 90, theirs: 90, keepalive: 60, hold: 90, expectedKeepalive: 30),
        TimerCase(ours: 90, theirs: 9, keepalive: 20, hold: 9, expectedKeepalive: 3),
        // Hold time 0 on either side disables both timers.
        TimerCase(ours: 0, theirs: 90, keepalive: nil, hold: 0, expectedKeepalive: 0),
        TimerCase(ours: 90, theirs: 0, keepalive: nil, hold: 0, expectedKeepalive: 0),
        TimerCase(ours: 90, theirs: 0, keepalive: 10, hold: 0, expectedKeepalive: 0),
    ]

    @Test(
        "Hold time is min(ours, theirs); keepalive min(configured or hold/3, hold/3); 0 disables (RFC 4271 §4.2, §10)",
        arguments: timerCases)
    func holdAndKeepalive(_ row: TimerCase) throws {
        let session = try negotiate(
            configuration(holdTime: row.ours, keepaliveTime: row.keepalive), peerOpen(holdTime: row.theirs))
        #expect(session.holdTime == row.hold)
        #expect(session.keepaliveInterval == row.expectedKeepalive)
    }

    @Test("BGP Identifier 0 is refused, 2/3 (RFC 6286 §2.2)", arguments: [64512, 64513] as [UInt32])
    func zeroIdentifier(_ peerAS: UInt32) {
        let notification = failure(configuration(peerAS: peerAS), peerOpen(asNumber: peerAS, identifier: "0.0.0.0"))
        #expect(notification == .badBGPIdentifier)
        #expect(notification == BGPNotification(code: .openMessage, subcode: 3))
    }

    @Test("Our own BGP Identifier is refused on iBGP, 2/3 (RFC 6286 §2.2)")
    func equalIdentifierInternal() {
        let notification = failure(configuration(peerAS: 64512), peerOpen(asNumber: 64512, identifier: "10.0.0.1"))
        #expect(notification == .badBGPIdentifier)
    }

    @Test("Our own BGP Identifier is allowed on eBGP (RFC 6286 §2.2)")
    func equalIdentifierExternal() throws {
        let session = try negotiate(configuration(), peerOpen(identifier: "10.0.0.1"))
        #expect(session.peerIdentifier == IPAddress("10.0.0.1")!)
        #expect(!session.isInternal)
    }

    // MARK: Capabilities

    @Test("Families are the intersection of both Multiprotocol sets (RFC 4760 §8)")
    func familiesIntersect() throws {
        let multicast = AddressFamily(afi: .ipv4, safi: .multicast)
        let open = peerOpen(capabilities: [
            .multiprotocol(.ipv6Unicast), .multiprotocol(multicast), .fourOctetAS(64513),
        ])
        #expect(try negotiate(configuration(), open).families == [.ipv6Unicast])
        let both = peerOpen()
        #expect(try negotiate(configuration(), both).families == [.ipv4Unicast, .ipv6Unicast])
        #expect(try negotiate(configuration(families: [.ipv4Unicast]), both).families == [.ipv4Unicast])
    }

    @Test("A peer without Multiprotocol speaks IPv4 unicast only (RFC 4760 §8)")
    func noMultiprotocolMeansIPv4Unicast() throws {
        let bare = OpenMessage(myAS: 64513, holdTime: 90, bgpIdentifier: IPAddress("10.0.0.2")!, optionalParameters: [])
        #expect(try negotiate(configuration(), bare).families == [.ipv4Unicast])
        let noMP = peerOpen(capabilities: [.routeRefresh, .fourOctetAS(64513)])
        #expect(try negotiate(configuration(), noMP).families == [.ipv4Unicast])
        #expect(try negotiate(configuration(families: [.ipv6Unicast]), noMP).families.isEmpty)
    }

    struct AddPathCase: Sendable, CustomTestStringConvertible {
        var ours: UInt8
        var theirs: UInt8
        var receive: Bool
        var send: Bool
        var testDescription: String { "ours \(ours), theirs \(theirs)" }
    }

    static let addPathCases: [AddPathCase] = [
        AddPathCase(ours: 1, theirs: 1, receive: false, send: false),
        AddPathCase(ours: 1, theirs: 2, receive: true, send: false),
        AddPathCase(ours: 2, theirs: 1, receive: false, send: true),
        AddPathCase(ours: 2, theirs: 2, receive: false, send: false),
        AddPathCase(ours: 3, theirs: 1, receive: false, send: true),
        AddPathCase(ours: 3, theirs: 2, receive: true, send: false),
        AddPathCase(ours: 1, theirs: 3, receive: true, send: false),
        AddPathCase(ours: 2, theirs: 3, receive: false, send: true),
        AddPathCase(ours: 3, theirs: 3, receive: true, send: true),
    ]

    @Test("ADD-PATH receive needs our receive and their send, and vice versa (RFC 7911 §4)", arguments: addPathCases)
    func addPathModes(_ row: AddPathCase) throws {
        let config = configuration(addPath: [AddPathEntry(family: .ipv4Unicast, mode: row.ours)])
        var capabilities = peerOpen().capabilities
        capabilities.append(.addPath([AddPathEntry(family: .ipv4Unicast, mode: row.theirs)]))
        let session = try negotiate(config, peerOpen(capabilities: capabilities))
        #expect(session.addPathReceive == (row.receive ? [.ipv4Unicast] : []))
        #expect(session.addPathSend == (row.send ? [.ipv4Unicast] : []))
        #expect(session.decodeContext.addPath == session.addPathReceive)
        #expect(session.encodeContext.addPath == session.addPathSend)
    }

    @Test("ADD-PATH is negotiated per family, only for negotiated families (RFC 7911 §4)")
    func addPathPerFamily() throws {
        let config = configuration(addPath: [
            AddPathEntry(family: .ipv4Unicast, mode: 3), AddPathEntry(family: .ipv6Unicast, mode: 1),
        ])
        var capabilities = peerOpen().capabilities
        capabilities.append(
            .addPath([
                AddPathEntry(family: .ipv4Unicast, mode: 1), AddPathEntry(family: .ipv6Unicast, mode: 3),
            ]))
        let session = try negotiate(config, peerOpen(capabilities: capabilities))
        #expect(session.addPathReceive == [.ipv6Unicast])
        #expect(session.addPathSend == [.ipv4Unicast])

        // Offered for IPv6 by both sides, but IPv6 itself is not negotiated.
        let v4Only = configuration(families: [.ipv4Unicast], addPath: [AddPathEntry(family: .ipv6Unicast, mode: 3)])
        let v6AddPath = peerOpen(
            capabilities: peerOpen().capabilities + [.addPath([AddPathEntry(family: .ipv6Unicast, mode: 3)])])
        let restricted = try negotiate(v4Only, v6AddPath)
        #expect(restricted.addPathReceive.isEmpty && restricted.addPathSend.isEmpty)

        // The peer offers nothing: none either way.
        let none = try negotiate(config, peerOpen())
        #expect(none.addPathReceive.isEmpty && none.addPathSend.isEmpty)
    }

    struct OptionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var ours: Bool
        var theirs: [Capability]
        var expected: Bool
        var testDescription: String { name }
    }

    static let extendedMessageCases: [OptionCase] = [
        OptionCase(name: "both", ours: true, theirs: [.extendedMessage], expected: true),
        OptionCase(name: "only ours", ours: true, theirs: [], expected: false),
        OptionCase(name: "only theirs", ours: false, theirs: [.extendedMessage], expected: false),
    ]

    @Test("Extended Message only when both sides offer it (RFC 8654 §3)", arguments: extendedMessageCases)
    func extendedMessage(_ row: OptionCase) throws {
        let session = try negotiate(
            configuration(extendedMessage: row.ours), peerOpen(capabilities: row.theirs + [.fourOctetAS(64513)]))
        #expect(session.extendedMessage == row.expected)
        #expect(session.decodeContext.extendedMessage == row.expected)
        #expect(session.encodeContext.extendedMessage == row.expected)
        #expect(session.decodeContext.maximumMessageLength == (row.expected ? 65535 : 4096))
    }

    static let routeRefreshCases: [OptionCase] = [
        OptionCase(name: "code 2", ours: true, theirs: [.routeRefresh], expected: true),
        OptionCase(name: "pre-standard code 128", ours: true, theirs: [.unknown(code: 128, value: [])], expected: true),
        OptionCase(name: "peer offers none", ours: true, theirs: [], expected: false),
        OptionCase(name: "we offer none", ours: false, theirs: [.routeRefresh], expected: false),
    ]

    @Test("Route refresh (code 2 or 128) only when both sides offer it (RFC 2918 §3)", arguments: routeRefreshCases)
    func routeRefresh(_ row: OptionCase) throws {
        let session = try negotiate(
            configuration(routeRefresh: row.ours), peerOpen(capabilities: row.theirs + [.fourOctetAS(64513)]))
        #expect(session.routeRefresh == row.expected)
    }

    static let enhancedRefreshCases: [OptionCase] = [
        OptionCase(name: "both", ours: true, theirs: [.routeRefresh, .enhancedRouteRefresh], expected: true),
        OptionCase(name: "only ours", ours: true, theirs: [.routeRefresh], expected: false),
        OptionCase(name: "only theirs", ours: false, theirs: [.routeRefresh, .enhancedRouteRefresh], expected: false),
    ]

    @Test("Enhanced route refresh only when both sides offer it (RFC 7313 §3)", arguments: enhancedRefreshCases)
    func enhancedRouteRefresh(_ row: OptionCase) throws {
        let session = try negotiate(
            configuration(enhancedRouteRefresh: row.ours), peerOpen(capabilities: row.theirs + [.fourOctetAS(64513)]))
        #expect(session.enhancedRouteRefresh == row.expected)
        #expect(session.decodeContext.enhancedRouteRefresh == row.expected)
    }

    @Test("4-octet AS only when the peer sends the capability (RFC 6793 §4)")
    func fourOctetAS() throws {
        #expect(try negotiate().fourOctetAS)
        let twoOctet = try negotiate(configuration(), peerOpen(capabilities: [.multiprotocol(.ipv4Unicast)]))
        #expect(!twoOctet.fourOctetAS)
        #expect(!twoOctet.decodeContext.fourOctetAS)
        #expect(!twoOctet.encodeContext.fourOctetAS)
        #expect(twoOctet.peerAS == 64513)
    }

    @Test("Decode and encode contexts follow the negotiation; eBGP decodes as external (RFC 7606 §7)")
    func contextsExternal() throws {
        let config = configuration(addPath: [AddPathEntry(family: .ipv4Unicast, mode: 3)])
        let open = peerOpen(
            capabilities: peerOpen().capabilities + [.addPath([AddPathEntry(family: .ipv4Unicast, mode: 1)])])
        let session = try negotiate(config, open)
        #expect(
            session.decodeContext
                == DecodeContext(
                    fourOctetAS: true, addPath: [], extendedMessage: true, enhancedRouteRefresh: true,
                    peerType: .external))
        #expect(
            session.encodeContext == EncodeContext(fourOctetAS: true, addPath: [.ipv4Unicast], extendedMessage: true))
        #expect(session.localOpen == config.localOpen)
        #expect(session.peerOpen == open)
    }

    @Test("iBGP decodes as internal (RFC 7606 §7.5)")
    func contextsInternal() throws {
        let session = try negotiate(
            configuration(peerAS: 64512), peerOpen(asNumber: 64512, capabilities: [.fourOctetAS(64512)]))
        #expect(session.isInternal)
        #expect(
            session.decodeContext
                == DecodeContext(
                    fourOctetAS: true, addPath: [], extendedMessage: false, enhancedRouteRefresh: false,
                    peerType: .internal))
        #expect(session.families == [.ipv4Unicast])
    }

    @Test("The OPEN we send offers what is configured (RFC 5492, RFC 6793 §3)")
    func localOpen() {
        let config = configuration(
            localAS: 4_200_000_001, addPath: [AddPathEntry(family: .ipv4Unicast, mode: 3)])
        let open = config.localOpen
        #expect(open.myAS == 23456)
        #expect(open.asNumber == 4_200_000_001)
        #expect(open.holdTime == 90)
        #expect(open.bgpIdentifier == IPAddress("10.0.0.1")!)
        #expect(open.capabilities.contains(.multiprotocol(.ipv4Unicast)))
        #expect(open.capabilities.contains(.multiprotocol(.ipv6Unicast)))
        #expect(open.capabilities.contains(.fourOctetAS(4_200_000_001)))
        #expect(open.capabilities.contains(.addPath([AddPathEntry(family: .ipv4Unicast, mode: 3)])))
        #expect(open.capabilities.contains(.routeRefresh))
        #expect(open.capabilities.contains(.enhancedRouteRefresh))
        #expect(open.capabilities.contains(.extendedMessage))
    }

    // MARK: RFC 8950 and dynamic neighbors

    @Test("Extended next hop (RFC 8950 §3): on only when both sides offer IPv4 unicast over IPv6")
    func extendedNextHop() throws {
        var ours = configuration()
        ours.extendedNextHop = true
        let entry = ExtendedNextHopEntry(nlriAFI: .ipv4, nlriSAFI: 1, nextHopAFI: .ipv6)
        #expect(ours.localOpen.capabilities.contains(.extendedNextHop([entry])))
        var theirs = peerOpen().capabilities
        #expect(try !negotiate(ours, peerOpen(capabilities: theirs)).extendedNextHop)
        theirs.append(.extendedNextHop([entry]))
        #expect(try negotiate(ours, peerOpen(capabilities: theirs)).extendedNextHop)
        #expect(try !negotiate(configuration(), peerOpen(capabilities: theirs)).extendedNextHop)
    }

    @Test("A dynamic neighbor may announce any AS of its range; iBGP when the AS is ours (RFC 4271 §6.2 otherwise)")
    func acceptedPeerASes() throws {
        var ours = configuration(peerAS: 64512)
        ours.acceptedPeerASes = 64512...64600
        #expect(try negotiate(ours, peerOpen(asNumber: 64513)).isInternal == false)
        #expect(try negotiate(ours, peerOpen(asNumber: 64512)).isInternal == true)
        #expect(failure(ours, peerOpen(asNumber: 65000)) == .badPeerAS)
    }
}
