// SPDX-License-Identifier: Apache-2.0
// The full-table-like data every benchmark uses: distinct prefixes with the global table's length mix, and attribute
// sets with varied AS paths, MED and communities. Deterministic: the same seed gives the same table.

import BGPCore
import BGPWire

public enum TableGenerator {
    /// `count` distinct prefixes. IPv4: 60 % /24, 10 % /23, 10 % /22, the rest /16-/21. IPv6: mostly /48, /32, /44.
    public static func prefixes(_ count: Int, family: AddressFamily, using rng: inout SplitMix64) -> [NLRI] {
        var all: [NLRI] = []
        all.reserveCapacity(count)
        var seen = Set<IPPrefix>(minimumCapacity: count)
        while all.count < count {
            let prefix: IPPrefix
            let roll = Int.random(in: 0..<100, using: &rng)
            if family == .ipv4Unicast {
                let length: UInt8 = roll < 60 ? 24 : roll < 70 ? 23 : roll < 80 ? 22 : UInt8.random(in: 16...21, using: &rng)
                let address = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)
                prefix = IPPrefix(address: IPAddress(ipv4: address), length: length)
            } else {
                let length: UInt8 = roll < 50 ? 48 : roll < 70 ? 32 : roll < 85 ? 44 : UInt8.random(in: 29...64, using: &rng)
                let high = 0x2000_0000_0000_0000 | (rng.next() >> 4)
                prefix = IPPrefix(address: IPAddress(ipv6High: high, low: 0), length: length)
            }
            if seen.insert(prefix).inserted { all.append(NLRI(prefix)) }
        }
        return all
    }

    /// Attribute set number `index`: AS path of 2-8 hops starting at `firstAS` (a tenth of the ASes 4-octet), MED
    /// on every third set, 0-6 communities, a large community on every fifth.
    public static func attributes(
        set index: Int, firstAS: UInt32, nextHop: IPAddress?, using rng: inout SplitMix64
    ) -> PathAttributes {
        var attributes = PathAttributes()
        attributes.origin = index % 7 == 0 ? .incomplete : .igp
        var path: [UInt32] = [firstAS]
        for _ in 1..<Int.random(in: 2...8, using: &rng) {
            path.append(
                Int.random(in: 0..<10, using: &rng) == 0
                    ? UInt32.random(in: 131_072...4_200_000_000, using: &rng) : UInt32.random(in: 1...64_000, using: &rng))
        }
        attributes.asPath = ASPath(sequence: path)
        attributes.nextHop = nextHop
        if index % 3 == 0 { attributes.multiExitDiscriminator = UInt32.random(in: 0...1000, using: &rng) }
        let communities = Int.random(in: 0...6, using: &rng)
        if communities > 0 {
            attributes.communities = (0..<communities).map { _ in
                Community(rawValue: UInt32.random(in: 0...UInt32.max, using: &rng))
            }
        }
        if index % 5 == 0 { attributes.largeCommunities = [LargeCommunity(firstAS, UInt32(index), 1)] }
        return attributes
    }
}
