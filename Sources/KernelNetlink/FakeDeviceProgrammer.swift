// SPDX-License-Identifier: Apache-2.0
// An in-memory DeviceProgrammer for KernelSync tests: devices, addresses, neighbour entries and route lookups held
// as plain values the test sets and inspects, with the rules and errnos of NetlinkDeviceProgrammer (a foreign or
// mismatched device is refused with EEXIST and left alone, IPIP creation fails with EOPNOTSUPP on a kernel without
// ipip, deleting an absent neighbour is not a failure). Every call is recorded in `calls`.

import BGPWire

/// Devices, addresses and neighbour entries in memory.
public struct FakeDeviceProgrammer: DeviceProgrammer, Sendable {
    /// One call, as made.
    public enum Call: Hashable, Sendable {
        case links
        case link(named: String)
        case addresses
        case ensureVXLAN(VXLANDevice, linkLayerAddress: LinkLayerAddress?, mtu: UInt32?, address: InterfaceAddress?)
        case ensureIPIP(IPIPDevice, create: Bool, mtu: UInt32?, address: InterfaceAddress?)
        case replaceNeighbours([NeighbourEntry])
        case deleteNeighbours([NeighbourEntry])
        case resolve(IPAddress)
    }

    /// The devices, by index. Ensure calls add and change entries here.
    public var installedLinks: [UInt32: LinkInfo]
    /// The addresses; ensure calls add to it.
    public var installedAddresses: Set<InterfaceAddressEntry>
    /// The neighbour entries; an ARP entry is keyed by address and device, an FDB entry by MAC, destination and
    /// device, as in the kernel, so replacing an ARP entry with another MAC replaces it.
    public var installedNeighbours: Set<NeighbourEntry>
    /// What `resolve` answers per address; an address not in here resolves to nil (unreachable).
    public var resolutions: [IPAddress: ResolvedNextHop]
    /// Whether creating an IPIP device works (false: EOPNOTSUPP, as on a kernel without the ipip module).
    public var supportsIPIP: Bool
    /// When set, every throwing call throws this (as a broken socket would).
    public var failure: KernelCallError?
    /// Neighbour changes to refuse: the next replace or delete of this entry fails with the errno.
    public var injectedNeighbourFailures: [NeighbourEntry: KernelErrno] = [:]
    /// Every call, in order.
    public private(set) var calls: [Call] = []
    /// Changes made to devices and addresses (creations, MAC/MTU/up changes, added addresses), as
    /// NetlinkDeviceProgrammer counts change requests; a repeated ensure call adds none.
    public private(set) var changeCount = 0

    public init(
        links: [LinkInfo] = [],
        addresses: [InterfaceAddressEntry] = [],
        neighbours: [NeighbourEntry] = [],
        resolutions: [IPAddress: ResolvedNextHop] = [:],
        supportsIPIP: Bool = false
    ) {
        installedLinks = Dictionary(links.map { ($0.index, $0) }, uniquingKeysWith: { _, last in last })
        installedAddresses = Set(addresses)
        installedNeighbours = Set(neighbours)
        self.resolutions = resolutions
        self.supportsIPIP = supportsIPIP
    }

    public mutating func links() throws(KernelCallError) -> [LinkInfo] {
        calls.append(.links)
        if let failure { throw failure }
        return installedLinks.values.sorted { $0.index < $1.index }
    }

    public mutating func link(named name: String) throws(KernelCallError) -> LinkInfo? {
        calls.append(.link(named: name))
        if let failure { throw failure }
        return installedLinks.values.first { $0.name == name }
    }

    public mutating func addresses() throws(KernelCallError) -> [InterfaceAddressEntry] {
        calls.append(.addresses)
        if let failure { throw failure }
        return installedAddresses.sorted {
            ($0.interfaceIndex, $0.address.address) < ($1.interfaceIndex, $1.address.address)
        }
    }

    public mutating func ensureVXLAN(
        _ device: VXLANDevice,
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo {
        calls.append(.ensureVXLAN(device, linkLayerAddress: linkLayerAddress, mtu: mtu, address: address))
        let operation = "ensure VXLAN device \(device.name)"
        if let failure { throw failure }
        var link: LinkInfo
        if let existing = installedLinks.values.first(where: { $0.name == device.name }) {
            let differences = NetlinkDeviceProgrammer.differences(existing, device)
            if !differences.isEmpty {
                throw KernelCallError(operation: operation, error: .fileExists,
                                      message: "device \(device.name) exists with "
                                          + differences.joined(separator: ", ") + "; left as it is")
            }
            link = existing
        } else {
            // A new device gets the MAC asked for, else a locally administered one derived from its index.
            let index = nextIndex
            let generated = LinkLayerAddress([0x02, 0, 0, 0, UInt8(truncatingIfNeeded: index >> 8),
                                              UInt8(truncatingIfNeeded: index)])
            link = LinkInfo(
                index: index, name: device.name, kind: "vxlan", mtu: mtu ?? 1450, isUp: false,
                linkLayerAddress: linkLayerAddress ?? generated,
                vxlan: LinkInfo.VXLAN(vni: device.vni, port: device.port, local: device.local,
                                      learning: device.learning, parentInterfaceIndex: device.parentInterfaceIndex))
            changeCount += 1
        }
        return configure(&link, linkLayerAddress: linkLayerAddress, mtu: mtu, address: address)
    }

    public mutating func ensureIPIP(
        _ device: IPIPDevice,
        create: Bool,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo {
        calls.append(.ensureIPIP(device, create: create, mtu: mtu, address: address))
        let operation = "ensure IPIP device \(device.name)"
        if let failure { throw failure }
        var link: LinkInfo
        if let existing = installedLinks.values.first(where: { $0.name == device.name }) {
            guard existing.kind == "ipip" else {
                throw KernelCallError(operation: operation, error: .fileExists,
                                      message: "device \(device.name) exists with kind \(existing.kind ?? "none"), "
                                          + "not ipip; left as it is")
            }
            link = existing
        } else {
            guard create else {
                throw KernelCallError(operation: operation, error: .noSuchDevice,
                                      message: "no device \(device.name), and creating it was not asked for")
            }
            guard supportsIPIP else {
                throw KernelCallError(operation: operation, error: .notSupported,
                                      message: "the kernel has no ipip support (Unknown device type)")
            }
            link = LinkInfo(index: nextIndex, name: device.name, kind: "ipip", mtu: 1480, isUp: false)
            changeCount += 1
        }
        return configure(&link, linkLayerAddress: nil, mtu: mtu, address: address)
    }

    public mutating func replaceNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] {
        calls.append(.replaceNeighbours(entries))
        var failures: [NeighbourFailure] = []
        for entry in entries {
            if let error = injectedNeighbourFailures.removeValue(forKey: entry) {
                failures.append(NeighbourFailure(entry: entry, error: error))
                continue
            }
            // Replacing: an entry with the same key (ARP: address and device) is overwritten.
            installedNeighbours = installedNeighbours.filter { Self.key($0) != Self.key(entry) }
            installedNeighbours.insert(entry)
        }
        return failures
    }

    public mutating func deleteNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] {
        calls.append(.deleteNeighbours(entries))
        var failures: [NeighbourFailure] = []
        for entry in entries {
            if let error = injectedNeighbourFailures.removeValue(forKey: entry) {
                failures.append(NeighbourFailure(entry: entry, error: error))
                continue
            }
            installedNeighbours = installedNeighbours.filter { Self.key($0) != Self.key(entry) }
        }
        return failures
    }

    public mutating func resolve(_ address: IPAddress) throws(KernelCallError) -> ResolvedNextHop? {
        calls.append(.resolve(address))
        if let failure { throw failure }
        return resolutions[address]
    }

    // MARK: Helpers

    private var nextIndex: UInt32 { (installedLinks.keys.max() ?? 1) + 1 }

    /// The kernel's identity of a neighbour entry: ARP entries have one MAC per address and device.
    private static func key(_ entry: NeighbourEntry) -> NeighbourEntry {
        switch entry {
        case .arp(let address, _, let index):
            .arp(address: address, linkLayerAddress: LinkLayerAddress([0, 0, 0, 0, 0, 0]), interfaceIndex: index)
        case .bridgeForwarding: entry
        }
    }

    private mutating func configure(
        _ link: inout LinkInfo,
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) -> LinkInfo {
        if let linkLayerAddress, linkLayerAddress != link.linkLayerAddress {
            link.linkLayerAddress = linkLayerAddress
            changeCount += 1
        }
        if let mtu, mtu != link.mtu {
            link.mtu = mtu
            changeCount += 1
        }
        if !link.isUp {
            link.isUp = true
            changeCount += 1
        }
        installedLinks[link.index] = link
        if let address, installedAddresses.insert(InterfaceAddressEntry(interfaceIndex: link.index, address: address))
            .inserted {
            changeCount += 1
        }
        return link
    }
}
