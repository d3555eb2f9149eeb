// SPDX-License-Identifier: Apache-2.0
// KernelSync's per-prefix state, stored densely. A Swift Dictionary keeps a value slot for every bucket, and with a
// load factor of at most 3/4 and power-of-two sizes a 100k-prefix table of ~200-byte states has 262,144 of them:
// ~50 MiB, most of it empty. Here the dictionary maps a prefix to a 32-bit slot and the states live in an array
// with a free list, which is what a full table costs: the states plus ~30 bytes per bucket.

import BGPWire

/// Prefix → value, with values in a dense array. Slots stay valid until their entry is removed.
struct PrefixTable<Value> {
    private var slots: [IPPrefix: Int32] = [:]
    private var keys: [IPPrefix?] = []
    private var values: [Value?] = []
    private var free: [Int32] = []

    var count: Int { slots.count }

    /// The slot of `prefix`, if it has an entry.
    func slot(of prefix: IPPrefix) -> Int? { slots[prefix].map(Int.init) }

    /// Every occupied slot (a snapshot: removing entries while iterating it is allowed).
    var occupied: [Int] { keys.indices.filter { keys[$0] != nil } }

    func key(at slot: Int) -> IPPrefix { keys[slot]! }

    subscript(slot slot: Int) -> Value {
        get { values[slot]! }
        _modify {
            var value = values[slot].take()!
            defer { values[slot] = value }
            yield &value
        }
    }

    subscript(prefix: IPPrefix) -> Value? {
        get { slots[prefix].map { values[Int($0)]! } }
        set {
            if let slot = slots[prefix] {
                if let newValue { values[Int(slot)] = newValue } else { remove(at: Int(slot)) }
            } else if let newValue {
                insert(prefix, newValue)
            }
        }
    }

    @discardableResult
    mutating func insert(_ prefix: IPPrefix, _ value: Value) -> Int {
        if let slot = free.popLast() {
            keys[Int(slot)] = prefix
            values[Int(slot)] = value
            slots[prefix] = slot
            return Int(slot)
        }
        let slot = Int32(keys.count)
        keys.append(prefix)
        values.append(value)
        slots[prefix] = slot
        return Int(slot)
    }

    mutating func remove(at slot: Int) {
        guard let prefix = keys[slot] else { return }
        slots[prefix] = nil
        keys[slot] = nil
        values[slot] = nil
        free.append(Int32(slot))
    }

    @discardableResult
    mutating func removeValue(forKey prefix: IPPrefix) -> Value? {
        guard let slot = slots[prefix] else { return nil }
        let value = values[Int(slot)]
        remove(at: Int(slot))
        return value
    }

    /// Visits every live value in place, without copying the table (`show status` and every metrics scrape count
    /// over all of it).
    func forEachValue(_ body: (borrowing Value) -> Void) {
        for index in values.indices {
            if let value = values[index] { body(value) }
        }
    }

    /// The live keys.
    var liveKeys: [IPPrefix] { keys.compactMap { $0 } }

    mutating func removeAll(where shouldRemove: (Value) -> Bool) {
        for slot in occupied where shouldRemove(values[slot]!) { remove(at: slot) }
    }
}
