// SPDX-License-Identifier: Apache-2.0
// One fake peer of the `sessions` run: its connections (active or passive), reconnects, and what it measured.
// Lives on one event loop; everything here runs there.

import BGPWire
import NIOCore
import NIOPosix

/// Settings shared by every session of a run.
struct SessionsPlan: Sendable {
    enum Mode: String, Sendable { case active, passive }
    var target: SocketAddress
    var mode: Mode
    var listenPort: Int
    var localAS: UInt32
    var remoteAS: UInt32
    var holdTime: UInt16
    var routesPerSession: Int
    /// One block per session (an emulated Calico node), announced with the host routes.
    var blocks: BlockPlan?
    var retryDelay: TimeAmount
    /// Expected keepalive count, to size the gap array once.
    var expectedMessages: Int
}

/// A NOTIFICATION as received, for the report.
struct NotificationRecord: Sendable, Hashable, Codable {
    var code: UInt8
    var subcode: UInt8
    var dataHex: String

    init(_ notification: BGPNotification) {
        code = notification.code.rawValue
        subcode = notification.subcode
        dataHex = notification.data.hexString
    }
}

/// What one session measured, copied off its event loop at the end.
struct SessionReport: Sendable {
    var index: Int
    var everEstablished: Bool
    var establishedAtEnd: Bool
    /// From the first connection attempt (or listen) to the first Established, in microseconds.
    var timeToEstablishedMicros: UInt64?
    /// Every gap between successive messages from the DUT within a connection, plus the gap from the last one to
    /// the end of the run, in microseconds.
    var gapsMicros: [UInt32]
    /// Largest gap between our own KEEPALIVEs (shows when the tool itself was late).
    var maxOutboundGapMicros: UInt32
    var notifications: [NotificationRecord]
    var notificationsSent: [NotificationRecord]
    /// An Established session went down.
    var disconnects: Int
    /// A session came back to Established after having been there before.
    var reconnects: Int
    /// TCP connects that failed, or connections that closed before Established.
    var failedAttempts: Int
    var updatesReceived: Int
}

final class SessionPeer: SessionObserver {
    let index: Int
    let plan: SessionsPlan
    let settings: SpeakerSettings
    let eventLoop: any EventLoop
    private let source: SocketAddress

    private var stopping = false
    private var channel: (any Channel)?
    private var listener: (any Channel)?
    private var retryTask: Scheduled<Void>?

    private var startedAt: NIODeadline?
    private var connectionEstablished = false
    private var lastReceived: NIODeadline?
    private var lastSent: NIODeadline?
    private var report: SessionReport

    init(index: Int, plan: SessionsPlan, address: IPAddress, eventLoop: any EventLoop) throws {
        self.index = index
        self.plan = plan
        self.eventLoop = eventLoop
        self.settings = SpeakerSettings(
            localAS: plan.localAS, remoteAS: plan.remoteAS, holdTime: plan.holdTime, address: address)
        self.source = try SocketAddress(ipAddress: address.description, port: 0)
        var gaps: [UInt32] = []
        gaps.reserveCapacity(plan.expectedMessages)
        report = SessionReport(
            index: index, everEstablished: false, establishedAtEnd: false, timeToEstablishedMicros: nil,
            gapsMicros: gaps, maxOutboundGapMicros: 0, notifications: [], notificationsSent: [], disconnects: 0,
            reconnects: 0, failedAttempts: 0, updatesReceived: 0)
    }

    // MARK: - Connections

    func start() {
        startedAt = .now()
        switch plan.mode {
        case .active: connect()
        case .passive: listen()
        }
    }

    private func makeHandler() -> SpeakerHandler { SpeakerHandler(settings: settings, observer: self) }

    private func connect() {
        guard !stopping else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            .connectTimeout(.seconds(5))
            .bind(to: source)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(bound.value.makeHandler())
                }
            }
            .connect(to: plan.target)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    if self.stopping { channel.close(promise: nil) } else { self.channel = channel }
                case .failure:
                    self.report.failedAttempts += 1
                    self.scheduleRetry()
                }
            }
    }

    /// Passive: one listener on this peer's own address; the DUT connects to it.
    private func listen() {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let address = try! SocketAddress(ipAddress: settings.address.description, port: plan.listenPort)
        ServerBootstrap(group: eventLoop, childGroup: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let peer = bound.value
                    // One connection at a time: a second one is refused (no collision handling in a test peer).
                    guard peer.channel == nil, !peer.stopping else {
                        channel.close(promise: nil)
                        return
                    }
                    peer.channel = channel
                    try channel.pipeline.syncOperations.addHandler(peer.makeHandler())
                }
            }
            .bind(to: address)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let listener): self.listener = listener
                case .failure:
                    self.report.failedAttempts += 1
                    self.retryTask = self.eventLoop.assumeIsolated().scheduleTask(in: self.plan.retryDelay) {
                        self.listen()
                    }
                }
            }
    }

    private func scheduleRetry() {
        guard !stopping, plan.mode == .active else { return }
        retryTask = eventLoop.assumeIsolated().scheduleTask(in: plan.retryDelay) { self.connect() }
    }

    // MARK: - SessionObserver

    func connectionUp(at now: NIODeadline) {
        lastReceived = nil
        lastSent = nil
        connectionEstablished = false
    }

    func messageReceived(type: UInt8, at now: NIODeadline) {
        if let lastReceived { recordGap(now - lastReceived) }
        lastReceived = now
        if type == MessageType.update.rawValue { report.updatesReceived += 1 }
    }

    func established(_ session: EstablishedSession, at now: NIODeadline) {
        connectionEstablished = true
        if report.everEstablished {
            report.reconnects += 1
        } else {
            report.everEstablished = true
            if let startedAt { report.timeToEstablishedMicros = UInt64(max(0, (now - startedAt).nanoseconds / 1000)) }
        }
        if plan.routesPerSession > 0 || plan.blocks != nil { announceRoutes(session) }
    }

    func notificationReceived(_ notification: BGPNotification, at now: NIODeadline) {
        report.notifications.append(NotificationRecord(notification))
    }

    func keepaliveSent(at now: NIODeadline) {
        if let lastSent {
            let micros = UInt32(clamping: (now - lastSent).nanoseconds / 1000)
            report.maxOutboundGapMicros = max(report.maxOutboundGapMicros, micros)
        }
        lastSent = now
    }

    func protocolErrorSent(_ notification: BGPNotification, at now: NIODeadline) {
        report.notificationsSent.append(NotificationRecord(notification))
    }

    func connectionDown(at now: NIODeadline) {
        channel = nil
        if stopping { return }
        if connectionEstablished { report.disconnects += 1 } else { report.failedAttempts += 1 }
        connectionEstablished = false
        lastReceived = nil
        scheduleRetry()
    }

    private func recordGap(_ gap: TimeAmount) {
        report.gapsMicros.append(UInt32(clamping: max(0, gap.nanoseconds / 1000)))
    }

    // MARK: - Routes

    /// K host routes, unique per session: 10.0.0.0/8 + index × K + j, plus this session's block when there is a
    /// block plan; NEXT_HOP our address. eBGP: AS_PATH our AS. iBGP (an emulated cluster node): an empty AS_PATH
    /// and LOCAL_PREF 100, as a Calico node's BIRD sends (our own AS in the path would be dropped as a loop).
    private func announceRoutes(_ session: EstablishedSession) {
        let k = plan.routesPerSession
        var nlri: [NLRI] = []
        nlri.reserveCapacity(k + 1)
        if let blocks = plan.blocks { nlri.append(NLRI(blocks.block(for: index))) }
        let base = UInt32(truncatingIfNeeded: index &* k)
        for j in 0..<k {
            let host = 0x0A00_0000 | ((base &+ UInt32(j)) & 0x00FF_FFFF)
            nlri.append(NLRI(IPPrefix(address: IPAddress(ipv4: host), length: 32)))
        }
        let isInternal = settings.localAS == settings.remoteAS
        let attributes = PathAttributes(
            origin: .igp, asPath: ASPath(sequence: isInternal ? [] : [settings.localAS]), nextHop: settings.address,
            localPreference: isInternal ? 100 : nil)
        var buffer = session.allocator.buffer(capacity: min(k * 5 + 128, 1 << 20))
        UpdatePacker.writeAnnouncements(
            nlri, family: .ipv4Unicast, attributes: attributes, into: &buffer, context: session.timing.encode)
        // End-of-RIB (RFC 4724 §2): an empty UPDATE.
        buffer.writeBGPMessage(.update(.endOfRIB(.ipv4Unicast)), context: session.timing.encode)
        session.send(buffer)
    }

    // MARK: - End of run

    /// Stops reconnecting, closes, and returns the measurements (with the gap from the last message to now).
    func finish(at now: NIODeadline) -> SessionReport {
        stopping = true
        retryTask?.cancel()
        var final = report
        final.establishedAtEnd = connectionEstablished
        if connectionEstablished, let lastReceived {
            final.gapsMicros.append(UInt32(clamping: max(0, (now - lastReceived).nanoseconds / 1000)))
        }
        channel?.close(promise: nil)
        listener?.close(promise: nil)
        return final
    }
}

extension Array where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
