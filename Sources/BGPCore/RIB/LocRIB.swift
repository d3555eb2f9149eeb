// SPDX-License-Identifier: Apache-2.0
// The Loc-RIB (RFC 4271 §3.2, §9.1): every post-policy candidate path per prefix, from every peer and from local
// origination, and the result of the decision process for it (best path, ECMP set, the deciding step). A new path
// with the same (source, Path Identifier) replaces the old one (implicit withdraw, RFC 4271 §3.1; RFC 7911 §3).
// Graceful restart (RFC 4724 §4.2) marks a restarting peer's paths stale and sweeps what it did not refresh;
// long-lived graceful restart (RFC 9494 §4.2) also gives them the LLGR_STALE community.
//
// Layout: one dictionary entry per prefix with the first path inline and the rest in a small array, so a full
// table with one path per prefix makes no per-prefix heap allocation. Paths are stored as 32-byte records (shared
// `AttributeSet`, indices into a source table and a next-hop table) and become `Path` values only on the way out.

import BGPWire

/// The Loc-RIB. A value type with one owner (the `Speaker`); every mutation returns the route changes it caused.
public struct LocRIB: Sendable {
    /// A stored path. The prefix is the table key; the source and the next hop with its IGP metric are table
    /// indices.
    struct StoredPath: Equatable, Sendable {
        var attributes: AttributeSet
        var pathID: UInt32
        var source: UInt32
        var hop: UInt32
        var stale: Bool

        static func == (a: Self, b: Self) -> Bool {
            a.attributes === b.attributes && a.pathID == b.pathID && a.source == b.source && a.hop == b.hop
                && a.stale == b.stale
        }
    }

    /// The candidates of one prefix. Invariant: `head` is the best path, `tail[0 ..< ecmpCount - 1]` the rest of
    /// the ECMP set in order, then the other candidates.
    struct Entry: Sendable {
        // The two one-byte fields follow `head` so they sit in its tail padding: 32 bytes.
        var head: StoredPath
        var ecmpCount: UInt8
        var decidedBy: BestPathStep
        var tail: [StoredPath]

        init(head: StoredPath, tail: [StoredPath], ecmpCount: UInt8, decidedBy: BestPathStep) {
            self.head = head
            self.ecmpCount = ecmpCount
            self.decidedBy = decidedBy
            self.tail = tail
        }

        var count: Int { 1 + tail.count }

        subscript(index: Int) -> StoredPath { index == 0 ? head : tail[index - 1] }

        var all: [StoredPath] { [head] + tail }

        /// The selected paths (best, then the rest of the ECMP set).
        var selected: ArraySlice<StoredPath> { ([head] + tail)[0..<Int(ecmpCount)] }
    }

    /// One prefix's routes, for `show route`.
    public struct Route: Hashable, Sendable {
        public var prefix: IPPrefix
        public var best: Path
        public var ecmp: [Path]
        public var decidedBy: BestPathStep
        /// Every candidate, best first.
        public var paths: [Path]
    }

    /// A compact route change (what `RouteChange` is made of): the stored records of the new best path, the rest of
    /// the new ECMP set and the previous best, without materialized `Path` values (no source retained, ~90 bytes
    /// instead of 232). The engine hands these to the update generator; `RouteChange`s are built only for observers.
    struct Change: Sendable {
        var prefix: IPPrefix
        var best: StoredPath?
        var previous: StoredPath?
        /// The ECMP set after `best` (empty without multipath).
        var more: [StoredPath]
        var decidedBy: BestPathStep?

        var ecmpCount: Int { best == nil ? 0 : 1 + more.count }
    }

    public var options: DecisionOptions
    var entries = FamilyMap<IPPrefix, Entry>()
    private var sources: [PathSource] = []
    private var sourceIndices: [PathSource: UInt32] = [:]
    private var lastSource: (source: PathSource, index: UInt32)?
    private var hops = NextHopTable()
    private var prefixCounts = (ipv4: 0, ipv6: 0)
    private var pathCounts = (ipv4: 0, ipv6: 0)
    /// Paths held per source index (what a peer's Adj-RIB-In would count when the Loc-RIB is the only store).
    private var sourcePathCounts: [Int] = []

    public init(options: DecisionOptions = DecisionOptions()) {
        self.options = options
    }

    // MARK: Mutations

    /// Adds `path`, replacing the path with the same source and Path Identifier if there is one (RFC 4271 §3.1:
    /// "a new route ... replaces the previously advertised route"), and re-runs the decision for its prefix.
    public mutating func update(_ path: Path) -> RouteChange? {
        updateCompact(path).map(materialize)
    }

    mutating func updateCompact(_ path: Path) -> Change? {
        let stored = store(path)
        // One hash look-up for the common cases (a new prefix, a re-advertisement by the only candidate), which
        // change the entry in place.
        let index: Int
        switch entries.lookup(path.prefix) {
        case .absent(let bucket):
            entries.insert(path.prefix, Entry(head: stored, tail: [], ecmpCount: 1, decidedBy: .onlyPath), bucket: bucket)
            count(path.prefix, prefixes: 1, paths: 1)
            sourcePathCounts[Int(stored.source)] += 1
            return Change(prefix: path.prefix, best: stored, previous: nil, more: [], decidedBy: .onlyPath)
        case .found(let position):
            switch Self.place(stored, in: &entries[position: position]) {
            case .unchanged:
                return nil
            case .replaced(let previous):
                return Change(prefix: path.prefix, best: stored, previous: previous, more: [], decidedBy: .onlyPath)
            case .needsDecision:
                index = position
            }
        }
        var entry = entries[position: index]
        let before = entry
        var candidates = entry.all
        if let replaced = candidates.firstIndex(where: { $0.source == stored.source && $0.pathID == stored.pathID }) {
            candidates[replaced] = stored
        } else {
            candidates.append(stored)
            count(path.prefix, prefixes: 0, paths: 1)
            sourcePathCounts[Int(stored.source)] += 1
        }
        entry = select(candidates, prefix: path.prefix)
        entries[position: index] = entry
        return change(path.prefix, from: before, to: entry)
    }

    /// Applies what one UPDATE did to a peer's Adj-RIB-In (`AdjRIBIn.apply`), in order: the same as `update(_:)` for
    /// every announcement and `withdraw(prefix:source:pathID:)` for every withdrawal, with `source` the peer's name
    /// (End-of-RIB changes nothing here). Returns the route changes in order.
    public mutating func update(contentsOf changes: [AdjRIBInChange], source: String? = nil) -> [RouteChange] {
        updateCompact(contentsOf: changes, source: source).map(materialize)
    }

    /// `update(contentsOf:source:)` with compact changes.
    mutating func updateCompact(contentsOf changes: [AdjRIBInChange], source: String? = nil) -> [Change] {
        var result: [Change] = []
        result.reserveCapacity(changes.count)
        var removals = 0
        for change in changes { if case .withdrawn = change { removals += 1 } }
        entries.prefetch(count: changes.count, removals: removals) { i in
            switch changes[i] {
            case .announced(let path): return path.prefix
            case .withdrawn(let withdrawn, _): return withdrawn
            case .endOfRIB: return IPPrefix(address: IPAddress(ipv4: 0), length: 0)
            }
        }
        let ids = removals > 0 ? source.map(sourceIDs) : nil
        for index in changes.indices {
            switch changes[index] {
            case .announced(let path):
                if let routeChange = updateCompact(path) { result.append(routeChange) }
            case .withdrawn(let prefix, let pathID):
                guard let ids else { preconditionFailure("withdrawals need the source name") }
                if let routeChange = withdraw(prefix: prefix, sourceIDs: ids, pathID: pathID) { result.append(routeChange) }
            case .endOfRIB:
                break
            }
        }
        return result
    }

    /// What `place` did with a path.
    private enum Placement {
        case unchanged
        case replaced(previous: StoredPath)
        case needsDecision
    }

    /// Handles the cases of `update` that need no decision process, in the prefix's entry.
    private static func place(_ stored: StoredPath, in entry: inout Entry) -> Placement {
        // Fast path: the only candidate is replaced by itself (a re-advertisement).
        guard entry.tail.isEmpty && entry.head.source == stored.source && entry.head.pathID == stored.pathID else {
            return .needsDecision
        }
        if entry.head == stored { return .unchanged }
        let previous = entry.head
        entry.head = stored
        return .replaced(previous: previous)
    }

    /// Removes the path `source` advertised with `pathID` (RFC 4271 §3.1 withdrawal; RFC 7911 path ID). Unknown paths
    /// are ignored.
    public mutating func withdraw(prefix: IPPrefix, source: String, pathID: UInt32 = 0) -> RouteChange? {
        withdrawCompact(prefix: prefix, source: source, pathID: pathID).map(materialize)
    }

    mutating func withdrawCompact(prefix: IPPrefix, source: String, pathID: UInt32 = 0) -> Change? {
        withdraw(prefix: prefix, sourceIDs: sourceIDs(source), pathID: pathID)
    }

    /// `withdraw(prefix:source:pathID:)` with the source's indices (every source with that name) looked up once.
    private mutating func withdraw(prefix: IPPrefix, sourceIDs ids: [UInt32], pathID: UInt32) -> Change? {
        guard let (index, bucket) = entries.locate(prefix) else { return nil }
        // Read in place, not copied (a copy retains and releases the attributes and the tail).
        let only: Bool? = entries.withValue(at: index) { entry in
            entry.tail.isEmpty ? entry.head.pathID == pathID && ids.contains(entry.head.source) : nil
        }
        if let only {
            // The only candidate (most of a full table): no candidate list, no decision, the entry moved out.
            guard only else { return nil }
            let head = entries.remove(at: index, bucket: bucket).head
            count(prefix, prefixes: -1, paths: -1)
            sourcePathCounts[Int(head.source)] -= 1
            return Change(prefix: prefix, best: nil, previous: head, more: [], decidedBy: nil)
        }
        let before = entries[position: index]
        var candidates = before.all
        guard let gone = candidates.firstIndex(where: { $0.pathID == pathID && ids.contains($0.source) })
        else { return nil }
        sourcePathCounts[Int(candidates[gone].source)] -= 1
        candidates.remove(at: gone)
        return replaceCandidates(at: index, prefix: prefix, before: before, with: candidates)
    }

    /// Removes every path from `source` (its session went down, RFC 4271 §9.1.3 via §8 FSM), in prefix order.
    public mutating func removeAll(from source: String) -> [RouteChange] {
        removeAllCompact(from: source).map(materialize)
    }

    mutating func removeAllCompact(from source: String) -> [Change] {
        rewrite(from: source) { _ in nil }
    }

    /// Marks every path from `source` stale (RFC 4724 §4.2: the receiving speaker "MUST retain" them and "mark them
    /// as stale") and re-runs the decision where that changes the ranking (RFC 9494 depreference).
    public mutating func markStale(from source: String) -> [RouteChange] {
        rewrite(from: source) { path in
            var path = path
            path.stale = true
            return path
        }.map(materialize)
    }

    /// Deletes the paths from `source` still marked stale (RFC 4724 §4.2: after End-of-RIB or when the restart or
    /// stale timer fires).
    public mutating func sweepStale(from source: String) -> [RouteChange] {
        rewrite(from: source) { $0.stale ? nil : $0 }.map(materialize)
    }

    /// `markStale(from:)` with compact changes, for the paths of one address family (`nil`: all).
    mutating func markStaleCompact(from source: String, family: IPAddress.Family? = nil) -> [Change] {
        rewrite(from: source, family: family) { path in
            var path = path
            path.stale = true
            return path
        }
    }

    /// `sweepStale(from:)` with compact changes, for the paths of one address family (`nil`: all).
    mutating func sweepStaleCompact(from source: String, family: IPAddress.Family? = nil) -> [Change] {
        rewrite(from: source, family: family) { $0.stale ? nil : $0 }
    }

    /// The paths from `source` in `family` enter the long-lived stale phase (RFC 9494 §4.2): each is marked stale
    /// and takes the attribute set `attributes` gives for its own (LLGR_STALE attached, which depreferences it), or
    /// is deleted when that is `nil` (NO_LLGR). Paths already long-lived stale keep their set.
    mutating func markLongLivedStaleCompact(
        from source: String, family: IPAddress.Family, attributes: (AttributeSet) -> AttributeSet?
    ) -> [Change] {
        rewrite(from: source, family: family) { path in
            var path = path
            guard let replaced = attributes(path.attributes) else { return nil }
            path.attributes = replaced
            path.stale = true
            return path
        }
    }

    /// Removes every path from `source` in one address family (RFC 4724 §4.2: a family the restarting peer no
    /// longer preserves).
    mutating func removeAllCompact(from source: String, family: IPAddress.Family) -> [Change] {
        rewrite(from: source, family: family) { _ in nil }
    }

    /// Number of paths from `source` marked stale.
    public func stalePathCount(from source: String) -> Int {
        let ids = sourceIDs(source)
        guard !ids.isEmpty else { return 0 }
        var total = 0
        entries.forEach { _, entry in
            for position in 0..<entry.count where entry[position].stale && ids.contains(entry[position].source) {
                total += 1
            }
        }
        return total
    }

    // MARK: Look-ups

    /// The best path for `prefix`.
    public func best(for prefix: IPPrefix) -> Path? {
        entries[prefix].map { materialize($0.head, prefix: prefix) }
    }

    /// The ECMP set for `prefix`, best first.
    public func ecmp(for prefix: IPPrefix) -> [Path] {
        entries[prefix].map { entry in entry.selected.map { materialize($0, prefix: prefix) } } ?? []
    }

    /// The step that chose the best path for `prefix`.
    public func decidedBy(for prefix: IPPrefix) -> BestPathStep? { entries[prefix]?.decidedBy }

    /// Every candidate for `prefix`, best first, then the ECMP set, then the rest.
    public func paths(for prefix: IPPrefix) -> [Path] {
        entries[prefix].map { entry in entry.all.map { materialize($0, prefix: prefix) } } ?? []
    }

    /// The route of one prefix: best path, ECMP set and every candidate.
    public func route(for prefix: IPPrefix) -> Route? {
        guard let entry = entries[prefix] else { return nil }
        let paths = entry.all.map { materialize($0, prefix: prefix) }
        return Route(
            prefix: prefix, best: paths[0], ecmp: Array(paths[0..<Int(entry.ecmpCount)]), decidedBy: entry.decidedBy,
            paths: paths)
    }

    /// Every route, sorted by prefix (IPv4 before IPv6), optionally of one family: `show route`.
    public func routes(family: IPAddress.Family? = nil) -> [Route] {
        entries.positions(family: family).map { (prefix: entries.key(at: $0), position: $0) }.sorted {
            $0.prefix < $1.prefix
        }.map { prefix, position in
            let entry = entries[position: position]
            let paths = entry.all.map { materialize($0, prefix: prefix) }
            return Route(
                prefix: prefix, best: paths[0], ecmp: Array(paths[0..<Int(entry.ecmpCount)]),
                decidedBy: entry.decidedBy, paths: paths)
        }
    }

    /// The selected route of every prefix as a `RouteChange` with no previous best, in table order (not sorted: the
    /// update packer sorts what it sends). What a new update group's initial table is made of.
    public func selectedRoutes() -> [RouteChange] {
        var result: [RouteChange] = []
        result.reserveCapacity(entries.count)
        entries.forEach { prefix, entry in
            let best = materialize(entry.head, prefix: prefix)
            if entry.ecmpCount == 1 {
                result.append(RouteChange(prefix: prefix, best: best, previousBest: nil, decidedBy: entry.decidedBy))
            } else {
                let ecmp = entry.selected.map { materialize($0, prefix: prefix) }
                result.append(
                    RouteChange(prefix: prefix, best: best, ecmp: ecmp, previousBest: nil, decidedBy: entry.decidedBy))
            }
        }
        return result
    }

    /// Number of prefixes with at least one path, and of paths, in one family.
    public func count(for family: IPAddress.Family) -> (prefixes: Int, paths: Int) {
        family == .ipv4 ? (prefixCounts.ipv4, pathCounts.ipv4) : (prefixCounts.ipv6, pathCounts.ipv6)
    }

    /// Number of paths from `source` (a peer's accepted paths: the engine keeps them only here).
    public func pathCount(from source: String) -> Int {
        var total = 0
        for (index, candidate) in sources.enumerated() where candidate.name == source { total += sourcePathCounts[index] }
        return total
    }

    /// The (prefix, Path Identifier) of every path from `source` in `family`, unsorted.
    public func keys(from source: String, family: IPAddress.Family) -> [AdjRIBIn.Key] {
        let ids = sourceIDs(source)
        guard !ids.isEmpty else { return [] }
        var keys: [AdjRIBIn.Key] = []
        entries.forEach(family: family) { prefix, entry in
            for position in 0..<entry.count where ids.contains(entry[position].source) {
                keys.append(AdjRIBIn.Key(prefix: prefix, pathID: entry[position].pathID))
            }
        }
        return keys
    }

    /// Every path from `source`, sorted by prefix and Path Identifier (a peer's accepted paths).
    public func paths(from source: String) -> [Path] {
        let ids = sourceIDs(source)
        guard !ids.isEmpty else { return [] }
        var found: [(AdjRIBIn.Key, StoredPath)] = []
        entries.forEach { prefix, entry in
            for position in 0..<entry.count where ids.contains(entry[position].source) {
                found.append((AdjRIBIn.Key(prefix: prefix, pathID: entry[position].pathID), entry[position]))
            }
        }
        return found.sorted { $0.0 < $1.0 }.map { materialize($0.1, prefix: $0.0.prefix) }
    }

    private func sourceIDs(_ name: String) -> [UInt32] {
        sources.indices.filter { sources[$0].name == name }.map(UInt32.init)
    }

    /// Number of prefixes in the table.
    public var prefixCount: Int { entries.count }

    // MARK: Internals

    private mutating func store(_ path: Path) -> StoredPath {
        let source: UInt32
        if let lastSource, lastSource.source == path.source {
            source = lastSource.index
        } else if let existing = sourceIndices[path.source] {
            source = existing
            lastSource = (path.source, existing)
        } else {
            source = UInt32(sources.count)
            sources.append(path.source)
            sourcePathCounts.append(0)
            sourceIndices[path.source] = source
            lastSource = (path.source, source)
        }
        return StoredPath(
            attributes: path.attributes, pathID: path.pathID, source: source,
            hop: hops.intern(path.nextHop, path.linkLocalNextHop, igpMetric: path.igpMetric), stale: path.stale)
    }

    private func materialize(_ stored: StoredPath, prefix: IPPrefix) -> Path {
        let hop = hops[stored.hop]
        var path = Path(
            prefix: prefix, pathID: stored.pathID, source: sources[Int(stored.source)], attributes: stored.attributes,
            nextHop: hop.global, linkLocalNextHop: hop.linkLocal, igpMetric: hop.igpMetric)
        path.stale = stored.stale
        return path
    }

    /// Runs the decision process over `candidates` (non-empty) and lays the entry out best first.
    private func select(_ candidates: [StoredPath], prefix: IPPrefix) -> Entry {
        if candidates.count == 1 { return Entry(head: candidates[0], tail: [], ecmpCount: 1, decidedBy: .onlyPath) }
        let paths = candidates.map { materialize($0, prefix: prefix) }
        let selection = BestPath.selectBest(paths, options: options)!
        // (source, path ID) is unique within a prefix, so it finds each selected path's record.
        let order = selection.ecmp.map { chosen in
            paths.firstIndex { $0.source == chosen.source && $0.pathID == chosen.pathID }!
        }
        var laidOut = order.map { candidates[$0] }
        for (i, candidate) in candidates.enumerated() where !order.contains(i) { laidOut.append(candidate) }
        return Entry(
            head: laidOut[0], tail: Array(laidOut.dropFirst()), ecmpCount: UInt8(order.count),
            decidedBy: selection.decidedBy)
    }

    /// A change when the best path or the ECMP set differ between `before` and `after`.
    private func change(_ prefix: IPPrefix, from before: Entry, to after: Entry?) -> Change? {
        guard let after else {
            return Change(prefix: prefix, best: nil, previous: before.head, more: [], decidedBy: nil)
        }
        if before.ecmpCount == after.ecmpCount && before.selected.elementsEqual(after.selected) { return nil }
        let more = after.ecmpCount == 1 ? [] : Array(after.tail[0..<Int(after.ecmpCount) - 1])
        return Change(prefix: prefix, best: after.head, previous: before.head, more: more, decidedBy: after.decidedBy)
    }

    /// The public form of a compact change.
    func materialize(_ change: Change) -> RouteChange {
        Self.materialize(change, sources: sources, hops: hops.hops)
    }

    static func materialize(_ change: Change, sources: [PathSource], hops: [NextHopTable.Hop]) -> RouteChange {
        func path(_ stored: StoredPath) -> Path {
            materialize(stored, prefix: change.prefix, sources: sources, hops: hops)
        }
        let previous = change.previous.map(path)
        guard let best = change.best else {
            return RouteChange(prefix: change.prefix, best: nil, ecmp: [], previousBest: previous, decidedBy: nil)
        }
        if change.more.isEmpty {
            return RouteChange(prefix: change.prefix, best: path(best), previousBest: previous, decidedBy: change.decidedBy)
        }
        return RouteChange(
            prefix: change.prefix, best: path(best), ecmp: ([best] + change.more).map(path), previousBest: previous,
            decidedBy: change.decidedBy)
    }

    static func materialize(_ stored: StoredPath, prefix: IPPrefix, sources: [PathSource], hops: [NextHopTable.Hop]) -> Path {
        let hop = hops[Int(stored.hop)]
        var path = Path(
            prefix: prefix, pathID: stored.pathID, source: sources[Int(stored.source)], attributes: stored.attributes,
            nextHop: hop.global, linkLocalNextHop: hop.linkLocal, igpMetric: hop.igpMetric)
        path.stale = stored.stale
        return path
    }

    /// A stored path as a `Path` (for the update generator, on a miss of its export cache).
    func path(_ stored: StoredPath, prefix: IPPrefix) -> Path { materialize(stored, prefix: prefix) }

    /// The name of the source with index `index`.
    func sourceName(_ index: UInt32) -> String { sources[Int(index)].name }

    /// The tables a compact change refers to (append-only: a copy stays valid).
    var changeContext: (sources: [PathSource], hops: [NextHopTable.Hop]) { (sources, hops.hops) }

    /// Stores `candidates` as the prefix's paths (removing the prefix when empty) and reports the change.
    private mutating func replaceCandidates(
        at index: Int, prefix: IPPrefix, before: Entry, with candidates: [StoredPath]
    ) -> Change? {
        count(prefix, prefixes: candidates.isEmpty ? -1 : 0, paths: candidates.count - before.count)
        if candidates.isEmpty {
            entries.remove(at: index)
            return change(prefix, from: before, to: nil)
        }
        let after = select(candidates, prefix: prefix)
        entries[position: index] = after
        return change(prefix, from: before, to: after)
    }

    /// Applies `transform` to every path from `source` (`nil` deletes it) and reports the changes in prefix order.
    /// One pass over the table, changing entries in place; only the changes are sorted.
    private mutating func rewrite(
        from source: String, family: IPAddress.Family? = nil, _ transform: (StoredPath) -> StoredPath?
    ) -> [Change] {
        let ids = sourceIDs(source)
        guard !ids.isEmpty else { return [] }
        var found: [Change] = []
        var emptied: [IPPrefix] = []
        for index in entries.positions(family: family) {
            guard ids.contains(entries[position: index].head.source)
                || entries[position: index].tail.contains(where: { ids.contains($0.source) })
            else { continue }
            let before = entries[position: index]
            var candidates: [StoredPath] = []
            candidates.reserveCapacity(before.count)
            var modified = false
            for position in 0..<before.count {
                let path = before[position]
                guard ids.contains(path.source) else {
                    candidates.append(path)
                    continue
                }
                let new = transform(path)
                if new != path { modified = true }
                if let new { candidates.append(new) } else { sourcePathCounts[Int(path.source)] -= 1 }
            }
            guard modified else { continue }
            let prefix = entries.key(at: index)
            count(prefix, prefixes: candidates.isEmpty ? -1 : 0, paths: candidates.count - before.count)
            if candidates.isEmpty {
                // Removed after the pass: removal would invalidate the indices being walked.
                emptied.append(prefix)
                found.append(change(prefix, from: before, to: nil)!)
                continue
            }
            let after = select(candidates, prefix: prefix)
            entries[position: index] = after
            if let change = change(prefix, from: before, to: after) { found.append(change) }
        }
        if emptied.count == entries.count {
            entries.removeAll()
        } else {
            for prefix in emptied { entries.removeValue(forKey: prefix) }
        }
        // Prefix order (IPPrefix's <: family, address, length) on compact keys, then the changes in that order.
        var order = found.indices.map { i in
            let address = found[i].prefix.address
            return SortKey(family: address.family.rawValue, length: found[i].prefix.length, high: address.high, low: address.low, index: UInt32(i))
        }
        order.sort()
        return order.map { found[Int($0.index)] }
    }

    private struct SortKey: Comparable {
        var family: UInt8
        var length: UInt8
        var high: UInt64
        var low: UInt64
        var index: UInt32

        static func < (a: Self, b: Self) -> Bool {
            (a.family, a.high, a.low, a.length) < (b.family, b.high, b.low, b.length)
        }
    }

    private mutating func count(_ prefix: IPPrefix, prefixes: Int, paths: Int) {
        if prefix.family == .ipv4 {
            prefixCounts.ipv4 += prefixes
            pathCounts.ipv4 += paths
        } else {
            prefixCounts.ipv6 += prefixes
            pathCounts.ipv6 += paths
        }
    }
}
