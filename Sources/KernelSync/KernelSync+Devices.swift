// SPDX-License-Identifier: Apache-2.0
// The tunnel devices behind encapsulated routes (Calico's IPIP and VXLAN modes), set up by KernelSync before it plans
// routes that use them:
// - VXLAN (RFC 7348): `vxlan.calico`-style device with the configured VNI and port, learning off, local address
//   the node's `bgp.ipv4Address`, MAC and address from the Node's `vxlanTunnelMACAddr` / `ipv4VXLANTunnelAddr`,
//   MTU uplink − 50 (outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14). For every other node with VXLAN data: a
//   permanent ARP entry (its tunnel address → its MAC) and FDB entry (its MAC → its node address), which is what
//   makes `via VTEP dev vxlan.calico onlink` deliverable without learning.
// - IPIP (RFC 2003): the existing `tunl0` (or the configured device), created only when asked; MTU uplink − 20. A
//   kernel without the ipip module cannot have it: that is logged once and routes wanting IPIP take the configured
//   fallback (KernelRoutePlanner).
// Devices are only needed when a pool (or the IPIP fallback) asks for them, and only when Swiftlet programs the
// encapsulated class of routes (`programClusterRoutes`).

import BGPWire
import ClusterModel
import KernelNetlink
import Logging

extension KernelSync {
    /// Finds or creates the tunnel devices, programs the VXLAN neighbours, and tells the planner what it can use.
    func setUpDevices() {
        guard var devices = self.devices else { return }
        defer { self.devices = devices }
        var found = KernelRoutePlanner.TunnelDevices()
        var notes: [String] = []
        let programsEncapsulated = settings.programClusterRoutes.programs(.vxlan)
        let pools = configuration.pools.filter { !$0.spec.disabled }
        let wantsIPIP = programsEncapsulated && pools.contains { $0.spec.ipipMode != .never }
        let wantsVXLAN = programsEncapsulated
            && (pools.contains { $0.spec.vxlanMode != .never } || (wantsIPIP && settings.ipipFallback == .vxlan))
        let local = configuration.tunnelEndpoints.first { $0.nodeName == configuration.nodeName }
        var uplinkMTU: UInt32?
        if let local { uplinkMTU = self.uplinkMTU(of: local.nodeAddress, devices: &devices) }

        if wantsIPIP {
            let mtu = settings.ipipMTU ?? uplinkMTU.map { $0 - 20 }
            let address = local?.ipipAddress.map { KernelNetlink.InterfaceAddress($0, prefixLength: 32) }
            do throws(KernelCallError) {
                let device = IPIPDevice(name: settings.ipipDevice, local: IPAddress("0.0.0.0")!)
                let link = try devices.ensureIPIP(device, create: settings.manageIPIPDevice, mtu: mtu, address: address)
                found.ipipIndex = link.index
                notes.append("\(link.name) (IPIP, index \(link.index), mtu \(link.mtu))")
                clearProblem("ipip")
            } catch {
                let fallback = settings.ipipFallback == .vxlan ? "VXLAN" : "plain routes"
                let text = "\(settings.ipipDevice): \(error.message ?? "\(error.error)"); IPIP routes use \(fallback)"
                notes.append(text)
                problem("ipip", "IPIP device unusable; falling back",
                        ["device": "\(settings.ipipDevice)", "error": "\(error.message ?? "\(error.error)")",
                         "fallback": "\(fallback)"])
            }
        }

        if wantsVXLAN {
            found.vxlanIndex = setUpVXLAN(local: local, uplinkMTU: uplinkMTU, devices: &devices, notes: &notes)
        } else if !neighbours.isEmpty {
            _ = devices.deleteNeighbours(Array(neighbours))
            neighbours.removeAll()
        }
        deviceNotes = notes
        planner.devices = found
    }

    private func setUpVXLAN(
        local: TunnelEndpoint?, uplinkMTU: UInt32?, devices: inout any DeviceProgrammer, notes: inout [String]
    ) -> UInt32? {
        let name = settings.vxlanDevice
        let link: LinkInfo
        do throws(KernelCallError) {
            if settings.manageVXLANDevice {
                guard let local, let tunnelAddress = local.vxlanAddress else {
                    let text = "\(name): this Node has no ipv4VXLANTunnelAddr; VXLAN routes stay pending"
                    notes.append(text)
                    problem("vxlan", "cannot create the VXLAN device", ["device": "\(name)", "reason": "\(text)"])
                    return nil
                }
                let device = VXLANDevice(
                    name: name, vni: settings.vxlanVNI, local: local.nodeAddress, port: settings.vxlanPort,
                    learning: false)
                link = try devices.ensureVXLAN(
                    device, linkLayerAddress: local.vxlanMAC.map(LinkLayerAddress.init),
                    mtu: settings.vxlanMTU ?? uplinkMTU.map { $0 - 50 },
                    address: KernelNetlink.InterfaceAddress(tunnelAddress, prefixLength: 32))
            } else {
                guard let existing = try devices.link(named: name) else {
                    let text = "\(name): no such device (manageVXLANDevice is false: Felix creates it)"
                    notes.append(text)
                    problem("vxlan", "VXLAN device missing", ["device": "\(name)"])
                    return nil
                }
                link = existing
            }
        } catch {
            let text = "\(name): \(error.message ?? "\(error.error)")"
            notes.append(text)
            problem("vxlan", "VXLAN device unusable", ["device": "\(name)", "error": "\(text)"])
            return nil
        }
        clearProblem("vxlan")
        notes.append("\(link.name) (VXLAN, index \(link.index), vni \(settings.vxlanVNI), mtu \(link.mtu))")
        if settings.manageVXLANDevice { programNeighbours(vxlanIndex: link.index, devices: &devices) }
        return link.index
    }

    /// One ARP and one FDB entry per other node with VXLAN data; entries of nodes that left are deleted.
    private func programNeighbours(vxlanIndex: UInt32, devices: inout any DeviceProgrammer) {
        var wanted = Set<NeighbourEntry>()
        for endpoint in configuration.tunnelEndpoints where endpoint.nodeName != configuration.nodeName {
            guard let address = endpoint.vxlanAddress, let mac = endpoint.vxlanMAC else { continue }
            let linkLayer = LinkLayerAddress(mac)
            wanted.insert(.arp(address: address, linkLayerAddress: linkLayer, interfaceIndex: vxlanIndex))
            wanted.insert(.bridgeForwarding(linkLayerAddress: linkLayer, destination: endpoint.nodeAddress,
                                            interfaceIndex: vxlanIndex))
        }
        let gone = neighbours.subtracting(wanted)
        if !gone.isEmpty { _ = devices.deleteNeighbours(Array(gone)) }
        let failures = devices.replaceNeighbours(Array(wanted))
        for failure in failures {
            logger.error("VXLAN neighbour entry refused", metadata: ["entry": "\(failure)"])
        }
        neighbours = wanted.subtracting(failures.map(\.entry))
    }

    /// The MTU of the device that holds the node's address (the uplink tunnels leave by).
    private func uplinkMTU(of nodeAddress: IPAddress, devices: inout any DeviceProgrammer) -> UInt32? {
        guard let entry = (try? devices.addresses())?.first(where: { $0.address.address == nodeAddress }),
            let link = (try? devices.links())?.first(where: { $0.index == entry.interfaceIndex })
        else { return nil }
        return link.mtu
    }

    /// Logs a problem once, until `clearProblem` says it is gone.
    func problem(_ key: String, _ message: String, _ metadata: [String: String]) {
        guard reportedProblems.insert(key).inserted else { return }
        logger.error("\(message)", metadata: metadata.mapValues { .string($0) })
    }

    func clearProblem(_ key: String) { reportedProblems.remove(key) }
}
