// SPDX-License-Identifier: Apache-2.0
// Turns Loc-RIB changes into encoded UPDATE streams, one per update group (RFC 4271 §9.1.3 Phase 3 and §9.2):
//
//   1. every selected path runs through `ExportRules` for the group's target (cached per input attribute set,
//      source and next hop, since the rules look at nothing else) and the result is interned;
//   2. the group's `AdjRIBOut` turns "what should be advertised" into "what has to be sent";
//   3. announcements are grouped by outgoing attribute set and packed with `UpdatePacker`, withdrawals likewise.
//
// ADD-PATH send (RFC 7911): when negotiated for a family every path of the ECMP set goes out with its own Path
// Identifier, allocated here per (source, received Path Identifier) so that it stays stable while the set changes;
// otherwise only the best path, with no identifier. End-of-RIB (RFC 4724 §2) follows the initial table for every
// negotiated family. A route refresh (RFC 2918 §4) re-sends the family's Adj-RIB-Out, between BoRR and EoRR when
// enhanced route refresh was negotiated (RFC 7313 §4).
//
// Output order is deterministic: withdrawals first (by family, then prefix), then announcements by attribute set in
// the order of their smallest prefix, each set's prefixes sorted. A route refresh or a late joiner's table is the
// same function of the Adj-RIB-Out, whatever order the routes arrived in.

import BGPPolicy
import BGPWire
import NIOCore

/// Identifies an update group while it exists.
public typealias UpdateGroupID = Int

/// The update groups of this speaker and the encoded UPDATEs they send.
public struct UpdateGenerator: Sendable {
    /// One update group: the peers that share an outgoing stream and what it has advertised.
    public struct Group: Sendable {
        public let id: UpdateGroupID
        public let key: UpdateGroupKey
        public fileprivate(set) var peers: Set<String> = []
        public fileprivate(set) var ribOut = AdjRIBOut()
        fileprivate var exports: [ExportKey: CachedExport] = [:]
        fileprivate var lastExport: (key: ExportKey, result: CachedExport)?
        /// Per-prefix policy results by the operations policy applied (`CachedExport.perPrefix`).
        fileprivate var policyExports: [PolicyExportKey: AttributeSet?] = [:]

        init(id: UpdateGroupID, key: UpdateGroupKey) {
            self.id = id
            self.key = key
        }
    }

    /// What a joining peer has to be sent.
    public enum Join: Hashable, Sendable {
        /// The group is new: run `initialDump` for it and send the result to the peer.
        case newGroup(UpdateGroupID)
        /// The group exists: send the peer `table` (the group's Adj-RIB-Out and End-of-RIB markers), then the
        /// group's stream.
        case existingGroup(UpdateGroupID, table: ByteBuffer)
    }

    public var rules: ExportRules
    /// Export policy (BGPFilters per group, Calico's scope and communities for all). Changing it takes effect for
    /// paths exported afterwards; `reexport` re-runs it over the Loc-RIB.
    public var policy: ExportPolicy {
        didSet { clearExportCaches() }
    }
    public private(set) var groups: [UpdateGroupID: Group] = [:]
    private var groupIDs: [UpdateGroupKey: UpdateGroupID] = [:]
    private var peerGroups: [String: UpdateGroupID] = [:]
    private var nextGroupID: UpdateGroupID = 1
    /// Outgoing attribute sets, shared by all groups.
    private var outgoing = AttributeSetTable()
    /// Attribute sets after export policy operations, before `ExportRules`.
    private var afterPolicy = AttributeSetTable()
    private var pathIDs: [PathIDKey: UInt32] = [:]
    private var nextPathID: UInt32 = 1
    /// The last identifier looked up: consecutive prefixes mostly come from one source.
    private var lastPathID: (key: PathIDKey, id: UInt32)?

    public init(rules: ExportRules, policy: ExportPolicy = ExportPolicy()) {
        self.rules = rules
        self.policy = policy
    }

    // MARK: Membership

    /// Puts `peer` into the group for `key`, creating it if needed.
    public mutating func addPeer(_ peer: String, key: UpdateGroupKey) -> Join {
        if peerGroups[peer] != nil { removePeer(peer) }
        if let id = groupIDs[key] {
            groups[id]!.peers.insert(peer)
            peerGroups[peer] = id
            return .existingGroup(id, table: table(group: id, endOfRIB: true))
        }
        let id = nextGroupID
        nextGroupID += 1
        var group = Group(id: id, key: key)
        group.peers = [peer]
        groups[id] = group
        groupIDs[key] = id
        peerGroups[peer] = id
        return .newGroup(id)
    }

    /// Takes `peer` out of its group (session down), dropping the group when it was the last member.
    public mutating func removePeer(_ peer: String) {
        guard let id = peerGroups.removeValue(forKey: peer) else { return }
        groups[id]!.peers.remove(peer)
        if groups[id]!.peers.isEmpty {
            groupIDs[groups[id]!.key] = nil
            groups[id] = nil
        }
    }

    /// The group `peer` belongs to.
    public func group(of peer: String) -> UpdateGroupID? { peerGroups[peer] }

    // MARK: Generation

    /// The UPDATEs each group sends for a batch of Loc-RIB changes (only groups with something to send). When a
    /// prefix changes more than once in the batch, only its last state is sent.
    public mutating func routesChanged(_ changes: [RouteChange]) -> [UpdateGroupID: ByteBuffer] {
        generate(changes)
    }

    /// `routesChanged` on the Loc-RIB's compact change records (`context`: its source and next-hop tables).
    mutating func routesChanged(
        _ changes: [LocRIB.Change], in context: (sources: [PathSource], hops: [NextHopTable.Hop])
    ) -> [UpdateGroupID: ByteBuffer] {
        generate(CompactChanges(changes: changes, sources: context.sources, hops: context.hops))
    }

    private mutating func generate<Changes: ExportChanges>(_ changes: Changes) -> [UpdateGroupID: ByteBuffer] {
        let final: Changes
        if Self.distinctIPv4Prefixes(changes) {
            final = changes
        } else {
            var last = FamilyMap<IPPrefix, Int>()
            last.reserveCapacity(changes.count)
            for index in 0..<changes.count { last.updateValue(index, forKey: changes.prefix(index)) }
            final = last.count == changes.count
                ? changes : changes.selecting((0..<changes.count).filter { last[changes.prefix($0)] == $0 })
        }
        var out: [UpdateGroupID: ByteBuffer] = [:]
        for id in groups.keys.sorted() {
            var batch = Batch()
            withGroup(id) { generator, group in generator.apply(final, to: &group, batch: &batch) }
            if !batch.isEmpty { out[id] = encode(batch, key: groups[id]!.key) }
        }
        return out
    }

    /// Whether every change is for an IPv4 prefix and no prefix occurs twice (the usual batch: one UPDATE's
    /// prefixes), checked on a small open-addressing set of packed keys instead of a `FamilyMap` of positions.
    /// `false` sends the batch through the general de-duplication.
    static func distinctIPv4Prefixes<Changes: ExportChanges>(_ changes: Changes) -> Bool {
        let count = changes.count
        guard count > 1 else { return true }
        var shift: UInt64 = 63
        while 1 << (64 - shift) < 2 * count { shift -= 1 }
        var table = [UInt64](repeating: 0, count: 1 << (64 - shift))
        return table.withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            for index in 0..<count {
                let prefix = changes.prefix(index)
                guard prefix.family == .ipv4 else { return false }
                // Occupied slots have the top bit set (a packed IPv4 key has 40 bits).
                let key = prefix.address.low << 8 | UInt64(prefix.length) | 1 << 63
                var b = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
                while true {
                    let s = table[b]
                    if s == 0 {
                        table[b] = key
                        break
                    }
                    if s == key { return false }
                    b = (b + 1) & mask
                }
            }
            return true
        }
    }

    /// The initial table of a new group (RFC 4271 §9.1.3 after the session comes up): every route of `routes`
    /// (one `RouteChange` per prefix, as the Loc-RIB selected it), then End-of-RIB for each negotiated family
    /// (RFC 4724 §2). Anything the group advertised before that is not in `routes` is withdrawn.
    public mutating func initialDump(group id: UpdateGroupID, routes: [RouteChange], endOfRIB: Bool = true) -> ByteBuffer {
        var batch = Batch()
        withGroup(id) { generator, group in
            let stale = group.ribOut.prefixCount > 0
            if !stale { group.ribOut.reserveCapacity(routes.count) }
            generator.apply(routes, to: &group, batch: &batch)
            if stale {
                let present = Set(routes.map(\.prefix))
                var gone: [RouteChange] = []
                for family in [IPAddress.Family.ipv4, .ipv6] {
                    group.ribOut.forEach(family: family) { prefix, path in
                        if path.pathID == group.ribOut.paths(for: prefix).first?.pathID, !present.contains(prefix) {
                            gone.append(RouteChange(prefix: prefix, best: nil, ecmp: [], previousBest: nil, decidedBy: nil))
                        }
                    }
                }
                generator.apply(gone, to: &group, batch: &batch)
            }
        }
        let key = groups[id]!.key
        var buffer = encode(batch, key: key)
        if endOfRIB { writeEndOfRIB(families: key.families.sorted(), into: &buffer, key: key) }
        return buffer
    }

    /// The initial table of a new group from the Loc-RIB (`initialDump(group:routes:)` over `locRIB.routes()`).
    public mutating func initialDump(group id: UpdateGroupID, from locRIB: LocRIB) -> ByteBuffer {
        initialDump(group: id, routes: locRIB.selectedRoutes())
    }

    /// Every group's UPDATEs after the export policy or rules changed: the Loc-RIB re-exported, and what is no
    /// longer exported withdrawn (no End-of-RIB: the sessions are not new).
    public mutating func reexport(from locRIB: LocRIB) -> [UpdateGroupID: ByteBuffer] {
        let routes = locRIB.selectedRoutes()
        var out: [UpdateGroupID: ByteBuffer] = [:]
        for id in groups.keys.sorted() {
            let buffer = initialDump(group: id, routes: routes, endOfRIB: false)
            if buffer.readableBytes > 0 { out[id] = buffer }
        }
        return out
    }

    /// The answer to a ROUTE-REFRESH for `family` from one peer of group `id` (RFC 2918 §4): the family's
    /// Adj-RIB-Out, wrapped in BoRR/EoRR when `enhanced` (RFC 7313 §4). Empty for a family not negotiated.
    public func routeRefresh(group id: UpdateGroupID, family: AddressFamily, enhanced: Bool) -> ByteBuffer {
        guard let group = groups[id], group.key.families.contains(family), let ipFamily = family.ipFamily else {
            return ByteBuffer()
        }
        var buffer = ByteBuffer()
        if enhanced {
            buffer.writeBGPMessage(
                .routeRefresh(RouteRefreshMessage(family: family, subtype: RouteRefreshMessage.beginningOfRouteRefresh)),
                context: group.key.encode)
        }
        var batch = Batch()
        collect(group, family: ipFamily, into: &batch)
        encodeAnnouncements(batch, key: group.key, into: &buffer)
        if enhanced {
            buffer.writeBGPMessage(
                .routeRefresh(RouteRefreshMessage(family: family, subtype: RouteRefreshMessage.endOfRouteRefresh)),
                context: group.key.encode)
        }
        return buffer
    }

    /// Everything group `id` has advertised, optionally followed by End-of-RIB for each negotiated family: what a
    /// peer joining the group late has to be sent.
    public func table(group id: UpdateGroupID, endOfRIB: Bool) -> ByteBuffer {
        guard let group = groups[id] else { return ByteBuffer() }
        var batch = Batch()
        for family in group.key.families.sorted() {
            if let ipFamily = family.ipFamily { collect(group, family: ipFamily, into: &batch) }
        }
        var buffer = ByteBuffer()
        encodeAnnouncements(batch, key: group.key, into: &buffer)
        if endOfRIB { writeEndOfRIB(families: group.key.families.sorted(), into: &buffer, key: group.key) }
        return buffer
    }

    /// Drops outgoing attribute sets no group refers to any more (after large withdrawals).
    public mutating func collectUnused() {
        clearExportCaches()
        outgoing.collectUnused()
        afterPolicy.collectUnused()
    }

    private mutating func clearExportCaches() {
        for id in groups.keys {
            groups[id]!.exports = [:]
            groups[id]!.lastExport = nil
            groups[id]!.policyExports = [:]
        }
    }

    /// Why `path` is or is not advertised to group `id`: the policy's reason, then the export rules' (for
    /// `show route ... detail`).
    public func explainExport(_ path: Path, group id: UpdateGroupID) -> (advertised: Bool, reason: String) {
        guard let group = groups[id] else { return (false, "no update group") }
        let (outcome, reason) = policy.evaluate(path, filters: group.key.exportFilters, peerType: group.key.peerType)
        guard case .accept(let operations) = outcome else { return (false, "export policy: " + reason) }
        var changed = path
        if !operations.isEmpty {
            var table = AttributeSetTable()
            changed.attributes = table.intern(PolicyEvaluator.apply(operations, to: path.attributes.attributes))
        }
        switch rules.decide(changed, to: group.key.target) {
        case .advertise: return (true, "export policy: " + reason)
        case .withhold(let refusal): return (false, "export policy: \(reason); not sent: \(refusal)")
        }
    }

    // MARK: Internals

    /// Outgoing NLRI of one batch: announcements by attribute set, withdrawals by family.
    struct Batch {
        var sets: [AttributeSet] = []
        var nlri: [[NLRI]] = []
        var index: [AttributeSet: Int] = [:]
        var last: (set: AttributeSet, index: Int)?
        /// IPv4 unicast withdrawals (most of them: no dictionary access per prefix), then the other families.
        var withdrawnIPv4: [NLRI] = []
        var otherWithdrawals: [AddressFamily: [NLRI]] = [:]

        var isEmpty: Bool { sets.isEmpty && withdrawnIPv4.isEmpty && otherWithdrawals.isEmpty }

        /// The withdrawals by family.
        var withdrawals: [AddressFamily: [NLRI]] {
            var all = otherWithdrawals
            if !withdrawnIPv4.isEmpty { all[.ipv4Unicast] = withdrawnIPv4 }
            return all
        }

        mutating func announce(_ entry: NLRI, with set: AttributeSet) {
            if let last, last.set === set {
                nlri[last.index].append(entry)
                return
            }
            let i: Int
            if let existing = index[set] {
                i = existing
            } else {
                i = sets.count
                sets.append(set)
                nlri.append([])
                index[set] = i
            }
            nlri[i].append(entry)
            last = (set, i)
        }

        mutating func withdraw(_ entry: NLRI, family: AddressFamily) {
            if family == .ipv4Unicast {
                withdrawnIPv4.append(entry)
            } else {
                otherWithdrawals[family, default: []].append(entry)
            }
        }
    }

    /// Runs `body` on group `id` taken out of the table, so its Adj-RIB-Out is mutated in place (no copy).
    private mutating func withGroup(_ id: UpdateGroupID, _ body: (inout Self, inout Group) -> Void) {
        guard var group = groups.removeValue(forKey: id) else { preconditionFailure("unknown update group \(id)") }
        body(&self, &group)
        groups[id] = group
    }

    private mutating func apply<Changes: ExportChanges>(_ changes: Changes, to group: inout Group, batch: inout Batch) {
        let key = group.key
        let v4 = key.families.contains(.ipv4Unicast)
        let v6 = key.families.contains(.ipv6Unicast)
        let addPathV4 = key.sendsPathIDs(.ipv4Unicast)
        let addPathV6 = key.sendsPathIDs(.ipv6Unicast)
        var removals = 0
        for index in 0..<changes.count where !changes.hasBest(index) { removals += 1 }
        group.ribOut.prefetch(count: changes.count, removals: removals) { changes.prefix($0) }
        // The last prefix-independent export result by the stored path's identity (compact changes only): no
        // `Path` is built for the prefixes that follow with the same attributes, source and next hop.
        var lastToken: ExportToken?
        var lastResult: AttributeSet?
        for index in 0..<changes.count {
            let prefix = changes.prefix(index)
            let isV4 = prefix.family == .ipv4
            guard isV4 ? v4 : v6 else { continue }
            let family: AddressFamily = isV4 ? .ipv4Unicast : .ipv6Unicast
            let addPath = isV4 ? addPathV4 : addPathV6
            let hasBest = changes.hasBest(index)
            if !addPath, hasBest, let token = changes.exportToken(index) {
                let result: AttributeSet?
                if token == lastToken {
                    result = lastResult
                } else {
                    let path = changes.best(index)!
                    result = export(path, group: &group)
                    if case .fixed = group.lastExport?.result {
                        lastToken = token
                        lastResult = result
                    } else {
                        lastToken = nil
                    }
                }
                group.ribOut.replace(
                    prefix, with: result.map { AdvertisedPath(pathID: 0, attributes: $0) },
                    announce: { batch.announce(NLRI(prefix), with: $0.attributes) },
                    withdraw: { _ in batch.withdraw(NLRI(prefix), family: family) })
            } else if !addPath || !hasBest || changes.ecmpCount(index) == 1 {
                // One path (or none): no arrays. With ADD-PATH the path goes out with its own identifier.
                let path = addPath ? changes.singleECMPPath(index) : changes.best(index)
                let advertised = path.flatMap { path in
                    export(path, group: &group).map {
                        AdvertisedPath(pathID: addPath ? localPathID(for: path) : 0, attributes: $0)
                    }
                }
                group.ribOut.replace(
                    prefix, with: advertised,
                    announce: { batch.announce(NLRI(prefix, pathID: addPath ? $0.pathID : nil), with: $0.attributes) },
                    withdraw: { batch.withdraw(NLRI(prefix, pathID: addPath ? $0 : nil), family: family) })
            } else {
                var paths: [AdvertisedPath] = []
                for path in changes.ecmp(index) {
                    guard let set = export(path, group: &group) else { continue }
                    paths.append(AdvertisedPath(pathID: localPathID(for: path), attributes: set))
                }
                let delta = group.ribOut.replace(prefix, with: paths)
                for id in delta.withdraw { batch.withdraw(NLRI(prefix, pathID: id), family: family) }
                for path in delta.announce { batch.announce(NLRI(prefix, pathID: path.pathID), with: path.attributes) }
            }
        }
    }

    /// The interned outgoing attribute set of `path` in `group`, or `nil` when export policy or the export rules
    /// withhold it. Policy and rules look only at the attributes, source and next hop, except for policy rules on
    /// the prefix: those run per prefix and only their operations are cached.
    private mutating func export(_ path: Path, group: inout Group) -> AttributeSet? {
        // Consecutive paths mostly share attributes, source and next hop: compared in place, no key built.
        if let last = group.lastExport, last.key.matches(path), case .fixed(let set) = last.result { return set }
        let key = ExportKey(path)
        let cached: CachedExport
        if let last = group.lastExport, last.key == key {
            cached = last.result
        } else if let known = group.exports[key] {
            cached = known
            group.lastExport = (key, known)
        } else {
            if let outcome = policy.prefixIndependentOutcome(
                path, filters: group.key.exportFilters, peerType: group.key.peerType)
            {
                cached = .fixed(exported(path, outcome, to: group.key.target))
            } else {
                cached = .perPrefix
            }
            group.exports[key] = cached
            group.lastExport = (key, cached)
        }
        switch cached {
        case .fixed(let set):
            return set
        case .perPrefix:
            let outcome = policy.outcome(path, filters: group.key.exportFilters, peerType: group.key.peerType)
            guard case .accept(let operations) = outcome else { return nil }
            let policyKey = PolicyExportKey(export: key, operations: operations)
            if let known = group.policyExports[policyKey] { return known }
            let result = exported(path, outcome, to: group.key.target)
            group.policyExports[policyKey] = .some(result)
            return result
        }
    }

    /// Policy operations, then the export rules, interned.
    private mutating func exported(_ path: Path, _ outcome: ExportPolicy.Outcome, to target: ExportTarget) -> AttributeSet? {
        guard case .accept(let operations) = outcome else { return nil }
        var changed = path
        if !operations.isEmpty {
            changed.attributes = afterPolicy.intern(PolicyEvaluator.apply(operations, to: path.attributes.attributes))
        }
        return rules.export(changed, to: target).map { outgoing.intern($0) }
    }

    private mutating func localPathID(for path: Path) -> UInt32 {
        let key = PathIDKey(source: path.source.name, pathID: path.pathID)
        if let last = lastPathID, last.key == key { return last.id }
        let id: UInt32
        if let known = pathIDs[key] {
            id = known
        } else {
            id = nextPathID
            nextPathID += 1
            pathIDs[key] = id
        }
        lastPathID = (key, id)
        return id
    }

    private func collect(_ group: Group, family: IPAddress.Family, into batch: inout Batch) {
        let addPath = group.key.sendsPathIDs(family == .ipv4 ? .ipv4Unicast : .ipv6Unicast)
        group.ribOut.forEach(family: family) { prefix, path in
            batch.announce(NLRI(prefix, pathID: addPath ? path.pathID : nil), with: path.attributes)
        }
    }

    private func encode(_ batch: Batch, key: UpdateGroupKey) -> ByteBuffer {
        var buffer = ByteBuffer()
        let withdrawals = batch.withdrawals
        for family in withdrawals.keys.sorted() {
            UpdatePacker.writeWithdrawals(
                Self.sorted(withdrawals[family]!), family: family, into: &buffer, context: key.encode)
        }
        encodeAnnouncements(batch, key: key, into: &buffer)
        return buffer
    }

    private func encodeAnnouncements(_ batch: Batch, key: UpdateGroupKey, into buffer: inout ByteBuffer) {
        let sorted = batch.nlri.map(Self.sorted)
        let order = sorted.indices.sorted { sorted[$0][0] < sorted[$1][0] }
        for i in order {
            let attributes = batch.sets[i].attributes
            if let reach = attributes.mpReach {
                UpdatePacker.writeAnnouncements(
                    sorted[i][...], family: reach.family, nextHops: reach.nextHops, attributes: attributes,
                    into: &buffer, context: key.encode)
            } else {
                UpdatePacker.writeAnnouncements(
                    sorted[i][...], family: .ipv4Unicast, attributes: attributes, into: &buffer, context: key.encode)
            }
        }
    }

    /// `nlri.sorted()`, for IPv4 without Path Identifiers on packed integer keys (the same order: address, then
    /// length), which is several times faster than comparing `NLRI` values.
    static func sorted(_ nlri: [NLRI]) -> [NLRI] {
        guard nlri.count > 1 else { return nlri }
        guard nlri.allSatisfy({ $0.pathID == nil && $0.prefix.family == .ipv4 }) else { return nlri.sorted() }
        var keys = nlri.map { $0.prefix.address.low << 8 | UInt64($0.prefix.length) }
        var ordered = true
        for i in 1..<keys.count where keys[i - 1] > keys[i] {
            ordered = false
            break
        }
        if ordered { return nlri }
        radixSort(&keys, bits: 40)
        return keys.map {
            NLRI(IPPrefix(address: IPAddress(ipv4: UInt32(truncatingIfNeeded: $0 >> 8)), length: UInt8(truncatingIfNeeded: $0)))
        }
    }

    /// Sorts keys below 2^`bits` in place: least significant digit first, 8 bits per pass, passes whose digit is the
    /// same for every key skipped. About 5n simple steps for IPv4 keys, where a comparison sort of a batch's ~1,000
    /// random prefixes takes 10n compares of which half are mispredicted branches.
    static func radixSort(_ keys: inout [UInt64], bits: Int) {
        guard keys.count > 1 else { return }
        if keys.count < 64 {
            keys.sort()
            return
        }
        var scratch = [UInt64](repeating: 0, count: keys.count)
        var counts = [Int](repeating: 0, count: 256)
        keys.withUnsafeMutableBufferPointer { keys in
            scratch.withUnsafeMutableBufferPointer { scratch in
                counts.withUnsafeMutableBufferPointer { counts in
                    var source = keys
                    var target = scratch
                    for shift in stride(from: 0, to: bits, by: 8) {
                        let shift = UInt64(shift)
                        for d in 0..<256 { counts[d] = 0 }
                        for key in source { counts[Int(truncatingIfNeeded: (key >> shift) & 0xFF)] += 1 }
                        if counts[Int(truncatingIfNeeded: (source[0] >> shift) & 0xFF)] == source.count { continue }
                        var total = 0
                        for d in 0..<256 {
                            let c = counts[d]
                            counts[d] = total
                            total += c
                        }
                        for key in source {
                            let d = Int(truncatingIfNeeded: (key >> shift) & 0xFF)
                            target[counts[d]] = key
                            counts[d] += 1
                        }
                        swap(&source, &target)
                    }
                    if source.baseAddress != keys.baseAddress {
                        _ = keys.initialize(fromContentsOf: source)
                    }
                }
            }
        }
    }

    private func writeEndOfRIB(families: [AddressFamily], into buffer: inout ByteBuffer, key: UpdateGroupKey) {
        for family in families { buffer.writeBGPMessage(.update(.endOfRIB(family)), context: key.encode) }
    }
}

/// What `ExportRules.decide` depends on besides the target: the input attributes (by identity), the source, the
/// next hops and the prefix family.
struct ExportKey: Hashable, Sendable {
    let input: AttributeSet
    let source: PathSource
    let nextHop: IPAddress
    let linkLocalNextHop: IPAddress?
    let family: IPAddress.Family

    init(_ path: Path) {
        input = path.attributes
        source = path.source
        nextHop = path.nextHop
        linkLocalNextHop = path.linkLocalNextHop
        family = path.prefix.family
    }

    /// `self == ExportKey(path)`.
    @inline(__always)
    func matches(_ path: Path) -> Bool {
        input === path.attributes && nextHop == path.nextHop && family == path.prefix.family
            && linkLocalNextHop == path.linkLocalNextHop && source == path.source
    }

    static func == (a: Self, b: Self) -> Bool {
        a.input === b.input && a.nextHop == b.nextHop && a.family == b.family && a.linkLocalNextHop == b.linkLocalNextHop
            && a.source == b.source
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(input))
        hasher.combine(nextHop)
        hasher.combine(source.peerAddress)
    }
}

/// A cached export result for one `ExportKey`.
enum CachedExport: Sendable {
    /// The same for every prefix: the outgoing set, or `nil` (withheld).
    case fixed(AttributeSet?)
    /// Policy depends on the prefix: evaluate per prefix, cache by operations.
    case perPrefix
}

/// A per-prefix policy result: the export key and the operations policy applied.
struct PolicyExportKey: Hashable, Sendable {
    let export: ExportKey
    let operations: [FilterOperation]
}

/// A path as its source identifies it; mapped to the Path Identifier we send it with.
struct PathIDKey: Hashable, Sendable {
    var source: String
    var pathID: UInt32
}

/// The identity of a stored path's export inputs (attributes, source and next hop indices, family).
struct ExportToken: Equatable {
    var attributes: ObjectIdentifier
    var source: UInt32
    var hop: UInt32
    var isV4: Bool
}

/// What `UpdateGenerator.apply` reads of a batch of changes: public `RouteChange`s or the Loc-RIB's compact records.
protocol ExportChanges {
    var count: Int { get }
    func prefix(_ index: Int) -> IPPrefix
    func hasBest(_ index: Int) -> Bool
    func ecmpCount(_ index: Int) -> Int
    func best(_ index: Int) -> Path?
    /// The ECMP set's only path, `nil` when it has none or several.
    func singleECMPPath(_ index: Int) -> Path?
    func ecmp(_ index: Int) -> [Path]
    /// The best path's `ExportToken`, when the changes have one (then `ecmpCount` is 1 or 0 does not matter).
    func exportToken(_ index: Int) -> ExportToken?
    func selecting(_ indices: [Int]) -> Self
}

extension Array: ExportChanges where Element == RouteChange {
    func prefix(_ index: Int) -> IPPrefix { self[index].prefix }
    func hasBest(_ index: Int) -> Bool { self[index].hasBest }
    func ecmpCount(_ index: Int) -> Int { self[index].ecmpCount }
    func best(_ index: Int) -> Path? { self[index].best }
    func singleECMPPath(_ index: Int) -> Path? { self[index].singleECMPPath }
    func ecmp(_ index: Int) -> [Path] { self[index].ecmp }
    func exportToken(_ index: Int) -> ExportToken? { nil }
    func selecting(_ indices: [Int]) -> Self { indices.map { self[$0] } }
}

/// The Loc-RIB's compact changes with the tables their records refer to.
struct CompactChanges: ExportChanges {
    var changes: [LocRIB.Change]
    var sources: [PathSource]
    var hops: [NextHopTable.Hop]

    var count: Int { changes.count }
    func prefix(_ index: Int) -> IPPrefix { changes[index].prefix }
    func hasBest(_ index: Int) -> Bool { changes[index].best != nil }
    func ecmpCount(_ index: Int) -> Int { changes[index].ecmpCount }

    private func path(_ stored: LocRIB.StoredPath, _ index: Int) -> Path {
        LocRIB.materialize(stored, prefix: changes[index].prefix, sources: sources, hops: hops)
    }

    func best(_ index: Int) -> Path? { changes[index].best.map { path($0, index) } }
    func singleECMPPath(_ index: Int) -> Path? { changes[index].more.isEmpty ? best(index) : nil }
    func ecmp(_ index: Int) -> [Path] {
        guard let best = changes[index].best else { return [] }
        return ([best] + changes[index].more).map { path($0, index) }
    }

    func exportToken(_ index: Int) -> ExportToken? {
        guard let best = changes[index].best else { return nil }
        return ExportToken(
            attributes: ObjectIdentifier(best.attributes), source: best.source, hop: best.hop,
            isV4: changes[index].prefix.family == .ipv4)
    }

    func selecting(_ indices: [Int]) -> Self {
        CompactChanges(changes: indices.map { changes[$0] }, sources: sources, hops: hops)
    }
}
