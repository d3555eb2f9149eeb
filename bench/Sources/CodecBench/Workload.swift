// SPDX-License-Identifier: Apache-2.0
// A full-table-like workload: distinct prefixes with a realistic length mix, spread over attribute sets with
// varied AS paths and communities, packed into UPDATEs exactly as UpdatePacker (and real routers) pack them.

import BGPCore
import BenchWorkload
import BGPWire
import NIOCore

struct Workload {
    var family: AddressFamily
    /// (attributes, prefixes) per attribute set.
    var sets: [(PathAttributes, [NLRI])]
    var prefixCount: Int
    /// The packed UPDATE stream.
    var stream: ByteBuffer
    var messageCount: Int
    static let context = EncodeContext(fourOctetAS: true)

    static func make(family: AddressFamily, prefixes: Int, sets setCount: Int, seed: UInt64) -> Workload {
        var rng = SplitMix64(seed: seed)
        let all = TableGenerator.prefixes(prefixes, family: family, using: &rng)
        var sets: [(PathAttributes, [NLRI])] = []
        let perSet = prefixes / setCount
        let nextHop = family == .ipv4Unicast ? IPAddress(ipv4: 0x0A00_0001) : nil
        for i in 0..<setCount {
            let attributes = TableGenerator.attributes(set: i, firstAS: 64500, nextHop: nextHop, using: &rng)
            let start = i * perSet
            let end = i == setCount - 1 ? prefixes : start + perSet
            sets.append((attributes, Array(all[start..<end])))
        }
        var stream = ByteBuffer()
        var messages = 0
        let nextHops = family == .ipv6Unicast ? [IPAddress("2001:db8::1")!, IPAddress("fe80::1")!] : []
        for (attributes, nlri) in sets {
            messages += UpdatePacker.writeAnnouncements(
                nlri, family: family, nextHops: nextHops, attributes: attributes, into: &stream, context: context)
        }
        return Workload(family: family, sets: sets, prefixCount: prefixes, stream: stream, messageCount: messages)
    }
}
