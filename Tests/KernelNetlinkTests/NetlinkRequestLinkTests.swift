// SPDX-License-Identifier: Apache-2.0
// Link and neighbour requests. Provenance as in NetlinkRequestRouteTests: sendmsg buffers of iproute2 6.1
// commands captured with strace in a throwaway namespace (`v0` is ifindex 3, `vxlan.calico` ifindex 5).

import BGPWire
import KernelNetlink
import Testing

@Suite("Link and neighbour requests")
struct NetlinkRequestLinkTests {
    @Test("VXLAN device: IFLA_IFNAME, IFLA_LINKINFO { kind \"vxlan\", data { ID, LOCAL, LEARNING 0, PORT 4789 BE } }")
    func vxlan() {
        // ip -n NS link add vxlan.calico type vxlan id 4096 local 10.0.0.1 dstport 4789 nolearning
        let expected = hex("""
            68000000 1000 0506 7b5a016b 00000000  00000000 00000000 00000000 00000000
            1100 0300 76786c616e2e63616c69636f00 000000
            3400 1200
              0900 0100 76786c616e 000000
              2400 0200
                0800 0100 00100000  0800 0400 0a000001  0500 0700 00 000000  0600 0f00 12b5 0000
            """)
        let device = VXLANDevice(name: "vxlan.calico", vni: 4096, local: ip("10.0.0.1"))
        let bytes = NetlinkRequest.newLink(device, sequence: 0x6b01_5a7b)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("VXLAN device on a parent interface: IFLA_VXLAN_LINK first")
    func vxlanParent() {
        // ip -n NS link add vxlan.v6 type vxlan id 4096 local 10.0.0.1 dev v0 dstport 4789 nolearning
        let expected = hex("""
            6c000000 1000 0506 875a016b 00000000  00000000 00000000 00000000 00000000
            0d00 0300 76786c616e2e763600 000000
            3c00 1200
              0900 0100 76786c616e 000000
              2c00 0200
                0800 0300 03000000  0800 0100 00100000  0800 0400 0a000001  0500 0700 00 000000  0600 0f00 12b5 0000
            """)
        let device = VXLANDevice(name: "vxlan.v6", vni: 4096, local: ip("10.0.0.1"), parentInterfaceIndex: 3)
        let bytes = NetlinkRequest.newLink(device, sequence: 0x6b01_5a87)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("IPv6 VXLAN device: IFLA_VXLAN_LOCAL6")
    func vxlanIPv6() {
        // ip -n NS link add vxlan-v6.calico type vxlan id 6096 local 2001:db8::1 dstport 4789 nolearning
        let expected = hex("""
            74000000 1000 0506 955c016b 00000000  00000000 00000000 00000000 00000000
            1400 0300 76786c616e2d76362e63616c69636f00
            4000 1200
              0900 0100 76786c616e 000000
              3000 0200
                0800 0100 d0170000  1400 1100 20010db8000000000000000000000001  0500 0700 00 000000
                0600 0f00 12b5 0000
            """)
        let device = VXLANDevice(name: "vxlan-v6.calico", vni: 6096, local: ip("2001:db8::1"))
        let bytes = NetlinkRequest.newLink(device, sequence: 0x6b01_5c95)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("IPIP device: kind \"ipip\" and IFLA_IPTUN_LOCAL only")
    func ipip() {
        // Hand-built from linux/if_link.h, then checked piece by piece against
        //     ip -n NS link add tunl0 type ipip local 10.0.0.1
        // which sent (148 octets; the namespace's kernel lacks ipip, so it answered EOPNOTSUPP):
        //     94000000 1000 0506 7b5a016b 00000000  <ifinfomsg: 16 zero octets>
        //     0a00 0300 74756e6c3000 0000                                   IFLA_IFNAME "tunl0"
        //     6800 1200  0800 0100 69706970                                 IFLA_LINKINFO, IFLA_INFO_KIND "ipip"
        //       5c00 0200  0500 0900 00000000  0800 0200 0a000001  ...      IFLA_INFO_DATA: PROTO 0, LOCAL, then
        //       PMTUDISC 1, TTL 0, TOS 0, LINK 0, FWMARK 0, ENCAP_TYPE/FLAGS/SPORT/DPORT 0
        // Those extras are the kernel's own defaults (ipip_netlink_parms), so only LOCAL is sent here; the header,
        // ifinfomsg, IFLA_IFNAME, IFLA_INFO_KIND and IFLA_IPTUN_LOCAL octets are iproute2's.
        let expected = hex("""
            44000000 1000 0506 7b5a016b 00000000  00000000 00000000 00000000 00000000
            0a00 0300 74756e6c3000 0000
            1800 1200
              0800 0100 69706970
              0c00 0200
                0800 0200 0a000001
            """)
        let bytes = NetlinkRequest.newLink(IPIPDevice(name: "tunl0", local: ip("10.0.0.1")), sequence: 0x6b01_5a7b)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("ARP entry: RTM_NEWNEIGH, CREATE|REPLACE, AF_INET, NUD_PERMANENT, NDA_DST then NDA_LLADDR")
    func arp() {
        // ip -n NS neigh replace 10.0.0.9 lladdr 66:2e:7a:c2:f0:01 dev vxlan.calico nud permanent
        let expected = hex("""
            30000000 1c00 0505 7c5a016b 00000000  02 000000 05000000 8000 00 00
            0800 0100 0a000009  0a00 0200 662e7ac2f001 0000
            """)
        let entry = NeighbourEntry.arp(address: ip("10.0.0.9"),
                                       linkLayerAddress: LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01]),
                                       interfaceIndex: 5)
        let bytes = NetlinkRequest.newNeighbour(entry, sequence: 0x6b01_5a7c)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("FDB entry: AF_BRIDGE, NUD_PERMANENT|NUD_NOARP, NTF_SELF, NDA_LLADDR then NDA_DST")
    func fdb() {
        // bridge -n NS fdb replace 66:2e:7a:c2:f0:01 dev vxlan.calico dst 10.0.0.9 self permanent
        let expected = hex("""
            30000000 1c00 0505 7c5a016b 00000000  07 000000 05000000 c000 02 00
            0a00 0200 662e7ac2f001 0000  0800 0100 0a000009
            """)
        let entry = NeighbourEntry.bridgeForwarding(
            linkLayerAddress: LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01]), destination: ip("10.0.0.9"),
            interfaceIndex: 5)
        let bytes = NetlinkRequest.newNeighbour(entry, sequence: 0x6b01_5a7c)
        #expect(bytes == expected, "\(bytes.hexString)")
    }
}
