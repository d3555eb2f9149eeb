// SPDX-License-Identifier: Apache-2.0
// `sessions --block-base A --block-length L`: each session plays one Calico node that owns one IPAM block, so a run
// can emulate a cluster (session i announces the i-th block of that size from the base, like a node's /26).

import BGPWire

/// Consecutive IPv4 blocks of one length from an aligned base; session i owns block i.
struct BlockPlan: Sendable, Hashable {
    var base: UInt32
    var length: Int

    /// A failure with a sentence when the base is not an aligned IPv4 network of that length or `count` blocks run past
    /// 255.255.255.255.
    static func make(base text: String, length: Int, count: Int) -> Result<BlockPlan, BlockPlanError> {
        guard (1...32).contains(length) else { return .failure(BlockPlanError("--block-length must be 1...32")) }
        guard let address = IPAddress(text), address.family == .ipv4 else {
            return .failure(BlockPlanError("--block-base must be an IPv4 address"))
        }
        let size = UInt64(1) << UInt64(32 - length)
        guard UInt64(address.ipv4Value) % size == 0 else {
            return .failure(BlockPlanError("--block-base \(text) is not aligned to a /\(length)"))
        }
        guard UInt64(address.ipv4Value) + UInt64(count) * size <= UInt64(1) << 32 else {
            return .failure(BlockPlanError("--count blocks of /\(length) from \(text) run past 255.255.255.255"))
        }
        return .success(BlockPlan(base: address.ipv4Value, length: length))
    }

    /// The block session `index` announces.
    func block(for index: Int) -> IPPrefix {
        let size = UInt32(truncatingIfNeeded: UInt64(1) << UInt64(32 - length))
        return IPPrefix(address: IPAddress(ipv4: base &+ UInt32(index) &* size), length: UInt8(length))
    }
}

struct BlockPlanError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
