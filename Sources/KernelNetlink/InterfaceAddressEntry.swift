// SPDX-License-Identifier: Apache-2.0
// One address of one interface as an RTM_GETADDR dump or an RTM_NEWADDR notification reports it (linux/if_addr.h
// `struct ifaddrmsg`, IFA_*).

import BGPWire

/// An address on an interface, named by index.
public struct InterfaceAddressEntry: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: UInt32
    public var address: InterfaceAddress

    public init(interfaceIndex: UInt32, address: InterfaceAddress) {
        self.interfaceIndex = interfaceIndex
        self.address = address
    }

    public var description: String { "\(address) on \(interfaceIndex)" }

    /// IFA_* (linux/if_addr.h).
    enum Attribute {
        static let address: UInt16 = 1  // IFA_ADDRESS: the peer on a point-to-point link, else the address
        static let local: UInt16 = 2  // IFA_LOCAL: the address itself (IPv4 only)
    }

    /// `struct ifaddrmsg`, 8 octets: | family (1) | prefixlen (1) | flags (1) | scope (1) | index (4) |
    static let headerSize = 8

    /// Reads the payload of an RTM_NEWADDR or RTM_DELADDR message. IFA_LOCAL is the interface's own address when
    /// present (on a point-to-point link IFA_ADDRESS is the far end); IPv6 sends only IFA_ADDRESS. Returns nil for
    /// families other than IPv4 and IPv6 and for a message without an address.
    public init?(addressMessagePayload payload: [UInt8]) throws(NetlinkParseError) {
        guard payload.count >= Self.headerSize else { throw .badValue(field: "ifaddrmsg", length: payload.count) }
        let family: IPAddress.Family
        switch payload[0] {
        case RouteMessage.familyIPv4: family = .ipv4
        case RouteMessage.familyIPv6: family = .ipv6
        default: return nil
        }
        let prefixLength = payload[1]
        guard Int(prefixLength) <= family.bitWidth else { throw .badValue(field: "ifa_prefixlen", length: 1) }
        var address: IPAddress?
        var local: IPAddress?
        for attribute in try NetlinkAttribute.parse(payload[Self.headerSize...]) {
            switch attribute.type {
            case Attribute.address: address = try KernelRoute.address(attribute, family: family, "IFA_ADDRESS")
            case Attribute.local: local = try KernelRoute.address(attribute, family: family, "IFA_LOCAL")
            default: break  // IFA_LABEL, IFA_FLAGS, IFA_CACHEINFO, IFA_BROADCAST, ...
            }
        }
        guard let chosen = local ?? address else { return nil }
        self.init(interfaceIndex: payload.netlinkUInt32(at: 4),
                  address: InterfaceAddress(chosen, prefixLength: prefixLength))
    }
}
