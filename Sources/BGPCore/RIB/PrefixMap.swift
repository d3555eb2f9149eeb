// SPDX-License-Identifier: Apache-2.0
// The per-prefix tables of the RIBs (Adj-RIB-In, Loc-RIB, Adj-RIB-Out). A full table is a million random prefixes,
// so every table operation is a cache miss or two, and `Dictionary` costs three (its occupancy bitmap, keys and
// values live in separate arrays) plus a SipHash per look-up and a full SipHash rehash on every growth. These maps:
//
//   - hash with one multiplication of a packed key (multiply-shift), not SipHash. The multiplier is a random odd
//     number chosen per process: with a fixed one, a peer could pick a table of prefixes whose hashes collide
//     (multiplication is linear, so such keys are easy to compute) and turn every look-up into a long probe; with
//     a random one, two distinct keys collide with probability about 2 / buckets (Dietzfelbinger et al.,
//     multiply-shift hashing), whatever the peer sends;
//   - keep keys and values together in one dense array in insertion order (one miss to compare and read), with a
//     separate open-addressing index of 8-byte slots (element index and a 32-bit fingerprint of the hash) at most
//     three quarters full (linear probing, backward-shift deletion), so a look-up touches one run of slots and
//     only the element that matches;
//   - store IPv4 prefixes as 8-byte keys instead of 24-byte `IPPrefix` values (`PrefixMap` keeps one map per
//     family), which is most of the table: a Loc-RIB entry is 48 bytes plus 11-21 bytes of index.
//
// Removal moves the last element into the hole, so element indices are stable only until the next removal.

import BGPWire

/// A key with a cheap hash. The map multiplies `hashCode` by a 64-bit odd constant and uses the top 32 bits, so the
/// key only has to be injective into 64 bits as far as possible, not well mixed.
protocol CompactKey: Equatable, Sendable {
    var hashCode: UInt64 { get }
}

/// The multiply-shift hash multiplier of this process (see the file comment); odd, never 0.
let compactMapMultiplier: UInt64 = {
    var generator = SystemRandomNumberGenerator()
    return generator.next() | 1
}()

/// An open-addressing hash map with a dense element array (see the file comment).
struct CompactMap<Key: CompactKey, Value: Sendable>: Sendable {
    struct Element: Sendable {
        var key: Key
        var value: Value
    }

    /// Where a key is, or where it would go.
    enum Lookup {
        case found(Int)
        case absent(bucket: Int)
    }

    /// The elements, in insertion order except where removals moved the last one into a hole.
    private(set) var elements: ContiguousArray<Element> = []
    /// Bucket → fingerprint << 32 | (element index + 1); 0 is empty. The fingerprint is the top 32 bits of the
    /// key's mixed hash and also gives the home bucket (`home`), so probing and deletion compare slots only and
    /// touch an element just to confirm a match. At most three quarters full.
    private var slots: ContiguousArray<UInt64> = []
    /// Where `prefetch` leaves the sum of what it loaded, so the loads are not optimized away.
    private var prefetched: UInt64 = 0
    /// `compactMapMultiplier`, copied so the hot path reads a field instead of a lazily initialised global.
    private let multiplier = compactMapMultiplier

    init() {}

    /// Loads the index slots and elements of `count` keys (`key(i)`) before a batch of operations on them. Each
    /// operation of a batch is a dependent chain of cache misses (slot, then element) inside a lot of other work,
    /// so the processor overlaps few of them; here the loads are independent and close together, and the batch's
    /// operations then find them in the cache. `removals`: the batch removes up to this many elements, each moving
    /// the last element and rewriting its slot, so the slots of that many elements at the end are loaded too.
    mutating func prefetch(count: Int, removals: Int, key: (Int) -> Key) {
        guard count > 1, !slots.isEmpty else { return }
        let buckets = UInt64(slots.count)
        var sum: UInt64 = 0
        slots.withUnsafeBufferPointer { slots in
            let lastBucket = slots.count - 1
            for i in 0..<count {
                let b = Int(truncatingIfNeeded: (fingerprint(key(i)) &* buckets) >> 32)
                // The run of slots after the home bucket (probing, backward-shift deletion) may cross a line.
                sum &+= slots[b] &+ slots[Swift.min(b + 4, lastBucket)]
            }
            elements.withUnsafeBufferPointer { elements in
                for i in 0..<count {
                    let fingerprint = fingerprint(key(i))
                    let s = slots[Int(truncatingIfNeeded: (fingerprint &* buckets) >> 32)]
                    if s != 0 && s >> 32 == fingerprint {
                        sum &+= elements[Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1].key.hashCode
                    }
                }
                for i in Swift.max(0, elements.count - removals)..<elements.count {
                    sum &+= slots[Int(truncatingIfNeeded: (fingerprint(elements[i].key) &* buckets) >> 32)]
                }
            }
        }
        prefetched = sum
    }

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }

    @inline(__always)
    private func fingerprint(_ key: Key) -> UInt64 { (key.hashCode &* multiplier) >> 32 }

    /// The home bucket of a fingerprint: its share of the bucket count (any count, not only powers of two).
    @inline(__always)
    private func home(_ fingerprint: UInt64) -> Int { Int(truncatingIfNeeded: (fingerprint &* UInt64(slots.count)) >> 32) }

    @inline(__always)
    private func next(_ bucket: Int) -> Int { bucket + 1 == slots.count ? 0 : bucket + 1 }

    /// The element index of `key`.
    func index(of key: Key) -> Int? {
        guard !slots.isEmpty else { return nil }
        let fingerprint = fingerprint(key)
        var b = home(fingerprint)
        while true {
            let s = slots[b]
            if s == 0 { return nil }
            if s >> 32 == fingerprint {
                let i = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if elements[i].key == key { return i }
            }
            b = next(b)
        }
    }

    /// The element index of `key` and the bucket that holds it (for `remove(at:bucket:)`).
    func find(_ key: Key) -> (index: Int, bucket: Int)? {
        guard !slots.isEmpty else { return nil }
        let fingerprint = fingerprint(key)
        var b = home(fingerprint)
        while true {
            let s = slots[b]
            if s == 0 { return nil }
            if s >> 32 == fingerprint {
                let i = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if elements[i].key == key { return (i, b) }
            }
            b = next(b)
        }
    }

    subscript(key: Key) -> Value? { index(of: key).map { elements[$0].value } }

    /// The value at an element index, mutable in place.
    subscript(index index: Int) -> Value {
        get { elements[index].value }
        _modify { yield &elements[index].value }
        set { elements[index].value = newValue }
    }

    func key(at index: Int) -> Key { elements[index].key }

    /// `body` on the value at an element index, borrowed in place (no copy of what it refers to).
    @inline(__always)
    func withValue<R>(at index: Int, _ body: (borrowing Value) -> R) -> R {
        elements.withUnsafeBufferPointer { body($0[index].value) }
    }

    /// One probe for "find or find the insertion point"; makes room for one more element first, so an `absent`
    /// bucket is valid for `insert(_:_:bucket:)` until the next mutation.
    mutating func lookup(_ key: Key) -> Lookup {
        // Growing by half keeps the index between 1/2 and 3/4 full (11-16 bytes per element).
        if (elements.count + 1) * 4 > slots.count * 3 { rehash(buckets: Swift.max(16, slots.count + slots.count / 2)) }
        let fingerprint = fingerprint(key)
        var b = home(fingerprint)
        while true {
            let s = slots[b]
            if s == 0 { return .absent(bucket: b) }
            if s >> 32 == fingerprint {
                let i = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if elements[i].key == key { return .found(i) }
            }
            b = next(b)
        }
    }

    /// Appends an element for a key `lookup` reported absent at `bucket`; returns its index.
    @discardableResult
    mutating func insert(_ key: Key, _ value: Value, bucket: Int) -> Int {
        elements.append(Element(key: key, value: value))
        slots[bucket] = fingerprint(key) << 32 | UInt64(elements.count)
        return elements.count - 1
    }

    /// Sets the value of `key`, returning the previous one.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        switch lookup(key) {
        case .found(let i):
            let old = elements[i].value
            elements[i].value = value
            return old
        case .absent(let b):
            insert(key, value, bucket: b)
            return nil
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let i = index(of: key) else { return nil }
        return remove(at: i).value
    }

    /// Removes the element at `index`; the last element takes its index.
    @discardableResult
    mutating func remove(at index: Int) -> Element {
        remove(at: index, bucket: slot(of: index))
    }

    /// `remove(at:)` with the bucket that holds the element (`find`), so it is not probed for again.
    @discardableResult
    mutating func remove(at index: Int, bucket hole: Int) -> Element {
        let last = elements.count - 1
        let moved = index != last ? slot(of: last) : -1
        slots.withUnsafeMutableBufferPointer { slots in
            if moved >= 0 { slots[moved] = slots[moved] & ~0xFFFF_FFFF | UInt64(index + 1) }
            Self.deleteSlot(hole, in: slots)
        }
        // The last element moves into the hole and the removed one comes out: no copies, no reference counting.
        var removed = elements.removeLast()
        if index != last { swap(&elements[index], &removed) }
        if elements.isEmpty {
            removeAll()
        } else if slots.count > 1024 && elements.count * 8 < slots.count {
            // Mostly withdrawn: give the memory back.
            var smaller = ContiguousArray<Element>()
            smaller.reserveCapacity(elements.count * 2)
            smaller.append(contentsOf: elements)
            elements = smaller
            rehash(buckets: slots.count / 4)
        }
        return removed
    }

    mutating func removeAll() {
        elements = []
        slots = []
    }

    /// Room for `count` elements without growing.
    mutating func reserveCapacity(_ count: Int) {
        guard count > elements.count else { return }
        elements.reserveCapacity(count)
        if count * 4 > slots.count * 3 { rehash(buckets: Swift.max(16, count * 4 / 3 + 1)) }
    }

    /// The bucket that holds element `index`.
    private func slot(of index: Int) -> Int {
        let fingerprint = fingerprint(elements[index].key)
        let target = fingerprint << 32 | UInt64(index + 1)
        var b = home(fingerprint)
        while slots[b] != target { b = next(b) }
        return b
    }

    /// Empties bucket `hole`, moving later members of its cluster back so that every key stays reachable from its
    /// home bucket without tombstones (Knuth 6.4 Algorithm R). Reads slots only; the loop has no data-dependent
    /// branch but its end (whether a member moves is a conditional move: clusters are random, so a branch there
    /// is mispredicted every other member).
    private static func deleteSlot(_ hole: Int, in slots: UnsafeMutableBufferPointer<UInt64>) {
        let n = slots.count
        let buckets = UInt64(n)
        var i = hole
        var j = hole
        while true {
            j = j + 1 == n ? 0 : j + 1
            let s = slots[j]
            if s == 0 { break }
            let k = Int(truncatingIfNeeded: ((s >> 32) &* buckets) >> 32)
            // The member at j may stay when its home k lies cyclically in (i, j]: its distance back to k is less
            // than the distance back to the hole.
            var toHome = j &- k
            if toHome < 0 { toHome &+= n }
            var toHole = j &- i
            if toHole < 0 { toHole &+= n }
            let moves = toHome >= toHole
            slots[i] = moves ? s : slots[i]
            i = moves ? j : i
        }
        slots[i] = 0
    }

    private mutating func rehash(buckets: Int) {
        slots = ContiguousArray(repeating: 0, count: buckets)
        for i in elements.indices {
            let fingerprint = fingerprint(elements[i].key)
            var b = home(fingerprint)
            while slots[b] != 0 { b = next(b) }
            slots[b] = fingerprint << 32 | UInt64(i + 1)
        }
    }
}

// MARK: Keys

/// An IPv4 prefix in 8 bytes: address << 8 | length.
struct IPv4PrefixKey: CompactKey {
    var raw: UInt64

    @inline(__always) init(_ prefix: IPPrefix) { raw = prefix.address.low << 8 | UInt64(prefix.length) }

    var prefix: IPPrefix {
        IPPrefix(address: IPAddress(ipv4: UInt32(truncatingIfNeeded: raw >> 8)), length: UInt8(truncatingIfNeeded: raw))
    }

    var hashCode: UInt64 { raw }
}

extension IPPrefix: CompactKey {
    var hashCode: UInt64 {
        (address.high &* 0xFF51_AFD7_ED55_8CCD) ^ address.low ^ UInt64(length) << 56 ^ UInt64(address.family.rawValue)
    }
}

/// An IPv4 prefix and an ADD-PATH Path Identifier below 2^24 in 8 bytes: address << 32 | length << 24 | path ID.
/// (Larger identifiers are rare; `AdjRIBIn.Key` puts those in the map with full keys.)
struct IPv4PathKey: CompactKey {
    var raw: UInt64

    init(prefix: IPPrefix, pathID: UInt32) {
        raw = prefix.address.low << 32 | UInt64(prefix.length) << 24 | UInt64(pathID)
    }

    var prefix: IPPrefix {
        IPPrefix(address: IPAddress(ipv4: UInt32(truncatingIfNeeded: raw >> 32)), length: UInt8(truncatingIfNeeded: raw >> 24))
    }

    var pathID: UInt32 { UInt32(truncatingIfNeeded: raw) & 0xFF_FFFF }

    var hashCode: UInt64 { raw }
}

extension AdjRIBIn.Key: CompactKey {
    var hashCode: UInt64 { prefix.hashCode ^ UInt64(pathID) &* 0xC2B2_AE3D_27D4_EB4F }
}

/// Keys with a compact IPv4 form: `FamilyMap` keeps IPv4 and IPv6 in separate maps.
protocol FamilySplitKey: Hashable, Sendable {
    associatedtype V4: CompactKey
    /// The key has a compact form (IPv4; keys without one go to the map of full keys with IPv6).
    var isIPv4: Bool { get }
    var family: IPAddress.Family { get }
    /// The IPv4 form; only called when `isIPv4`.
    var v4: V4 { get }
    init(v4: V4)
}

extension IPPrefix: FamilySplitKey {
    var isIPv4: Bool { address.family == .ipv4 }
    var v4: IPv4PrefixKey { IPv4PrefixKey(self) }
    init(v4: IPv4PrefixKey) { self = v4.prefix }
}

extension AdjRIBIn.Key: FamilySplitKey {
    var family: IPAddress.Family { prefix.family }
    var isIPv4: Bool { prefix.family == .ipv4 && pathID < 1 << 24 }
    var v4: IPv4PathKey { IPv4PathKey(prefix: prefix, pathID: pathID) }
    init(v4: IPv4PathKey) { self.init(prefix: v4.prefix, pathID: v4.pathID) }
}

/// A map with compact IPv4 keys and full keys for IPv6 (and for IPv4 keys without a compact form). Positions (`Int`)
/// are element indices: `i` in the compact map, `~i` (negative) in the other; a removal invalidates the position of
/// that map's last element.
struct FamilyMap<Key: FamilySplitKey & CompactKey, Value: Sendable>: Sendable {
    private(set) var v4 = CompactMap<Key.V4, Value>()
    private(set) var v6 = CompactMap<Key, Value>()

    init() {}

    var count: Int { v4.count + v6.count }
    var isEmpty: Bool { v4.isEmpty && v6.isEmpty }

    func position(of key: Key) -> Int? {
        key.isIPv4 ? v4.index(of: key.v4) : v6.index(of: key).map { ~$0 }
    }

    /// The position of `key` and the bucket that holds it, for `remove(at:bucket:)`.
    func locate(_ key: Key) -> (position: Int, bucket: Int)? {
        if key.isIPv4 { return v4.find(key.v4).map { ($0.index, $0.bucket) } }
        return v6.find(key).map { (~$0.index, $0.bucket) }
    }

    subscript(key: Key) -> Value? { key.isIPv4 ? v4[key.v4] : v6[key] }

    subscript(position position: Int) -> Value {
        get { position >= 0 ? v4[index: position] : v6[index: ~position] }
        _modify {
            if position >= 0 { yield &v4[index: position] } else { yield &v6[index: ~position] }
        }
        set {
            if position >= 0 { v4[index: position] = newValue } else { v6[index: ~position] = newValue }
        }
    }

    func key(at position: Int) -> Key { position >= 0 ? Key(v4: v4.key(at: position)) : v6.key(at: ~position) }

    /// `body` on the value at `position`, borrowed in place.
    @inline(__always)
    func withValue<R>(at position: Int, _ body: (borrowing Value) -> R) -> R {
        position >= 0 ? v4.withValue(at: position, body) : v6.withValue(at: ~position, body)
    }

    /// `.found(position)` or `.absent(bucket)` for `insert(_:_:bucket:)` (see `CompactMap.lookup`).
    mutating func lookup(_ key: Key) -> CompactMap<Key, Value>.Lookup {
        if key.isIPv4 {
            switch v4.lookup(key.v4) {
            case .found(let i): return .found(i)
            case .absent(let b): return .absent(bucket: b)
            }
        }
        switch v6.lookup(key) {
        case .found(let i): return .found(~i)
        case .absent(let b): return .absent(bucket: b)
        }
    }

    @discardableResult
    mutating func insert(_ key: Key, _ value: Value, bucket: Int) -> Int {
        key.isIPv4 ? v4.insert(key.v4, value, bucket: bucket) : ~v6.insert(key, value, bucket: bucket)
    }

    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        key.isIPv4 ? v4.updateValue(value, forKey: key.v4) : v6.updateValue(value, forKey: key)
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        key.isIPv4 ? v4.removeValue(forKey: key.v4) : v6.removeValue(forKey: key)
    }

    @discardableResult
    mutating func remove(at position: Int) -> Value {
        position >= 0 ? v4.remove(at: position).value : v6.remove(at: ~position).value
    }

    /// `remove(at:)` with the bucket `locate` found.
    @discardableResult
    mutating func remove(at position: Int, bucket: Int) -> Value {
        position >= 0 ? v4.remove(at: position, bucket: bucket).value : v6.remove(at: ~position, bucket: bucket).value
    }

    mutating func removeAll() {
        v4.removeAll()
        v6.removeAll()
    }

    /// `CompactMap.prefetch` for the IPv4 keys among `key(0 ..< count)` (the rest are few).
    mutating func prefetch(count: Int, removals: Int, key: (Int) -> Key) {
        v4.prefetch(count: count, removals: removals) { key($0).v4 }
    }

    mutating func reserveCapacity(_ count: Int, family: IPAddress.Family = .ipv4) {
        if family == .ipv4 { v4.reserveCapacity(count) } else { v6.reserveCapacity(count) }
    }

    /// Every position of one family (or both), IPv4 first; valid while nothing is removed.
    func positions(family: IPAddress.Family? = nil) -> [Int] {
        var result: [Int] = []
        if family != .ipv6 { result += Array(0..<v4.count) }
        for i in 0..<v6.count where family == nil || v6.key(at: i).family == family { result.append(~i) }
        return result
    }

    /// Calls `body` with every key and value of one family (or both), unordered.
    func forEach(family: IPAddress.Family? = nil, _ body: (Key, Value) throws -> Void) rethrows {
        if family != .ipv6 { for element in v4.elements { try body(Key(v4: element.key), element.value) } }
        for element in v6.elements where family == nil || element.key.family == family {
            try body(element.key, element.value)
        }
    }

    var keys: [Key] {
        var result: [Key] = []
        result.reserveCapacity(count)
        forEach { key, _ in result.append(key) }
        return result
    }
}
