// SPDX-License-Identifier: Apache-2.0
// Why received netlink octets could not be read. The kernel never sends such octets, so each means a cut or
// corrupted buffer; readers throw it typed.

/// Why received netlink bytes could not be read. Offsets count from the start of the buffer or payload given.
public enum NetlinkParseError: Error, Hashable, Sendable {
    /// Fewer octets than a header or length field says there are.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A message or attribute length shorter than its own header.
    case badLength(offset: Int, length: Int)
    /// A fixed-size structure or attribute value of the wrong size (`rtmsg`, an address, `RTA_OIF`).
    case badValue(field: String, length: Int)
}
