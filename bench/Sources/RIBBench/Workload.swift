// SPDX-License-Identifier: Apache-2.0
// A full-table-like IPv4 workload per peer (BenchWorkload's table, shuffled over that peer's attribute sets), packed
// into UPDATEs by UpdatePacker and decoded back, exactly as a session would hand them to the Adj-RIB-In.

import BGPCore
import BenchWorkload
import BGPWire
import NIOCore

enum Workload {
    static let context = EncodeContext(fourOctetAS: true)

    /// `count` distinct IPv4 prefixes (the shared table mix).
    static func prefixes(_ count: Int, seed: UInt64) -> [NLRI] {
        var rng = SplitMix64(seed: seed)
        return TableGenerator.prefixes(count, family: .ipv4Unicast, using: &rng)
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
            let attributes = TableGenerator.attributes(
                set: i, firstAS: firstAS, nextHop: IPAddress(ipv4: nextHop), using: &rng)
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
