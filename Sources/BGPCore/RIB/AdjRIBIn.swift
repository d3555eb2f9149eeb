// SPDX-License-Identifier: Apache-2.0
// Adj-RIB-In (RFC 4271 §3.2, §9): what one peer advertised, keyed by (prefix, ADD-PATH Path Identifier, RFC 7911),
// post-policy, and optionally pre-policy for soft reconfiguration and `show route received`. `apply` turns one
// decoded UPDATE into path announcements and withdrawals: IPv4 NLRI with NEXT_HOP (RFC 4271 §4.3), MP_REACH_NLRI /
// MP_UNREACH_NLRI with the global and link-local next hop (RFC 4760 §3-4, RFC 2545 §3, RFC 8950), the RFC 7606
// outcomes (treat-as-withdraw, attribute-discard), the RFC 6793 §4.2.3 AS4 merge on 2-octet sessions, and
// End-of-RIB (RFC 4724 §2).

import BGPWire

/// One peer's Adj-RIB-In.
public struct AdjRIBIn: Sendable {
    /// A path's identity within one peer's advertisements (RFC 7911 §3: prefix and Path Identifier).
    public struct Key: Hashable, Sendable, Comparable {
        public var prefix: IPPrefix
        public var pathID: UInt32

        public init(prefix: IPPrefix, pathID: UInt32 = 0) {
            self.prefix = prefix
            self.pathID = pathID
        }

        public static func < (a: Self, b: Self) -> Bool { (a.prefix, a.pathID) < (b.prefix, b.pathID) }
    }

    /// A stored path: shared attributes plus an index into the next-hop table (16 bytes).
    struct StoredPath: Sendable {
        var attributes: AttributeSet
        var hop: UInt32
        var stale: Bool

        func isSame(as other: Self) -> Bool { attributes === other.attributes && hop == other.hop && stale == other.stale }
    }

    /// Keep what the peer sent before import policy (soft reconfiguration inbound, `show route received`). Turning
    /// it off forgets the pre-policy copies; turning it on applies to paths received afterwards.
    public var keepPrePolicy: Bool {
        didSet {
            if !keepPrePolicy {
                prePolicy.removeAll()
                prePolicyOnly = 0
            }
        }
    }
    /// The peer the paths come from (set by `apply`).
    public private(set) var source: PathSource?
    private var postPolicy = FamilyMap<Key, StoredPath>()
    /// The pre-policy copy, only of the paths that import policy rejected or changed: a path policy accepted as it
    /// came is its own pre-policy copy (with an accept-all policy this is empty, not a second full table).
    private var prePolicy = FamilyMap<Key, StoredPath>()
    /// Number of keys in `prePolicy` that are not in `postPolicy` (rejected paths).
    private var prePolicyOnly = 0
    private var hops = NextHopTable()
    /// Whether the accepted paths are kept here. The routing engine turns this off: its Loc-RIB holds every
    /// accepted path with the same attributes and next hop (as BIRD keeps routes only in its table), so a second
    /// full copy per peer would cost memory and a table operation per prefix. Without it, `apply` reports every
    /// withdrawal and every rejected path as `.withdrawn` (the Loc-RIB ignores what it does not hold), `prePolicy`
    /// keeps the rejected and changed paths only, and `count`, `paths`, `path(_:)` and `keys(family:)` are the
    /// Loc-RIB's to answer (`LocRIB.pathCount(from:)`, `LocRIB.paths(from:)`).
    let storesAcceptedPaths: Bool

    public init(keepPrePolicy: Bool = false) {
        self.keepPrePolicy = keepPrePolicy
        self.storesAcceptedPaths = true
    }

    /// An Adj-RIB-In whose accepted paths live in the Loc-RIB only (see `storesAcceptedPaths`).
    init(keepPrePolicy: Bool, storesAcceptedPaths: Bool) {
        self.keepPrePolicy = keepPrePolicy
        self.storesAcceptedPaths = storesAcceptedPaths
    }

    // MARK: UPDATE processing

    /// Applies one decoded UPDATE and returns what changed, in message order (withdrawals first, RFC 4271 §9 "...
    /// withdrawn routes ... then ... feasible routes"). `errors` are the RFC 7606 findings of the decoder:
    /// attribute-discard uses the attributes as decoded (the bad one is already gone); treat-as-withdraw turns every
    /// NLRI into a withdrawal (RFC 7606 §2); AFI/SAFI-disable and session-reset change nothing here (the caller
    /// disables the family or resets the session). `importPolicy` returns the path to keep, or `nil` to reject it.
    public mutating func apply(
        _ update: UpdateMessage, errors: [UpdateError] = [], negotiated: NegotiatedSession, source: PathSource,
        table: inout AttributeSetTable, importPolicy: (Path) -> Path? = { $0 }
    ) -> [AdjRIBInChange] {
        self.source = source
        let action = errors.map(\.action).max()
        if let action, action >= .afiSafiDisable { return [] }
        if let family = update.endOfRIBFamily { return [.endOfRIB(family)] }

        var changes: [AdjRIBInChange] = []
        let attributes = update.attributes
        // One change per NLRI at most: no regrowth (a change carries a `Path`, and a message ~1,000 of them).
        changes.reserveCapacity(
            update.withdrawn.count + update.announced.count + (attributes.mpUnreach?.withdrawn.count ?? 0)
                + (attributes.mpReach?.nlri.count ?? 0))
        for nlri in update.withdrawn { withdraw(nlri, into: &changes) }
        for nlri in attributes.mpUnreach?.withdrawn ?? [] { withdraw(nlri, into: &changes) }

        // RFC 7606 §2 treat-as-withdraw: "regard the UPDATE as though ... all contained routes had been withdrawn".
        var treatAsWithdraw = action == .treatAsWithdraw
        // IPv4 NLRI without NEXT_HOP cannot be used (RFC 4271 §5.1.3 makes it mandatory); the decoder flags this,
        // and a message that slipped through is handled the same way.
        if !update.announced.isEmpty && attributes.nextHop == nil { treatAsWithdraw = true }
        if treatAsWithdraw {
            for nlri in update.announced { withdraw(nlri, into: &changes) }
            for nlri in attributes.mpReach?.nlri ?? [] { withdraw(nlri, into: &changes) }
            return changes
        }

        // The attribute set shared by every NLRI of the message: AS4 attributes merged on 2-octet sessions
        // (RFC 6793 §4.2.3), and without NEXT_HOP and the MP attributes, which belong to `Path`.
        var shared = negotiated.fourOctetAS ? attributes : attributes.mergingAS4Attributes()
        if negotiated.fourOctetAS {
            // RFC 6793 §4.2.2: between NEW speakers AS4_PATH / AS4_AGGREGATOR "MUST be discarded".
            shared.as4Path = nil
            shared.as4Aggregator = nil
        }
        shared.nextHop = nil
        shared.mpReach = nil
        shared.mpUnreach = nil
        if update.announced.isEmpty && attributes.mpReach?.nlri.isEmpty ?? true { return changes }
        let received = table.intern(shared)
        var policyCache: [ObjectIdentifier: AttributeSet] = [:]

        // Policy may build a fresh set; intern it (once per distinct result) so equal sets share storage.
        func internPolicyResult(_ path: Path) -> Path {
            guard path.attributes !== received else { return path }
            var path = path
            let id = ObjectIdentifier(path.attributes)
            if let cached = policyCache[id] {
                path.attributes = cached
            } else {
                let interned = table.intern(path.attributes.attributes)
                policyCache[id] = interned
                path.attributes = interned
            }
            return path
        }

        func announce(_ nlri: NLRI, nextHop: IPAddress, linkLocal: IPAddress?) {
            let key = Key(prefix: nlri.prefix, pathID: nlri.pathID ?? 0)
            let path = Path(
                prefix: nlri.prefix, pathID: key.pathID, source: source, attributes: received, nextHop: nextHop,
                linkLocalNextHop: linkLocal)
            guard storesAcceptedPaths else {
                // Only the Loc-RIB stores paths; here only the pre-policy copies of rejected and changed paths.
                guard let result = importPolicy(path) else {
                    changes.append(.withdrawn(prefix: key.prefix, pathID: key.pathID))
                    if keepPrePolicy {
                        _ = prePolicy.updateValue(
                            StoredPath(attributes: received, hop: hops.intern(nextHop, linkLocal), stale: false),
                            forKey: key)
                    }
                    return
                }
                let accepted = internPolicyResult(result)
                if accepted.attributes === received && accepted.nextHop == nextHop
                    && accepted.linkLocalNextHop == linkLocal
                {
                    // Accepted as it came (the common case): it is its own pre-policy copy.
                    if !prePolicy.isEmpty { _ = prePolicy.removeValue(forKey: key) }
                    changes.append(.announced(accepted))
                } else {
                    if keepPrePolicy {
                        _ = prePolicy.updateValue(
                            StoredPath(attributes: received, hop: hops.intern(nextHop, linkLocal), stale: false),
                            forKey: key)
                    }
                    changes.append(.announced(accepted))
                }
                return
            }
            let hop = hops.intern(nextHop, linkLocal)
            let asReceived = StoredPath(attributes: received, hop: hop, stale: false)
            guard var accepted = importPolicy(path) else {
                let held = postPolicy.removeValue(forKey: key) != nil
                if held { changes.append(.withdrawn(prefix: key.prefix, pathID: key.pathID)) }
                if keepPrePolicy {
                    let wasPreOnly = prePolicy.updateValue(asReceived, forKey: key) != nil && !held
                    if !wasPreOnly { prePolicyOnly += 1 }
                }
                return
            }
            accepted = internPolicyResult(accepted)
            let acceptedHop =
                accepted.nextHop == nextHop && accepted.linkLocalNextHop == linkLocal
                ? hop : hops.intern(accepted.nextHop, accepted.linkLocalNextHop)
            let stored = StoredPath(attributes: accepted.attributes, hop: acceptedHop, stale: false)
            let held = postPolicy.updateValue(stored, forKey: key) != nil
            if keepPrePolicy {
                let hadPrePolicy =
                    stored.isSame(as: asReceived)
                    ? prePolicy.removeValue(forKey: key) != nil : prePolicy.updateValue(asReceived, forKey: key) != nil
                if hadPrePolicy && !held { prePolicyOnly -= 1 }
            }
            changes.append(.announced(accepted))
        }

        if let nextHop = attributes.nextHop {
            for nlri in update.announced { announce(nlri, nextHop: nextHop, linkLocal: nil) }
        }
        if let reach = attributes.mpReach, let global = reach.globalNextHop {
            for nlri in reach.nlri { announce(nlri, nextHop: global, linkLocal: reach.linkLocalNextHop) }
        }
        return changes
    }

    /// Removes one NLRI; a withdrawal of a path we do not hold is ignored (RFC 4271 §9 has nothing to undo).
    private mutating func withdraw(_ nlri: NLRI, into changes: inout [AdjRIBInChange]) {
        if let change = remove(Key(prefix: nlri.prefix, pathID: nlri.pathID ?? 0)) { changes.append(change) }
    }

    /// Removes one path (an enhanced route refresh that did not re-advertise it, RFC 7313 §4); `nil` when absent.
    public mutating func remove(_ key: Key) -> AdjRIBInChange? {
        guard storesAcceptedPaths else {
            if !prePolicy.isEmpty { _ = prePolicy.removeValue(forKey: key) }
            return .withdrawn(prefix: key.prefix, pathID: key.pathID)
        }
        let held = postPolicy.removeValue(forKey: key) != nil
        if !prePolicy.isEmpty, prePolicy.removeValue(forKey: key) != nil, !held { prePolicyOnly -= 1 }
        return held ? .withdrawn(prefix: key.prefix, pathID: key.pathID) : nil
    }

    /// The keys of every path held for `family`, post-policy.
    public func keys(family: IPAddress.Family) -> [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(family == .ipv4 ? postPolicy.v4.count : postPolicy.v6.count)
        postPolicy.forEach(family: family) { key, _ in keys.append(key) }
        return keys
    }

    /// Forgets everything (session down, RFC 4271 §8 "delete all routes"); returns how many paths were held. The
    /// Loc-RIB side is `LocRIB.removeAll(from:)`.
    @discardableResult
    public mutating func removeAll() -> Int {
        let count = postPolicy.count
        postPolicy.removeAll()
        prePolicy.removeAll()
        prePolicyOnly = 0
        return count
    }

    /// Makes room for `count` more paths of `family` (a peer about to send a table of known size).
    public mutating func reserveCapacity(_ count: Int, family: IPAddress.Family = .ipv4) {
        postPolicy.reserveCapacity(count, family: family)
    }

    // MARK: Look-ups

    /// Number of paths accepted by import policy.
    public var count: Int { postPolicy.count }

    /// Number of paths as received (only with `keepPrePolicy`).
    public var receivedCount: Int { keepPrePolicy ? postPolicy.count + prePolicyOnly : 0 }

    /// The accepted path for `key`.
    public func path(_ key: Key) -> Path? { postPolicy[key].map { materialize($0, key: key) } }

    /// The path as the peer sent it, before import policy (only with `keepPrePolicy`).
    public func received(_ key: Key) -> Path? {
        guard keepPrePolicy, let stored = prePolicy[key] ?? postPolicy[key] else { return nil }
        return materialize(stored, key: key)
    }

    /// Every accepted path, sorted by prefix and Path Identifier.
    public var paths: [Path] {
        var all: [(Key, StoredPath)] = []
        all.reserveCapacity(postPolicy.count)
        postPolicy.forEach { all.append(($0, $1)) }
        return all.sorted { $0.0 < $1.0 }.map { materialize($0.1, key: $0.0) }
    }

    /// Every path as received, sorted (only with `keepPrePolicy`): soft reconfiguration re-runs import policy on
    /// these.
    public var receivedPaths: [Path] {
        guard keepPrePolicy else { return [] }
        var all: [(Key, StoredPath)] = []
        all.reserveCapacity(receivedCount)
        postPolicy.forEach { key, stored in all.append((key, prePolicy[key] ?? stored)) }
        prePolicy.forEach { key, stored in if postPolicy[key] == nil { all.append((key, stored)) } }
        return all.sorted { $0.0 < $1.0 }.map { materialize($0.1, key: $0.0) }
    }

    /// The pre-policy copies (paths import policy rejected or changed), unsorted: with `storesAcceptedPaths` off,
    /// what the peer sent is these plus the Loc-RIB's paths from it under the other keys.
    var prePolicyCopies: [Path] {
        var all: [Path] = []
        all.reserveCapacity(prePolicy.count)
        prePolicy.forEach { key, stored in all.append(materialize(stored, key: key)) }
        return all
    }

    /// Whether a pre-policy copy is held for `key`.
    func hasPrePolicyCopy(_ key: Key) -> Bool { !prePolicy.isEmpty && prePolicy[key] != nil }

    private func materialize(_ stored: StoredPath, key: Key) -> Path {
        let hop = hops[stored.hop]
        var path = Path(
            prefix: key.prefix, pathID: key.pathID, source: source!, attributes: stored.attributes,
            nextHop: hop.global, linkLocalNextHop: hop.linkLocal)
        path.stale = stored.stale
        return path
    }
}
