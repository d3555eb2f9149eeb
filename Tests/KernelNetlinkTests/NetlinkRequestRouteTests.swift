// SPDX-License-Identifier: Apache-2.0
// Route requests against the octets iproute2 6.1 sent for the same change. Provenance: each expected string is the
// sendmsg buffer of the quoted command, captured with
//     strace -f -e trace=sendmsg,recvmsg -e write=all -e read=all ip -n NS route ...
// in a throwaway network namespace (kernel 6.18) where `v0` (ifindex 3) is a veth with 10.0.0.1/24 and
// 2001:db8::1/64, and `vxlan.calico` is ifindex 5. Each test passes the capture's own sequence number.

import BGPWire
import KernelNetlink
import Testing

@Suite("Route requests (octets captured from iproute2 6.1)")
struct NetlinkRequestRouteTests {
    static let v0: UInt32 = 3

    static func unicast(_ p: String, via gateway: String?, dev: UInt32? = v0, onLink: Bool = false) -> KernelRoute {
        KernelRoute(prefix: prefix(p), kind: .unicast([
            NextHop(gateway: gateway.map(ip), interfaceIndex: dev, onLink: onLink)
        ]))
    }

    @Test("add: NLM_F_CREATE|NLM_F_EXCL, table main in rtm_table, proto 12, RTA_DST, RTA_GATEWAY, RTA_OIF")
    func addIPv4() {
        // ip -n NS route add 192.168.1.0/26 via 10.0.0.2 dev v0 proto bird
        let expected = hex("""
            34000000 1800 0506 505a016b 00000000  021a0000 fe0c0001 00000000
            0800 0100 c0a80100  0800 0500 0a000002  0800 0400 03000000
            """)
        let bytes = NetlinkRequest.route(.add(Self.unicast("192.168.1.0/26", via: "10.0.0.2")), sequence: 0x6b01_5a50)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("replace: NLM_F_CREATE|NLM_F_REPLACE")
    func replaceIPv4() {
        // ip -n NS route replace 192.168.1.0/26 via 10.0.0.2 dev v0 proto bird
        let expected = hex("""
            34000000 1800 0505 605a016b 00000000  021a0000 fe0c0001 00000000
            0800 0100 c0a80100  0800 0500 0a000002  0800 0400 03000000
            """)
        let bytes = NetlinkRequest.route(.replace(Self.unicast("192.168.1.0/26", via: "10.0.0.2")),
                                         sequence: 0x6b01_5a60)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("IPv6 with metric: AF_INET6, 16-octet RTA_DST and RTA_GATEWAY, RTA_PRIORITY before RTA_OIF")
    func addIPv6() {
        // ip -n NS route add 2001:db8:1::/122 via 2001:db8::2 dev v0 proto bird metric 1024
        let expected = hex("""
            54000000 1800 0506 605a016b 00000000  0a7a0000 fe0c0001 00000000
            1400 0100 20010db8000100000000000000000000
            1400 0500 20010db8000000000000000000000002
            0800 0600 00040000  0800 0400 03000000
            """)
        var route = Self.unicast("2001:db8:1::/122", via: "2001:db8::2")
        route.priority = 1024
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5a60)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("blackhole: RTN_BLACKHOLE, scope universe, RTA_DST only", arguments: [
        // ip -n NS route add blackhole 192.168.1.64/26 proto bird
        ("192.168.1.64/26", UInt32(0x6b01_5a60),
         "24000000 1800 0506 605a016b 00000000 021a0000 fe0c0006 00000000 0800 0100 c0a80140"),
        // ip -n NS route add blackhole 2001:db8:2::/122 proto bird
        ("2001:db8:2::/122", UInt32(0x6b01_5a61),
         "30000000 1800 0506 615a016b 00000000 0a7a0000 fe0c0006 00000000 1400 0100 20010db8000200000000000000000000"),
    ])
    func blackhole(_ p: String, _ sequence: UInt32, _ expected: String) {
        let bytes = NetlinkRequest.route(.add(KernelRoute(prefix: prefix(p), kind: .blackhole)), sequence: sequence)
        #expect(bytes == hex(expected), "\(bytes.hexString)")
    }

    @Test("onlink: RTNH_F_ONLINK in rtm_flags, scope still universe (Calico's `via PEER dev tunl0 onlink`)")
    func onLink() {
        // ip -n NS route add 192.168.2.0/26 via 172.16.0.5 dev v0 onlink proto bird
        let expected = hex("""
            34000000 1800 0506 615a016b 00000000  021a0000 fe0c0001 04000000
            0800 0100 c0a80200  0800 0500 ac100005  0800 0400 03000000
            """)
        let bytes = NetlinkRequest.route(.add(Self.unicast("192.168.2.0/26", via: "172.16.0.5", onLink: true)),
                                         sequence: 0x6b01_5a61)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("VXLAN route: `BLOCK via VTEP dev vxlan.calico onlink proto bird`")
    func vxlanRoute() {
        // ip -n NS route add 192.168.10.0/26 via 10.0.0.9 dev vxlan.calico onlink proto bird   (ifindex 5)
        let expected = hex("""
            34000000 1800 0506 7b5a016b 00000000  021a0000 fe0c0001 04000000
            0800 0100 c0a80a00  0800 0500 0a000009  0800 0400 05000000
            """)
        let bytes = NetlinkRequest.route(
            .add(Self.unicast("192.168.10.0/26", via: "10.0.0.9", dev: 5, onLink: true)), sequence: 0x6b01_5a7b)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("a gateway without a device: no RTA_OIF")
    func gatewayOnly() {
        // ip -n NS route add 192.168.9.0/26 via 172.16.9.9 proto bird
        let expected = hex("""
            2c000000 1800 0506 625a016b 00000000  021a0000 fe0c0001 00000000  0800 0100 c0a80900  0800 0500 ac100909
            """)
        let bytes = NetlinkRequest.route(.add(Self.unicast("192.168.9.0/26", via: "172.16.9.9", dev: nil)),
                                         sequence: 0x6b01_5a62)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("directly connected (no gateway): scope link, as iproute2 picks for IPv4")
    func deviceOnly() {
        // ip -n NS route add 192.168.7.0/26 dev v0 proto bird
        let expected = hex("""
            2c000000 1800 0506 615a016b 00000000  021a0000 fe0cfd01 00000000  0800 0100 c0a80700  0800 0400 03000000
            """)
        let bytes = NetlinkRequest.route(.add(Self.unicast("192.168.7.0/26", via: nil)), sequence: 0x6b01_5a61)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("ECMP: RTA_MULTIPATH with one rtnexthop per hop (ifindex, RTNH_F_ONLINK per hop), nested RTA_GATEWAY")
    func multipathIPv4() {
        // ip -n NS route add 192.168.3.0/26 proto bird nexthop via 10.0.0.2 dev v0 nexthop via 172.16.0.6 dev v0 onlink
        let expected = hex("""
            48000000 1800 0506 615a016b 00000000  021a0000 fe0c0001 00000000  0800 0100 c0a80300
            2400 0900  1000 00 00 03000000 0800 0500 0a000002  1000 04 00 03000000 0800 0500 ac100006
            """)
        let route = KernelRoute(prefix: prefix("192.168.3.0/26"), kind: .unicast([
            NextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3),
            NextHop(gateway: ip("172.16.0.6"), interfaceIndex: 3, onLink: true),
        ]))
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5a61)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("ECMP weights: rtnh_hops is weight - 1; RTA_PRIORITY precedes RTA_MULTIPATH")
    func multipathWeights() {
        // ip -n NS route add 192.168.11.0/26 proto bird metric 10 nexthop via 10.0.0.2 dev v0 weight 2
        //     nexthop via 10.0.0.3 dev v0
        let expected = hex("""
            50000000 1800 0506 875a016b 00000000  021a0000 fe0c0001 00000000  0800 0100 c0a80b00  0800 0600 0a000000
            2400 0900  1000 00 01 03000000 0800 0500 0a000002  1000 00 00 03000000 0800 0500 0a000003
            """)
        let route = KernelRoute(prefix: prefix("192.168.11.0/26"), kind: .unicast([
            NextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3, weight: 2),
            NextHop(gateway: ip("10.0.0.3"), interfaceIndex: 3),
        ]), priority: 10)
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5a87)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("IPv6 ECMP")
    func multipathIPv6() {
        // ip -n NS route add 2001:db8:3::/122 proto bird nexthop via 2001:db8::2 dev v0 nexthop via 2001:db8::3 dev v0
        let expected = hex("""
            6c000000 1800 0506 615a016b 00000000  0a7a0000 fe0c0001 00000000
            1400 0100 20010db8000300000000000000000000
            3c00 0900
              1c00 00 00 03000000 1400 0500 20010db8000000000000000000000002
              1c00 00 00 03000000 1400 0500 20010db8000000000000000000000003
            """)
        let route = KernelRoute(prefix: prefix("2001:db8:3::/122"), kind: .unicast([
            NextHop(gateway: ip("2001:db8::2"), interfaceIndex: 3),
            NextHop(gateway: ip("2001:db8::3"), interfaceIndex: 3),
        ]))
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5a61)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("IPv4 route through an IPv6 next hop: RTA_VIA (struct rtvia: u16 AF_INET6 + address) (RFC 8950)")
    func via() {
        // ip -n NS route add 192.168.4.0/26 via inet6 fe80::1 dev v0 proto bird
        let expected = hex("""
            44000000 1800 0506 615a016b 00000000  021a0000 fe0c0001 00000000  0800 0100 c0a80400
            1600 1200 0a00 fe800000000000000000000000000001 0000  0800 0400 03000000
            """)
        let bytes = NetlinkRequest.route(.add(Self.unicast("192.168.4.0/26", via: "fe80::1")), sequence: 0x6b01_5a61)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("RTA_VIA inside RTA_MULTIPATH; padding is zero where iproute2 leaves stale octets")
    func multipathVia() {
        // ip -n NS route add 192.168.12.0/26 proto bird nexthop via inet6 fe80::1 dev v0 nexthop via 10.0.0.2 dev v0
        // iproute2 sent `01 00` as the two padding octets after the rtvia (its rta_addattr_l does not clear
        // padding); they are `00 00` here. Every other octet is as captured.
        let expected = hex("""
            58000000 1800 0506 af5a016b 00000000  021a0000 fe0c0001 00000000  0800 0100 c0a80c00
            3400 0900
              2000 00 00 03000000 1600 1200 0a00 fe800000000000000000000000000001 0000
              1000 00 00 03000000 0800 0500 0a000002
            """)
        let route = KernelRoute(prefix: prefix("192.168.12.0/26"), kind: .unicast([
            NextHop(gateway: ip("fe80::1"), interfaceIndex: 3),
            NextHop(gateway: ip("10.0.0.2"), interfaceIndex: 3),
        ]))
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5aaf)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("tables: ids up to 255 in rtm_table; larger ones in RTA_TABLE with rtm_table RT_TABLE_UNSPEC")
    func tables() {
        // ip -n NS route add 192.168.6.0/26 via 10.0.0.2 dev v0 proto bird table 100
        let small = hex("""
            34000000 1800 0506 615a016b 00000000  021a0000 640c0001 00000000
            0800 0100 c0a80600  0800 0500 0a000002  0800 0400 03000000
            """)
        var route = Self.unicast("192.168.6.0/26", via: "10.0.0.2")
        route.table = RouteTable(rawValue: 100)
        #expect(NetlinkRequest.route(.add(route), sequence: 0x6b01_5a61) == small)

        // ip -n NS route add 192.168.5.0/26 via 10.0.0.2 dev v0 proto bird table 1000 metric 100
        let large = hex("""
            44000000 1800 0506 615a016b 00000000  021a0000 000c0001 00000000
            0800 0100 c0a80500  0800 0500 0a000002  0800 0f00 e8030000  0800 0600 64000000  0800 0400 03000000
            """)
        route = Self.unicast("192.168.5.0/26", via: "10.0.0.2")
        route.table = RouteTable(rawValue: 1000)
        route.priority = 100
        let bytes = NetlinkRequest.route(.add(route), sequence: 0x6b01_5a61)
        #expect(bytes == large, "\(bytes.hexString)")
    }

    @Test("delete IPv4: no flags but REQUEST|ACK, our protocol, scope RT_SCOPE_NOWHERE, type unspec, RTA_DST")
    func deleteIPv4() {
        // ip -n NS route del 192.168.1.0/26 proto bird
        let expected = hex("24000000 1900 0500 625a016b 00000000  021a0000 fe0cff00 00000000  0800 0100 c0a80100")
        let bytes = NetlinkRequest.route(.delete(Self.unicast("192.168.1.0/26", via: "10.0.0.2")),
                                         sequence: 0x6b01_5a62)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("delete IPv6 with metric: scope universe, RTA_PRIORITY")
    func deleteIPv6() {
        // ip -n NS route del 2001:db8:1::/122 proto bird metric 1024
        let expected = hex("""
            38000000 1900 0500 625a016b 00000000  0a7a0000 fe0c0000 00000000
            1400 0100 20010db8000100000000000000000000  0800 0600 00040000
            """)
        let route = KernelRoute(prefix: prefix("2001:db8:1::/122"), kind: .blackhole, priority: 1024)
        let bytes = NetlinkRequest.route(.delete(route), sequence: 0x6b01_5a62)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("delete in a table above 255 with a metric")
    func deleteTable() {
        // ip -n NS route del 192.168.5.0/26 proto bird table 1000 metric 100
        let expected = hex("""
            34000000 1900 0500 af5a016b 00000000  021a0000 000cff00 00000000
            0800 0100 c0a80500  0800 0f00 e8030000  0800 0600 64000000
            """)
        let route = KernelRoute(prefix: prefix("192.168.5.0/26"), kind: .blackhole,
                                table: RouteTable(rawValue: 1000), priority: 100)
        let bytes = NetlinkRequest.route(.delete(route), sequence: 0x6b01_5aaf)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("dump: RTM_GETROUTE, NLM_F_REQUEST|NLM_F_DUMP, family and protocol in rtmsg, table as RTA_TABLE")
    func dump() {
        // ip -n NS route show proto bird   (iproute2 sends the first 36 octets of a 156-octet buffer via sendto)
        #expect(NetlinkRequest.routeDump(family: .ipv4, routeProtocol: .bird, table: .main, sequence: 0x6b01_5a71)
                == hex("24000000 1a00 0103 715a016b 00000000  02000000 000c0000 00000000  0800 0f00 fe000000"))
        // ip -n NS -6 route show proto bird
        #expect(NetlinkRequest.routeDump(family: .ipv6, routeProtocol: .bird, table: .main, sequence: 0x6b01_5a71)
                == hex("24000000 1a00 0103 715a016b 00000000  0a000000 000c0000 00000000  0800 0f00 fe000000"))
        // ip -n NS route show table 1000 proto bird
        #expect(NetlinkRequest.routeDump(family: .ipv4, routeProtocol: .bird, table: RouteTable(rawValue: 1000),
                                         sequence: 0x6b01_5a7b)
                == hex("24000000 1a00 0103 7b5a016b 00000000  02000000 000c0000 00000000  0800 0f00 e8030000"))
        // Every family, protocol and table (hand-built: the same header, AF_UNSPEC, no RTA_TABLE).
        #expect(NetlinkRequest.routeDump(family: nil, routeProtocol: nil, table: nil, sequence: 7)
                == hex("1c000000 1a00 0103 07000000 00000000  00000000 00000000 00000000"))
    }

    @Test("a default route has no RTA_DST")
    func defaultRoute() {
        // ip -n NS route add default via 10.0.0.2 proto bird
        let route = KernelRoute(prefix: prefix("0.0.0.0/0"), kind: .unicast([NextHop(gateway: ip("10.0.0.2"))]))
        #expect(NetlinkRequest.route(.add(route), sequence: 0x6b01_5ba5)
                == hex("24000000 1800 0506 a55b016b 00000000  02000000 fe0c0001 00000000  0800 0500 0a000002"))
    }
}
