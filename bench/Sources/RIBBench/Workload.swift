// SPDX-License-Identifier: Apache-2.0
// A full-table-like IPv4 workload, trimmed from bench/codec's Workload.swift: distinct prefixes with the global
// table's length mix, spread over attribute sets with varied AS paths and communities, packed into UPDATEs by
// UpdatePacker and decoded back, exactly as a session would hand them to the Adj-RIB-In.

import BGPCore
import BGPWire
import NIOCore

enum Workload {
    static let context = EncodeContext(fourOctetAS: true)

    /// `count` distinct IPv4 prefixes (60% /24, 10% /23, 10% /22, the rest /16-/21).
    static func prefixes(_ count: Int, seed: UInt64) -> [NLRI] {
        var rng = SplitMix64(seed: seed)
        var all: [NLRI] = []
        all.reserveCapacity(count)
        var seen = Set<IPPrefix>(minimumCapacity: count)
        while all.count < count {
            let roll = Int.random(in: 0..<100, using: &rng)
            let length: UInt8 = roll < 60 ? 24 : roll < 70 ? 23 : roll < 80 ? 22 : UInt8.random(in: 16...21, using: &rng)
            let prefix = IPPrefix(address: IPAddress(ipv4: UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &rng)), length: length)
            if seen.insert(prefix).inserted { all.append(NLRI(prefix)) }
        }
        return all
    }

    /// The decoded UPDATEs a peer in `firstAS` with next hop `nextHop` sends for `prefixes` over `sets` attribute
    /// sets (the prefixes are shuffled over the sets with `seed`, so two peers group them differently).
    static func updates(prefixes: [NLRI], sets setCount: Int, firstAS: UInt32, nextHop: UInt32, seed: UInt64)
        -> [UpdateMessage]
    {
        var rng = SplitMix64(seed: seed)
        var shuffled = prefixes
        shuffled.shuffle(using: &rng)
        var stream = ByteBuffer()
        let perSet = shuffled.count / setCount
        for i in 0..<setCount {
            var attributes = PathAttributes()
            attributes.origin = i % 7 == 0 ? .incomplete : .igp
            var path: [UInt32] = [firstAS]
            for _ in 1..<Int.random(in: 2...8, using: &rng) {
                path.append(Int.random(in: 0..<10, using: &rng) == 0 ? UInt32.random(in: 131_072...4_200_000_000, using: &rng) : UInt32.random(in: 1...64_000, using: &rng))
            }
            attributes.asPath = ASPath(sequence: path)
            attributes.nextHop = IPAddress(ipv4: nextHop)
            if i % 3 == 0 { attributes.multiExitDiscriminator = UInt32.random(in: 0...1000, using: &rng) }
            let communities = Int.random(in: 0...6, using: &rng)
            if communities > 0 {
                attributes.communities = (0..<communities).map { _ in Community(rawValue: UInt32.random(in: 0...UInt32.max, using: &rng)) }
            }
            if i % 5 == 0 { attributes.largeCommunities = [LargeCommunity(firstAS, UInt32(i), 1)] }
            let start = i * perSet
            let end = i == setCount - 1 ? shuffled.count : start + perSet
            UpdatePacker.writeAnnouncements(
                Array(shuffled[start..<end]), family: .ipv4Unicast, nextHops: [], attributes: attributes,
                into: &stream, context: context)
        }
        var updates: [UpdateMessage] = []
        while let decoded = try! stream.readBGPMessage(context: context.decodeContext) {
            if case .update(let update) = decoded.message { updates.append(update) }
        }
        return updates
    }
}
