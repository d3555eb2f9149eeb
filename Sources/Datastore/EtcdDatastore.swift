// SPDX-License-Identifier: Apache-2.0
// The etcd v3 datastore (issue #6): the cluster's resources come from etcd, in Calico's key layout, and every change
// reaches the daemon as a new snapshot without a restart. One actor owns the cached keys, the node's lease and its
// block claims:
// - register: the node's Node resource is written attached to a lease that is kept alive, so the key (and with it the
//   node's place in every other node's mesh) goes away when the node dies; a lost lease is re-granted and the node
//   registered again;
// - claim: one block per IP pool that selects the node, by a transaction that creates the block key only if it does
//   not exist (compare create_revision = 0), so no block is ever owned twice; a lost race re-plans from the claims the
//   watch delivered;
// - watch: `/calico/resources/v3/projectcalico.org/` and `/calico/ipam/v2/` from the revision of the last list;
//   when etcd goes away the watch resumes from the last revision seen (a compacted revision means a new list), and
//   nothing the daemon runs is touched in between: sessions and kernel routes stay as they are;
// - collect: blocks whose owner has had no Node resource for `blockReleaseDelay` are released (a node that died for
//   good), guarded by the block's mod revision so two collectors never release a block somebody claimed again.
// A SIGTERM neither deletes the Node key nor releases blocks: a restarted daemon finds its blocks and keeps its pods'
// addresses and routes (the lease of the old process expires on its own once the new one re-registered).

import BGPWire
import ClusterModel
import EtcdClient
import Foundation
import Logging

/// Resources from etcd, kept current by watches, for one node.
public actor EtcdDatastore {
    public struct Options: Sendable {
        public var nodeName: String
        public var registration: NodeRegistration
        /// Seconds the node's key outlives the process (calico/node keeps its Node forever; Swiftlet lets a dead
        /// node leave the mesh by itself).
        public var leaseTTL: Int64
        /// How long a block's owner must be gone before the block is released.
        public var blockReleaseDelay: Duration
        /// Pause between attempts while etcd does not answer.
        public var retryDelay: Duration
        /// Changes arriving within this window become one snapshot (200 nodes registering is one reload, not 200).
        public var coalesceDelay: Duration

        public init(
            nodeName: String, registration: NodeRegistration, leaseTTL: Int64 = 30,
            blockReleaseDelay: Duration = .seconds(300), retryDelay: Duration = .seconds(1),
            coalesceDelay: Duration = .milliseconds(100)
        ) {
            self.nodeName = nodeName
            self.registration = registration
            self.leaseTTL = leaseTTL
            self.blockReleaseDelay = blockReleaseDelay
            self.retryDelay = retryDelay
            self.coalesceDelay = coalesceDelay
        }
    }

    /// The cluster's resources at one point: what the planner gets.
    public struct Snapshot: Sendable {
        /// Resources from `/calico/resources/v3/` plus one `BlockAffinity` per host affinity key.
        public var resources: [Resource]
        /// Keys whose value did not decode; the daemon rejects the snapshot and keeps what runs.
        public var errors: [ConfigError]
        /// The newest etcd revision the snapshot includes.
        public var revision: Int64
        /// Blocks this node owns (claimed in etcd), for logs and reports.
        public var ownBlocks: [IPPrefix]
    }

    /// One cached resource key: its decoded resource, or why it did not decode.
    private struct CachedResource {
        var modRevision: Int64
        var decoded: Result<Resource, ConfigErrors>
    }

    public let client: EtcdClient
    public let options: Options
    private let logger: Logger

    private var resources: [String: CachedResource] = [:]
    private var ipam: [String: EtcdKeyValue] = [:]
    private var revisions: [String: Int64] = [:]
    private var lease: EtcdLease?
    /// When each block's owner was first seen without a Node resource.
    private var ownerMissingSince: [IPPrefix: ContinuousClock.Instant] = [:]
    private var publishScheduled = false
    /// Prefixes whose watch is down, and whether the lease keepalive fails: what `status()` calls connected.
    private var watchesDown: Set<String> = []
    private var keepAliveDown = false
    private var lastError: String?
    private var snapshotsPublished = 0
    /// IPAM notes already logged (a full pool is said once, not on every change).
    private var reportedNotes: Set<String> = []
    private var lastPublished: Snapshot?
    private let continuation: AsyncStream<Snapshot>.Continuation
    /// Every snapshot after the first, newest only: a slow consumer skips to the latest state.
    public nonisolated let snapshots: AsyncStream<Snapshot>

    public init(client: EtcdClient, options: Options, logger: Logger = Logger(label: "datastore")) {
        self.client = client
        self.options = options
        self.logger = logger
        (snapshots, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Start

    /// Registers the node, lists both prefixes and claims the node's blocks; returns the first snapshot. Keeps trying
    /// (one log line per failure) until etcd answers; only a registration that can never succeed (no address for a
    /// new node, an unreadable Node document) is thrown.
    public func start() async throws -> Snapshot {
        while true {
            try Task.checkCancellation()
            do {
                try await register()
                for prefix in [CalicoEtcdLayout.resourcesPrefix, CalicoEtcdLayout.ipamPrefix] { try await list(prefix) }
                await claimBlocks()
                let snapshot = makeSnapshot()
                lastPublished = snapshot
                return snapshot
            } catch let failure as NodeRegistration.Failure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning(
                    "etcd not reachable; retrying", metadata: ["error": "\(error)", "node": "\(options.nodeName)"])
                try await Task.sleep(for: options.retryDelay)
            }
        }
    }

    /// The cluster as etcd holds it now, without registering or claiming anything (`swiftletd --check`).
    public func readOnlySnapshot() async throws -> Snapshot {
        for prefix in [CalicoEtcdLayout.resourcesPrefix, CalicoEtcdLayout.ipamPrefix] { try await list(prefix) }
        return makeSnapshot()
    }

    /// What `show status` and `/metrics` say about the datastore.
    public struct Status: Sendable, Hashable {
        /// Both watches run and the lease is kept alive.
        public var connected: Bool
        public var revision: Int64
        /// Snapshots published since start (each one a reload).
        public var snapshots: Int
        /// The node's lease, hexadecimal as etcdctl prints it.
        public var lease: String?
        public var ownBlocks: [String]
        /// The last failure talking to etcd, while disconnected.
        public var lastError: String?
    }

    public func status() -> Status {
        let connected = watchesDown.isEmpty && !keepAliveDown
        return Status(
            connected: connected, revision: revisions.values.max() ?? 0, snapshots: snapshotsPublished,
            lease: lease.map { String($0.id, radix: 16) },
            ownBlocks: claims().filter { $0.value == options.nodeName }.keys.sorted().map(\.description),
            lastError: connected ? nil : lastError)
    }

    /// The node leaves the cluster for good (`swiftletd --leave`): its blocks are released and its Node key deleted,
    /// so every other node closes its session to it and no block stays claimed for a node that will not return.
    /// Returns the blocks released.
    public func leave() async throws -> [IPPrefix] {
        try await list(CalicoEtcdLayout.ipamPrefix)
        let own = BlockAllocator.leave(node: options.nodeName, claims: claims())
        for block in own {
            await release(block, owner: options.nodeName, reason: "the node leaves the cluster")
        }
        try await client.delete(CalicoEtcdLayout.nodeKey(options.nodeName))
        logger.notice(
            "left the cluster", metadata: ["node": "\(options.nodeName)", "blocks_released": "\(own.count)"])
        return own
    }

    /// The newest snapshot (what `swiftletctl reload` applies again in etcd mode).
    public func latest() -> Snapshot { lastPublished ?? makeSnapshot() }

    /// Keeps the lease alive, watches both prefixes and collects orphaned blocks until cancelled; then ends
    /// `snapshots`.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepAliveLoop() }
            group.addTask { await self.watchLoop(CalicoEtcdLayout.resourcesPrefix) }
            group.addTask { await self.watchLoop(CalicoEtcdLayout.ipamPrefix) }
            await group.waitForAll()
        }
        continuation.finish()
    }

    // MARK: Registration

    private func register() async throws {
        let key = CalicoEtcdLayout.nodeKey(options.nodeName)
        let granted = try await client.grantLease(ttl: options.leaseTTL)
        let existing = try await client.get(key)
        let document = try options.registration.document(name: options.nodeName, existing: existing?.value).get()
        try await client.put(key, value: document, lease: granted.id)
        lease = granted
        logger.info(
            "registered in etcd",
            metadata: [
                "node": "\(options.nodeName)", "key": "\(key)", "lease": "\(String(granted.id, radix: 16))",
                "ttl": "\(granted.ttl)",
            ])
    }

    private func keepAliveLoop() async {
        let interval = Duration.seconds(max(1, Double(options.leaseTTL) / 3))
        var failing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: failing ? options.retryDelay : interval)
            } catch { return }
            do {
                if let lease {
                    _ = try await client.keepAlive(lease.id)
                } else {
                    try await register()
                }
                if failing { logger.info("etcd lease kept alive again", metadata: ["node": "\(options.nodeName)"]) }
                failing = false
                keepAliveDown = false
                await collectOrphans()
            } catch EtcdError.leaseNotFound(let id) {
                // The lease expired (etcd was away longer than the TTL, or someone revoked it): the Node key went with
                // it, so every other node dropped us from its mesh. Register again at once.
                logger.warning(
                    "etcd lease lost; registering again",
                    metadata: ["node": "\(options.nodeName)", "lease": "\(String(id, radix: 16))"])
                lease = nil
                failing = true
                keepAliveDown = true
                lastError = "lease \(String(id, radix: 16)) lost"
            } catch let failure as NodeRegistration.Failure {
                logger.error("cannot register in etcd", metadata: ["error": "\(failure)"])
                failing = true
                keepAliveDown = true
                lastError = "\(failure)"
            } catch {
                keepAliveDown = true
                lastError = "\(error)"
                if !failing {
                    logger.warning(
                        "etcd keepalive failed; sessions and routes stay as they are",
                        metadata: ["error": "\(error)", "node": "\(options.nodeName)"])
                }
                failing = true
            }
        }
    }

    // MARK: Lists and watches

    /// Replaces the cache of `prefix` with a fresh list.
    private func list(_ prefix: String) async throws {
        let result = try await client.range(prefix: prefix)
        if prefix == CalicoEtcdLayout.resourcesPrefix {
            var fresh: [String: CachedResource] = [:]
            for kv in result.kvs where CalicoEtcdLayout.parse(kv.key) != nil {
                // An unchanged key keeps its decoded value: a re-list after an etcd restart decodes nothing again.
                if let cached = resources[kv.key], cached.modRevision == kv.modRevision {
                    fresh[kv.key] = cached
                } else {
                    fresh[kv.key] = CachedResource(modRevision: kv.modRevision, decoded: Self.decode(kv))
                }
            }
            resources = fresh
        } else {
            ipam = Dictionary(result.kvs.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        }
        revisions[prefix] = result.revision
    }

    private func watchLoop(_ prefix: String) async {
        var failing = false
        while !Task.isCancelled {
            let from = (revisions[prefix] ?? 0) + 1
            do {
                for try await batch in client.watch(prefix: prefix, fromRevision: from) {
                    if failing {
                        logger.info("etcd watch resumed", metadata: ["prefix": "\(prefix)", "from_revision": "\(from)"])
                        failing = false
                    }
                    watchesDown.remove(prefix)
                    // A revision behind ours means a different (restored or rebuilt) etcd: only a list is right.
                    if batch.revision < (revisions[prefix] ?? 0) {
                        logger.warning(
                            "etcd revision went backwards; listing again",
                            metadata: ["prefix": "\(prefix)", "ours": "\(revisions[prefix] ?? 0)", "etcd": "\(batch.revision)"])
                        try await list(prefix)
                        schedulePublish()
                        break
                    }
                    apply(batch, prefix: prefix)
                }
                if Task.isCancelled { return }
            } catch EtcdError.compacted(let compactRevision) {
                logger.notice(
                    "etcd watch revision compacted; listing again",
                    metadata: ["prefix": "\(prefix)", "compact_revision": "\(compactRevision)"])
                do {
                    try await list(prefix)
                    schedulePublish()
                } catch {
                    failing = true
                    watchesDown.insert(prefix)
                }
            } catch is CancellationError {
                return
            } catch {
                watchesDown.insert(prefix)
                lastError = "\(error)"
                if !failing {
                    logger.warning(
                        "etcd watch lost; sessions and routes stay as they are, resuming when etcd is back",
                        metadata: ["prefix": "\(prefix)", "error": "\(error)", "revision": "\(revisions[prefix] ?? 0)"])
                }
                failing = true
            }
            do { try await Task.sleep(for: options.retryDelay) } catch { return }
        }
    }

    private func apply(_ batch: EtcdWatchBatch, prefix: String) {
        for event in batch.events {
            let key = event.kv.key
            if prefix == CalicoEtcdLayout.resourcesPrefix {
                guard CalicoEtcdLayout.parse(key) != nil else { continue }
                switch event.kind {
                case .put: resources[key] = CachedResource(modRevision: event.kv.modRevision, decoded: Self.decode(event.kv))
                case .delete: resources[key] = nil
                }
            } else {
                switch event.kind {
                case .put: ipam[key] = event.kv
                case .delete: ipam[key] = nil
                }
            }
        }
        // Not the header revision: while a watch catches up, etcd sends the current revision with older events, and
        // a watch that breaks then must resume after the last event delivered, not after the header.
        revisions[prefix] = max(revisions[prefix] ?? 0, batch.resumeRevision - 1)
        if !batch.events.isEmpty { schedulePublish() }
    }

    /// Publishes once the burst is over; claims first when pools, nodes or claims changed.
    private func schedulePublish() {
        guard !publishScheduled else { return }
        publishScheduled = true
        Task {
            try? await Task.sleep(for: options.coalesceDelay)
            await self.publish()
        }
    }

    private func publish() async {
        publishScheduled = false
        await claimBlocks()
        let snapshot = makeSnapshot()
        lastPublished = snapshot
        snapshotsPublished += 1
        continuation.yield(snapshot)
    }

    // MARK: Snapshot

    private func makeSnapshot() -> Snapshot {
        var list: [Resource] = []
        var errors: [ConfigError] = []
        for key in resources.keys.sorted() {
            switch resources[key]!.decoded {
            case .success(let resource): list.append(resource)
            case .failure(let failures): errors += failures.errors
            }
        }
        for key in ipam.keys.sorted() {
            guard let (node, block) = CalicoIPAMKey.parseAffinity(key) else { continue }
            list.append(.blockAffinity(Self.affinity(node: node, block: block, kv: ipam[key]!)))
        }
        let own = claims().filter { $0.value == options.nodeName }.keys.sorted()
        return Snapshot(
            resources: list, errors: errors, revision: revisions.values.max() ?? 0, ownBlocks: own)
    }

    /// A resource key's value as one resource: JSON (what calicoctl writes) or YAML, of the kind and name the key
    /// says. Errors are placed at `etcd:<key>:line:column`.
    static func decode(_ kv: EtcdKeyValue) -> Result<Resource, ConfigErrors> {
        let file = "etcd:" + kv.key
        guard let (kind, name) = CalicoEtcdLayout.parse(kv.key) else {
            return .failure([ConfigError(at: .file(file), field: "", message: "not a resource key Swiftlet reads")])
        }
        switch ConfigFile.parse(yaml: String(decoding: kv.value, as: UTF8.self), file: file) {
        case .failure(let errors):
            return .failure(errors)
        case .success(let decoded):
            guard decoded.count == 1, let resource = decoded.first else {
                return .failure([
                    ConfigError(
                        at: .file(file), field: "", message: "expected one \(kind) resource, found \(decoded.count)")
                ])
            }
            guard resource.kind == kind, resource.metadata.name == name else {
                return .failure([
                    resource.metadata.error(
                        kind: resource.kind, field: "metadata.name",
                        "the key holds \(kind) \"\(name)\" but the document is \(resource.kind) \"\(resource.metadata.name)\"")
                ])
            }
            return .success(resource)
        }
    }

    /// A host affinity key as the `BlockAffinity` the planner reads: state from its JSON (`{"state":"confirmed",
    /// "deleted":false}`); an unreadable value counts as confirmed, as confd treats an empty state.
    static func affinity(node: String, block: IPPrefix, kv: EtcdKeyValue) -> BlockAffinityResource {
        var state = BlockAffinityResource.State.confirmed
        var deleted = false
        if let object = try? JSONSerialization.jsonObject(with: Data(kv.value)) as? [String: Any] {
            if let text = object["state"] as? String, let parsed = BlockAffinityResource.State(rawValue: text) {
                state = parsed
            }
            deleted = (object["deleted"] as? Bool) ?? ((object["deleted"] as? String) == "true")
        }
        let name = "\(node)-\(block.description.replacingOccurrences(of: "/", with: "-"))"
        return BlockAffinityResource(
            metadata: ResourceMetadata(name: name, location: .file("etcd:" + kv.key)),
            spec: .init(node: node, cidr: block, state: state, deleted: deleted))
    }

    // MARK: Blocks

    /// Every claimed block and its owner, from the block keys (`"affinity": "host:<node>"`); a block whose owner
    /// cannot be read still counts as taken.
    private func claims() -> [IPPrefix: String] {
        var result: [IPPrefix: String] = [:]
        for (key, kv) in ipam {
            guard let block = CalicoIPAMKey.parseBlock(key) else { continue }
            result[block] = Self.owner(of: kv) ?? "?"
        }
        return result
    }

    static func owner(of kv: EtcdKeyValue) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(kv.value)) as? [String: Any],
            let affinity = object["affinity"] as? String, affinity.hasPrefix("host:")
        else { return nil }
        return String(affinity.dropFirst("host:".count))
    }

    private func decodedResources() -> [Resource] {
        resources.values.compactMap { try? $0.decoded.get() }
    }

    /// Claims what `BlockAllocator` says this node lacks; a lost race (another node created the key first) lists the
    /// IPAM keys again and plans anew, a few times.
    private func claimBlocks() async {
        let all = decodedResources()
        let pools = all.compactMap { if case .ipPool(let pool) = $0 { pool } else { nil } }
        guard
            let node = all.lazy.compactMap({ resource -> NodeResource? in
                if case .node(let node) = resource, node.metadata.name == self.options.nodeName { return node }
                return nil
            }).first
        else { return }
        for attempt in 0..<8 {
            let plan = BlockAllocator.plan(node: node, pools: pools, claims: claims())
            if attempt == 0 {
                for note in plan.notes where !reportedNotes.contains(note) {
                    logger.warning("IPAM", metadata: ["node": "\(options.nodeName)", "note": "\(note)"])
                }
                reportedNotes = Set(plan.notes)
                // A resource that did not decode may be a pool: releasing blocks on a partial view would take
                // addresses from running pods.
                if resources.values.allSatisfy({ (try? $0.decoded.get()) != nil }) {
                    for block in plan.release { await release(block, owner: options.nodeName, reason: "its pool is gone or no longer selects this node") }
                }
            }
            guard !plan.claim.isEmpty else { return }
            var lost = false
            for block in plan.claim {
                do {
                    let blockKey = CalicoIPAMKey.block(block)
                    let affinityKey = CalicoIPAMKey.affinity(node: options.nodeName, block: block)
                    let result = try await client.txn(
                        compare: [.createRevision(key: blockKey, equals: 0)],
                        success: [
                            .put(key: blockKey, value: Self.blockDocument(block, node: options.nodeName)),
                            .put(key: affinityKey, value: Array(#"{"deleted":false,"state":"confirmed"}"#.utf8)),
                        ])
                    if result.succeeded {
                        logger.info("claimed IPAM block", metadata: ["node": "\(options.nodeName)", "block": "\(block)"])
                        // Seen at once, not only when the watch brings the keys back.
                        ipam[blockKey] = EtcdKeyValue(
                            key: blockKey, value: Self.blockDocument(block, node: options.nodeName),
                            createRevision: result.revision, modRevision: result.revision, version: 1, lease: 0)
                        ipam[affinityKey] = EtcdKeyValue(
                            key: affinityKey, value: Array(#"{"deleted":false,"state":"confirmed"}"#.utf8),
                            createRevision: result.revision, modRevision: result.revision, version: 1, lease: 0)
                    } else {
                        lost = true
                    }
                } catch {
                    logger.warning("cannot claim IPAM block", metadata: ["block": "\(block)", "error": "\(error)"])
                    return
                }
            }
            guard lost else { return }
            do { try await list(CalicoEtcdLayout.ipamPrefix) } catch { return }
        }
    }

    /// Deletes a block key and its affinity, only if the block is unchanged since we saw it.
    private func release(_ block: IPPrefix, owner: String, reason: String) async {
        let blockKey = CalicoIPAMKey.block(block)
        guard let kv = ipam[blockKey] else { return }
        var operations: [EtcdOperation] = [.delete(key: blockKey)]
        if owner != "?" { operations.append(.delete(key: CalicoIPAMKey.affinity(node: owner, block: block))) }
        do {
            let result = try await client.txn(
                compare: [.modRevision(key: blockKey, equals: kv.modRevision)], success: operations)
            if result.succeeded {
                logger.notice(
                    "released IPAM block", metadata: ["block": "\(block)", "owner": "\(owner)", "reason": "\(reason)"])
            }
        } catch {
            logger.warning("cannot release IPAM block", metadata: ["block": "\(block)", "error": "\(error)"])
        }
    }

    /// Releases blocks whose owner has had no Node resource for `blockReleaseDelay`.
    private func collectOrphans() async {
        let live = Set(decodedResources().compactMap { if case .node(let node) = $0 { node.metadata.name } else { nil } })
        guard !live.isEmpty else { return }  // an empty cache is no evidence that every node left
        let claimed = claims()
        // A block whose owner cannot be read (no `host:` affinity) may hold borrowed addresses: never collected.
        let orphans = Set(BlockAllocator.orphans(claims: claimed.filter { $0.value != "?" }, liveNodes: live))
        let now = ContinuousClock.now
        ownerMissingSince = ownerMissingSince.filter { orphans.contains($0.key) }
        for block in orphans.sorted() {
            let since = ownerMissingSince[block] ?? now
            ownerMissingSince[block] = since
            guard now - since >= options.blockReleaseDelay, let owner = claimed[block] else { continue }
            await release(block, owner: owner, reason: "its node has been gone for \(options.blockReleaseDelay)")
            ownerMissingSince[block] = nil
        }
    }

    /// The block key's value, shaped like Calico's `AllocationBlock` so `calicoctl ipam show` can read it: the CIDR,
    /// the owning host, and every ordinal unallocated (Swiftlet assigns no pod addresses itself).
    static func blockDocument(_ block: IPPrefix, node: String) -> [UInt8] {
        let size = 1 << min(16, block.address.family.bitWidth - Int(block.length))
        let object: [String: Any] = [
            "cidr": block.description, "affinity": "host:\(node)", "strictAffinity": false,
            "allocations": [Any](repeating: NSNull(), count: size), "unallocated": Array(0..<size),
            "attributes": [Any](), "deleted": false,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return [UInt8](data)
    }
}
