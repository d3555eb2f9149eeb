// SPDX-License-Identifier: Apache-2.0
// The routing half of the speaker (RFC 4271 §9): every Established peer's Adj-RIB-In, the Loc-RIB, locally
// originated routes, and the update groups that turn Loc-RIB changes into UPDATEs. Pure and sans-IO like the
// session FSMs: events in (a peer came up or went down, an UPDATE or ROUTE-REFRESH arrived, the originated set or the
// policy changed), outputs back (bytes for a set of peers, a session to reset, Loc-RIB changes for the kernel, log
// lines). `BGPSpeaker` owns one and performs its outputs in order.
//
// Phase 1 (RFC 4271 §9.1.1) is `ImportPolicy` on each path into the peer's `AdjRIBIn`; Phase 2 (§9.1.2) is
// `LocRIB`; Phase 3 (§9.1.3) is `UpdateGenerator` with `ExportPolicy` and `ExportRules`.

import BGPPolicy
import BGPWire
import NIOCore

/// RIBs, decision process and advertisement for all peers.
public struct RouteEngine: Sendable {
    /// Node-wide routing settings.
    public struct Configuration: Sendable {
        /// Our BGP Identifier (RFC 4271 §4.2).
        public var routerID: IPAddress
        /// The node's AS (sessions may present another with `localASNumber`).
        public var localAS: UInt32
        /// Route reflector cluster ID (RFC 4456 §7); `nil` when not a reflector.
        public var clusterID: IPAddress?
        public var decision: DecisionOptions
        public var exportPolicy: ExportPolicy
        /// The next hop of locally originated IPv6 routes (our IPv6 address), when we have one.
        public var localIPv6: IPAddress?
        /// Reachability and cost of received next hops (`nil`: all reachable at cost 0). Asked when a path is
        /// imported, once per distinct next hop of an UPDATE.
        public var nextHopResolver: (any NextHopResolver)?
        /// How long a restarting speaker waits for End-of-RIB from its peers before it advertises anyway (RFC 4724
        /// §4.1 Selection_Deferral_Timer; `RestartDeferral.defaultTime`, FRR's 360 s).
        public var selectionDeferralTime: Duration = RestartDeferral.defaultTime

        public init(
            routerID: IPAddress, localAS: UInt32, clusterID: IPAddress? = nil,
            decision: DecisionOptions = DecisionOptions(), exportPolicy: ExportPolicy = ExportPolicy(),
            localIPv6: IPAddress? = nil, nextHopResolver: (any NextHopResolver)? = nil
        ) {
            self.nextHopResolver = nextHopResolver
            self.routerID = routerID
            self.localAS = localAS
            self.clusterID = clusterID
            self.decision = decision
            self.exportPolicy = exportPolicy
            self.localIPv6 = localIPv6
        }

        var reflection: RouteReflection { RouteReflection(localRouterID: routerID, clusterID: clusterID) }
    }

    /// Something for the speaker to do.
    public enum Output: Sendable {
        /// Queue `bytes` (whole BGP messages) on the Established connection of each peer.
        case send(peers: [String], bytes: ByteBuffer)
        /// End the peer's session with this NOTIFICATION (maximum prefixes) and let it restart after IdleHold.
        case reset(peer: String, notification: BGPNotification)
        /// The Loc-RIB's selected routes changed (for the kernel); materialized as `RouteChange`s when read.
        case routesChanged(RouteChanges)
        /// A line for the log.
        case log(LogLevel, String, peer: String?)
        /// Call `gracefulRestartTimerFired(peer:now:)` at `deadline` (RFC 4724 §4.2 restart or stale-path timer);
        /// a later one for the same peer replaces it.
        case gracefulRestartTimer(peer: String, deadline: Duration)
    }

    public enum LogLevel: Sendable { case debug, info, warning }

    /// Route counts of one peer (`show protocols`, BIRD's "Routes: ... imported, ... filtered, ... exported, ...
    /// preferred").
    public struct PeerCounts: Hashable, Sendable {
        public var imported: Int
        public var filtered: Int
        public var exported: Int
        public var preferred: Int

        public init(imported: Int, filtered: Int, exported: Int, preferred: Int) {
            self.imported = imported
            self.filtered = filtered
            self.exported = exported
            self.preferred = preferred
        }
    }

    /// A locally originated prefix.
    public struct Origination: Hashable, Sendable {
        public var prefix: IPPrefix
        public var communities: [Community]
        /// LOCAL_PREF of the originated path (sent to internal peers, RFC 4271 §5.1.5); nil: none, so the export
        /// rules send the default. Calico encodes an elevated kernel priority in it (2147483647 − metric).
        public var localPreference: UInt32?
        /// Why the prefix is exported although the export policy's `scope` would withhold it, when the originator
        /// has already applied the scope with facts the scope does not see (Calico's `calico_aggr` exports a route
        /// inside an own block when its kernel metric is below the normal priority). Nil: the scope decides.
        public var scopeExemption: String?
        /// Why the node originates it ("block affinity", "kernel route dev cali1 proto boot: in IP pool …"), for
        /// `show route … detail`.
        public var reason: String?

        public init(
            prefix: IPPrefix, communities: [Community] = [], localPreference: UInt32? = nil,
            scopeExemption: String? = nil, reason: String? = nil
        ) {
            self.prefix = prefix
            self.communities = communities
            self.localPreference = localPreference
            self.scopeExemption = scopeExemption
            self.reason = reason
        }

        var withoutReason: Origination {
            var copy = self
            copy.reason = nil
            return copy
        }
    }

    struct PeerState {
        var settings: RoutingPeer
        var negotiated: NegotiatedSession
        var source: PathSource
        var target: ExportTarget
        var importPolicy: ImportPolicy
        /// The peer's Adj-RIB-In without the accepted paths: those are the Loc-RIB's paths from `source` (one copy,
        /// as BIRD keeps them); it holds the pre-policy copies of rejected and changed paths.
        var ribIn: AdjRIBIn
        /// Paths import policy rejected (`filtered` count; their reasons are recomputed on demand).
        var filtered: Set<AdjRIBIn.Key> = []
        /// Loc-RIB best paths from this peer.
        var preferred = 0
        /// Enhanced route refresh in progress (RFC 7313 §4): the paths not re-advertised since BoRR, per family.
        var refreshing: [AddressFamily: Set<AdjRIBIn.Key>] = [:]
        var endOfRIBReceived: Set<AddressFamily> = []
    }

    public private(set) var configuration: Configuration
    public private(set) var locRIB: LocRIB
    private var generator: UpdateGenerator
    private var peers: [String: PeerState] = [:]
    private var attributes = AttributeSetTable()
    private var originated: [IPPrefix: Origination] = [:]
    private var withdrawalsSinceCollection = 0
    /// Peers whose routes are kept stale across their restart (RFC 4724 §4.2).
    public private(set) var gracefulRestart = GracefulRestartHelper()
    /// Our own restart (RFC 4724 §4.1): while set, sessions that come up wait in `deferredPeers`.
    public private(set) var restartDeferral: RestartDeferral?
    /// Established peers whose update group membership waits for the end of `restartDeferral`.
    private var deferredPeers: [String: UpdateGroupKey] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.locRIB = LocRIB(options: configuration.decision)
        self.generator = UpdateGenerator(
            rules: ExportRules(reflection: configuration.reflection), policy: configuration.exportPolicy)
    }

    /// Whether `peer`'s session is up and has sent End-of-RIB (RFC 4724 §2) for every negotiated family: its
    /// initial table is complete. The kernel adapter waits for this from every peer before deleting stale routes.
    public func hasReceivedEndOfRIB(from peer: String) -> Bool {
        guard let state = peers[peer] else { return false }
        return state.negotiated.families.isSubset(of: state.endOfRIBReceived)
    }

    /// The source of originated paths.
    public var localSource: PathSource { .local(routerID: configuration.routerID, asn: configuration.localAS) }

    // MARK: Sessions

    /// A session reached Established (RFC 4271 §9.1.3: "the initial ... Adj-RIB-Out" goes to the new peer).
    /// `localAddress` is our end of the TCP connection: our next hop on this session.
    public mutating func peerUp(
        _ settings: RoutingPeer, negotiated: NegotiatedSession, peerAddress: IPAddress, localAddress: IPAddress?,
        sessionLocalAS: UInt32, now: Duration = .zero
    ) -> [Output] {
        var out: [Output] = []
        if peers[settings.name] != nil { out += peerDown(settings.name) }
        out += gracefulRestartSessionUp(settings.name, negotiated: negotiated, now: now)
        let kind: PathSource.Kind = negotiated.isInternal ? .internal : .external
        let source = PathSource(
            name: settings.name, kind: kind, peerAddress: peerAddress, routerID: negotiated.peerIdentifier,
            peerAS: negotiated.peerAS, localAS: sessionLocalAS,
            isReflectorClient: negotiated.isInternal && settings.isReflectorClient)
        let v4 = localAddress.flatMap { $0.family == .ipv4 ? $0 : nil } ?? settings.localIPv4 ?? configuration.routerID
        let v6 = localAddress.flatMap { $0.family == .ipv6 && !$0.isIPv6LinkLocal ? $0 : nil } ?? settings.localIPv6
            ?? configuration.localIPv6
        var target = ExportTarget(
            name: settings.name, peerAddress: peerAddress, kind: negotiated.isInternal ? .internal : .external,
            peerAS: negotiated.peerAS, localAS: configuration.localAS,
            localASOverride: sessionLocalAS == configuration.localAS ? nil : sessionLocalAS,
            fourOctetAS: negotiated.fourOctetAS, nextHopMode: settings.nextHopMode, localIPv4: v4, localIPv6: v6,
            sharedSubnets: settings.sharedSubnets, extendedNextHop: negotiated.extendedNextHop,
            isReflectorClient: source.isReflectorClient,
            allowASInCount: settings.allowASIn)
        target.longLivedGracefulRestart = negotiated.peerLongLivedGracefulRestart != nil
        let importPolicy = ImportPolicy(
            localAS: sessionLocalAS, otherLocalASes: [configuration.localAS], allowASIn: settings.allowASIn,
            enforceFirstAS: settings.enforceFirstAS, reflection: configuration.reflection, filters: settings.filters)
        peers[settings.name] = PeerState(
            settings: settings, negotiated: negotiated, source: source, target: target, importPolicy: importPolicy,
            ribIn: AdjRIBIn(
                keepPrePolicy: settings.keepPrePolicy || !importPolicy.filters.isEmpty, storesAcceptedPaths: false))

        // eBGP peers get a group of their own so split horizon is exact: a shared stream would send every path
        // back to the peer it came from (the peer drops it by AS_PATH loop detection, but a route server would
        // echo a full table). iBGP peers share groups: a reflected path that reaches its own client is dropped
        // there by ORIGINATOR_ID (RFC 4456 §8), and plain iBGP never re-advertises iBGP paths.
        let key = UpdateGroupKey(
            target: target, session: negotiated, isolated: settings.isolated || !negotiated.isInternal,
            exportFilters: settings.filters)
        if var deferral = restartDeferral {
            // RFC 4724 §4.1: nothing goes out until the deferral ends; the peer joins its group then.
            deferredPeers[settings.name] = key
            out.append(.log(.info, "initial table and End-of-RIB deferred: we are restarting (RFC 4724 §4.1)", peer: settings.name))
            let ended = deferral.sessionUp(settings.name, negotiated: negotiated)
            restartDeferral = deferral
            if ended { out += endRestartDeferral("every expected peer sent End-of-RIB") }
            return out
        }
        return out + joinUpdateGroup(settings.name, key: key)
    }

    /// Adds the peer to its update group and sends it the group's table and End-of-RIB.
    private mutating func joinUpdateGroup(_ name: String, key: UpdateGroupKey) -> [Output] {
        switch generator.addPeer(name, key: key) {
        case .newGroup(let id):
            let table = generator.initialDump(group: id, from: locRIB)
            return [
                .send(peers: [name], bytes: table),
                .log(.info, "initial table sent to a new update group (\(key))", peer: name),
            ]
        case .existingGroup(let id, let table):
            return [.send(peers: [name], bytes: table), .log(.debug, "joined update group \(id) (\(key))", peer: name)]
        }
    }

    // MARK: Restarting speaker (RFC 4724 §4.1)

    /// Whether UPDATEs and End-of-RIB are held back because we are restarting (`beginRestartDeferral`).
    public var isDeferringAdvertisement: Bool { restartDeferral != nil }

    /// We restarted with our forwarding state kept: hold back every UPDATE and End-of-RIB until each expected
    /// peer sent End-of-RIB or `time` (default `configuration.selectionDeferralTime`) passed (RFC 4724 §4.1).
    /// Returns the deadline, at which the caller calls `restartDeferralTimerFired(now:)`. Call before any session
    /// is up.
    public mutating func beginRestartDeferral(now: Duration, time: Duration? = nil) -> Duration {
        let deferral = RestartDeferral(now: now, time: time ?? configuration.selectionDeferralTime)
        restartDeferral = deferral
        return deferral.deadline
    }

    /// The configured peers the deferral waits for (those we offer graceful restart; dynamic neighbors excluded).
    public mutating func expectEndOfRIB(from names: Set<String>) -> [Output] {
        guard var deferral = restartDeferral else { return [] }
        let ended = deferral.expect(names)
        restartDeferral = deferral
        return ended ? endRestartDeferral("no peer left to wait for") : []
    }

    /// When `restartDeferralTimerFired(now:)` is next due; `nil` when not deferring.
    public var restartDeferralDeadline: Duration? { restartDeferral?.nextDeadline }

    /// A deferral deadline passed: peers that never came up stop being waited for (`RestartDeferral.peerWaitTime`),
    /// or the Selection_Deferral_Timer fired (RFC 4724 §4.1 (b)).
    public mutating func restartDeferralTimerFired(now: Duration) -> [Output] {
        guard var deferral = restartDeferral else { return [] }
        let waitingBefore = deferral.awaiting.sorted().joined(separator: ", ")
        let (ended, notUp) = deferral.timerFired(now: now)
        restartDeferral = deferral
        var out: [Output] = []
        if !notUp.isEmpty {
            out.append(.log(
                .warning, "restart: no longer waiting for End-of-RIB from peers whose session is not up: \(notUp.joined(separator: ", "))",
                peer: nil))
        }
        guard ended else { return out }
        if notUp.isEmpty, now >= deferral.deadline {
            return out + endRestartDeferral(
                "selection deferral timer expired" + (waitingBefore.isEmpty ? "" : ", no End-of-RIB from \(waitingBefore)"))
        }
        return out + endRestartDeferral("every expected peer that is up sent End-of-RIB")
    }

    /// Sends every deferred peer its table and End-of-RIB, in name order; from now on changes go out as they happen.
    private mutating func endRestartDeferral(_ why: String) -> [Output] {
        restartDeferral = nil
        var out: [Output] = [.log(.info, "restart: advertisement resumes (\(why)) (RFC 4724 §4.1)", peer: nil)]
        let deferred = deferredPeers
        deferredPeers = [:]
        for name in deferred.keys.sorted() where peers[name] != nil {
            out += joinUpdateGroup(name, key: deferred[name]!)
        }
        return out
    }

    /// The session went down: its paths leave the Loc-RIB (RFC 4271 §9.1.3 via the §8 FSM "delete all routes"),
    /// unless `reason` lets a graceful restart keep them (RFC 4724 §4.2, `GracefulRestartHelper`).
    public mutating func peerDown(_ name: String, reason: DownReason? = nil, now: Duration = .zero) -> [Output] {
        guard let state = peers.removeValue(forKey: name) else { return [] }
        generator.removePeer(name)
        deferredPeers[name] = nil
        if let reason, let out = gracefulRestartSessionDown(name, state: state, reason: reason, now: now) {
            return out
        }
        gracefulRestart.forget(name)
        return removeAllPaths(of: name) { held in held > 0 ? "session down: \(held) paths removed" : nil }
    }

    // MARK: Messages

    /// One UPDATE from an Established peer, with the decoder's RFC 7606 findings (the session layer already reset
    /// the session for anything worse than treat-as-withdraw).
    public mutating func received(_ update: UpdateMessage, errors: [UpdateError] = [], from name: String) -> [Output] {
        // Taken out of the dictionary so its Adj-RIB-In is mutated in place, not copied.
        guard var peer = peers.removeValue(forKey: name) else { return [] }
        var out: [Output] = []
        // RFC 4760 §7: NLRI of a family that was not negotiated are ignored (as BIRD and FRR do), with a log line.
        var update = update
        let families = peer.negotiated.families
        if let reach = update.attributes.mpReach, !families.contains(reach.family) {
            out.append(.log(.warning, "ignored MP_REACH_NLRI for \(reach.family), not negotiated (RFC 4760 §7)", peer: name))
            update.attributes.mpReach = nil
        }
        if let unreach = update.attributes.mpUnreach, !unreach.withdrawn.isEmpty, !families.contains(unreach.family) {
            out.append(.log(.warning, "ignored MP_UNREACH_NLRI for \(unreach.family), not negotiated (RFC 4760 §7)", peer: name))
            update.attributes.mpUnreach = nil
        }
        if !families.contains(.ipv4Unicast), !update.announced.isEmpty || !update.withdrawn.isEmpty {
            out.append(.log(.warning, "ignored IPv4 NLRI: IPv4 unicast not negotiated (RFC 4760 §7)", peer: name))
            update.announced = []
            update.withdrawn = []
        }
        let policy = peer.importPolicy
        let source = peer.source
        var rejected: [String: Int] = [:]
        var cache: (input: AttributeSet, result: AttributeSet?, reason: String?)?
        var table = attributes
        attributes = AttributeSetTable()  // moved out so the closure below does not overlap access to self
        var filtered = peer.filtered
        if !filtered.isEmpty {
            for nlri in update.withdrawn + (update.attributes.mpUnreach?.withdrawn ?? []) {
                filtered.remove(AdjRIBIn.Key(prefix: nlri.prefix, pathID: nlri.pathID ?? 0))
            }
        }
        let ownAddresses = [configuration.routerID, peer.target.localIPv4, peer.target.localIPv6].compactMap { $0 }
        var lastGoodNextHop: IPAddress?
        let resolver = configuration.nextHopResolver
        var cost: UInt32? = 0
        let changes = peer.ribIn.apply(
            update, errors: errors, negotiated: peer.negotiated, source: source, table: &table
        ) { path in
            let key = AdjRIBIn.Key(prefix: path.prefix, pathID: path.pathID)
            var result: AttributeSet?
            var reason: String?
            // The next hop is checked outside the per-attribute-set cache: one UPDATE can carry IPv4 NLRI with
            // NEXT_HOP and MP_REACH_NLRI with another next hop under the same attributes.
            if path.nextHop != lastGoodNextHop {
                if let problem = ImportPolicy.nextHopProblem(path.nextHop, ours: ownAddresses) {
                    rejected[problem, default: 0] += 1
                    filtered.insert(key)
                    return nil
                }
                lastGoodNextHop = path.nextHop
                if let resolver { cost = resolver.cost(to: path.nextHop) }
            }
            if policy.prefixIndependent, let cache, cache.input === path.attributes {
                result = cache.result
                reason = cache.reason
            } else {
                let (outcome, _) = policy.evaluate(path.attributes.attributes, prefix: path.prefix, source: source)
                switch outcome {
                case .accept(nil): result = path.attributes
                case .accept(let changed?): result = AttributeSet(changed)
                case .reject(let why): reason = why
                }
                cache = (path.attributes, result, reason)
            }
            guard let result else {
                rejected[reason ?? "rejected", default: 0] += 1
                filtered.insert(key)
                return nil
            }
            if !filtered.isEmpty { filtered.remove(key) }
            if result === path.attributes && cost == 0 { return path }
            var accepted = path
            accepted.attributes = result
            accepted.igpMetric = cost
            return accepted
        }
        attributes = table
        peer.filtered = filtered
        for (reason, count) in rejected.sorted(by: { $0.key < $1.key }) {
            out.append(.log(.info, "import rejected \(count) path(s): \(reason)", peer: name))
        }
        for error in errors where error.action == .treatAsWithdraw {
            out.append(.log(.warning, "UPDATE treated as withdraw (RFC 7606): \(error.reason)", peer: name))
        }

        // RFC 7313 §4: what a peer re-advertises during an enhanced route refresh is no longer stale.
        if !peer.refreshing.isEmpty {
            for change in changes {
                if case .announced(let path) = change {
                    let family: AddressFamily = path.prefix.family == .ipv4 ? .ipv4Unicast : .ipv6Unicast
                    peer.refreshing[family]?.remove(AdjRIBIn.Key(prefix: path.prefix, pathID: path.pathID))
                }
            }
        }
        var routeChanges = locRIB.updateCompact(contentsOf: changes, source: name)
        withdrawalsSinceCollection += changes.count - routeChanges.count
        // The peer's accepted paths are the Loc-RIB's paths from it.
        let imported = locRIB.pathCount(from: name)
        // `apply` reports End-of-RIB as the only change of its message: no scan of every change (~1,000 per UPDATE).
        if changes.count == 1, case .endOfRIB(let family) = changes[0], !peer.endOfRIBReceived.contains(family) {
            peer.endOfRIBReceived.insert(family)
            out.append(.log(.info, "End-of-RIB received for \(family): \(imported) paths", peer: name))
            // RFC 4724 §4.2: after End-of-RIB the paths still stale in the family go.
            if gracefulRestart.endOfRIB(name, family: family), let ipFamily = family.ipFamily {
                let swept = locRIB.sweepStaleCompact(from: name, family: ipFamily)
                withdrawalsSinceCollection += swept.count
                routeChanges += swept
                out.append(.log(.info, "graceful restart: End-of-RIB for \(family), stale paths swept", peer: name))
            }
        }

        // RFC 4486 §4 Maximum Number of Prefixes Reached: end the session rather than hold more than configured.
        if let limit = peer.settings.maximumPrefixes, imported > limit {
            let family: AddressFamily =
                (update.announced.isEmpty ? update.attributes.mpReach?.family : .ipv4Unicast) ?? .ipv4Unicast
            out.append(.log(.warning, "maximum prefixes exceeded: \(imported) > \(limit); closing with Cease 1", peer: name))
            out.append(.reset(peer: name, notification: .maximumPrefixesReached(family: family, limit: UInt32(clamping: limit))))
        }
        peers[name] = peer
        out += advertise(routeChanges)
        if var deferral = restartDeferral, hasReceivedEndOfRIB(from: name) {
            let ended = deferral.endOfRIB(from: name)
            restartDeferral = deferral
            if ended { out += endRestartDeferral("every expected peer sent End-of-RIB") }
        }
        // After a large withdrawal (a peer withdrawing a full table keeps its session) the unused attribute sets go.
        collectIfNeeded()
        return out
    }

    /// A ROUTE-REFRESH from a peer: a request (RFC 2918 §4) re-sends the family's Adj-RIB-Out; BoRR/EoRR (RFC 7313 §4)
    /// bracket the peer's own re-advertisement, after which what it did not re-advertise is removed.
    public mutating func routeRefresh(_ message: RouteRefreshMessage, from name: String) -> [Output] {
        guard var peer = peers[name] else { return [] }
        switch message.subtype {
        case RouteRefreshMessage.request:
            guard let id = generator.group(of: name) else { return [] }
            let bytes = generator.routeRefresh(
                group: id, family: message.family, enhanced: peer.negotiated.enhancedRouteRefresh)
            return [
                .log(.info, "route refresh requested for \(message.family)", peer: name),
                .send(peers: [name], bytes: bytes),
            ]
        case RouteRefreshMessage.beginningOfRouteRefresh:
            guard let family = message.family.ipFamily else { return [] }
            peer.refreshing[message.family] = Set(locRIB.keys(from: name, family: family))
            peers[name] = peer
            return []
        case RouteRefreshMessage.endOfRouteRefresh:
            guard let stale = peer.refreshing.removeValue(forKey: message.family) else { return [] }
            var changes: [AdjRIBInChange] = []
            for key in stale.sorted() {
                if let change = peer.ribIn.remove(key) { changes.append(change) }
            }
            peers[name] = peer
            let held = locRIB.pathCount(from: name)
            let routeChanges = locRIB.updateCompact(contentsOf: changes, source: name)
            let removed = held - locRIB.pathCount(from: name)
            var out: [Output] = []
            if removed > 0 {
                out.append(.log(.info, "enhanced route refresh: \(removed) stale paths removed", peer: name))
            }
            return out + advertise(routeChanges)
        default:
            // RFC 7313 §5: other subtypes are ignored.
            return []
        }
    }

    // MARK: Graceful restart (RFC 4724 §4.2, RFC 9494 §4.2)

    /// The restart, stale-path or long-lived stale timer of `name` fired: its paths still stale go (RFC 4724 §4.2,
    /// RFC 9494 §4.2), or, when its restart time ended and a long-lived stale time follows, they become long-lived
    /// stale.
    public mutating func gracefulRestartTimerFired(peer name: String, now: Duration) -> [Output] {
        let plan = gracefulRestart.timerFired(name, now: now)
        guard !plan.sweep.isEmpty || !plan.longLived.isEmpty else { return [] }
        let held = locRIB.pathCount(from: name)
        let stale = locRIB.stalePathCount(from: name)
        var changes = sweepStale(name, families: plan.sweep)
        let swept = stale - locRIB.stalePathCount(from: name)
        var messages: [String] = []
        if swept > 0 || plan.longLived.isEmpty { messages.append("graceful restart: timer expired, \(swept) stale paths removed") }
        if !plan.longLived.isEmpty {
            let before = locRIB.pathCount(from: name)
            changes += enterLongLivedStale(name, families: plan.longLived)
            messages.append(
                longLivedMessage(name, families: plan.longLived, removed: before - locRIB.pathCount(from: name), now: now))
        }
        var out = withdrawn(
            changes, count: held - locRIB.pathCount(from: name), peer: name, messages.joined(separator: "; "))
        if let deadline = gracefulRestart.restarts[name]?.nextDeadline {
            out.append(.gracefulRestartTimer(peer: name, deadline: deadline))
        }
        return out
    }

    /// The peer is no longer configured: the paths kept for its restart go now (it will not come back to refresh
    /// them). Nothing happens for a peer that is up or not restarting.
    public mutating func peerRemoved(_ name: String) -> [Output] {
        guard peers[name] == nil, gracefulRestart.restarts[name] != nil else { return [] }
        gracefulRestart.forget(name)
        return removeAllPaths(of: name) { held in "graceful restart: peer removed, \(held) stale paths removed" }
    }

    /// Every path of `name` leaves the Loc-RIB (session down, restart given up, peer removed).
    private mutating func removeAllPaths(of name: String, log message: (Int) -> String?) -> [Output] {
        let held = locRIB.pathCount(from: name)
        let changes = locRIB.removeAllCompact(from: name)
        return withdrawn(changes, count: held, peer: name, message(held))
    }

    /// Advertises the withdrawals of `count` paths, collects unused attribute sets when enough went, and logs.
    private mutating func withdrawn(
        _ changes: [LocRIB.Change], count: Int, peer name: String, _ message: String?
    ) -> [Output] {
        withdrawalsSinceCollection += count
        var out = advertise(changes)
        collectIfNeeded()
        if let message { out.append(.log(.info, message, peer: name)) }
        return out
    }

    /// Keeps the paths of a session that ended for a reason graceful restart covers; nil when it does not.
    private mutating func gracefulRestartSessionDown(
        _ name: String, state: PeerState, reason: DownReason, now: Duration
    ) -> [Output]? {
        let negotiated = state.negotiated
        // RFC 4724 §3: the peer's Restart Time (0 gives no time to come back); RFC 9494 §4.2: its long-lived stale
        // times, applied after it (or at once when it is 0).
        let restartTime = Int(negotiated.peerGracefulRestart?.restartTime ?? 0)
        let plan = gracefulRestart.sessionDown(
            name, families: GracefulRestartHelper.retainedFamilies(after: reason, negotiated: negotiated),
            restartTime: .seconds(restartTime),
            longLivedStaleTimes: GracefulRestartHelper.longLivedStaleTimes(after: reason, negotiated: negotiated),
            now: now)
        guard !plan.kept.isEmpty, let restart = gracefulRestart.restarts[name] else { return nil }
        var changes: [LocRIB.Change] = []
        for family in [IPAddress.Family.ipv4, .ipv6] {
            if !Self.includes(plan.kept, family) {
                changes += locRIB.removeAllCompact(from: name, family: family)
            } else if Self.includes(plan.sweep, family) {
                // RFC 4724 §4.2: "a route (from the peer) previously marked as stale MUST be deleted".
                changes += locRIB.sweepStaleCompact(from: name, family: family)
            }
        }
        // Marked in a second pass: a prefix changes at most once per pass.
        var marked = locRIB.markStaleCompact(from: name)
        // Only the flag changed: the best path and next hops are the same, nothing to send or install.
        // (One `let` per comparison: the single expression crashed swift-frontend 6.3.1 -O in CopyPropagation.)
        marked.removeAll { change in
            let sameAttributes = change.best?.attributes === change.previous?.attributes
            let sameHop = change.best?.hop == change.previous?.hop
            let sameSource = change.best?.source == change.previous?.source
            return sameAttributes && sameHop && change.more.isEmpty && sameSource
        }
        changes += marked
        var messages: [String] = []
        if !restart.families.isEmpty {
            messages.append(
                "graceful restart: \(locRIB.pathCount(from: name)) paths kept stale for \(restartTime) s "
                    + "(\(restart.families.sorted().map(\.description).joined(separator: ",")))")
        }
        if !plan.longLived.isEmpty {
            let before = locRIB.pathCount(from: name)
            changes += enterLongLivedStale(name, families: plan.longLived)
            messages.append(
                longLivedMessage(name, families: plan.longLived, removed: before - locRIB.pathCount(from: name), now: now))
        }
        var out = advertise(changes)
        collectIfNeeded()
        out.append(.log(.info, messages.joined(separator: "; "), peer: name))
        if let deadline = gracefulRestart.restarts[name]?.nextDeadline {
            out.append(.gracefulRestartTimer(peer: name, deadline: deadline))
        }
        return out
    }

    /// The session of a restarting peer is back: families it no longer preserves are flushed (RFC 4724 §4.2,
    /// RFC 9494 §3.1), the rest wait for End-of-RIB under the stale-path timer or their long-lived one.
    private mutating func gracefulRestartSessionUp(
        _ name: String, negotiated: NegotiatedSession, now: Duration
    ) -> [Output] {
        guard gracefulRestart.restarts[name] != nil else { return [] }
        let flush = gracefulRestart.sessionUp(
            name, capability: negotiated.peerGracefulRestart,
            longLivedCapability: negotiated.peerLongLivedGracefulRestart, families: negotiated.families, now: now)
        var out: [Output] = []
        if !flush.isEmpty {
            let held = locRIB.stalePathCount(from: name)
            out += advertise(sweepStale(name, families: flush))
            let removed = held - locRIB.stalePathCount(from: name)
            withdrawalsSinceCollection += removed
            out.append(.log(
                .info,
                "graceful restart: \(removed) stale paths flushed, forwarding state not preserved for "
                    + flush.sorted().map(\.description).joined(separator: ","), peer: name))
        }
        if let deadline = gracefulRestart.restarts[name]?.nextDeadline {
            out.append(.gracefulRestartTimer(peer: name, deadline: deadline))
        }
        return out
    }

    /// RFC 9494 §4.2: the paths of `name` in `families` become long-lived stale: "attach the LLGR_STALE community"
    /// (which ranks them last, §4.3, and limits where they are advertised, `ExportRules`) and "routes marked with
    /// the NO_LLGR community ... MUST be removed".
    private mutating func enterLongLivedStale(_ name: String, families: Set<AddressFamily>) -> [LocRIB.Change] {
        var table = attributes
        attributes = AttributeSetTable()  // moved out so the closure below does not overlap access to self
        // One new set per distinct old set (a table shares ~1,000 sets over all its prefixes).
        var replaced: [ObjectIdentifier: AttributeSet?] = [:]
        var changes: [LocRIB.Change] = []
        for family in [IPAddress.Family.ipv4, .ipv6] where Self.includes(families, family) {
            changes += locRIB.markLongLivedStaleCompact(from: name, family: family) { set in
                if let known = replaced[ObjectIdentifier(set)] { return known }
                var result: AttributeSet? = set
                let communities = set.attributes.communities ?? []
                if communities.contains(.noLLGR) {
                    result = nil
                } else if !set.isLongLivedStale {
                    var attributes = set.attributes
                    attributes.communities = communities + [.llgrStale]
                    result = table.intern(attributes)
                }
                replaced[ObjectIdentifier(set)] = result
                return result
            }
        }
        attributes = table
        return changes
    }

    private func longLivedMessage(_ name: String, families: Set<AddressFamily>, removed: Int, now: Duration) -> String {
        let deadlines = families.sorted().compactMap { family in
            gracefulRestart.restarts[name]?.longLived[family].map { "\(family) for \(($0 - now).components.seconds) s" }
        }
        return "long-lived graceful restart: paths of \(deadlines.joined(separator: ", ")) kept with LLGR_STALE, "
            + "least preferred; \(removed) paths with NO_LLGR removed"
    }

    /// Whether `families` has the unicast family of `family` (the Loc-RIB holds unicast routes only).
    private static func includes(_ families: Set<AddressFamily>, _ family: IPAddress.Family) -> Bool {
        families.contains { $0.ipFamily == family && $0.safi == .unicast }
    }

    /// Removes the stale paths of `name` in `families` (unicast IPv4/IPv6).
    private mutating func sweepStale(_ name: String, families: Set<AddressFamily>) -> [LocRIB.Change] {
        var changes: [LocRIB.Change] = []
        for family in [IPAddress.Family.ipv4, .ipv6] where families.contains(where: { $0.ipFamily == family }) {
            changes += locRIB.sweepStaleCompact(from: name, family: family)
        }
        return changes
    }

    // MARK: Local origination and policy

    /// Replaces the set of locally originated prefixes (the node's blocks, service ranges).
    public mutating func setOriginated(_ originations: [Origination]) -> [Output] {
        let wanted = Dictionary(originations.map { ($0.prefix, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [LocRIB.Change] = []
        for prefix in originated.keys.sorted() where wanted[prefix] == nil {
            if let change = locRIB.withdrawCompact(prefix: prefix, source: localSource.name) { changes.append(change) }
        }
        // A new reason alone changes nothing on the wire.
        for prefix in wanted.keys.sorted() where originated[prefix]?.withoutReason != wanted[prefix]?.withoutReason {
            if let change = locRIB.updateCompact(originatedPath(wanted[prefix]!)) { changes.append(change) }
        }
        originated = wanted
        // Before advertising: the changed paths are exported under the new exemptions.
        var exemptions: [IPPrefix: String] = [:]
        for (prefix, origination) in wanted { if let why = origination.scopeExemption { exemptions[prefix] = why } }
        if exemptions != configuration.exportPolicy.scopeExemptions {
            configuration.exportPolicy.scopeExemptions = exemptions
            generator.policy.scopeExemptions = exemptions
        }
        return advertise(changes)
    }

    /// The prefixes originated here.
    public var originatedPrefixes: [IPPrefix] { originated.keys.sorted() }

    /// The origination of `prefix`, if this node originates it.
    public func origination(for prefix: IPPrefix) -> Origination? { originated[prefix] }

    /// Changes the node-wide export policy (a reload changed the pools or communities) and re-exports.
    public mutating func setExportPolicy(_ policy: ExportPolicy) -> [Output] {
        // The exemptions come with the originations, not with the policy.
        var policy = policy
        policy.scopeExemptions = configuration.exportPolicy.scopeExemptions
        configuration.exportPolicy = policy
        generator.policy = policy
        var out: [Output] = []
        for (id, bytes) in generator.reexport(from: locRIB).sorted(by: { $0.key < $1.key }) {
            out.append(.send(peers: generator.groups[id]!.peers.sorted(), bytes: bytes))
        }
        return out
    }

    private func originatedPath(_ origination: Origination) -> Path {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.asPath = ASPath()
        if !origination.communities.isEmpty { attributes.communities = origination.communities }
        attributes.localPreference = origination.localPreference
        var table = AttributeSetTable()
        let nextHop =
            origination.prefix.family == .ipv4
            ? configuration.routerID : (configuration.localIPv6 ?? IPAddress(ipv6High: 0, low: 0))
        return Path(prefix: origination.prefix, source: localSource, attributes: table.intern(attributes), nextHop: nextHop)
    }

    // MARK: Advertisement

    private mutating func advertise(_ changes: [LocRIB.Change]) -> [Output] {
        guard !changes.isEmpty else { return [] }
        // Summed per source index first (a batch has few distinct sources), then per name: no String and no
        // PeerState access per prefix. Sources with one name (a session that came back) net out.
        var preferred: [(source: UInt32, delta: Int)] = []
        func add(_ source: UInt32, _ delta: Int) {
            if let i = preferred.lastIndex(where: { $0.source == source }) {
                preferred[i].delta += delta
            } else {
                preferred.append((source, delta))
            }
        }
        for index in changes.indices {
            let before = changes[index].previous?.source
            let after = changes[index].best?.source
            guard before != after else { continue }
            if let before { add(before, -1) }
            if let after { add(after, 1) }
        }
        var byName: [(name: String, delta: Int)] = []
        for (source, delta) in preferred where delta != 0 {
            let name = locRIB.sourceName(source)
            if let i = byName.firstIndex(where: { $0.name == name }) { byName[i].delta += delta } else { byName.append((name, delta)) }
        }
        for (name, delta) in byName where delta != 0 { peers[name]?.preferred += delta }
        var out: [Output] = []
        let context = locRIB.changeContext
        for (id, bytes) in generator.routesChanged(changes, in: context).sorted(by: { $0.key < $1.key }) {
            out.append(.send(peers: generator.groups[id]!.peers.sorted(), bytes: bytes))
        }
        out.append(.routesChanged(RouteChanges(changes, context: context)))
        return out
    }

    /// Drops attribute sets nothing refers to after many withdrawals.
    private mutating func collectIfNeeded() {
        guard withdrawalsSinceCollection > 100_000 || (locRIB.prefixCount == 0 && withdrawalsSinceCollection > 0)
        else { return }
        withdrawalsSinceCollection = 0
        attributes.collectUnused()
        generator.collectUnused()
    }

    // MARK: Look-ups (show route, show protocols)

    public func counts(for name: String) -> PeerCounts? {
        guard let peer = peers[name] else { return nil }
        let exported = generator.group(of: name).map { generator.groups[$0]!.ribOut.prefixCount } ?? 0
        return PeerCounts(
            imported: locRIB.pathCount(from: name), filtered: peer.filtered.count, exported: exported, preferred: peer.preferred)
    }

    /// Paths the peer sent: pre-policy when kept, else post-policy.
    public func receivedPaths(from name: String) -> [Path]? {
        guard let peer = peers[name] else { return nil }
        // The accepted paths are the Loc-RIB's (as the Adj-RIB-In held them: not stale, no IGP metric).
        let accepted = locRIB.paths(from: name).map { path in
            var path = path
            path.stale = false
            path.igpMetric = 0
            return path
        }
        guard peer.ribIn.keepPrePolicy else { return accepted }
        // What the peer sent: the pre-policy copy where policy rejected or changed a path, else the accepted path.
        var all = peer.ribIn.prePolicyCopies
        for path in accepted where !peer.ribIn.hasPrePolicyCopy(AdjRIBIn.Key(prefix: path.prefix, pathID: path.pathID)) {
            all.append(path)
        }
        return all.sorted { ($0.prefix, $0.pathID) < ($1.prefix, $1.pathID) }
    }

    /// Whether import policy accepted a received path, and why.
    public func explainImport(_ path: Path, from name: String) -> (accepted: Bool, reason: String)? {
        guard let peer = peers[name] else { return nil }
        let (outcome, reason) = peer.importPolicy.evaluate(path.attributes.attributes, prefix: path.prefix, source: peer.source)
        if case .reject = outcome { return (false, reason) }
        return (true, reason)
    }

    /// What the peer's update group advertises (its Adj-RIB-Out), per prefix.
    public func advertisedRoutes(to name: String) -> [(prefix: IPPrefix, paths: [AdvertisedPath])]? {
        guard let id = generator.group(of: name), let group = generator.groups[id] else { return nil }
        return group.ribOut.routes(family: .ipv4) + group.ribOut.routes(family: .ipv6)
    }

    /// Whether the selected `path` is advertised to the peer, and why.
    public func explainExport(_ path: Path, to name: String) -> (advertised: Bool, reason: String)? {
        guard let id = generator.group(of: name) else { return nil }
        return generator.explainExport(path, group: id)
    }

    /// The update groups: key, members and advertised prefix count.
    public var updateGroups: [(key: String, peers: [String], advertised: Int)] {
        generator.groups.keys.sorted().map { id in
            let group = generator.groups[id]!
            return ("\(group.key)", group.peers.sorted(), group.ribOut.prefixCount)
        }
    }
}
