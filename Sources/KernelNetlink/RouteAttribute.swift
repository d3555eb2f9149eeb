// SPDX-License-Identifier: Apache-2.0
// Route attribute types (linux/rtnetlink.h `enum rtattr_type_t`): the ones Swiftlet writes or reads.

/// `enum rtattr_type_t` (linux/rtnetlink.h): the route attributes Swiftlet writes or reads.
enum RouteAttribute {
    static let destination: UInt16 = 1  // RTA_DST
    static let outputInterface: UInt16 = 4  // RTA_OIF (u32 ifindex)
    static let gateway: UInt16 = 5  // RTA_GATEWAY (address of the route's family)
    static let priority: UInt16 = 6  // RTA_PRIORITY (u32 metric)
    static let multipath: UInt16 = 9  // RTA_MULTIPATH (struct rtnexthop + attributes, repeated)
    static let table: UInt16 = 15  // RTA_TABLE (u32)
    static let via: UInt16 = 18  // RTA_VIA (struct rtvia: u16 family + address)
}
