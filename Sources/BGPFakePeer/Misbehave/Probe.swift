// SPDX-License-Identifier: Apache-2.0
// One misbehaviour probe: establish, send the case's bytes and a KEEPALIVE, then watch for one hold time.

import BGPWire
import NIOCore
import NIOPosix

/// What the DUT did with one case.
struct ProbeResult: Codable, Sendable {
    var `case`: String
    var reference: String
    var expected: String
    /// "notification", "session kept", "closed without notification", "silent", "not established".
    var outcome: String
    var code: UInt8?
    var subcode: UInt8?
    var dataHex: String?
    var name: String?
    var asExpected: Bool
    var sentLength: Int
    var sentHex: String
    /// Messages from the DUT after the bad bytes (before any NOTIFICATION).
    var messagesAfter: Int
    var elapsedMs: Double?
}

final class Probe: SessionObserver {
    private let misbehaviour: MisbehaviourCase
    private let settings: SpeakerSettings
    private let route: IPAddress
    private let eventLoop: any EventLoop
    private let promise: EventLoopPromise<ProbeResult>
    private var sentAt: NIODeadline?
    private var sent: [UInt8] = []
    private var messagesAfter = 0
    private var done = false
    private var timeout: Scheduled<Void>?
    private var channel: (any Channel)?

    init(
        _ misbehaviour: MisbehaviourCase, settings: SpeakerSettings, route: IPAddress, eventLoop: any EventLoop,
        promise: EventLoopPromise<ProbeResult>
    ) {
        self.misbehaviour = misbehaviour
        self.settings = settings
        self.route = route
        self.eventLoop = eventLoop
        self.promise = promise
    }

    func start(target: SocketAddress, establishTimeout: TimeAmount) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let source = try! SocketAddress(ipAddress: settings.address.description, port: 0)
        timeout = eventLoop.assumeIsolated().scheduleTask(in: establishTimeout) { self.finish(outcome: "not established") }
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .bind(to: source)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let probe = bound.value
                    try channel.pipeline.syncOperations.addHandler(SpeakerHandler(settings: probe.settings, observer: probe))
                }
            }
            .connect(to: target)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel): self.channel = channel
                case .failure(let error): self.finish(outcome: "not established: \(error)")
                }
            }
    }

    private func finish(outcome: String, notification: BGPNotification? = nil) {
        guard !done else { return }
        done = true
        timeout?.cancel()
        channel?.close(promise: nil)
        let asExpected: Bool
        switch misbehaviour.expected {
        case .sessionKept: asExpected = outcome == "session kept"
        case .notification(let code, let subcode, let data):
            asExpected = notification.map {
                $0.code.rawValue == code && $0.subcode == subcode && (data == nil || data == $0.data)
            } ?? false
        }
        promise.succeed(
            ProbeResult(
                case: misbehaviour.name, reference: misbehaviour.reference, expected: misbehaviour.expected.text,
                outcome: outcome, code: notification?.code.rawValue, subcode: notification?.subcode,
                dataHex: notification?.data.hexString,
                name: notification.map { BGPNotification.describe(code: $0.code, subcode: $0.subcode) },
                asExpected: asExpected, sentLength: sent.count,
                sentHex: sent.count > 128 ? Array(sent.prefix(64)).hexString + "…" : sent.hexString,
                messagesAfter: messagesAfter,
                elapsedMs: sentAt.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e6 }))
    }

    // MARK: - SessionObserver

    func connectionUp(at now: NIODeadline) {}

    func messageReceived(type: UInt8, at now: NIODeadline) {
        if sentAt != nil, type != MessageType.notification.rawValue { messagesAfter += 1 }
    }

    func established(_ session: EstablishedSession, at now: NIODeadline) {
        let context = CaseContext(settings: settings, timing: session.timing, route: route)
        // Let the DUT finish its own first burst (UPDATEs, End-of-RIB), then misbehave.
        timeout?.cancel()
        timeout = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(300)) { [self] in
            sent = misbehaviour.bytes(context)
            var buffer = session.allocator.buffer(capacity: sent.count + 19)
            buffer.writeBytes(sent)
            buffer.writeImmutableBuffer(.bgpKeepalive)  // the follow-up KEEPALIVE
            session.send(buffer)
            sentAt = .now()
            // Watch for one hold time (at least 3 s): a NOTIFICATION, a close, or the session answering.
            let window = TimeAmount.seconds(Int64(max(3, session.timing.holdTime)))
            timeout = eventLoop.assumeIsolated().scheduleTask(in: window) { [self] in
                finish(outcome: messagesAfter > 0 ? "session kept" : "silent")
            }
        }
    }

    func notificationReceived(_ notification: BGPNotification, at now: NIODeadline) {
        finish(outcome: sentAt == nil ? "notification before probe" : "notification", notification: notification)
    }

    func keepaliveSent(at now: NIODeadline) {}

    func protocolErrorSent(_ notification: BGPNotification, at now: NIODeadline) {
        finish(outcome: "we sent \(notification.summary)")
    }

    func connectionDown(at now: NIODeadline) {
        finish(outcome: sentAt == nil ? "closed before probe" : "closed without notification")
    }
}
