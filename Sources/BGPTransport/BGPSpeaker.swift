// SPDX-License-Identifier: Apache-2.0
// The speaker: one actor that owns every peer's state machine and performs their actions — outgoing connects,
// accepting or refusing incoming connections, encoding and queueing messages, timers — in the order the state
// machines return them. Decoding happens on each connection's own task; only decoded values reach the actor.

import BGPCore
import BGPWire
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

public actor BGPSpeaker: BGPConnectionDelegate {
    struct Peer {
        var definition: PeerDefinition
        var fsm: PeerStateMachine
        var messagesIn: [MessageType: Int] = [:]
        var messagesOut: [MessageType: Int] = [:]
        var prefixesReceived = 0
        var lastNotificationSent: (BGPNotification, Double)?
        var lastNotificationReceived: (BGPNotification, Double)?
    }

    struct TimerKey: Hashable {
        var peer: String
        var timer: PeerTimer
    }

    /// RIBs, decision process and update groups (RFC 4271 §9); fed by `perform` and answering `routing(_:)`.
    private var engine: RouteEngine
    /// UPDATE bytes produced by the routing engine and not yet queued, per peer, with the connection they are for.
    /// Everything the engine produces while the actor works through a burst of received messages goes out as one
    /// write per peer instead of one per received UPDATE (a reflector with 200 clients would otherwise make 200
    /// writes per received route).
    private var pendingUpdates: [String: (connection: ConnectionID, bytes: ByteBuffer)] = [:]
    private var flushScheduled = false
    /// Receives every Loc-RIB change (the kernel adapter).
    private var routeObserver: (@Sendable ([RouteChange]) -> Void)?
    /// Whether `apply` has been called once: before that, no peer list means "not read yet", not "no peers".
    private var peersConfigured = false
    private let group: any EventLoopGroup
    private let logger: Logger
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    private let startWall: Double
    private var peers: [String: Peer] = [:]
    /// Address ranges sessions are accepted from without a configured peer (dynamic neighbors).
    private var dynamicRanges: [DynamicNeighborDefinition] = []
    /// Peers created from `dynamicRanges`; they are deleted when their session ends.
    private var dynamicPeers: Set<String> = []
    private var peerByAddress: [IPAddress: String] = [:]
    private var connections: [ConnectionID: (peer: String, handle: BGPConnectionHandle)] = [:]
    /// Octets queued per connection and not yet written. Producers (the Adj-RIB-Out) check `canSend` before
    /// generating more; a queue past the hard limit means the peer stopped reading, and the session ends.
    private var queuedBytes: [ConnectionID: Int] = [:]
    public static let maximumQueuedBytes = 64 << 20
    /// Above this, `canSend` is false: producers pause until the queue drains below it.
    public static let queueHighWater = 4 << 20
    private var pendingConnects: [ConnectionID: (peer: String, task: Task<Void, Never>)] = [:]
    /// One sleeping task per armed timer, and the deadline the state machine last asked for. Re-arming to a later
    /// deadline (every KEEPALIVE received moves Hold; every write moves RFC 9687 SendHold) only updates
    /// `timerDeadlines`: the task wakes at its original time and sleeps again. Replacing the task each time would
    /// leave a cancelled sleep pending until its own deadline — with SendHold's 8 minutes, memory grew by every
    /// message sent.
    private var timers: [TimerKey: (task: Task<Void, Never>, wakesAt: Duration)] = [:]
    /// The graceful restart (RFC 4724 §4.2 restart or stale-path) timer per peer the routing engine asked for.
    private var restartTimers: [String: Task<Void, Never>] = [:]
    /// We restarted with our forwarding state kept (`swiftletd --graceful-restart`): the OPEN of each peer's first
    /// session after the start carries the Restart State bit (RFC 4724 §4.1).
    private var restarting = false
    /// The Selection_Deferral_Timer of our own restart (RFC 4724 §4.1), while it runs.
    private var deferralTimer: Task<Void, Never>?
    private var timerDeadlines: [TimerKey: Duration] = [:]
    /// The span each HoldTimer was last armed with (its hold time), for `HoldTimerCheck` when it fires.
    private var holdTimes: [TimerKey: Duration] = [:]
    private var listeners: [NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>] = []
    private var listenerTasks: [Task<Void, Never>] = []
    /// Incoming connections are numbered apart from each peer's own outgoing numbering.
    private var nextIncoming: UInt64 = 1 << 62
    /// Each peer (re)created gets its own range of 2^32 outgoing connection numbers.
    private var nextPeerRange: UInt64 = 1

    public init(group: any EventLoopGroup, logger: Logger, routing: RouteEngine.Configuration) {
        self.engine = RouteEngine(configuration: routing)
        self.group = group
        self.logger = logger
        self.startInstant = clock.now
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.startWall = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private var now: Duration { clock.now - startInstant }

    private func wallTime(_ offset: Duration) -> Double {
        startWall + Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18
    }

    // MARK: Configuration

    /// Applies a peer set: new peers start, removed peers stop with Cease 3 (RFC 4486 Peer De-configured), and
    /// peers whose session parameters changed restart with Cease 6 (Other Configuration Change). Unchanged peers
    /// are not touched.
    public func apply(_ definitions: [PeerDefinition]) async {
        peersConfigured = true
        let wanted = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, peer) in peers where wanted[name] == nil && !dynamicPeers.contains(name) {
            logger.info("peer removed", metadata: ["peer": "\(name)", "address": "\(peer.definition.address)"])
            let actions = peers[name]!.fsm.stop(.peerDeconfigured, now: now)
            perform(actions, for: name)
            performRouting(engine.peerRemoved(name))
            // Only a key we set can be cleared: the kernel answers ENOENT for an address that never had one.
            if peer.definition.socketOptions.password != nil { await setMD5(for: peer.definition, key: "") }
            peerByAddress[peer.definition.address] = nil
            peers[name] = nil
        }
        for definition in definitions {
            if let existing = peers[definition.name] {
                guard existing.definition != definition else { continue }
                logger.info("peer reconfigured; restarting its session", metadata: peerMetadata(definition.name))
                let actions = peers[definition.name]!.fsm.stop(.otherConfigurationChange, now: now)
                perform(actions, for: definition.name)
                peers[definition.name] = nil
                peerByAddress[existing.definition.address] = nil
            }
            let fsm = PeerStateMachine(configuration: sessionConfiguration(definition), firstConnectionID: nextPeerRange << 32)
            nextPeerRange += 1
            peers[definition.name] = Peer(definition: definition, fsm: fsm)
            peerByAddress[definition.address] = definition.name
            if let password = definition.socketOptions.password { await setMD5(for: definition, key: password) }
            let actions = peers[definition.name]!.fsm.start(now: now)
            perform(actions, for: definition.name)
        }
        if engine.isDeferringAdvertisement {
            // RFC 4724 §4.1: the restart waits for End-of-RIB from the configured peers we offer graceful restart.
            let expected = peers.filter { !dynamicPeers.contains($0.key) && $0.value.definition.session.gracefulRestart != nil }
            performRouting(engine.expectEndOfRIB(from: Set(expected.keys)))
        }
        await setListenerTTLs()
    }

    /// Sets the Restart State bit (RFC 4724 §4.1) in the OPENs of peers created from now on until their first
    /// session is Established; call before `apply` on a start that kept its forwarding state. UPDATEs and
    /// End-of-RIB are held back until every configured graceful-restart peer sent End-of-RIB or
    /// `selectionDeferralTime` (default: the routing configuration's) passed (RFC 4724 §4.1, `RestartDeferral`).
    public func startRestarting(selectionDeferralTime: Duration? = nil) {
        restarting = true
        _ = engine.beginRestartDeferral(now: now, time: selectionDeferralTime)
        armRestartDeferralTimer()
    }

    /// Sleeps until the deferral's next deadline (peers not up, then the Selection_Deferral_Timer).
    private func armRestartDeferralTimer() {
        deferralTimer?.cancel()
        deferralTimer = nil
        guard let deadline = engine.restartDeferralDeadline else { return }
        let instant = startInstant.advanced(by: deadline)
        deferralTimer = Task {
            do { try await Task.sleep(until: instant, clock: ContinuousClock()) } catch { return }
            await self.restartDeferralTimerFired()
        }
    }

    private func restartDeferralTimerFired() {
        deferralTimer = nil
        performRouting(engine.restartDeferralTimerFired(now: now))
        armRestartDeferralTimer()
    }

    /// The session configuration a new peer starts with: the Restart State bit while we are restarting.
    private func sessionConfiguration(_ definition: PeerDefinition) -> SessionConfiguration {
        var session = definition.session
        if restarting, let capability = session.gracefulRestart {
            session.gracefulRestart = GracefulRestartCapability(
                flags: capability.flags | 0x8, restartTime: capability.restartTime, families: capability.families)
        }
        return session
    }

    /// Log metadata for a line about a peer: its name and address (every session line carries both).
    private func peerMetadata(_ name: String, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        metadata["peer"] = "\(name)"
        if let address = peers[name]?.definition.address { metadata["address"] = "\(address)" }
        return metadata
    }

    /// Listens for incoming sessions. With no address, on both 0.0.0.0 and :: (IPv6-only, so that IPv4 peers keep
    /// IPv4 addresses, which TCP-MD5 keys are keyed on).
    public func listen(address: IPAddress?, port: Int) async throws {
        let hosts: [String] = address.map { [$0.description] } ?? ["0.0.0.0", "::"]
        for host in hosts {
            do {
                var bootstrap = ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    // A whole cluster connects at once after a restart; NIO's default backlog of 128 drops SYNs, and
                    // each dropped one costs the peer a 1 s retransmit (bench/cluster: 800 nodes 2.5 s → 1.0 s).
                    .serverChannelOption(.backlog, value: 1024)
                    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                if host.contains(":") {
                    bootstrap = bootstrap.serverChannelOption(
                        ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(IPV6_V6ONLY)), value: 1)
                }
                let server = try await bootstrap
                    .bind(host: host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                listeners.append(server)
                logger.info("listening", metadata: ["address": "\(host)", "port": "\(port)"])
                let task = Task { await self.acceptLoop(server) }
                listenerTasks.append(task)
            } catch {
                // A host without IPv6 (or without that address) must not stop the IPv4 listener.
                if address == nil && host == "::" {
                    logger.warning("cannot listen on [::]:\(port); IPv6 peers can only be reached actively", metadata: ["error": "\(error)"])
                    continue
                }
                throw error
            }
        }
        for peer in peers.values where peer.definition.socketOptions.password != nil {
            await setMD5(for: peer.definition, key: peer.definition.socketOptions.password!)
        }
        await setListenerTTLs()
    }

    private func acceptLoop(_ server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) async {
        do {
            try await server.executeThenClose { inbound in
                for try await child in inbound { await self.accepted(child) }
            }
        } catch {
            logger.debug("listener closed", metadata: ["error": "\(error)"])
        }
    }

    private func accepted(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let remote = child.channel.remoteAddress?.bgpAddress
        guard let remote, let name = peerByAddress[remote] ?? dynamicPeer(for: remote) else {
            logger.warning("refused connection from an unconfigured address", metadata: ["remote": "\(child.channel.remoteAddress.map { "\($0)" } ?? "?")"])
            try? await child.channel.close()
            return
        }
        let id = ConnectionID(rawValue: nextIncoming)
        nextIncoming += 1
        let definition = peers[name]!.definition
        if let hops = definition.socketOptions.ttlSecurityHops {
            try? await SocketOptions.setMinimumTTL(on: child.channel, family: remote.family, hops: hops).get()
        }
        // The child inherits the listener's TTL (255 while any peer of the family uses GTSM): back to this peer's.
        let ttl = SocketOptions.outgoingTTL(definition.socketOptions) ?? -1
        try? await SocketOptions.setTTL(on: child.channel, family: remote.family, ttl: ttl).get()
        register(child, id: id, peer: name)
        logger.debug("accepted connection", metadata: peerMetadata(name, ["connection": "\(id)"]))
        let actions = peers[name]!.fsm.incomingConnection(id, now: now)
        perform(actions, for: name)
    }

    private func register(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, id: ConnectionID, peer name: String) {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let timers = ConnectionTimers(channel: channel.channel, origin: startInstant) {
            Task { await self.connectionSentKeepalive(id) }
        }
        channel.channel.pipeline.addHandler(ReceiveStamp(timers), position: .first).whenFailure { _ in }
        let handle = BGPConnectionHandle(
            id: id, remote: peers[name]!.definition.address, local: channel.channel.localAddress?.bgpAddress,
            outbound: continuation, timers: timers)
        connections[id] = (name, handle)
        let configuration = peers[name]!.definition.session
        Task {
            await BGPConnection.run(
                channel: channel, id: id, configuration: configuration, outbound: stream, timers: timers, delegate: self)
        }
    }

    // MARK: Dynamic neighbors

    /// Replaces the dynamic neighbor ranges. Sessions from addresses no longer covered end with Cease 3 (RFC 4486
    /// Peer De-configured).
    public func setDynamicNeighbors(_ ranges: [DynamicNeighborDefinition]) {
        dynamicRanges = ranges
        for name in dynamicPeers.sorted() {
            guard let peer = peers[name] else { continue }
            if let range = ranges.first(where: { $0.range.contains(peer.definition.address) }),
                range.template.session.acceptedPeerASes == peer.definition.session.acceptedPeerASes
            {
                continue
            }
            perform(peers[name]!.fsm.stop(.peerDeconfigured, now: now), for: name)
            removeDynamicPeer(name)
            performRouting(engine.peerRemoved(name))
        }
    }

    /// A passive peer for `address` from the first range that covers it (BIRD `neighbor range`), or `nil`.
    private func dynamicPeer(for address: IPAddress) -> String? {
        guard let range = dynamicRanges.first(where: { $0.range.contains(address) }) else { return nil }
        let name = "Dynamic_" + String(address.description.map { $0 == "." || $0 == ":" ? "_" : $0 })
        var definition = range.template
        definition.name = name
        definition.session.peerAddress = address
        definition.session.passive = true
        definition.routing.name = name
        let fsm = PeerStateMachine(configuration: definition.session, firstConnectionID: nextPeerRange << 32)
        nextPeerRange += 1
        peers[name] = Peer(definition: definition, fsm: fsm)
        peerByAddress[address] = name
        dynamicPeers.insert(name)
        logger.info("dynamic neighbor accepted", metadata: peerMetadata(name, ["range": "\(range.name)"]))
        perform(peers[name]!.fsm.start(now: now), for: name)
        return name
    }

    /// Deletes a dynamic peer whose session ended (it comes back when the address connects again).
    private func removeDynamicPeer(_ name: String) {
        guard dynamicPeers.contains(name), let peer = peers[name], peer.fsm.state != .established else { return }
        for key in timers.keys where key.peer == name { cancelTimer(key) }
        peerByAddress[peer.definition.address] = nil
        peers[name] = nil
        dynamicPeers.remove(name)
        logger.info("dynamic neighbor removed", metadata: ["peer": "\(name)", "address": "\(peer.definition.address)"])
    }

    // MARK: Outgoing connections

    private func startConnect(_ id: ConnectionID, peer name: String) {
        let definition = peers[name]!.definition
        let group = self.group
        let logger = self.logger
        let timeout = min(definition.session.connectRetryTime, .seconds(10))
        let task = Task {
            do {
                var bootstrap = ClientBootstrap(group: group)
                    .connectTimeout(.milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        var future = channel.eventLoop.makeSucceededVoidFuture()
                        if let password = definition.socketOptions.password {
                            future = future.flatMap { SocketOptions.setMD5(on: channel, peer: definition.address, key: password) }
                        }
                        future = future.flatMap {
                            SocketOptions.setOutgoingTTL(on: channel, family: definition.address.family, options: definition.socketOptions)
                        }
                        if let hops = definition.socketOptions.ttlSecurityHops {
                            future = future.flatMap { SocketOptions.setMinimumTTL(on: channel, family: definition.address.family, hops: hops) }
                        }
                        return future
                    }
                if let source = definition.sourceAddress { bootstrap = bootstrap.bind(to: try source.socketAddress(port: 0)) }
                let channel = try await bootstrap.connect(to: try definition.address.socketAddress(port: definition.port)) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
                await self.outgoingConnected(id, channel: channel, peer: name)
            } catch {
                var reason = "\(error)"
                if case ChannelError.connectTimeout = error, definition.socketOptions.password != nil {
                    reason += " (TCP-MD5 is configured: a key mismatch drops SYNs silently; check the password on both sides)"
                }
                logger.debug("connect failed", metadata: ["peer": "\(name)", "address": "\(definition.address)", "error": "\(reason)"])
                await self.outgoingFailed(id, peer: name, reason: reason)
            }
        }
        pendingConnects[id] = (name, task)
    }

    private func outgoingConnected(_ id: ConnectionID, channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, peer name: String) {
        pendingConnects[id] = nil
        guard peers[name] != nil else {
            channel.channel.close(promise: nil)
            return
        }
        register(channel, id: id, peer: name)
        let actions = peers[name]!.fsm.connectionUp(id, now: now)
        perform(actions, for: name)
    }

    private func outgoingFailed(_ id: ConnectionID, peer name: String, reason: String) {
        guard pendingConnects.removeValue(forKey: id) != nil, peers[name] != nil else { return }
        if reason.contains("TCP-MD5") {
            logger.warning("connect timed out; check TCP-MD5 password", metadata: peerMetadata(name))
        }
        let actions = peers[name]!.fsm.connectionFailed(id, reason: reason, now: now)
        perform(actions, for: name)
    }

    // MARK: Connection events (BGPConnectionDelegate)

    public func connection(_ id: ConnectionID, received message: DecodedMessage) {
        guard let name = connections[id]?.peer, peers[name] != nil else { return }
        peers[name]!.messagesIn[message.message.type, default: 0] += 1
        switch message.message {
        case .notification(let notification):
            peers[name]!.lastNotificationReceived = (notification, wallTime(now))
            logger.warning("NOTIFICATION received", metadata: peerMetadata(name, ["notification": "\(notification.summary)", "data": "\(notification.data.hexString)"]))
        case .update(let update):
            peers[name]!.prefixesReceived += update.announced.count + (update.attributes.mpReach?.nlri.count ?? 0)
            for error in message.updateErrors {
                logger.warning(
                    "malformed UPDATE handled per RFC 7606",
                    metadata: peerMetadata(name, [
                        "action": "\(error.action)", "reason": "\(error.reason)",
                        "notification": "\(error.notification.code.rawValue)/\(error.notification.subcode)",
                    ]))
            }
        default: break
        }
        let actions = peers[name]!.fsm.messageReceived(message, on: id, now: now)
        perform(actions, for: name)
    }

    public func connection(_ id: ConnectionID, failedToDecode notification: BGPNotification) {
        guard let name = connections[id]?.peer, peers[name] != nil else {
            connections.removeValue(forKey: id)?.handle.close()
            return
        }
        logger.warning("bad message from peer; closing with NOTIFICATION", metadata: peerMetadata(name, ["notification": "\(notification.summary)", "data": "\(notification.data.hexString)"]))
        let actions = peers[name]!.fsm.decodeFailed(notification, on: id, now: now)
        perform(actions, for: name)
        // A connection the FSM no longer tracks must still close.
        if actions.isEmpty { connections.removeValue(forKey: id)?.handle.close() }
    }

    public func connection(_ id: ConnectionID, closed reason: String) {
        queuedBytes[id] = nil
        guard let (name, _) = connections.removeValue(forKey: id), peers[name] != nil else { return }
        let actions = peers[name]!.fsm.connectionFailed(id, reason: reason, now: now)
        perform(actions, for: name)
    }

    public func connection(_ id: ConnectionID, wrote bytes: Int) {
        if let queued = queuedBytes[id] { queuedBytes[id] = max(0, queued - bytes) }
        guard let name = connections[id]?.peer, peers[name] != nil else { return }
        let actions = peers[name]!.fsm.sendProgressed(on: id, now: now)
        perform(actions, for: name)
    }

    public func connectionSentKeepalive(_ id: ConnectionID) {
        guard let name = connections[id]?.peer, peers[name] != nil else { return }
        peers[name]!.messagesOut[.keepalive, default: 0] += 1
        perform(peers[name]!.fsm.sendProgressed(on: id, now: now), for: name)
    }

    // MARK: Timers

    private func arm(_ timer: PeerTimer, deadline: Duration, peer name: String) {
        let key = TimerKey(peer: name, timer: timer)
        if case .session(let id, .keepalive) = timer, let (established, negotiated) = peers[name]?.fsm.established,
            established == id, let handle = connections[id]?.handle
        {
            // Established: the connection's event loop sends the KEEPALIVEs, so a burst of UPDATEs keeping this
            // actor busy cannot delay them (issue #8). Before that, OPEN and the first KEEPALIVE keep their order
            // through the writer queue.
            timerDeadlines[key] = nil
            timers.removeValue(forKey: key)?.task.cancel()
            handle.keepalive(after: deadline - now, every: .seconds(Int(negotiated.keepaliveInterval)))
            return
        }
        if case .session(_, .hold) = timer { holdTimes[key] = deadline - now }
        timerDeadlines[key] = deadline
        if let scheduled = timers[key], scheduled.wakesAt <= deadline { return }
        timers[key]?.task.cancel()
        schedule(key, at: deadline)
    }

    private func cancelTimer(_ key: TimerKey) {
        if case .session(let id, .keepalive) = key.timer { connections[id]?.handle.stopKeepalives() }
        holdTimes[key] = nil
        timerDeadlines[key] = nil
        timers.removeValue(forKey: key)?.task.cancel()
    }

    private func schedule(_ key: TimerKey, at wakeup: Duration) {
        let instant = startInstant.advanced(by: wakeup)
        let task = Task {
            do {
                try await Task.sleep(until: instant, clock: ContinuousClock())
            } catch {
                return  // cancelled: the timer was cancelled or moved earlier
            }
            await self.wake(key, scheduledFor: wakeup)
        }
        timers[key] = (task, wakeup)
    }

    private func wake(_ key: TimerKey, scheduledFor wakeup: Duration) {
        guard let scheduled = timers[key], scheduled.wakesAt == wakeup else { return }  // superseded
        timers[key] = nil
        guard let deadline = timerDeadlines[key] else { return }
        if deadline > now {
            schedule(key, at: deadline)  // the deadline moved later while we slept
            return
        }
        // Bytes that arrived within the hold time but still wait behind a burst on this actor are not silence.
        if case .session(let id, .hold) = key.timer, let holdTime = holdTimes[key],
            case .deferred(let until) = HoldTimerCheck.check(
                holdTime: holdTime, lastReceived: connections[id]?.handle.lastReceived, now: now)
        {
            timerDeadlines[key] = until
            schedule(key, at: until)
            return
        }
        timerDeadlines[key] = nil
        holdTimes[key] = nil
        guard peers[key.peer] != nil else { return }
        let actions = peers[key.peer]!.fsm.timerFired(key.timer, now: now)
        perform(actions, for: key.peer)
    }

    // MARK: Performing actions

    private func perform(_ actions: [PeerStateMachine.Action], for name: String) {
        for action in actions {
            switch action {
            case .connect(let id):
                startConnect(id, peer: name)
            case .send(let id, let message):
                guard let handle = connections[id]?.handle else { continue }
                var context = EncodeContext(fourOctetAS: true)
                if let (establishedID, negotiated) = peers[name]?.fsm.established, establishedID == id {
                    context = negotiated.encodeContext
                }
                var buffer = ByteBuffer()
                buffer.writeBGPMessage(message, context: context)
                let queued = queuedBytes[id, default: 0] + buffer.readableBytes
                if queued > Self.maximumQueuedBytes, message.type != .notification {
                    // The peer has not read 64 MiB: end the session (RFC 4486 Out of Resources) instead of growing.
                    logger.error("send queue limit reached; closing", metadata: peerMetadata(name, ["queued": "\(queued)"]))
                    perform(peers[name]!.fsm.stop(.outOfResources, now: now), for: name)
                    perform(peers[name]!.fsm.start(now: now), for: name)
                    return
                }
                queuedBytes[id] = queued
                handle.write(buffer)
                peers[name]?.messagesOut[message.type, default: 0] += 1
                if case .notification(let notification) = message {
                    peers[name]?.lastNotificationSent = (notification, wallTime(now))
                    logger.warning("NOTIFICATION sent", metadata: peerMetadata(name, ["notification": "\(notification.summary)"]))
                }
            case .close(let id):
                queuedBytes[id] = nil
                if let pending = pendingConnects.removeValue(forKey: id) { pending.task.cancel() }
                connections.removeValue(forKey: id)?.handle.close()
            case .armTimer(let timer, let deadline):
                arm(timer, deadline: deadline, peer: name)
            case .cancelTimer(let timer):
                cancelTimer(TimerKey(peer: name, timer: timer))
            case .established(let id, let negotiated):
                // RFC 4724 §4.1: the Restart State bit belongs to the OPEN right after our restart only.
                if let peer = peers[name], peer.fsm.configuration != peer.definition.session {
                    peers[name]!.fsm.reconfigure(peer.definition.session)
                }
                defer {
                    let definition = peers[name]!.definition
                    performRouting(
                        engine.peerUp(
                            definition.routing, negotiated: negotiated, peerAddress: definition.address,
                            localAddress: connections[id]?.handle.local, sessionLocalAS: definition.session.localAS,
                            now: now))
                }
                logger.info(
                    "session established",
                    metadata: peerMetadata(name, [
                        "connection": "\(id)", "peer_as": "\(negotiated.peerAS)",
                        "peer_id": "\(negotiated.peerIdentifier)", "hold": "\(negotiated.holdTime)",
                        "families": "\(negotiated.families.sorted().map(\.description).joined(separator: ","))",
                    ]))
            case .down(let reason):
                logger.warning("session down", metadata: peerMetadata(name, ["reason": "\(reason)"]))
                performRouting(engine.peerDown(name, reason: reason, now: now))
                if dynamicPeers.contains(name) { Task { await self.removeDynamicPeer(name) } }
            case .updateReceived(let update, let errors):
                performRouting(engine.received(update, errors: errors, from: name))
            case .routeRefreshReceived(let refresh):
                logger.debug("ROUTE-REFRESH received", metadata: peerMetadata(name, ["family": "\(refresh.family)"]))
                performRouting(engine.routeRefresh(refresh, from: name))
            }
        }
    }

    /// Performs what the routing engine asked for.
    private func performRouting(_ outputs: [RouteEngine.Output]) {
        for output in outputs {
            switch output {
            case .send(let names, let bytes):
                guard bytes.readableBytes > 0 else { continue }
                for name in names {
                    guard let (id, _) = peers[name]?.fsm.established else { continue }
                    if var pending = pendingUpdates.removeValue(forKey: name), pending.connection == id {
                        var more = bytes
                        pending.bytes.writeBuffer(&more)
                        pendingUpdates[name] = pending
                    } else {
                        pendingUpdates[name] = (id, bytes)
                    }
                }
                scheduleFlush()
            case .reset(let name, let notification):
                guard peers[name] != nil else { continue }
                perform(peers[name]!.fsm.stop(notification, now: now), for: name)
                perform(peers[name]!.fsm.start(now: now), for: name)
            case .routesChanged(let changes):
                routeObserver?(Array(changes))
            case .gracefulRestartTimer(let name, let deadline):
                restartTimers[name]?.cancel()
                let instant = startInstant.advanced(by: deadline)
                restartTimers[name] = Task {
                    do { try await Task.sleep(until: instant, clock: ContinuousClock()) } catch { return }
                    await self.gracefulRestartTimerFired(name)
                }
            case .log(let level, let message, let peer):
                var metadata: Logger.Metadata = [:]
                if let peer { metadata = peerMetadata(peer) }
                switch level {
                case .debug: logger.debug("\(message)", metadata: metadata)
                case .info: logger.info("\(message)", metadata: metadata)
                case .warning: logger.warning("\(message)", metadata: metadata)
                }
            }
        }
    }

    private func gracefulRestartTimerFired(_ name: String) {
        restartTimers[name] = nil
        performRouting(engine.gracefulRestartTimerFired(peer: name, now: now))
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        Task { self.flushUpdates() }
    }

    /// Queues what the routing engine produced since the last flush, one write per peer.
    private func flushUpdates() {
        flushScheduled = false
        let pending = pendingUpdates
        pendingUpdates = [:]
        for name in pending.keys.sorted() {
            let (id, bytes) = pending[name]!
            // A session that went down (or was replaced) since: its UPDATEs are void.
            guard let (established, _) = peers[name]?.fsm.established, established == id else { continue }
            sendEncoded(bytes, counts: Self.messageCounts(in: bytes), to: name)
        }
    }

    /// Queues already encoded UPDATEs on the peer's Established connection (the same buffer for every member of an
    /// update group: ByteBuffer storage is shared, not copied).
    private func sendEncoded(_ bytes: ByteBuffer, counts: [MessageType: Int], to name: String) {
        guard let (id, _) = peers[name]?.fsm.established, let handle = connections[id]?.handle else { return }
        let queued = queuedBytes[id, default: 0] + bytes.readableBytes
        if queued > Self.maximumQueuedBytes {
            logger.error("send queue limit reached; closing", metadata: peerMetadata(name, ["queued": "\(queued)"]))
            perform(peers[name]!.fsm.stop(.outOfResources, now: now), for: name)
            perform(peers[name]!.fsm.start(now: now), for: name)
            return
        }
        queuedBytes[id] = queued
        handle.write(bytes)
        for (type, count) in counts { peers[name]?.messagesOut[type, default: 0] += count }
    }

    /// Message types in a buffer of whole BGP messages (RFC 4271 §4.1 header: length at octet 16, type at 18).
    static func messageCounts(in bytes: ByteBuffer) -> [MessageType: Int] {
        var counts: [MessageType: Int] = [:]
        var offset = bytes.readerIndex
        while let length = bytes.getInteger(at: offset + 16, as: UInt16.self), let raw = bytes.getInteger(at: offset + 18, as: UInt8.self) {
            if let type = MessageType(rawValue: raw) { counts[type, default: 0] += 1 }
            guard length >= 19 else { break }
            offset += Int(length)
        }
        return counts
    }

    // MARK: Routing

    /// Runs `body` on the routing engine (for `show route` and counts).
    public func routing<T: Sendable>(_ body: @Sendable (RouteEngine) -> T) -> T { body(engine) }

    /// Replaces the locally originated prefixes.
    public func setOriginated(_ originations: [RouteEngine.Origination]) {
        performRouting(engine.setOriginated(originations))
    }

    /// Replaces the node-wide export policy (pools, service ranges, communities) and re-exports.
    public func setExportPolicy(_ policy: ExportPolicy) {
        performRouting(engine.setExportPolicy(policy))
    }

    /// Configured peers whose initial table is not complete yet: enabled but not Established, or Established
    /// without End-of-RIB for every negotiated family. Empty once every session has delivered its table
    /// (dynamic neighbors are not waited for: they may never come back).
    public func peersAwaitingEndOfRIB() -> [String] {
        guard peersConfigured else { return ["(peers not configured yet)"] }
        return peers.keys.sorted().filter { name in
            guard let peer = peers[name], peer.fsm.enabled, !name.hasPrefix("Dynamic_") else { return false }
            return peer.fsm.established == nil || !engine.hasReceivedEndOfRIB(from: name)
        }
    }

    /// Sets the receiver of Loc-RIB changes (the kernel adapter).
    public func observeRoutes(_ observer: @escaping @Sendable ([RouteChange]) -> Void) {
        routeObserver = observer
    }

    /// Whether the peer's Established connection has room for more UPDATEs (backpressure for producers).
    public func canSend(to name: String) -> Bool {
        guard let (id, _) = peers[name]?.fsm.established else { return false }
        return queuedBytes[id, default: 0] < Self.queueHighWater
    }

    // MARK: Operator commands

    public func status() -> [PeerStatus] {
        peers.keys.sorted().compactMap { status(of: $0) }
    }

    public func status(of name: String) -> PeerStatus? {
        guard let peer = peers[name] else { return nil }
        let fsm = peer.fsm
        let info: String =
            if fsm.state == .established { "Established" } else if !fsm.enabled { "Disabled" } else if let restart = engine.gracefulRestart.restarts[name] {
                // BIRD's state text while a peer's routes are kept for its restart (RFC 4724 §4.2), or long-lived
                // stale (RFC 9494 §4.2).
                (restart.isLongLived ? "Long-lived graceful restart" : "Graceful restart") + (fsm.lastError.map { " (\($0))" } ?? "")
            } else {
                fsm.lastError.map { "\($0)" } ?? fsm.state.rawValue
            }
        return PeerStatus(
            name: name, address: peer.definition.address, port: peer.definition.port,
            localAS: peer.definition.session.localAS, peerAS: peer.definition.session.peerAS,
            passive: peer.definition.session.passive, enabled: fsm.enabled, state: fsm.state, since: wallTime(fsm.since),
            info: info, negotiated: fsm.established?.1, configuredHoldTime: peer.definition.session.holdTime,
            configuredKeepaliveTime: peer.definition.session.keepaliveTime ?? peer.definition.session.holdTime / 3,
            configuredConnectRetry: peer.definition.session.connectRetryTime,
            messagesIn: peer.messagesIn, messagesOut: peer.messagesOut, prefixesReceived: peer.prefixesReceived,
            routes: engine.counts(for: name),
            lastNotificationSent: peer.lastNotificationSent, lastNotificationReceived: peer.lastNotificationReceived,
            flaps: fsm.flaps, advertisedCapabilities: peer.definition.session.localOpen.capabilities)
    }

    /// `disable NAME`: Cease 2 with the operator's message (RFC 8203/9003).
    public func disable(_ name: String, message: String?) -> Bool {
        guard peers[name] != nil else { return false }
        logger.info("peer disabled by operator", metadata: peerMetadata(name))
        perform(peers[name]!.fsm.stop(.administrativeShutdown(message: message), now: now), for: name)
        return true
    }

    public func enable(_ name: String) -> Bool {
        guard peers[name] != nil else { return false }
        perform(peers[name]!.fsm.start(now: now), for: name)
        return true
    }

    /// `restart NAME`: Cease 4 (Administrative Reset) with the message, then start again.
    public func restart(_ name: String, message: String?) -> Bool {
        guard peers[name] != nil else { return false }
        perform(peers[name]!.fsm.stop(.administrativeReset(message: message), now: now), for: name)
        perform(peers[name]!.fsm.start(now: now), for: name)
        return true
    }

    /// BFD says the forwarding path to `name` failed (RFC 5882 §4.3): the peer's paths go now, for good, not kept
    /// as graceful-restart stale (a BFD failure means forwarding failed, RFC 5882 §4.3.1; the peer's own restart
    /// would not have taken BFD down with it), and the session closes with Cease/BFD Down (RFC 9384) when a
    /// NOTIFICATION can still be written, then reconnects as after any failure. A session that is not Established
    /// is left alone, but routes kept for an earlier restart of the peer go too.
    public func forwardingFailed(_ name: String, reason: String) {
        guard peers[name] != nil else { return }
        logger.warning("forwarding failed; closing the session and removing its routes", metadata: peerMetadata(name, ["reason": "\(reason)"]))
        // Before the FSM's session-down: with the paths gone, the engine's session-down finds nothing to retain.
        performRouting(engine.peerDown(name, reason: nil, now: now))
        performRouting(engine.peerRemoved(name))
        guard peers[name]!.fsm.established != nil else { return }
        perform(peers[name]!.fsm.stop(.bfdDown, now: now), for: name)
        perform(peers[name]!.fsm.start(now: now), for: name)
    }

    /// Stops every session with Cease and waits (bounded) for the NOTIFICATIONs to be written. With `keepRoutes`
    /// (a graceful restart follows) the TCP connections are closed without a NOTIFICATION instead, so peers that
    /// negotiated graceful restart keep our routes for the restart time (RFC 4724 §4.2: "termination of the TCP
    /// session"; a Cease would make them flush, RFC 8538 §3 without the N bit).
    public func shutdown(message: String = "swiftletd shutting down", keepRoutes: Bool = false) async {
        if keepRoutes {
            for (id, connection) in connections.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                logger.info("closing the session without NOTIFICATION for a graceful restart", metadata: peerMetadata(connection.peer))
                queuedBytes[id] = nil
                connections[id] = nil  // so the stop below finds no connection to send its Cease on
                connection.handle.close()
            }
        }
        for name in peers.keys.sorted() {
            perform(peers[name]!.fsm.stop(.administrativeShutdown(message: message), now: now), for: name)
        }
        for (_, pending) in pendingConnects { pending.task.cancel() }
        pendingConnects = [:]
        let deadline = clock.now.advanced(by: .seconds(2))
        while !connections.isEmpty && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for timer in timers.values { timer.task.cancel() }
        timers = [:]
        for timer in restartTimers.values { timer.cancel() }
        restartTimers = [:]
        deferralTimer?.cancel()
        deferralTimer = nil
        timerDeadlines = [:]
        for listener in listeners { try? await listener.channel.close() }
        for task in listenerTasks { task.cancel() }
    }

    /// GTSM on the listeners (RFC 5082 §3). The SYN-ACK and the first ACKs of an incoming connection leave with the
    /// listening socket's TTL, and segments that arrive before `accepted` sets IP_MINTTL on the child (the handshake,
    /// often the peer's OPEN) are checked only against the listener's minimum. So each listener sends with TTL 255
    /// while any peer of its family uses GTSM, and accepts only TTL >= 256 - hops, the loosest over its family's
    /// peers (0 if one of them does not use GTSM; `accepted` still sets each peer's own minimum on its connection).
    private func setListenerTTLs() async {
        for listener in listeners {
            let family: IPAddress.Family = listener.channel.localAddress?.protocol == .inet6 ? .ipv6 : .ipv4
            let options = peers.values.map(\.definition).filter { $0.address.family == family }.map(\.socketOptions)
            let gtsm = options.contains { $0.ttlSecurityHops != nil }
            let minimum = options.map { $0.ttlSecurityHops.map { CInt(256 - Int($0)) } ?? 0 }.min() ?? 0
            do {
                try await SocketOptions.setTTL(on: listener.channel, family: family, ttl: gtsm ? 255 : -1).get()
                try await SocketOptions.setMinimumTTL(on: listener.channel, family: family, minimum: minimum).get()
            } catch {
                logger.error("cannot set GTSM options on the listener", metadata: ["error": "\(error)"])
            }
        }
    }

    private func setMD5(for definition: PeerDefinition, key: String) async {
        for listener in listeners {
            let family: IPAddress.Family = listener.channel.localAddress?.protocol == .inet6 ? .ipv6 : .ipv4
            guard family == definition.address.family else { continue }
            do {
                try await SocketOptions.setMD5(on: listener.channel, peer: definition.address, key: key).get()
            } catch {
                logger.error("cannot set the TCP-MD5 key on the listener", metadata: ["peer": "\(definition.name)", "address": "\(definition.address)", "error": "\(error)"])
            }
        }
    }
}

extension Array where Element == UInt8 {
    var hexString: String {
        let digits = Swift.Array<Character>("0123456789abcdef")
        var s = ""
        for byte in self {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 0xF)])
        }
        return s
    }
}
