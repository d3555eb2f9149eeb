// SPDX-License-Identifier: Apache-2.0
// The device side's requests: links (get by name, dump, set MAC/MTU/up, VXLAN creation with MAC and MTU), addresses
// (replace, dump), neighbour deletes and the single-address route lookup. Every expected buffer is what iproute2 6.1
// sent for the command quoted above it (strace -e trace=sendmsg,sendto -e write=all in the namespace DeviceCaptures.swift
// describes: v0 is ifindex 3; vxlan.calico was ifindex 5, then 6 after being made again).

import BGPWire
import KernelNetlink
import Testing

@Suite("Device requests")
struct NetlinkRequestDeviceTests {
    static let mac1 = LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01])
    static let mac2 = LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x02])

    @Test("VXLAN device with MAC and MTU: IFLA_ADDRESS and IFLA_MTU before IFLA_IFNAME, in the creating request")
    func vxlanWithAddressAndMTU() {
        // ip -n NS link add vxlan.calico address 66:2e:7a:c2:f0:01 mtu 1410 type vxlan id 4096 local 10.0.0.1 \
        //     dstport 4789 nolearning
        let expected = hex("""
            7c000000 1000 0506 b572016b 00000000  00000000 00000000 00000000 00000000
            0a00 0100 662e7ac2f001 0000  0800 0400 82050000
            1100 0300 76786c616e2e63616c69636f00 000000
            3400 1200
              0900 0100 76786c616e 000000
              2400 0200
                0800 0100 00100000  0800 0400 0a000001  0500 0700 00 000000  0600 0f00 12b5 0000
            """)
        let device = VXLANDevice(name: "vxlan.calico", vni: 4096, local: ip("10.0.0.1"))
        let bytes = NetlinkRequest.newLink(device, linkLayerAddress: Self.mac1, mtu: 1410, sequence: 0x6b01_72b5)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("RTM_GETLINK by name: no ack, IFLA_EXT_MASK VF|SKIP_STATS, then IFLA_IFNAME")
    func getLinkByName() {
        // ip -n NS link show dev vxlan.calico (the name look-up it sends first)
        let expected = hex("""
            3c000000 1200 0100 b572016b 00000000  00000000 00000000 00000000 00000000
            0800 1d00 09000000  1100 0300 76786c616e2e63616c69636f00 000000
            """)
        let bytes = NetlinkRequest.getLink(named: "vxlan.calico", sequence: 0x6b01_72b5)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("link dump: NLM_F_DUMP, ifi_family AF_PACKET, IFLA_EXT_MASK VF")
    func linkDump() {
        // ip -n NS link show (sendto)
        let expected = hex("""
            28000000 1200 0103 c972016b 00000000  11000000 00000000 00000000 00000000  0800 1d00 01000000
            """)
        let bytes = NetlinkRequest.linkDump(sequence: 0x6b01_72c9)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("set MAC, MTU and up in one RTM_NEWLINK: ifi_index, IFF_UP in flags and change, IFLA_ADDRESS, IFLA_MTU")
    func setAll() {
        // ip -n NS link set dev vxlan.calico address 66:2e:7a:c2:f0:01 mtu 1410 up
        let expected = hex("""
            34000000 1000 0500 ac72016b 00000000  00000000 05000000 01000000 01000000
            0a00 0100 662e7ac2f001 0000  0800 0400 82050000
            """)
        let bytes = NetlinkRequest.setLink(index: 5, linkLayerAddress: Self.mac1, mtu: 1410, up: true,
                                           sequence: 0x6b01_72ac)
        #expect(bytes == expected, "\(bytes.hexString)")
    }

    @Test("set one thing at a time: MTU (change 0), MAC, up, down (flags 0, change IFF_UP)")
    func setEach() {
        // ip -n NS link set dev vxlan.calico mtu 1400
        let mtu = hex("28000000 1000 0500 aa72016b 00000000  00000000 05000000 00000000 00000000  0800 0400 78050000")
        #expect(NetlinkRequest.setLink(index: 5, mtu: 1400, sequence: 0x6b01_72aa) == mtu)
        // ip -n NS link set dev vxlan.calico address 66:2e:7a:c2:f0:02
        let mac = hex("""
            2c000000 1000 0500 ac72016b 00000000  00000000 05000000 00000000 00000000  0a00 0100 662e7ac2f002 0000
            """)
        #expect(NetlinkRequest.setLink(index: 5, linkLayerAddress: Self.mac2, sequence: 0x6b01_72ac) == mac)
        // ip -n NS link set dev vxlan.calico up
        let up = hex("20000000 1000 0500 ab72016b 00000000  00000000 05000000 01000000 01000000")
        #expect(NetlinkRequest.setLink(index: 5, up: true, sequence: 0x6b01_72ab) == up)
        // ip -n NS link set dev vxlan.calico down
        let down = hex("20000000 1000 0500 ab72016b 00000000  00000000 05000000 00000000 01000000")
        #expect(NetlinkRequest.setLink(index: 5, up: false, sequence: 0x6b01_72ab) == down)
    }

    @Test("address replace: RTM_NEWADDR CREATE|REPLACE, ifaddrmsg, IFA_LOCAL then IFA_ADDRESS (IPv4 /32 and /24, IPv6)")
    func replaceAddress() {
        // ip -n NS addr replace 10.244.0.64/32 dev vxlan.calico
        let v4 = hex("""
            28000000 1400 0505 b572016b 00000000  02 20 00 00 06000000  0800 0200 0af40040  0800 0100 0af40040
            """)
        #expect(NetlinkRequest.replaceAddress(InterfaceAddress(ip("10.244.0.64"), prefixLength: 32),
                                              interfaceIndex: 6, sequence: 0x6b01_72b5) == v4)
        // ip -n NS addr replace 10.0.0.7/24 dev v0
        let subnet = hex("""
            28000000 1400 0505 b572016b 00000000  02 18 00 00 03000000  0800 0200 0a000007  0800 0100 0a000007
            """)
        #expect(NetlinkRequest.replaceAddress(InterfaceAddress(ip("10.0.0.7"), prefixLength: 24),
                                              interfaceIndex: 3, sequence: 0x6b01_72b5) == subnet)
        // ip -n NS addr replace 2001:db8:44::1/128 dev vxlan.calico
        let v6 = hex("""
            40000000 1400 0505 b572016b 00000000  0a 80 00 00 06000000
            1400 0200 20010db8004400000000000000000001  1400 0100 20010db8004400000000000000000001
            """)
        #expect(NetlinkRequest.replaceAddress(InterfaceAddress(ip("2001:db8:44::1"), prefixLength: 128),
                                              interfaceIndex: 6, sequence: 0x6b01_72b5) == v6)
    }

    @Test("address dump: a bare ifaddrmsg with the family (0: all)")
    func addressDump() {
        // ip -n NS addr show (sendto; iproute2 sends a 152-octet buffer whose message is these 24)
        let all = hex("18000000 1600 0103 ca72016b 00000000  00000000 00000000")
        #expect(NetlinkRequest.addressDump(family: nil, sequence: 0x6b01_72ca) == all)
        // ip -n NS -4 addr show
        let v4 = hex("18000000 1600 0103 ca72016b 00000000  02000000 00000000")
        #expect(NetlinkRequest.addressDump(family: .ipv4, sequence: 0x6b01_72ca) == v4)
    }

    @Test("neighbour delete: ARP by NDA_DST (state PERMANENT kept), FDB by NDA_LLADDR and NDA_DST with NTF_SELF")
    func deleteNeighbour() {
        // ip -n NS neigh del 10.0.0.9 dev vxlan.calico
        let arp = hex("24000000 1d00 0500 b772016b 00000000  02 000000 06000000 8000 00 00  0800 0100 0a000009")
        let arpEntry = NeighbourEntry.arp(address: ip("10.0.0.9"), linkLayerAddress: Self.mac1, interfaceIndex: 6)
        #expect(NetlinkRequest.deleteNeighbour(arpEntry, sequence: 0x6b01_72b7) == arp)
        // bridge -n NS fdb del 66:2e:7a:c2:f0:01 dev vxlan.calico dst 10.0.0.9 self
        let fdb = hex("""
            30000000 1d00 0500 b772016b 00000000  07 000000 06000000 c000 02 00
            0a00 0200 662e7ac2f001 0000  0800 0100 0a000009
            """)
        let fdbEntry = NeighbourEntry.bridgeForwarding(linkLayerAddress: Self.mac1, destination: ip("10.0.0.9"),
                                                       interfaceIndex: 6)
        #expect(NetlinkRequest.deleteNeighbour(fdbEntry, sequence: 0x6b01_72b7) == fdb)
    }

    @Test("neighbour replace on ifindex 6: the same octets `ip neigh replace` and `bridge fdb replace` sent")
    func replaceNeighbourCaptured() {
        // ip -n NS neigh replace 10.0.0.9 lladdr 66:2e:7a:c2:f0:01 dev vxlan.calico nud permanent
        let arp = hex("""
            30000000 1c00 0505 b672016b 00000000  02 000000 06000000 8000 00 00
            0800 0100 0a000009  0a00 0200 662e7ac2f001 0000
            """)
        let arpEntry = NeighbourEntry.arp(address: ip("10.0.0.9"), linkLayerAddress: Self.mac1, interfaceIndex: 6)
        #expect(NetlinkRequest.newNeighbour(arpEntry, sequence: 0x6b01_72b6) == arp)
    }

    @Test("route lookup: RTM_GETROUTE without DUMP or ACK, dst_len full, RTM_F_LOOKUP_TABLE for IPv4 only")
    func routeLookup() {
        // ip -n NS route get 10.0.0.5
        let v4 = hex("24000000 1a00 0100 b672016b 00000000  02 20 00 00 00 00 00 00 00100000  0800 0100 0a000005")
        #expect(NetlinkRequest.routeLookup(ip("10.0.0.5"), sequence: 0x6b01_72b6) == v4)
        // ip -n NS -6 route get 2001:db8::5
        let v6 = hex("""
            30000000 1a00 0100 b772016b 00000000  0a 80 00 00 00 00 00 00 00000000
            1400 0100 20010db8000000000000000000000005
            """)
        #expect(NetlinkRequest.routeLookup(ip("2001:db8::5"), sequence: 0x6b01_72b7) == v6)
    }
}
