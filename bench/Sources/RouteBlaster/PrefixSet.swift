// SPDX-License-Identifier: Apache-2.0
// A compact set of IPv4 prefixes for the monitor side: open addressing with linear probing over one array of
// 64-bit keys (address << 8 | length), backward-shift deletion, so a withdraw-all leaves no tombstones. About
// 16 bytes per prefix at the default load; an insert or remove is one multiply and (usually) one cache line.
// The caller keeps the count (insert/remove say whether they changed the set), so the hot loop mutates no class
// property and pays no exclusivity checks.

final class PrefixSet: @unchecked Sendable {
    static let empty = UInt64.max

    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int
    /// Keys it can hold before an insert of a new key would never find an empty slot.
    var capacity: Int { mask }
    private let shift: UInt64

    /// Room for `expected` keys at load factor ≤ 0.5; more than `capacity - 1` keys would loop forever, so callers
    /// size it for the most they can receive.
    init(expected: Int) {
        var size = 16
        var bits: UInt64 = 4
        while size < expected * 2 {
            size <<= 1
            bits += 1
        }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Self.empty, count: size)
        mask = size - 1
        shift = 64 - bits
    }

    deinit { slots.deallocate() }

    /// The key of `address/length` (host bits already clear).
    @inline(__always)
    static func key(address: UInt32, length: Int) -> UInt64 { UInt64(address) << 8 | UInt64(length) }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Inserts `key`; false when it was already present.
    @inline(__always)
    func insert(_ key: UInt64) -> Bool {
        var i = home(key)
        while true {
            let slot = slots[i]
            if slot == key { return false }
            if slot == Self.empty {
                slots[i] = key
                return true
            }
            i = (i + 1) & mask
        }
    }

    func contains(_ key: UInt64) -> Bool {
        var i = home(key)
        while true {
            let slot = slots[i]
            if slot == key { return true }
            if slot == Self.empty { return false }
            i = (i + 1) & mask
        }
    }

    /// Removes `key`; false when it was absent.
    @inline(__always)
    func remove(_ key: UInt64) -> Bool {
        var i = home(key)
        while true {
            let slot = slots[i]
            if slot == Self.empty { return false }
            if slot == key { break }
            i = (i + 1) & mask
        }
        // Backward shift: pull later entries of the probe run into the hole unless their home lies cyclically in
        // (hole, position].
        var j = i
        while true {
            j = (j + 1) & mask
            let slot = slots[j]
            if slot == Self.empty { break }
            let k = home(slot)
            let stays = i <= j ? (i < k && k <= j) : (i < k || k <= j)
            if stays { continue }
            slots[i] = slot
            i = j
        }
        slots[i] = Self.empty
        return true
    }
}
