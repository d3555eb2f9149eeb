// SPDX-License-Identifier: Apache-2.0
// The one owner of every BFD session (RFC 5880 §6.8 procedures via `BFDSession`, RFC 5881 single hop, RFC 5883
// multihop): it opens the UDP sockets, demultiplexes received Control packets (§6.8.6), runs each session's FSM and
// arms its timers, and reports changes of state to its client. It runs on an event loop thread of its own (its
// actor executor is that loop, its timers are the loop's scheduled tasks), so a BGP speaker busy with a large burst
// of routes, or a saturated cooperative thread pool, cannot delay a transmission or a detection.

import BFD
import BGPWire
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Runs the BFD sessions of one daemon.
public actor BFDService {
    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// Monotonic origin of the `now` the sessions see.
    private let origin = NIODeadline.now().uptimeNanoseconds
    private var observer: (@Sendable (BFDStateChange) -> Void)?

    private struct Entry {
        var configuration: BFDPeerConfiguration
        var session: BFDSession
        var channel: (any Channel)?
        var sourcePort: Int?
        var timers: [BFDSession.Timer: Scheduled<Void>] = [:]
        var since: Double
        var packetsSent = 0
        var packetsReceived = 0
        var packetsDiscarded = 0
        var stateChanges = 0
        var error: String?
    }

    private var demultiplexer: BFDDemultiplexer<BFDSessionKey>
    private var sessions: [BFDSessionKey: Entry] = [:]
    /// Receive sockets by (family, multihop); opened when the first session needs one.
    private var receivers: [ReceiverKey: any Channel] = [:]
    private var openingReceivers: Set<ReceiverKey> = []
    private var receiverErrors: [ReceiverKey: String] = [:]
    /// Local discriminator → session, for packets that name their session (§6.8.6).
    private var keysByDiscriminator: [UInt32: BFDSessionKey] = [:]
    private var nextSourcePort: Int
    private var counters = BFDServiceCounters()

    private struct ReceiverKey: Hashable {
        var family: IPAddress.Family
        var multihop: Bool
    }

    /// The executor is the service's own event loop: timers and socket reads run there without a thread hop.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    /// `ports` overrides the RFC ports (tests on a shared host); production uses 3784 / 4784 both ways.
    public init(logger: Logger, ports: BFDPorts = BFDPorts()) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        self.logger = logger
        // RFC 5880 §6.8.1: discriminators unique on this system; a restarted daemon starts elsewhere so that peers
        // do not take new sessions for old ones.
        demultiplexer = BFDDemultiplexer(firstDiscriminator: UInt32.random(in: 1...0x7FFF_FFFF))
        nextSourcePort = Int.random(in: BFDPeerConfiguration.sourcePorts)
        self.ports = ports
    }

    private var ports: BFDPorts

    /// Test hook: send single-hop packets to another port from now on, so the peer stops hearing us while nothing
    /// is closed (a silent failure).
    public func _redirectForTesting(destinationSingleHop port: Int) { ports.destinationSingleHop = port }

    /// Who hears about changes of state (swiftletd: the BGP speaker). Called on the service's loop; keep it short.
    public func observe(_ observer: @escaping @Sendable (BFDStateChange) -> Void) {
        self.observer = observer
    }

    private var now: Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - origin)) }

    private static func wallTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    // MARK: Configuration

    /// Makes the running sessions those of `peers`: new ones start, removed ones send AdminDown (RFC 5880 §6.8.16)
    /// and stop, changed timing is applied with a Poll Sequence (§6.8.3); others are not touched.
    public func apply(_ peers: [BFDPeerConfiguration]) {
        let wanted = Dictionary(peers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for key in sessions.keys.sorted(by: { $0.description < $1.description }) {
            guard let configuration = wanted[key] else {
                remove(key)
                continue
            }
            let current = sessions[key]!.configuration
            if current.name != configuration.name || current.local != configuration.local {
                remove(key)
            } else if current.timing != configuration.timing {
                sessions[key]!.configuration = configuration
                logger.info("BFD session reconfigured", metadata: metadata(key))
                perform(sessions[key]!.session.reconfigure(configuration.timing, now: now), for: key)
            }
        }
        for configuration in peers where sessions[configuration.key] == nil {
            add(configuration)
        }
    }

    /// Stops every session, telling peers AdminDown so that they do not take our exit for a forwarding failure.
    public func shutdown() {
        apply([])
        for channel in receivers.values { channel.close(promise: nil) }
        receivers = [:]
    }

    private func add(_ configuration: BFDPeerConfiguration) {
        let key = configuration.key
        let discriminator = demultiplexer.add(key)
        keysByDiscriminator[discriminator] = key
        let session = BFDSession(
            localDiscriminator: discriminator, configuration: configuration.timing,
            random: BFDJitterGenerator(seed: UInt64.random(in: .min ... .max)))
        sessions[key] = Entry(configuration: configuration, session: session, since: Self.wallTime())
        logger.info(
            "BFD session added",
            metadata: metadata(key, [
                "discriminator": "\(discriminator)",
                "tx": "\(configuration.timing.desiredMinTXInterval)", "rx": "\(configuration.timing.requiredMinRXInterval)",
                "multiplier": "\(configuration.timing.detectMultiplier)",
            ]))
        openReceiver(family: configuration.remote.family, multihop: configuration.multihop)
        openSender(key)
    }

    private func remove(_ key: BFDSessionKey) {
        guard let entry = sessions[key] else { return }
        logger.info("BFD session removed", metadata: metadata(key))
        // An AdminDown packet now (§6.8.16; the FSM would send it only at its next, slow, transmission): the peer's
        // session goes Down with diagnostic 3, which RFC 5882 §3.2 says is not a failure, instead of timing out as one.
        let session = entry.session
        if session.state != .adminDown {
            send(
                BFDControlPacket(
                    diagnostic: .administrativelyDown, state: .adminDown, poll: false, final: false,
                    controlPlaneIndependent: false, demand: false, detectMultiplier: entry.configuration.timing.detectMultiplier,
                    myDiscriminator: session.localDiscriminator, yourDiscriminator: session.remoteDiscriminator,
                    desiredMinTXInterval: session.desiredMinTXInterval, requiredMinRXInterval: session.requiredMinRXInterval,
                    requiredMinEchoRXInterval: 0),
                for: key)
        }
        sessions[key] = nil
        for timer in entry.timers.values { timer.cancel() }
        entry.channel?.close(promise: nil)
        demultiplexer.remove(key)
        keysByDiscriminator[session.localDiscriminator] = nil
    }

    // MARK: Sockets

    private func openReceiver(family: IPAddress.Family, multihop: Bool) {
        let receiverKey = ReceiverKey(family: family, multihop: multihop)
        guard receivers[receiverKey] == nil, !openingReceivers.contains(receiverKey) else { return }
        let port = multihop ? ports.listenMultihop : ports.listenSingleHop
        do {
            // RFC 5881 §5: "... MUST discard the packet if the received TTL or Hop Limit is not equal to 255".
            // RFC 5883 §5 leaves the multihop check to configuration; we accept any TTL there.
            let fd = try BFDSocket.receiving(family: family, port: port, minimumTTL: multihop ? nil : 255)
            let service = self
            let future = DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            BFDInboundHandler(service: service, multihop: multihop))
                    }
                }
                .withBoundSocket(fd)
            future.whenComplete { result in
                service.assumeIsolated { $0.receiverOpened(receiverKey, port: port, result: result) }
            }
            openingReceivers.insert(receiverKey)
        } catch {
            receiverError(receiverKey, port: port, "\(error)")
        }
    }

    private func receiverOpened(_ key: ReceiverKey, port: Int, result: Result<any Channel, any Error>) {
        openingReceivers.remove(key)
        switch result {
        case .success(let channel):
            receivers[key] = channel
            receiverErrors[key] = nil
            logger.debug("BFD receive socket open", metadata: ["family": "\(key.family)", "port": "\(port)"])
        case .failure(let error):
            receiverError(key, port: port, "\(error)")
        }
    }

    private func receiverError(_ key: ReceiverKey, port: Int, _ text: String) {
        receiverErrors[key] = text
        logger.error(
            "BFD cannot receive: no sessions of this kind can come up",
            metadata: ["family": "\(key.family)", "port": "\(port)", "error": "\(text)"])
    }

    private func openSender(_ key: BFDSessionKey) {
        guard let configuration = sessions[key]?.configuration else { return }
        let inUse = Set(sessions.values.compactMap(\.sourcePort))
        do {
            let (fd, port) = try BFDSocket.sending(
                family: configuration.remote.family, local: configuration.local, first: nextSourcePort, inUse: inUse)
            // RFC 5881 §4: "The same UDP source port number MUST be used for all BFD Control packets associated
            // with a particular session"; and unique per session here.
            nextSourcePort = port == BFDPeerConfiguration.sourcePorts.upperBound ? BFDPeerConfiguration.sourcePorts.lowerBound : port + 1
            sessions[key]!.sourcePort = port
            let service = self
            DatagramBootstrap(group: eventLoop).withBoundSocket(fd).whenComplete { result in
                service.assumeIsolated { $0.senderOpened(key, port: port, result: result) }
            }
        } catch {
            sessions[key]!.error = "\(error)"
            logger.error("BFD cannot open the session's socket", metadata: metadata(key, ["error": "\(error)"]))
        }
    }

    private func senderOpened(_ key: BFDSessionKey, port: Int, result: Result<any Channel, any Error>) {
        guard sessions[key]?.sourcePort == port, sessions[key]?.channel == nil else {
            if case .success(let channel) = result { channel.close(promise: nil) }  // the session went meanwhile
            return
        }
        switch result {
        case .success(let channel):
            sessions[key]!.channel = channel
            perform(sessions[key]!.session.start(now: now), for: key)
        case .failure(let error):
            sessions[key]!.error = "\(error)"
            logger.error("BFD cannot open the session's socket", metadata: metadata(key, ["error": "\(error)"]))
        }
    }

    private func send(_ packet: BFDControlPacket, for key: BFDSessionKey) {
        guard let entry = sessions[key], let channel = entry.channel else { return }
        let port = entry.configuration.multihop ? ports.destinationMultihop : ports.destinationSingleHop
        guard let destination = try? SocketAddress(ipAddress: entry.configuration.remote.description, port: port)
        else { return }
        var buffer = channel.allocator.buffer(capacity: packet.encodedLength)
        buffer.writeBFDControlPacket(packet)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: buffer), promise: nil)
        sessions[key]!.packetsSent += 1
    }

    // MARK: Reception

    /// A datagram from `source` arrived on the single-hop or multihop port (already TTL-checked by the kernel).
    func received(_ buffer: ByteBuffer, from source: IPAddress, multihop: Bool) {
        var buffer = buffer
        let packet: BFDControlPacket
        do {
            packet = try buffer.readBFDControlPacket()
        } catch {
            counters.packetsUnmatched += 1
            logger.debug("BFD packet discarded", metadata: ["from": "\(source)", "reason": "\(error)"])
            return
        }
        let peer = BFDSessionKey(remote: source, multihop: multihop)
        let key: BFDSessionKey
        switch demultiplexer.session(for: packet, from: peer) {
        case .success(let discriminator):
            // By Your Discriminator the packet may name another peer's session: RFC 5881 §3 lets the source
            // address be checked too, and we do (a spoofed discriminator from elsewhere is dropped).
            guard let owner = keysByDiscriminator[discriminator], owner == peer
            else {
                counters.packetsUnmatched += 1
                logger.debug("BFD packet for another peer's session discarded", metadata: ["from": "\(source)"])
                return
            }
            key = owner
        case .failure(let miss):
            counters.packetsUnmatched += 1
            logger.debug("BFD packet matches no session", metadata: ["from": "\(source)", "reason": "\(miss)"])
            return
        }
        sessions[key]!.packetsReceived += 1
        perform(sessions[key]!.session.packetReceived(packet, now: now), for: key)
    }

    // MARK: Timers

    private func arm(_ timer: BFDSession.Timer, deadline: Duration, for key: BFDSessionKey) {
        sessions[key]?.timers[timer]?.cancel()
        let (seconds, attoseconds) = deadline.components
        let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let service = self
        let scheduled = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(origin + UInt64(nanoseconds))) {
            service.assumeIsolated { $0.fired(timer, for: key) }
        }
        sessions[key]?.timers[timer] = scheduled
    }

    private func fired(_ timer: BFDSession.Timer, for key: BFDSessionKey) {
        guard sessions[key] != nil else { return }
        sessions[key]!.timers[timer] = nil
        perform(sessions[key]!.session.timerFired(timer, now: now), for: key)
    }

    // MARK: Actions

    private func perform(_ actions: [BFDSession.Action], for key: BFDSessionKey) {
        for action in actions {
            guard sessions[key] != nil else { return }
            switch action {
            case .send(let packet):
                send(packet, for: key)
            case .armTimer(let timer, let deadline):
                arm(timer, deadline: deadline, for: key)
            case .cancelTimer(let timer):
                sessions[key]!.timers.removeValue(forKey: timer)?.cancel()
            case .stateChanged(let from, let to, let diagnostic):
                sessions[key]!.stateChanges += 1
                sessions[key]!.since = Self.wallTime()
                let entry = sessions[key]!
                let signal = BFDClientSignal.after(from: from, to: to, remoteState: entry.session.remoteState)
                let level: Logger.Level = signal == .forwardingFailed ? .warning : .info
                logger.log(
                    level: level, "BFD session \(to)",
                    metadata: metadata(key, [
                        "from": "\(from)", "to": "\(to)", "diagnostic": "\(diagnostic)",
                        "remote_state": "\(entry.session.remoteState)",
                    ]))
                observer?(
                    BFDStateChange(
                        name: entry.configuration.name, remote: key.remote, from: from, to: to, diagnostic: diagnostic,
                        signal: signal))
            case .packetDiscarded(let reason):
                sessions[key]!.packetsDiscarded += 1
                logger.debug("BFD packet discarded", metadata: metadata(key, ["reason": "\(reason)"]))
            }
        }
    }

    private func metadata(_ key: BFDSessionKey, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["peer": "\(sessions[key]?.configuration.name ?? "?")", "address": "\(key.remote)"]
        if key.multihop { metadata["multihop"] = "true" }
        return metadata.merging(extra) { $1 }
    }

    // MARK: Status

    public func status() -> [BFDSessionStatus] {
        sessions.values.sorted { $0.configuration.name < $1.configuration.name }.map { entry in
            let session = entry.session
            let receiverError = receiverErrors[
                ReceiverKey(family: entry.configuration.remote.family, multihop: entry.configuration.multihop)]
            return BFDSessionStatus(
                name: entry.configuration.name, remote: entry.configuration.remote, local: entry.configuration.local,
                sourcePort: entry.sourcePort, multihop: entry.configuration.multihop, state: session.state,
                remoteState: session.remoteState, diagnostic: session.localDiagnostic, since: entry.since,
                localDiscriminator: session.localDiscriminator, remoteDiscriminator: session.remoteDiscriminator,
                desiredMinTXInterval: entry.configuration.timing.desiredMinTXInterval,
                requiredMinRXInterval: entry.configuration.timing.requiredMinRXInterval,
                detectMultiplier: entry.configuration.timing.detectMultiplier,
                remoteDesiredMinTXInterval: .microseconds(Int64(session.remoteDesiredMinTXInterval)),
                remoteMinRXInterval: .microseconds(Int64(session.remoteMinRXInterval)),
                remoteDetectMultiplier: session.remoteDetectMultiplier, transmitInterval: session.transmitInterval,
                detectionTime: session.detectionTime, packetsSent: entry.packetsSent,
                packetsReceived: entry.packetsReceived, packetsDiscarded: entry.packetsDiscarded,
                stateChanges: entry.stateChanges, error: entry.error ?? receiverError)
        }
    }

    public func serviceCounters() -> BFDServiceCounters { counters }
}

/// Hands received datagrams to the service; it runs on the service's loop, so no hop is needed.
final class BFDInboundHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let service: BFDService
    let multihop: Bool

    init(service: BFDService, multihop: Bool) {
        self.service = service
        self.multihop = multihop
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let multihop = multihop
        guard var text = envelope.remoteAddress.ipAddress else { return }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }  // fe80::1%veth0
        if text.hasPrefix("::ffff:"), let v4 = IPAddress(text.dropFirst(7)) {
            service.assumeIsolated { $0.received(envelope.data, from: v4, multihop: multihop) }
            return
        }
        guard let source = IPAddress(text) else { return }
        service.assumeIsolated { $0.received(envelope.data, from: source, multihop: multihop) }
    }
}
