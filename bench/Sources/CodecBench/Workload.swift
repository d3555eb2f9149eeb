// SPDX-License-Identifier: Apache-2.0
// A full-table-like workload: distinct prefixes with a realistic length mix, spread over attribute sets with
// varied AS paths and communities, packed into UPDATEs exactly as UpdatePacker (and real routers) pack them.

import BGPCore
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
        var all: [NLRI] = []
        all.reserveCapacity(prefixes)
        var seen = Set<IPPrefix>()
        seen.reserveCapacity(prefixes)
        while all.count < prefixes {
            let prefix: IPPrefix
            if family == .ipv4Unicast {
                // Roughly the global table's mix: 60% /24, 10% /23, 10% /22, the rest /16-/21.
                let roll = Int.random(in: 0..<100, using: &rng)
                let length: UInt8 = roll < 60 ? 24 : roll < 70 ? 23 : roll < 80 ? 22 : UInt8.random(in: 16...21, using: &rng)
                let address = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)
                prefix = IPPrefix(address: IPAddress(ipv4: address), length: length)
            } else {
                let roll = Int.random(in: 0..<100, using: &rng)
                let length: UInt8 = roll < 50 ? 48 : roll < 70 ? 32 : roll < 85 ? 44 : UInt8.random(in: 29...64, using: &rng)
                let high = 0x2000_0000_0000_0000 | (rng.next() >> 4)
                prefix = IPPrefix(address: IPAddress(ipv6High: high, low: 0), length: length)
            }
            if seen.insert(prefix).inserted { all.append(NLRI(prefix)) }
        }
        var sets: [(PathAttributes, [NLRI])] = []
        let perSet = prefixes / setCount
        for i in 0..<setCount {
            var attributes = PathAttributes()
            attributes.origin = i % 7 == 0 ? .incomplete : .igp
            let hops = Int.random(in: 2...8, using: &rng)
            var path: [UInt32] = [64500]
            for _ in 1..<hops {
                path.append(Int.random(in: 0..<10, using: &rng) == 0 ? UInt32.random(in: 131_072...4_200_000_000, using: &rng) : UInt32.random(in: 1...64_000, using: &rng))
            }
            attributes.asPath = ASPath(sequence: path)
            if family == .ipv4Unicast { attributes.nextHop = IPAddress(ipv4: 0x0A00_0001) }
            if i % 3 == 0 { attributes.multiExitDiscriminator = UInt32.random(in: 0...1000, using: &rng) }
            let communities = Int.random(in: 0...6, using: &rng)
            if communities > 0 {
                attributes.communities = (0..<communities).map { _ in Community(rawValue: UInt32.random(in: 0...UInt32.max, using: &rng)) }
            }
            if i % 5 == 0 { attributes.largeCommunities = [LargeCommunity(64500, UInt32(i), 1)] }
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
