// SPDX-License-Identifier: Apache-2.0
// The Adj-RIB-Out of one update group (RFC 4271 §3.2: "the routes for advertisement to specific peers"): what the
// group's peers have been sent, per prefix and ADD-PATH Path Identifier (RFC 7911), as the outgoing `AttributeSet`.
// It is what makes updates incremental: a re-announcement with the same outgoing attributes sends nothing, and a
// withdrawal goes out only for what was advertised. It is also the source of a route refresh (RFC 2918 §4: the
// speaker "re-advertises to the peer the Adj-RIB-Out") and of the table a late joiner of the group is sent.
//
// Layout: one 8-byte table entry per prefix (Path Identifier and an index into the group's outgoing sets, counted
// per use), so a table without ADD-PATH makes no per-prefix heap allocation and holds no reference per prefix;
// prefixes with several paths (ADD-PATH) keep them in a side table.

import BGPWire

/// One advertised path: the Path Identifier we sent it with (0 without ADD-PATH) and its outgoing attributes.
public struct AdvertisedPath: Hashable, Sendable, CustomStringConvertible {
    public var pathID: UInt32
    public var attributes: AttributeSet

    public init(pathID: UInt32 = 0, attributes: AttributeSet) {
        self.pathID = pathID
        self.attributes = attributes
    }

    public static func == (a: Self, b: Self) -> Bool { a.pathID == b.pathID && a.attributes === b.attributes }

    public var description: String { pathID == 0 ? "\(attributes)" : "path-id \(pathID) \(attributes)" }
}

/// What has to go on the wire to move one prefix from what was advertised to what should be.
public struct AdjRIBOutDelta: Hashable, Sendable {
    /// Paths to (re-)announce: new, or with different attributes than advertised.
    public var announce: [AdvertisedPath] = []
    /// Path Identifiers to withdraw: advertised and no longer wanted.
    public var withdraw: [UInt32] = []

    public init(announce: [AdvertisedPath] = [], withdraw: [UInt32] = []) {
        self.announce = announce
        self.withdraw = withdraw
    }

    public var isEmpty: Bool { announce.isEmpty && withdraw.isEmpty }
}

/// The Adj-RIB-Out of one update group. A value type owned by the `UpdateGenerator`.
public struct AdjRIBOut: Sendable {
    /// One prefix (8 bytes; 16 with the IPv4 key): the Path Identifier and the index of the outgoing set in `sets`,
    /// or `Entry.several` when the prefix has more than one path (ADD-PATH), which are then in `multiple`.
    struct Entry: Sendable {
        var set: UInt32
        var pathID: UInt32

        static let several = UInt32.max
    }

    private var entries = FamilyMap<IPPrefix, Entry>()
    /// The prefixes advertised with more than one path (ADD-PATH with an ECMP set), in the order given.
    private var multiple: [IPPrefix: [AdvertisedPath]] = [:]
    /// The outgoing sets of the single-path entries (a table has a few thousand for a million prefixes), with the
    /// number of entries that use each; a set leaves when its last entry does, and its slot is reused.
    private var sets: [AttributeSet?] = []
    private var uses: [Int] = []
    private var setIndices: [ObjectIdentifier: UInt32] = [:]
    private var freeSets: [UInt32] = []
    /// The set stored last: consecutive prefixes mostly share one.
    private var lastSet: (set: AttributeSet, index: UInt32)?
    private var counts = (ipv4: 0, ipv6: 0)

    public init() {}

    // MARK: Updates

    /// Records that `prefix` is now advertised with exactly `paths` (none = withdrawn) and returns what must be sent.
    /// Path Identifiers in `paths` must be distinct.
    public mutating func replace(_ prefix: IPPrefix, with paths: [AdvertisedPath]) -> AdjRIBOutDelta {
        if paths.count <= 1 { return replace(prefix, with: paths.first) }
        let before = self.paths(for: prefix)
        var delta = AdjRIBOutDelta()
        for path in paths where !before.contains(path) { delta.announce.append(path) }
        for old in before where !paths.contains(where: { $0.pathID == old.pathID }) { delta.withdraw.append(old.pathID) }
        if before.isEmpty { count(prefix, 1) }
        let several = Entry(set: Entry.several, pathID: 0)
        switch entries.lookup(prefix) {
        case .absent(let bucket):
            entries.insert(prefix, several, bucket: bucket)
        case .found(let position):
            let old = entries[position: position]
            if old.set != Entry.several { release(old.set) }
            entries[position: position] = several
        }
        multiple[prefix] = paths
        return delta
    }

    /// `replace` for at most one path (no ADD-PATH, or a single selected path).
    public mutating func replace(_ prefix: IPPrefix, with path: AdvertisedPath?) -> AdjRIBOutDelta {
        var delta = AdjRIBOutDelta()
        replace(prefix, with: path, announce: { delta.announce.append($0) }, withdraw: { delta.withdraw.append($0) })
        return delta
    }

    /// `replace(_:with:)` for at most one path, reporting what to send through `announce` and `withdraw` (in that
    /// order of calls: withdrawals of other Path Identifiers, then the announcement) instead of building a delta:
    /// one table look-up and no allocation per prefix.
    @inline(__always)
    mutating func replace(
        _ prefix: IPPrefix, with path: AdvertisedPath?, announce: (AdvertisedPath) -> Void, withdraw: (UInt32) -> Void
    ) {
        guard let path else {
            guard let (position, bucket) = entries.locate(prefix) else { return }
            let old = entries.remove(at: position, bucket: bucket)
            count(prefix, -1)
            if old.set == Entry.several {
                for extra in multiple.removeValue(forKey: prefix) ?? [] { withdraw(extra.pathID) }
            } else {
                release(old.set)
                withdraw(old.pathID)
            }
            return
        }
        switch entries.lookup(prefix) {
        case .absent(let bucket):
            entries.insert(prefix, Entry(set: retain(path.attributes), pathID: path.pathID), bucket: bucket)
            count(prefix, 1)
            announce(path)
        case .found(let position):
            let old = entries[position: position]
            if old.set != Entry.several {
                if old.pathID == path.pathID && sets[Int(old.set)]! === path.attributes { return }
                let set = retain(path.attributes)
                release(old.set)
                entries[position: position] = Entry(set: set, pathID: path.pathID)
                if old.pathID != path.pathID { withdraw(old.pathID) }
                announce(path)
            } else {
                let before = multiple.removeValue(forKey: prefix) ?? []
                entries[position: position] = Entry(set: retain(path.attributes), pathID: path.pathID)
                for extra in before where extra.pathID != path.pathID { withdraw(extra.pathID) }
                if !before.contains(path) { announce(path) }
            }
        }
    }

    /// Loads the table's slots and entries for `count` prefixes before a batch of `replace` calls on them
    /// (`CompactMap.prefetch`); up to `removals` of them withdraw.
    mutating func prefetch(count: Int, removals: Int, prefix: (Int) -> IPPrefix) {
        entries.prefetch(count: count, removals: removals, key: prefix)
    }

    /// Makes room for `count` prefixes of `family` (before an initial table), so the table does not rehash while it
    /// grows.
    public mutating func reserveCapacity(_ count: Int, family: IPAddress.Family = .ipv4) {
        entries.reserveCapacity(count, family: family)
    }

    /// Forgets everything (the group's last peer left).
    public mutating func removeAll() {
        entries.removeAll()
        multiple = [:]
        sets = []
        uses = []
        setIndices = [:]
        freeSets = []
        lastSet = nil
        counts = (0, 0)
    }

    // MARK: Look-ups

    /// The paths advertised for `prefix`, in the order they were given.
    public func paths(for prefix: IPPrefix) -> [AdvertisedPath] { entries[prefix].map { paths($0, prefix: prefix) } ?? [] }

    /// Every advertised prefix of one IP family with its paths, sorted by prefix (`show route --advertised`, route
    /// refresh).
    public func routes(family: IPAddress.Family) -> [(prefix: IPPrefix, paths: [AdvertisedPath])] {
        var all: [(prefix: IPPrefix, entry: Entry)] = []
        entries.forEach(family: family) { all.append(($0, $1)) }
        return all.sorted { $0.prefix < $1.prefix }.map { ($0.prefix, paths($0.entry, prefix: $0.prefix)) }
    }

    /// Calls `body` for every advertised path of one IP family, unordered (no copies of the table).
    public func forEach(family: IPAddress.Family, _ body: (IPPrefix, AdvertisedPath) -> Void) {
        entries.forEach(family: family) { prefix, entry in
            if entry.set == Entry.several {
                for path in multiple[prefix] ?? [] { body(prefix, path) }
            } else {
                body(prefix, AdvertisedPath(pathID: entry.pathID, attributes: sets[Int(entry.set)]!))
            }
        }
    }

    /// Number of advertised prefixes of one family.
    public func prefixCount(for family: IPAddress.Family) -> Int { family == .ipv4 ? counts.ipv4 : counts.ipv6 }

    /// Number of advertised prefixes.
    public var prefixCount: Int { entries.count }

    // MARK: Internals

    private func paths(_ entry: Entry, prefix: IPPrefix) -> [AdvertisedPath] {
        entry.set == Entry.several
            ? multiple[prefix] ?? [] : [AdvertisedPath(pathID: entry.pathID, attributes: sets[Int(entry.set)]!)]
    }

    /// The index of `set` in `sets`, counting one more use.
    private mutating func retain(_ set: AttributeSet) -> UInt32 {
        let index: UInt32
        if let lastSet, lastSet.set === set {
            index = lastSet.index
        } else if let known = setIndices[ObjectIdentifier(set)] {
            index = known
            lastSet = (set, known)
        } else {
            if let free = freeSets.popLast() {
                index = free
                sets[Int(index)] = set
            } else {
                index = UInt32(sets.count)
                sets.append(set)
                uses.append(0)
            }
            setIndices[ObjectIdentifier(set)] = index
            lastSet = (set, index)
        }
        uses[Int(index)] += 1
        return index
    }

    /// One use of `sets[index]` less; the set leaves with its last use.
    private mutating func release(_ index: UInt32) {
        let i = Int(index)
        uses[i] -= 1
        guard uses[i] == 0 else { return }
        setIndices[ObjectIdentifier(sets[i]!)] = nil
        sets[i] = nil
        freeSets.append(index)
        if lastSet?.index == index { lastSet = nil }
    }

    private mutating func count(_ prefix: IPPrefix, _ delta: Int) {
        if prefix.family == .ipv4 { counts.ipv4 += delta } else { counts.ipv6 += delta }
    }
}
