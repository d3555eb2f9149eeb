// SPDX-License-Identifier: Apache-2.0
// Reading what the kernel sends about devices: RTM_NEWLINK into LinkInfo, an RTM_GETADDR dump into
// InterfaceAddressEntry values, route look-up replies into ResolvedNextHop, and notifications into KernelChange.
// Vectors are in DeviceCaptures.swift, with their provenance.

import BGPWire
import KernelNetlink
import Testing

@Suite("Device replies")
struct NetlinkDeviceReplyTests {
    static func single(_ bytes: [UInt8]) throws -> NetlinkMessage {
        let messages = try NetlinkMessage.parseStream(bytes)
        try #require(messages.count == 1)
        return messages[0]
    }

    @Test("VXLAN link: index, name, kind, MTU, down, MAC, and VNI/port/local/learning from IFLA_INFO_DATA")
    func vxlanLink() throws {
        let message = try Self.single(DeviceCaptures.vxlanLink)
        #expect(message.header.type == .newLink)
        let link = try LinkInfo(linkMessagePayload: message.payload)
        #expect(link == LinkInfo(
            index: 6, name: "vxlan.calico", kind: "vxlan", mtu: 1410, isUp: false,
            linkLayerAddress: LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01]),
            vxlan: LinkInfo.VXLAN(vni: 4096, port: 4789, local: ip("10.0.0.1"), learning: false)))
    }

    @Test("veth link: up, kind veth, no VXLAN data")
    func vethLink() throws {
        let link = try LinkInfo(linkMessagePayload: Self.single(DeviceCaptures.vethLink).payload)
        #expect(link == LinkInfo(index: 3, name: "v0", kind: "veth", mtu: 1500, isUp: true,
                                 linkLayerAddress: LinkLayerAddress([0xf2, 0x08, 0x26, 0xe8, 0xb2, 0xeb])))
    }

    @Test("no such device: NLMSG_ERROR ENODEV")
    func noSuchLink() throws {
        let message = try Self.single(DeviceCaptures.noSuchLink)
        #expect(try NetlinkErrorMessage(message).error == .noSuchDevice)
    }

    @Test("a truncated ifinfomsg is a typed parse error")
    func truncatedLink() {
        #expect(throws: NetlinkParseError.badValue(field: "ifinfomsg", length: 8)) {
            try LinkInfo(linkMessagePayload: [UInt8](repeating: 0, count: 8))
        }
    }

    @Test("address dump: IFA_LOCAL (IPv4) or IFA_ADDRESS (IPv6), host bits and prefix length kept, until NLMSG_DONE")
    func addressDump() throws {
        var dump = NetlinkDump(sequence: 0x6b01_72b6)
        try dump.receive(NetlinkMessage.parseStream(DeviceCaptures.addressDump))
        #expect(!dump.isComplete)
        try dump.receive(NetlinkMessage.parseStream(DeviceCaptures.addressDumpDone))
        #expect(dump.isComplete && !dump.wasInterrupted && dump.error == nil)
        let entries = try dump.messages.compactMap { try InterfaceAddressEntry(addressMessagePayload: $0.payload) }
        func entry(_ index: UInt32, _ address: String, _ length: UInt8) -> InterfaceAddressEntry {
            InterfaceAddressEntry(interfaceIndex: index, address: InterfaceAddress(ip(address), prefixLength: length))
        }
        #expect(entries == [
            entry(1, "127.0.0.1", 8), entry(3, "10.0.0.1", 24), entry(3, "10.0.0.7", 24), entry(6, "10.244.0.64", 32),
            entry(1, "::1", 128), entry(2, "fe80::e04f:83ff:fe74:8ec7", 64), entry(3, "fe80::f008:26ff:fee8:b2eb", 64),
            entry(6, "2001:db8:44::1", 128),
        ])
        #expect(entries[2].address.prefix == prefix("10.0.0.0/24"))
    }

    @Test("a dump ended by an error in NLMSG_DONE keeps the errno")
    func dumpError() throws {
        // NLMSG_DONE, NLM_F_MULTI, sequence 7, error -EINTR.
        var dump = NetlinkDump(sequence: 7)
        try dump.receive(NetlinkMessage.parseStream(hex("14000000 0300 0200 07000000 00000000 fcffffff")))
        #expect(dump.isComplete)
        #expect(dump.error?.error == .interrupted)
    }

    @Test("route lookup replies: connected (no gateway), via a gateway; ENETUNREACH and a blackhole's EINVAL")
    func lookups() throws {
        let connected = try Self.single(DeviceCaptures.lookupConnected)
        #expect(connected.header.type == .newRoute)
        #expect(try ResolvedNextHop(routeLookupReplyPayload: connected.payload)
            == ResolvedNextHop(gateway: nil, interfaceIndex: 3))
        let viaGateway = try Self.single(DeviceCaptures.lookupGateway)
        #expect(try ResolvedNextHop(routeLookupReplyPayload: viaGateway.payload)
            == ResolvedNextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3))
        #expect(try NetlinkErrorMessage(Self.single(DeviceCaptures.lookupUnreachable)).error == .networkUnreachable)
        #expect(try NetlinkErrorMessage(Self.single(DeviceCaptures.lookupBlackhole)).error == .invalidArgument)
    }

    @Test("IPIP creation on a kernel without ipip: EOPNOTSUPP with \"Unknown device type\"")
    func ipipUnsupported() throws {
        let answer = try NetlinkErrorMessage(Self.single(DeviceCaptures.ipipUnsupported))
        #expect(answer.error == .notSupported)
        #expect(answer.message == "Unknown device type")
    }

    @Test("notifications: route added and deleted (table, protocol), IPv6 in table 1000, address, link")
    func notifications() throws {
        #expect(try KernelChange(Self.single(DeviceCaptures.routeAdded))
            == .route(prefix: prefix("10.20.0.0/24"), table: .main, routeProtocol: RouteProtocol(rawValue: 4),
                      deleted: false))
        #expect(try KernelChange(Self.single(DeviceCaptures.routeDeleted))
            == .route(prefix: prefix("10.20.0.0/24"), table: .main, routeProtocol: RouteProtocol(rawValue: 4),
                      deleted: true))
        #expect(try KernelChange(Self.single(DeviceCaptures.routeAddedIPv6Table1000))
            == .route(prefix: prefix("2001:db8:20::/64"), table: RouteTable(rawValue: 1000),
                      routeProtocol: RouteProtocol(rawValue: 4), deleted: false))
        #expect(try KernelChange(Self.single(DeviceCaptures.localRouteAdded))
            == .route(prefix: prefix("10.0.0.8/32"), table: .local, routeProtocol: RouteProtocol(rawValue: 2),
                      deleted: false))
        #expect(try KernelChange(Self.single(DeviceCaptures.addressAdded)) == .address(index: 3, deleted: false))
        #expect(try KernelChange(Self.single(DeviceCaptures.addressDeleted)) == .address(index: 2, deleted: true))
        // A link notification has the RTM_NEWLINK layout of a get reply; RTM_DELLINK the same payload.
        let link = try Self.single(DeviceCaptures.vethLink)
        #expect(try KernelChange(link) == .link(index: 3, deleted: false))
        var header = link.header
        header.type = .deleteLink
        #expect(try KernelChange(NetlinkMessage(header: header, payload: link.payload)) == .link(index: 3, deleted: true))
        // Anything else is not a change.
        #expect(try KernelChange(Self.single(DeviceCaptures.noSuchLink)) == nil)
    }
}
