// SPDX-License-Identifier: Apache-2.0
// NetlinkDeviceProgrammer against the real kernel, each test in its own network namespace (KernelTestNamespace.swift
// says how the socket gets there). Skipped unless root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1. What the programmer
// reads back is checked against `ip -j`/`bridge -j` as well.

import BGPWire
import Foundation
import KernelNetlink
import Testing

@Suite(
    "Netlink device programmer on a real kernel", .serialized,
    .enabled(if: KernelTests.enabled, "needs root and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1"))
struct NetlinkDeviceProgrammerKernelTests {
    static let mac = LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01])
    static let otherMAC = LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x02])
    static let remoteMAC = LinkLayerAddress([0x66, 0x2e, 0x7a, 0x00, 0x00, 0x09])
    static let device = VXLANDevice(name: "vxlan.calico", vni: 4096, local: ip("10.0.0.1"))
    static let tunnelAddress = InterfaceAddress(ip("10.244.0.64"), prefixLength: 32)

    static func programmer(in namespace: KernelTestNamespace) throws -> NetlinkDeviceProgrammer {
        try NetlinkDeviceProgrammer(adoptingSocket: try namespace.routeSocket())
    }

    static func json(_ text: String) throws -> [[String: Any]] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        guard let array = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw CommandError(description: "not a JSON array: \(text)")
        }
        return array
    }

    @Test("ensureVXLAN creates vxlan.calico with MAC, MTU, up and address; `ip -d` agrees; a second call is a no-op")
    func vxlanLifecycle() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        #expect(try programmer.link(named: "vxlan.calico") == nil)

        let link = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                              address: Self.tunnelAddress)
        #expect(link.name == "vxlan.calico" && link.kind == "vxlan")
        #expect(link.isUp && link.mtu == 1410 && link.linkLayerAddress == Self.mac)
        #expect(link.vxlan == LinkInfo.VXLAN(vni: 4096, port: 4789, local: ip("10.0.0.1"), learning: false))
        #expect(try programmer.link(named: "vxlan.calico") == link)
        // In index order; a kernel with tunnel modules loaded adds its fallback devices (tunl0, gre0, ...).
        let links = try programmer.links()
        #expect(links.map(\.index) == links.map(\.index).sorted())
        #expect(Set(links.map(\.name)).isSuperset(of: ["lo", "veth0", "veth1", "vxlan.calico"]))
        #expect(links.first { $0.name == "vxlan.calico" } == link)
        #expect(links.first { $0.name == "veth0" }?.kind == "veth")
        #expect(try programmer.addresses().contains(
            InterfaceAddressEntry(interfaceIndex: link.index, address: Self.tunnelAddress)))

        // iproute2's view of the same device.
        let shown = try #require(try Self.json(namespace.ip("-j", "-d", "link", "show", "vxlan.calico")).first)
        #expect(shown["ifindex"] as? Int == Int(link.index))
        #expect(shown["mtu"] as? Int == 1410)
        #expect(shown["address"] as? String == "66:2e:7a:c2:f0:01")
        #expect((shown["flags"] as? [String])?.contains("UP") == true)
        let info = try #require((shown["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
        #expect(info["id"] as? Int == 4096)
        #expect(info["port"] as? Int == 4789)
        #expect(info["local"] as? String == "10.0.0.1")
        #expect(info["learning"] as? Bool == false)
        let addresses = try #require(try Self.json(namespace.ip("-j", "addr", "show", "dev", "vxlan.calico")).first)
        let local = (addresses["addr_info"] as? [[String: Any]])?.compactMap { entry -> String? in
            guard let address = entry["local"] as? String, let length = entry["prefixlen"] as? Int else { return nil }
            return "\(address)/\(length)"
        }
        #expect(local?.contains("10.244.0.64/32") == true)

        // The same call again reads and changes nothing.
        let changes = programmer.changeRequestsSent
        let again = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                               address: Self.tunnelAddress)
        #expect(again == link)
        #expect(programmer.changeRequestsSent == changes)

        // A new MAC on a running device (taken down for it, then up again) and a new MTU.
        let changed = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.otherMAC, mtu: 1400,
                                                 address: Self.tunnelAddress)
        #expect(changed.index == link.index && changed.isUp)
        #expect(changed.mtu == 1400 && changed.linkLayerAddress == Self.otherMAC)
    }

    @Test("ensureVXLAN over a vxlan.calico with another VNI throws EEXIST saying so, and leaves the device alone")
    func vxlanMismatch() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        try namespace.ip("link", "add", "vxlan.calico", "type", "vxlan", "id", "4097", "local", "10.0.0.1",
                         "dstport", "4789")
        do {
            _ = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                           address: Self.tunnelAddress)
            Issue.record("expected EEXIST")
        } catch {
            #expect(error.error == .fileExists)
            #expect(error.message?.contains("VNI 4097 (want 4096)") == true, "\(error)")
        }
        let link = try #require(try programmer.link(named: "vxlan.calico"))
        #expect(link.vxlan?.vni == 4097 && !link.isUp && link.linkLayerAddress != Self.mac)
        #expect(try programmer.addresses().allSatisfy { $0.interfaceIndex != link.index })

        // A device of another kind under the name is refused too (veth: the test kernel has no dummy module).
        try namespace.ip("link", "add", "vxlan.other", "type", "veth", "peer", "name", "other1")
        let other = VXLANDevice(name: "vxlan.other", vni: 4096, local: ip("10.0.0.1"))
        #expect(throws: KernelCallError.self) {
            try programmer.ensureVXLAN(other, linkLayerAddress: nil, mtu: nil, address: nil)
        }
    }

    @Test("ARP and FDB entries: replaced in one batch, visible to `ip neigh` and `bridge fdb`, then deleted")
    func neighbours() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let link = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                              address: Self.tunnelAddress)
        let arp = NeighbourEntry.arp(address: ip("10.244.1.0"), linkLayerAddress: Self.remoteMAC,
                                     interfaceIndex: link.index)
        let fdb = NeighbourEntry.bridgeForwarding(linkLayerAddress: Self.remoteMAC, destination: ip("10.0.0.2"),
                                                  interfaceIndex: link.index)
        let nowhere = NeighbourEntry.arp(address: ip("10.244.2.0"), linkLayerAddress: Self.remoteMAC,
                                         interfaceIndex: 9999)
        let failures = programmer.replaceNeighbours([arp, nowhere, fdb])
        #expect(failures.map(\.entry) == [nowhere])
        #expect(failures.first?.error == .noSuchDevice)

        let neighbours = try Self.json(namespace.ip("-j", "neigh", "show", "dev", "vxlan.calico"))
        #expect(neighbours.contains {
            $0["dst"] as? String == "10.244.1.0" && $0["lladdr"] as? String == "66:2e:7a:00:00:09"
                && ($0["state"] as? [String])?.contains("PERMANENT") == true
        }, "\(neighbours)")
        let forwarding = try Self.json(KernelTestNamespace.run(
            ["bridge", "-n", namespace.name, "-j", "fdb", "show", "dev", "vxlan.calico"]))
        #expect(forwarding.contains {
            $0["mac"] as? String == "66:2e:7a:00:00:09" && $0["dst"] as? String == "10.0.0.2"
        }, "\(forwarding)")

        // Replacing again is harmless; deleting removes both; deleting what is gone is not a failure.
        #expect(programmer.replaceNeighbours([arp, fdb]).isEmpty)
        #expect(programmer.deleteNeighbours([arp, fdb]).isEmpty)
        #expect(try Self.json(namespace.ip("-j", "neigh", "show", "dev", "vxlan.calico")).isEmpty)
        let left = try Self.json(KernelTestNamespace.run(
            ["bridge", "-n", namespace.name, "-j", "fdb", "show", "dev", "vxlan.calico"]))
        #expect(!left.contains { $0["mac"] as? String == "66:2e:7a:00:00:09" }, "\(left)")
        #expect(programmer.deleteNeighbours([arp, fdb]).isEmpty)
    }

    @Test("ensureIPIP: missing tunl0 without create is ENODEV; creating it needs the ipip module (EOPNOTSUPP if absent)")
    func ipip() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let tunl0 = IPIPDevice(name: "tunl0", local: ip("10.0.0.1"))
        let address = InterfaceAddress(ip("10.244.0.65"), prefixLength: 32)
        if try programmer.link(named: "tunl0") == nil {
            // No ipip module loaded (it would have made tunl0 in every namespace).
            #expect(throws: KernelCallError.self) {
                try programmer.ensureIPIP(tunl0, create: false, mtu: 1440, address: address)
            }
        }
        do {
            let link = try programmer.ensureIPIP(tunl0, create: true, mtu: 1440, address: address)
            // A kernel with ipip: the device is there, up, with the MTU and address.
            #expect(link.kind == "ipip" && link.isUp && link.mtu == 1440)
            #expect(try programmer.addresses().contains(InterfaceAddressEntry(interfaceIndex: link.index,
                                                                              address: address)))
        } catch {
            #expect(error.error == .notSupported, "\(error)")
            #expect(error.message == "the kernel has no ipip support (Unknown device type)", "\(error)")
        }
    }

    @Test("resolve: connected (no gateway), via a gateway, and nil for no route, blackhole, unreachable, prohibit")
    func resolve() throws {
        let namespace = try KernelTestNamespace()
        defer { namespace.destroy() }
        let programmer = try Self.programmer(in: namespace)
        let veth0 = namespace.veth0Index
        try namespace.ip("route", "add", "192.168.50.0/24", "via", "10.0.0.2")
        try namespace.ip("-6", "route", "add", "2001:db8:50::/64", "via", "2001:db8::2")
        try namespace.ip("route", "add", "blackhole", "192.168.60.0/24")
        try namespace.ip("route", "add", "unreachable", "192.168.61.0/24")
        try namespace.ip("route", "add", "prohibit", "192.168.62.0/24")

        #expect(try programmer.resolve(ip("10.0.0.5")) == ResolvedNextHop(gateway: nil, interfaceIndex: veth0))
        #expect(try programmer.resolve(ip("192.168.50.9"))
            == ResolvedNextHop(gateway: ip("10.0.0.2"), interfaceIndex: veth0))
        #expect(try programmer.resolve(ip("2001:db8::5")) == ResolvedNextHop(gateway: nil, interfaceIndex: veth0))
        #expect(try programmer.resolve(ip("2001:db8:50::9"))
            == ResolvedNextHop(gateway: ip("2001:db8::2"), interfaceIndex: veth0))
        #expect(try programmer.resolve(ip("8.8.8.8")) == nil)
        #expect(try programmer.resolve(ip("2001:db8:99::1")) == nil)
        #expect(try programmer.resolve(ip("192.168.60.1")) == nil)
        #expect(try programmer.resolve(ip("192.168.61.1")) == nil)
        #expect(try programmer.resolve(ip("192.168.62.1")) == nil)
    }
}
