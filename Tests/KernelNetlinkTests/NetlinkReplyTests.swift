// SPDX-License-Identifier: Apache-2.0
// Parsing what the kernel sends back: message streams, NLMSG_ERROR with and without extended-ack text, NLMSG_DONE,
// and dumped routes read into KernelRoute values. Vectors are in Captures.swift (provenance there) or quoted here.

import BGPWire
import KernelNetlink
import Testing

@Suite("Netlink replies")
struct NetlinkReplyTests {
    static func hop(_ gateway: String?, _ index: UInt32? = 3, onLink: Bool = false, weight: UInt16 = 1) -> NextHop {
        NextHop(gateway: gateway.map(ip), interfaceIndex: index, onLink: onLink, weight: weight)
    }

    static func routes(_ bytes: [UInt8], done: [UInt8], sequence: UInt32) throws -> RouteDump {
        var dump = RouteDump(sequence: sequence)
        try dump.receive(NetlinkMessage.parseStream(bytes))
        #expect(!dump.isComplete)
        try dump.receive(NetlinkMessage.parseStream(done))
        #expect(dump.isComplete && !dump.wasInterrupted && dump.error == nil)
        return dump
    }

    @Test("IPv4 dump from `ip route show proto bird`: gateway, onlink, ECMP with onlink hop, RTA_VIA, scope link")
    func dumpIPv4() throws {
        let messages = try NetlinkMessage.parseStream(Captures.dumpIPv4)
        #expect(messages.count == 5)
        #expect(messages.allSatisfy { $0.header.type == .newRoute && $0.header.flags == [.multi, .dumpFiltered] })
        let dump = try Self.routes(Captures.dumpIPv4, done: Captures.dumpIPv4Done, sequence: 0x6b01_5a71)
        #expect(dump.routes == [
            KernelRoute(prefix: prefix("192.168.1.64/26"), kind: .unicast([Self.hop("10.0.0.2")])),
            KernelRoute(prefix: prefix("192.168.2.0/26"), kind: .unicast([Self.hop("172.16.0.5", onLink: true)])),
            KernelRoute(prefix: prefix("192.168.3.0/26"),
                        kind: .unicast([Self.hop("10.0.0.2"), Self.hop("172.16.0.6", onLink: true)])),
            KernelRoute(prefix: prefix("192.168.4.0/26"), kind: .unicast([Self.hop("fe80::1")])),
            KernelRoute(prefix: prefix("192.168.7.0/26"), kind: .unicast([Self.hop(nil)])),
        ])
    }

    @Test("IPv6 dump: blackhole (its `dev lo` ignored), priority 1024, multipath, RTA_CACHEINFO/RTA_PREF skipped")
    func dumpIPv6() throws {
        let dump = try Self.routes(Captures.dumpIPv6, done: Captures.dumpIPv6Done, sequence: 0x6b01_5a71)
        #expect(dump.routes == [
            KernelRoute(prefix: prefix("2001:db8:2::/122"), kind: .blackhole, priority: 1024),
            KernelRoute(prefix: prefix("2001:db8:3::/122"),
                        kind: .unicast([Self.hop("2001:db8::2"), Self.hop("2001:db8::3")]), priority: 1024),
        ])
    }

    @Test("a table above 255: RTA_TABLE wins over rtm_table RT_TABLE_COMPAT")
    func dumpTable1000() throws {
        let messages = try NetlinkMessage.parseStream(Captures.dumpTable1000)
        let route = try #require(try KernelRoute(routeMessagePayload: messages[0].payload))
        #expect(route == KernelRoute(prefix: prefix("192.168.5.0/26"), kind: .unicast([Self.hop("10.0.0.2")]),
                                     table: RouteTable(rawValue: 1000), priority: 100))
    }

    @Test("our own dump request, every table and family: the kernel's whole answer read back")
    func dumpAll() throws {
        #expect(NetlinkRequest.routeDump(family: nil, routeProtocol: .bird, table: nil, sequence: 3000)
                == Captures.dumpAllRequest)
        let dump = try Self.routes(Captures.dumpAll, done: Captures.dumpAllDone, sequence: 3000)
        let v4 = { (p: String, hops: [NextHop], priority: UInt32) in
            KernelRoute(prefix: prefix(p), kind: .unicast(hops), priority: priority)
        }
        var table100 = v4("192.168.6.0/26", [Self.hop("10.0.0.2")], 0)
        table100.table = RouteTable(rawValue: 100)
        #expect(dump.routes == [
            table100,
            v4("0.0.0.0/0", [Self.hop("10.0.0.2")], 0),
            v4("0.0.0.0/0", [Self.hop("10.0.0.3")], 5),
            v4("192.168.1.64/26", [Self.hop("10.0.0.2")], 0),
            v4("192.168.2.0/26", [Self.hop("172.16.0.5", onLink: true)], 0),
            v4("192.168.3.0/26", [Self.hop("10.0.0.2"), Self.hop("172.16.0.6", onLink: true)], 0),
            v4("192.168.4.0/26", [Self.hop("fe80::1")], 0),
            v4("192.168.7.0/26", [Self.hop(nil)], 0),
            v4("192.168.11.0/26", [Self.hop("10.0.0.2", weight: 2), Self.hop("10.0.0.3")], 10),
            v4("192.168.12.0/26", [Self.hop("fe80::1"), Self.hop("10.0.0.2")], 0),
            v4("192.168.20.0/26", [Self.hop("10.0.0.2")], 0),
            KernelRoute(prefix: prefix("192.168.22.0/26"), kind: .blackhole),
            KernelRoute(prefix: prefix("2001:db8:2::/122"), kind: .blackhole, priority: 1024),
            KernelRoute(prefix: prefix("2001:db8:3::/122"),
                        kind: .unicast([Self.hop("2001:db8::2"), Self.hop("2001:db8::3")]), priority: 1024),
            KernelRoute(prefix: prefix("2001:db8:20::/122"), kind: .unicast([Self.hop("2001:db8::2")]),
                        priority: 1024),
        ])
    }

    @Test("each built route reads back as its installed form", arguments: [
        KernelRoute(prefix: prefix("192.168.1.0/26"),
                    kind: .unicast([NextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3)])),
        KernelRoute(prefix: prefix("192.168.10.0/26"),
                    kind: .unicast([NextHop(gateway: ip("10.0.0.9"), interfaceIndex: 5, onLink: true, weight: 3)])),
        KernelRoute(prefix: prefix("192.168.3.0/26"), kind: .unicast([
            NextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3, weight: 256),
            NextHop(gateway: ip("fe80::1"), interfaceIndex: 4, onLink: true),
        ]), table: RouteTable(rawValue: 70000), routeProtocol: RouteProtocol(rawValue: 200), priority: 7),
        KernelRoute(prefix: prefix("2001:db8::/48"), kind: .blackhole),
        KernelRoute(prefix: prefix("2001:db8::/48"), kind: .unreachable, priority: 5),
        KernelRoute(prefix: prefix("10.0.0.0/8"), kind: .prohibit, table: .local),
        KernelRoute(prefix: prefix("0.0.0.0/0"), kind: .unicast([NextHop(gateway: nil, interfaceIndex: 2)])),
    ])
    func roundTrip(_ route: KernelRoute) throws {
        for operation in [RouteOperation.add(route), .replace(route)] {
            let messages = try NetlinkMessage.parseStream(NetlinkRequest.route(operation, sequence: 9))
            #expect(messages.count == 1 && messages[0].header.sequence == 9)
            var expected = route.installedForm
            if route.prefix.family == .ipv6 { expected.priority = route.priority }  // the kernel's 1024 comes later
            #expect(try KernelRoute(routeMessagePayload: messages[0].payload) == expected)
        }
    }

    @Test("success ack: NLM_F_CAPPED, error 0, the request's header echoed")
    func acknowledgement() throws {
        // Answer to `ip -n NS route replace 192.168.1.0/26 via 10.0.0.2 dev v0 proto bird` (strace, recvmsg).
        let messages = try NetlinkMessage.parseStream(
            hex("24000000 0200 0001 605a016b a3280000  00000000  34000000 1800 0505 605a016b 00000000"))
        #expect(messages[0].header.type == .error && messages[0].header.flags == .capped)
        let answer = try NetlinkErrorMessage(messages[0])
        #expect(answer == NetlinkErrorMessage(error: nil, request: NetlinkMessageHeader(
            length: 0x34, type: .newRoute, flags: [.request, .ack, .create, .replace], sequence: 0x6b01_5a60,
            portID: 0)))
        // Answer to the IPv6 multipath add (flags 0x0506): the kernel cleared NLM_F_EXCL in the echoed header
        // (ip6_route_multipath_add), which is why answers are matched by sequence number alone.
        let multipath = try NetlinkErrorMessage(NetlinkMessage.parseStream(
            hex("24000000 0200 0001 615a016b bd290000  00000000  6c000000 1800 0504 615a016b 00000000"))[0])
        #expect(multipath.error == nil && multipath.request.flags == [.request, .ack, .create])
    }

    @Test("errors with extended-ack text", arguments: [
        // ip -n NS route add 192.168.10.0/26 via 10.0.0.9 dev vxlan.calico onlink proto bird   (device down)
        ("""
         68000000 0200 0002 7b5a016b b12e0000 9cffffff
         34000000180005067b5a016b00000000021a0000fe0c00010400000008000100c0a80a00080005000a000009080004000500000
         01d000100 4e657874686f7020646576696365206973206e6f7420757000 000000
         """, KernelErrno.networkDown, UInt32(0x6b01_5a7b), "Nexthop device is not up"),
        // ip -n NS link add vxlan.v6 type vxlan id 4096 local 10.0.0.1 dev v0 dstport 4789 nolearning   (VNI taken)
        ("""
         bc000000 0200 0002 875a016b f12e0000 efffffff
         6c00000010000506875a016b00000000000000000000000000000000000000000d00030076786c616e2e7636000000003c001200090001
         0076786c616e0000002c00020008000300030000000800010000100000080004000a000001050007000000000006000f0012b500003900
         0100412056584c414e206465766963652077697468207468652073706563696669656420564e4920616c726561647920657869737473
         00000000
         """, .fileExists, 0x6b01_5a87, "A VXLAN device with the specified VNI already exists"),
        // NetlinkRequest.newLink(IPIPDevice(name: "tunl9", ...), sequence: 2001), sent by nlsend to a kernel
        // without the ipip module
        ("""
         70000000 0200 0002 d1070000 85420000 a1ffffff
         4400000010000506d107000000000000000000000000000000000000000000000a00030074756e6c390000001800120008000100697069
         700c000200080002000a00000118000100556e6b6e6f776e20646576696365207479706500
         """, .notSupported, 2001, "Unknown device type"),
    ])
    func extendedAck(_ text: String, _ error: KernelErrno, _ sequence: UInt32, _ message: String) throws {
        let messages = try NetlinkMessage.parseStream(hex(text))
        #expect(messages.count == 1 && messages[0].header.flags == .acknowledgementTLVs)
        let answer = try NetlinkErrorMessage(messages[0])
        #expect(answer.error == error)
        #expect(answer.request.sequence == sequence)
        #expect(answer.message == message)
    }

    @Test("a dump ended by NLMSG_DONE with an error, and one marked NLM_F_DUMP_INTR (hand-built)")
    func dumpEndings() throws {
        var dump = RouteDump(sequence: 5)
        try dump.receive(NetlinkMessage.parseStream(hex("14000000 0300 2200 05000000 00000000 f0ffffff")))
        #expect(dump.isComplete && dump.error?.error == KernelErrno(rawValue: 16))  // EBUSY
        var interrupted = RouteDump(sequence: 5)
        try interrupted.receive(NetlinkMessage.parseStream(hex("14000000 0300 3200 05000000 00000000 00000000")))
        #expect(interrupted.isComplete && interrupted.wasInterrupted)
        var other = RouteDump(sequence: 6)  // another request's answer is not ours
        try other.receive(NetlinkMessage.parseStream(Captures.dumpIPv4Done))
        #expect(!other.isComplete)
    }

    @Test("malformed input throws a typed error", arguments: [
        ("1400000003002200", NetlinkParseError.truncated(offset: 0, needed: 16, available: 8)),
        ("0c000000 0300 0000 00000000 00000000", .badLength(offset: 0, length: 12)),
        ("20000000 0300 0000 00000000 00000000 00000000", .truncated(offset: 0, needed: 32, available: 20)),
    ])
    func malformedStream(_ text: String, _ error: NetlinkParseError) {
        #expect(throws: error) { try NetlinkMessage.parseStream(hex(text)) }
    }

    @Test("malformed route payloads throw: short rtmsg, attribute past the end, 3-octet RTA_DST, short RTA_OIF")
    func malformedRoute() {
        #expect(throws: NetlinkParseError.badValue(field: "rtmsg", length: 4)) {
            try KernelRoute(routeMessagePayload: hex("021a0000"))
        }
        #expect(throws: NetlinkParseError.truncated(offset: 0, needed: 12, available: 8)) {
            try KernelRoute(routeMessagePayload: hex("021a0000 fe0c0001 00000000  0c00 0100 c0a80100"))
        }
        #expect(throws: NetlinkParseError.badValue(field: "RTA_DST", length: 3)) {
            try KernelRoute(routeMessagePayload: hex("021a0000 fe0c0001 00000000  0700 0100 c0a801 00"))
        }
        #expect(throws: NetlinkParseError.badValue(field: "RTA_OIF", length: 2)) {
            try KernelRoute(routeMessagePayload: hex("021a0000 fe0c0001 00000000  0600 0400 0300 0000"))
        }
    }

    @Test("route types Swiftlet never programs are skipped: local, broadcast, other families")
    func skipped() throws {
        #expect(try KernelRoute(routeMessagePayload: hex("02200000 ff02fe02 00000000  0800 0100 0a000001")) == nil)
        #expect(try KernelRoute(routeMessagePayload: hex("02200000 ff02fd03 00000000  0800 0100 0a0000ff")) == nil)
        #expect(try KernelRoute(routeMessagePayload: hex("1c140000 fe0c0001 00000000")) == nil)  // AF_MPLS
    }

    @Test("cut or corrupted captures only ever throw: every truncation, and every octet set to 0x00 and 0xff")
    func robustness() {
        let captures = [Captures.dumpAll, Captures.dumpIPv6, Captures.batchReply2, Captures.batchReply1]
        func read(_ bytes: [UInt8]) {
            guard let messages = try? NetlinkMessage.parseStream(bytes) else { return }
            for message in messages {
                _ = try? KernelRoute(routeMessagePayload: message.payload)
                _ = try? NetlinkErrorMessage(message)
            }
        }
        for capture in captures {
            for length in 0..<capture.count { read(Array(capture.prefix(length))) }
            for index in capture.indices {
                for value: UInt8 in [0x00, 0xff] {
                    var corrupted = capture
                    corrupted[index] = value
                    read(corrupted)
                }
            }
        }
    }
}
