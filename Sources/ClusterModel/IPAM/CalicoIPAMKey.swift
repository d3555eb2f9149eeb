// SPDX-License-Identifier: Apache-2.0
// Calico IPAM's etcd v3 key layout for blocks and their host affinities, so Swiftlet and calico/node share one
// store. libcalico-go `lib/backend/model/block.go` (`BlockKey`) and `block_affinity.go` (`BlockAffinityKey`) write
//
//     /calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26
//     /calico/ipam/v2/host/<node>/ipv4/block/10.244.0.64-26
//
// with the block CIDR in Go's `IPNet.String()` form and its one "/" replaced by "-" (IPv6 alike: `fd00:10::40-122`).
// Parsing is strict: a key that is not exactly one of these shapes, names the wrong family, or carries host bits is
// nil, so a stray key in the store is skipped rather than misread.

import BGPWire

/// Encodes and parses Calico's IPAM block and affinity keys.
public enum CalicoIPAMKey {
    /// Every block key starts with this (watch or range-read it to see all claims).
    public static let blockPrefix = "/calico/ipam/v2/assignment/"
    /// Every host affinity key starts with this.
    public static let hostsPrefix = "/calico/ipam/v2/host/"

    /// The affinity keys of one node.
    public static func hostPrefix(node: String) -> String { "\(hostsPrefix)\(node)/" }

    /// `/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26`.
    public static func block(_ prefix: IPPrefix) -> String {
        "\(blockPrefix)\(familySegment(prefix.family))/block/\(cidrSegment(prefix))"
    }

    /// `/calico/ipam/v2/host/<node>/ipv4/block/10.244.0.64-26`.
    public static func affinity(node: String, block: IPPrefix) -> String {
        "\(hostPrefix(node: node))\(familySegment(block.family))/block/\(cidrSegment(block))"
    }

    /// The block a block key names; nil for anything else.
    public static func parseBlock(_ key: String) -> IPPrefix? {
        guard key.hasPrefix(blockPrefix) else { return nil }
        return parseFamilyAndBlock(key.dropFirst(blockPrefix.count))
    }

    /// The node and block an affinity key names; nil for anything else (an empty node name included).
    public static func parseAffinity(_ key: String) -> (node: String, block: IPPrefix)? {
        guard key.hasPrefix(hostsPrefix) else { return nil }
        let rest = key.dropFirst(hostsPrefix.count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        guard let block = parseFamilyAndBlock(rest[rest.index(after: slash)...]) else { return nil }
        return (String(rest[..<slash]), block)
    }

    private static func familySegment(_ family: IPAddress.Family) -> String { family == .ipv4 ? "ipv4" : "ipv6" }

    private static func cidrSegment(_ prefix: IPPrefix) -> String { "\(prefix.address)-\(prefix.length)" }

    /// `ipv4/block/10.244.0.64-26`, the family segment matching the address.
    private static func parseFamilyAndBlock(_ text: Substring) -> IPPrefix? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "block", let dash = parts[2].lastIndex(of: "-") else { return nil }
        let cidr = parts[2]
        guard let address = IPAddress(cidr[..<dash]), familySegment(address.family) == parts[0] else { return nil }
        let lengthText = cidr[cidr.index(after: dash)...]
        guard !lengthText.isEmpty, lengthText.allSatisfy(\.isASCII), lengthText.allSatisfy(\.isNumber) else {
            return nil
        }
        return IPPrefix("\(address)/\(lengthText)")
    }
}
