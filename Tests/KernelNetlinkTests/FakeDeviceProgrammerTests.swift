// SPDX-License-Identifier: Apache-2.0
// FakeDeviceProgrammer keeps the rules of the netlink one: ensure calls create, then change only what differs; a
// device with other parameters is refused and left alone; IPIP creation fails without ipip support; deleting an
// absent neighbour is not a failure; calls are recorded.

import BGPWire
import KernelNetlink
import Testing

@Suite("Fake device programmer")
struct FakeDeviceProgrammerTests {
    static let mac = LinkLayerAddress([0x66, 0x2e, 0x7a, 0xc2, 0xf0, 0x01])
    static let device = VXLANDevice(name: "vxlan.calico", vni: 4096, local: ip("10.0.0.1"))
    static let tunnelAddress = InterfaceAddress(ip("10.244.0.64"), prefixLength: 32)

    @Test("ensureVXLAN creates, sets MAC/MTU/up and the address; a second call changes nothing")
    func ensureVXLAN() throws {
        var programmer = FakeDeviceProgrammer(links: [LinkInfo(index: 1, name: "lo", mtu: 65536, isUp: true)])
        let link = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                              address: Self.tunnelAddress)
        #expect(link.index == 2 && link.isUp && link.mtu == 1410 && link.linkLayerAddress == Self.mac)
        #expect(link.vxlan?.vni == 4096)
        #expect(try programmer.addresses() == [InterfaceAddressEntry(interfaceIndex: 2, address: Self.tunnelAddress)])
        let changes = programmer.changeCount
        let again = try programmer.ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                               address: Self.tunnelAddress)
        #expect(again == link)
        #expect(programmer.changeCount == changes)
        #expect(programmer.calls.first == .ensureVXLAN(Self.device, linkLayerAddress: Self.mac, mtu: 1410,
                                                       address: Self.tunnelAddress))
    }

    @Test("ensureVXLAN over a device with another VNI throws EEXIST naming the difference, and leaves it")
    func vxlanMismatch() {
        let foreign = LinkInfo(index: 4, name: "vxlan.calico", kind: "vxlan", mtu: 1450, isUp: false,
                               vxlan: LinkInfo.VXLAN(vni: 4097, port: 4789, local: ip("10.0.0.1"), learning: false))
        var programmer = FakeDeviceProgrammer(links: [foreign])
        #expect {
            try programmer.ensureVXLAN(Self.device, linkLayerAddress: nil, mtu: nil, address: nil)
        } throws: { error in
            guard let error = error as? KernelCallError else { return false }
            return error.error == .fileExists && error.message?.contains("VNI 4097 (want 4096)") == true
        }
        #expect(programmer.installedLinks[4] == foreign)
    }

    @Test("ensureIPIP: missing without create is ENODEV; create without ipip support is EOPNOTSUPP; tunl0 is used")
    func ensureIPIP() throws {
        let tunl0 = IPIPDevice(name: "tunl0", local: ip("10.0.0.1"))
        var programmer = FakeDeviceProgrammer()
        #expect(throws: KernelCallError.self) {
            try programmer.ensureIPIP(tunl0, create: false, mtu: nil, address: nil)
        }
        do {
            _ = try programmer.ensureIPIP(tunl0, create: true, mtu: nil, address: nil)
            Issue.record("expected EOPNOTSUPP")
        } catch {
            #expect(error.error == .notSupported)
            #expect(error.message?.hasPrefix("the kernel has no ipip support") == true)
        }
        programmer.installedLinks[2] = LinkInfo(index: 2, name: "tunl0", kind: "ipip", mtu: 1480, isUp: false)
        let link = try programmer.ensureIPIP(tunl0, create: false, mtu: 1440, address: Self.tunnelAddress)
        #expect(link == LinkInfo(index: 2, name: "tunl0", kind: "ipip", mtu: 1440, isUp: true))
    }

    @Test("neighbours: replace keeps one ARP entry per address and device, delete of an absent one succeeds")
    func neighbours() {
        var programmer = FakeDeviceProgrammer()
        let arp = NeighbourEntry.arp(address: ip("10.244.1.0"), linkLayerAddress: Self.mac, interfaceIndex: 5)
        let newer = NeighbourEntry.arp(address: ip("10.244.1.0"),
                                       linkLayerAddress: LinkLayerAddress([2, 0, 0, 0, 0, 9]), interfaceIndex: 5)
        let fdb = NeighbourEntry.bridgeForwarding(linkLayerAddress: Self.mac, destination: ip("10.0.0.2"),
                                                  interfaceIndex: 5)
        #expect(programmer.replaceNeighbours([arp, fdb]).isEmpty)
        #expect(programmer.replaceNeighbours([newer]).isEmpty)
        #expect(programmer.installedNeighbours == [newer, fdb])
        programmer.injectedNeighbourFailures[fdb] = .invalidArgument
        #expect(programmer.deleteNeighbours([arp, fdb, arp]).map(\.error) == [.invalidArgument])
        #expect(programmer.installedNeighbours == [fdb])
    }

    @Test("resolve answers from `resolutions`, nil otherwise; an injected failure is thrown")
    func resolve() throws {
        var programmer = FakeDeviceProgrammer(
            resolutions: [ip("10.0.0.2"): ResolvedNextHop(gateway: nil, interfaceIndex: 3)])
        #expect(try programmer.resolve(ip("10.0.0.2")) == ResolvedNextHop(gateway: nil, interfaceIndex: 3))
        #expect(try programmer.resolve(ip("192.0.2.1")) == nil)
        programmer.failure = KernelCallError(operation: "resolve", error: .timedOut)
        #expect(throws: KernelCallError(operation: "resolve", error: .timedOut)) {
            try programmer.resolve(ip("10.0.0.2"))
        }
        #expect(programmer.calls == [.resolve(ip("10.0.0.2")), .resolve(ip("192.0.2.1")), .resolve(ip("10.0.0.2"))])
    }
}
