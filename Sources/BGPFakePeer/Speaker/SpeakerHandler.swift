// SPDX-License-Identifier: Apache-2.0
// The minimal speaker side of RFC 4271 §8 that a test peer needs: OPEN on connect, KEEPALIVE on the DUT's OPEN,
// Established on the DUT's KEEPALIVE, then KEEPALIVEs every hold/3 from NIO scheduled tasks. Everything received
// is framed in place; only OPEN and NOTIFICATION bodies are decoded (UPDATEs are counted, not parsed).

import BGPWire
import NIOCore

final class SpeakerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case openSent, openConfirm, established, closed }

    private let settings: SpeakerSettings
    private let observer: any SessionObserver
    private var state = State.openSent
    private var framer = InboundFramer()
    private var timing: NegotiatedTiming?
    private var keepaliveTask: Scheduled<Void>?
    private var nextKeepalive = NIODeadline.uptimeNanoseconds(0)

    init(settings: SpeakerSettings, observer: any SessionObserver) {
        self.settings = settings
        self.observer = observer
    }

    func channelActive(context: ChannelHandlerContext) {
        observer.connectionUp(at: .now())
        context.writeAndFlush(wrapOutboundOut(settings.openBytes(allocator: context.channel.allocator)), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        observer.connectionDown(at: .now())
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        keepaliveTask = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .closed else { return }
        var incoming = unwrapInboundIn(data)
        let now = NIODeadline.now()
        framer.append(&incoming)
        while state != .closed {
            let frame: BGPFrame
            do {
                guard let next = try framer.next() else { return }
                frame = next
            } catch {
                fail(error, context: context)
                return
            }
            observer.messageReceived(type: frame.type, at: now)
            switch frame.type {
            case MessageType.open.rawValue:
                openReceived(frame, context: context, now: now)
            case MessageType.keepalive.rawValue:
                if state == .openConfirm, let timing {
                    state = .established
                    observer.established(EstablishedSession(context: context, timing: timing), at: now)
                }
            case MessageType.notification.rawValue:
                if case .notification(let notification)? = try? BGPMessage.decode(frame, context: .beforeOpen).message {
                    observer.notificationReceived(notification, at: now)
                }
                stop()
                context.close(promise: nil)
            default:
                break  // UPDATE, ROUTE-REFRESH: counted by the observer, not parsed
            }
        }
    }

    private func openReceived(_ frame: BGPFrame, context: ChannelHandlerContext, now: NIODeadline) {
        guard state == .openSent else {
            // RFC 6608: an OPEN after OpenSent is an FSM error.
            fail(.finiteStateMachineError(subcode: state == .openConfirm ? 2 : 3), context: context)
            return
        }
        let theirs: OpenMessage
        do {
            guard case .open(let open) = try BGPMessage.decode(frame, context: .beforeOpen).message else { return }
            theirs = open
        } catch {
            fail(error, context: context)
            return
        }
        guard theirs.asNumber == settings.remoteAS else {
            fail(.badPeerAS, context: context)
            return
        }
        let timing = NegotiatedTiming(ours: settings.open, theirs: theirs)
        self.timing = timing
        state = .openConfirm
        context.writeAndFlush(wrapOutboundOut(.bgpKeepalive), promise: nil)
        observer.keepaliveSent(at: now)
        if let interval = timing.keepaliveInterval {
            nextKeepalive = now + interval
            scheduleKeepalive(context: context, interval: interval)
        }
    }

    /// One scheduled task per interval, each armed for a fixed deadline so delays do not accumulate.
    private func scheduleKeepalive(context: ChannelHandlerContext, interval: TimeAmount) {
        keepaliveTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: nextKeepalive) { [self] in
            guard state == .openConfirm || state == .established else { return }
            context.writeAndFlush(wrapOutboundOut(.bgpKeepalive), promise: nil)
            let now = NIODeadline.now()
            observer.keepaliveSent(at: now)
            nextKeepalive = nextKeepalive + interval
            // After a long stall, skip the missed beats rather than sending them back to back.
            if nextKeepalive < now { nextKeepalive = now + interval }
            scheduleKeepalive(context: context, interval: interval)
        }
    }

    /// Sends our NOTIFICATION and closes.
    private func fail(_ notification: BGPNotification, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 21 + notification.data.count)
        buffer.writeBGPMessage(.notification(notification), context: .beforeOpen)
        observer.protocolErrorSent(notification, at: .now())
        stop()
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func stop() {
        state = .closed
        keepaliveTask?.cancel()
        keepaliveTask = nil
    }
}
