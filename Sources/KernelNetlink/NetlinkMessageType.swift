// SPDX-License-Identifier: Apache-2.0
// Netlink message types: the control messages of linux/netlink.h and the rtnetlink messages of linux/rtnetlink.h.

/// `nlmsg_type`: the control types of linux/netlink.h and the rtnetlink types of linux/rtnetlink.h.
public struct NetlinkMessageType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noop = Self(rawValue: 1)  // NLMSG_NOOP
    public static let error = Self(rawValue: 2)  // NLMSG_ERROR (an ack when the error is 0)
    public static let done = Self(rawValue: 3)  // NLMSG_DONE
    public static let overrun = Self(rawValue: 4)  // NLMSG_OVERRUN
    public static let newLink = Self(rawValue: 16)  // RTM_NEWLINK
    public static let deleteLink = Self(rawValue: 17)  // RTM_DELLINK
    public static let getLink = Self(rawValue: 18)  // RTM_GETLINK
    public static let newAddress = Self(rawValue: 20)  // RTM_NEWADDR
    public static let deleteAddress = Self(rawValue: 21)  // RTM_DELADDR
    public static let getAddress = Self(rawValue: 22)  // RTM_GETADDR
    public static let newRoute = Self(rawValue: 24)  // RTM_NEWROUTE
    public static let deleteRoute = Self(rawValue: 25)  // RTM_DELROUTE
    public static let getRoute = Self(rawValue: 26)  // RTM_GETROUTE
    public static let newNeighbour = Self(rawValue: 28)  // RTM_NEWNEIGH
    public static let deleteNeighbour = Self(rawValue: 29)  // RTM_DELNEIGH
    public static let getNeighbour = Self(rawValue: 30)  // RTM_GETNEIGH
}
