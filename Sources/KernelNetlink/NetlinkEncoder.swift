// SPDX-License-Identifier: Apache-2.0
// Appends netlink messages and attributes to a byte array: host byte order, every attribute padded to 4 octets
// (`NLA_ALIGN`), lengths patched when a message or nest ends. Like iproute2's `addattr_l`/`addattr_nest_end` and
// libmnl's `mnl_attr_put`/`mnl_attr_nest_end`, a nest's length and `nlmsg_len` include the padding of the last
// attribute. Padding is always zero (iproute2's `rta_addattr_l` leaves it uninitialised; the kernel ignores it).

import BGPWire

/// Builds one or more netlink messages into `bytes`.
struct NetlinkEncoder {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(128) }

    /// An encoder whose buffer already has room for `capacity` octets (a batch: no regrowth while it fills).
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Drops everything from `count` on (a request that did not fit its batch), keeping the capacity.
    mutating func truncate(to count: Int) {
        bytes.removeSubrange(count...)
    }

    /// Empties the buffer, keeping its capacity, so that one encoder serves batch after batch.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// `struct nlattr` header size (`NLA_HDRLEN`).
    static let attributeHeaderSize = 4

    /// Starts a message; returns its offset for `endMessage`.
    mutating func beginMessage(type: NetlinkMessageType, flags: NetlinkMessageFlags, sequence: UInt32) -> Int {
        let start = bytes.count
        appendUInt32(0)  // nlmsg_len, patched by endMessage
        appendUInt16(type.rawValue)
        appendUInt16(flags.rawValue)
        appendUInt32(sequence)
        appendUInt32(0)  // nlmsg_pid: 0, the kernel fills in the socket's port
        return start
    }

    mutating func endMessage(_ start: Int) {
        pad()
        patchUInt32(at: start, UInt32(bytes.count - start))
    }

    // MARK: Fixed fields, host byte order

    mutating func appendUInt8(_ value: UInt8) { bytes.append(value) }
    // Octet by octet in memory order (host order): no temporary buffers, nothing generic on the hot path.
    mutating func appendUInt16(_ value: UInt16) {
        withUnsafeBytes(of: value) { raw in
            bytes.append(raw[0])
            bytes.append(raw[1])
        }
    }

    mutating func appendUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value) { raw in
            bytes.append(raw[0])
            bytes.append(raw[1])
            bytes.append(raw[2])
            bytes.append(raw[3])
        }
    }

    mutating func appendInt32(_ value: Int32) { appendUInt32(UInt32(bitPattern: value)) }
    mutating func appendZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// An integer in network byte order (an IPv4 address, half of an IPv6 one).
    mutating func appendBigEndian(_ value: UInt32) { appendUInt32(value.bigEndian) }

    mutating func appendBigEndian(_ value: UInt64) {
        appendUInt32(UInt32(truncatingIfNeeded: value >> 32).bigEndian)
        appendUInt32(UInt32(truncatingIfNeeded: value).bigEndian)
    }

    mutating func pad() {
        while bytes.count & 3 != 0 { bytes.append(0) }
    }

    private mutating func patchUInt32(at offset: Int, _ value: UInt32) {
        withUnsafeBytes(of: value) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }

    private mutating func patchUInt16(at offset: Int, _ value: UInt16) {
        withUnsafeBytes(of: value) { raw in
            bytes[offset] = raw[0]
            bytes[offset + 1] = raw[1]
        }
    }

    // MARK: Attributes (struct nlattr: | nla_len (2) | nla_type (2) | value | padding to 4 |)

    mutating func appendAttribute(_ type: UInt16, _ value: some Collection<UInt8>) {
        appendUInt16(UInt16(Self.attributeHeaderSize + value.count))
        appendUInt16(type)
        bytes.append(contentsOf: value)
        pad()
    }

    mutating func appendAttribute(_ type: UInt16, uint8 value: UInt8) { appendAttribute(type, CollectionOfOne(value)) }

    mutating func appendAttribute(_ type: UInt16, uint32 value: UInt32) {
        appendUInt16(UInt16(Self.attributeHeaderSize + 4))
        appendUInt16(type)
        appendUInt32(value)
    }

    /// An address attribute (RTA_DST, RTA_GATEWAY, ...): the address in network byte order, written in place
    /// (`IPAddress.bytes` would allocate an array per attribute). Equal to `appendAttribute(type, address.bytes)`.
    mutating func appendAttribute(_ type: UInt16, address: IPAddress) {
        switch address.family {
        case .ipv4:
            appendUInt16(UInt16(Self.attributeHeaderSize + 4))
            appendUInt16(type)
            appendBigEndian(address.ipv4Value)
        case .ipv6:
            appendUInt16(UInt16(Self.attributeHeaderSize + 16))
            appendUInt16(type)
            appendBigEndian(address.high)
            appendBigEndian(address.low)
        }
    }

    /// A 16-bit value in network byte order (the kernel's `nla_get_be16`, e.g. `IFLA_VXLAN_PORT`).
    mutating func appendAttribute(_ type: UInt16, bigEndianUInt16 value: UInt16) {
        appendAttribute(type, [UInt8(value >> 8), UInt8(value & 0xff)])
    }

    /// A string, NUL-terminated or not: iproute2 terminates `IFLA_IFNAME` but not `IFLA_INFO_KIND`, and the
    /// kernel's `NLA_STRING` policy accepts both.
    mutating func appendAttribute(_ type: UInt16, string: String, nulTerminated: Bool) {
        appendAttribute(type, Array(string.utf8) + (nulTerminated ? [0] : []))
    }

    /// Starts a nested attribute; returns its offset for `endNested`. Like iproute2 and libmnl, `NLA_F_NESTED` is
    /// not set: rtnetlink's link and route attributes predate it and the kernel does not ask for it there.
    mutating func beginNested(_ type: UInt16) -> Int {
        let start = bytes.count
        appendUInt16(0)
        appendUInt16(type)
        return start
    }

    mutating func endNested(_ start: Int) {
        pad()
        patchUInt16(at: start, UInt16(bytes.count - start))
    }

    /// Starts a `struct rtnexthop` inside `RTA_MULTIPATH` (its first field is a 2-octet length, like `nla_len`).
    mutating func beginNextHop(flags: UInt8, hops: UInt8, interfaceIndex: UInt32) -> Int {
        let start = bytes.count
        appendUInt16(0)  // rtnh_len, patched by endNested
        appendUInt8(flags)
        appendUInt8(hops)
        appendUInt32(interfaceIndex)
        return start
    }
}
