// SPDX-License-Identifier: Apache-2.0
// One BGP session over a plain blocking TCP socket. The tool is always the active side: it binds its own source
// address, connects, sends OPEN (4-octet AS, multiprotocol IPv4 unicast, route refresh, hold time 240), answers the
// DUT's OPEN with a KEEPALIVE and is Established on the DUT's KEEPALIVE. Reading happens on the `Reactor` thread;
// writes from any thread go through one lock per session, whole messages at a time, so a KEEPALIVE never lands in
// the middle of a table being sent.

import BGPWire
import CEpoll
import Foundation
import Glibc
import NIOCore
import Synchronization

enum SessionState: Int {
    case idle, openSent, openConfirm, established, failed
}

struct SessionError: Error, CustomStringConvertible {
    var description: String
}

func ipv4Text(_ address: UInt32) -> String {
    "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
}

func parseIPv4(_ text: String) -> UInt32? {
    guard let address = IPAddress(text), address.family == .ipv4 else { return nil }
    return address.ipv4Value
}

final class Session: @unchecked Sendable {
    static let holdTime: UInt16 = 240

    let index: Int
    let name: String
    let localAddress: UInt32
    let localAS: UInt32
    private(set) var fd: Int32 = -1
    private let writeLock = NSLock()
    private let stateValue = Atomic<Int>(SessionState.idle.rawValue)
    /// When we last wrote anything (ns), for the keepalive thread.
    let lastWrite = Atomic<UInt64>(0)
    let establishedAt = Atomic<UInt64>(0)

    // Reactor-thread state.
    private var inbound = ByteBuffer()
    let prefixes: PrefixSet
    /// Prefixes held now (announced and not withdrawn).
    private(set) var count = 0
    /// Keys first announced by the last UPDATE, when `trackAdded` is set.
    private(set) var added: [UInt64] = []
    let trackAdded: Bool
    private(set) var updatesReceived = 0
    private(set) var overflow = false

    init(index: Int, name: String, localAddress: UInt32, localAS: UInt32, expectedPrefixes: Int, trackAdded: Bool) {
        self.index = index
        self.name = name
        self.localAddress = localAddress
        self.localAS = localAS
        self.prefixes = PrefixSet(expected: expectedPrefixes + 16)
        self.trackAdded = trackAdded
    }

    var state: SessionState { SessionState(rawValue: stateValue.load(ordering: .acquiring))! }
    func setState(_ state: SessionState) { stateValue.store(state.rawValue, ordering: .releasing) }

    /// Connects from `localAddress` to `remote:port`, retrying refused connections until `timeout`, and sends OPEN.
    func connect(to remote: UInt32, port: UInt16, timeout: Double) throws {
        let deadline = now() + UInt64(timeout * 1e9)
        while true {
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socketFD >= 0 else { throw SessionError(description: "\(name): socket: \(errnoText())") }
            var one: Int32 = 1
            setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = localAddress.bigEndian
            var remoteAddress = sockaddr_in()
            remoteAddress.sin_family = sa_family_t(AF_INET)
            remoteAddress.sin_addr.s_addr = remote.bigEndian
            remoteAddress.sin_port = port.bigEndian
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                Glibc.close(socketFD)
                throw SessionError(description: "\(name): bind \(ipv4Text(localAddress)): \(errnoText())")
            }
            let connected = withUnsafePointer(to: &remoteAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if connected == 0 {
                fd = socketFD
                break
            }
            let error = errnoText()
            Glibc.close(socketFD)
            guard now() < deadline else {
                throw SessionError(description: "\(name): connect to \(ipv4Text(remote)):\(port): \(error)")
            }
            sleepMilliseconds(20)
        }
        var open = ByteBuffer()
        let message = OpenMessage(
            asNumber: localAS, holdTime: Session.holdTime, bgpIdentifier: IPAddress(ipv4: localAddress),
            capabilities: [.multiprotocol(.ipv4Unicast), .routeRefresh, .fourOctetAS(localAS)])
        open.writeBGPMessage(.open(message), context: .beforeOpen)
        setState(.openSent)
        try send(open)
    }

    /// Sends `buffer` (whole messages) under the write lock.
    func send(_ buffer: ByteBuffer) throws {
        writeLock.lock()
        defer { writeLock.unlock() }
        try buffer.withUnsafeReadableBytes { try writeAll($0) }
    }

    /// Sends a stream of whole messages in chunks of about `chunk` octets, taking the lock per chunk so the
    /// keepalive thread can get a message in between. Returns the time the first octet was handed to the kernel.
    @discardableResult
    func sendStream(_ stream: ByteBuffer, chunk: Int = 64 * 1024) throws -> UInt64 {
        var first: UInt64 = 0
        try stream.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                // Extend to the last whole message that fits `chunk` (at least one message).
                var end = start
                while end < bytes.count {
                    let length = Int(bytes[end + 16]) << 8 | Int(bytes[end + 17])
                    if end > start && end + length - start > chunk { break }
                    end += length
                }
                writeLock.lock()
                defer { writeLock.unlock() }
                if first == 0 { first = now() }
                try writeAll(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        return first
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw SessionError(description: "\(name): send: \(errnoText())")
            }
            offset += n
        }
        lastWrite.store(now(), ordering: .relaxed)
    }

    func sendKeepalive() throws {
        var buffer = ByteBuffer()
        buffer.writeBGPMessage(.keepalive, context: .beforeOpen)
        try send(buffer)
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Reads what the socket has and handles every whole message. Called on the reactor thread when poll says the
    /// socket is readable; `onUpdate` runs after each UPDATE with the time it was handled. False when the session
    /// is over (EOF, error, NOTIFICATION, or a malformed message).
    func readAvailable(onUpdate: (Session, UInt64) -> Void) -> Bool {
        let n = inbound.writeWithUnsafeMutableBytes(minimumWritableBytes: 256 * 1024) { buffer in
            recv(fd, buffer.baseAddress, buffer.count, 0)
        }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return true }
            return fail("recv: \(errnoText())")
        }
        if n == 0 { return fail("the DUT closed the connection") }
        while true {
            let frame: BGPFrame
            do {
                guard let next = try inbound.readBGPFrame() else { break }
                frame = next
            } catch {
                return fail("cannot frame the DUT's stream: \(error)")
            }
            switch frame.type {
            case MessageType.update.rawValue:
                guard handleUpdate(frame.body) else { return fail("malformed UPDATE") }
                onUpdate(self, now())
            case MessageType.keepalive.rawValue:
                if state == .openConfirm {
                    establishedAt.store(now(), ordering: .relaxed)
                    setState(.established)
                }
            case MessageType.open.rawValue:
                do {
                    _ = try BGPMessage.decode(frame, context: .beforeOpen)
                    setState(.openConfirm)
                    try sendKeepalive()
                } catch {
                    return fail("OPEN: \(error)")
                }
            case MessageType.notification.rawValue:
                let text =
                    (try? BGPMessage.decode(frame, context: .beforeOpen)).map { "\($0.message)" } ?? "undecodable"
                return fail("NOTIFICATION from the DUT: \(text)")
            default:
                break
            }
        }
        if inbound.readableBytes == 0 {
            inbound.clear()  // indices back to 0, storage kept
        } else if inbound.readerIndex > 1 << 20 {
            inbound.discardReadBytes()
        }
        return true
    }

    private func handleUpdate(_ body: ByteBuffer) -> Bool {
        updatesReceived += 1
        var sink = Sink(set: prefixes, trackAdded: trackAdded, room: prefixes.capacity - count - 1)
        // Reuse the array's storage from the last UPDATE (moved in and out, so never copied).
        swap(&sink.added, &added)
        sink.added.removeAll(keepingCapacity: true)
        let ok = body.withUnsafeReadableBytes { UpdateScanner.scan($0, into: &sink) }
        count += sink.delta
        if trackAdded { added = sink.added }
        if sink.overflow { overflow = true }
        return ok
    }

    private struct Sink: PrefixSink {
        let set: PrefixSet
        let trackAdded: Bool
        var room: Int
        var delta = 0
        var added: [UInt64] = []
        var overflow = false

        init(set: PrefixSet, trackAdded: Bool, room: Int) {
            self.set = set
            self.trackAdded = trackAdded
            self.room = room
        }

        @inline(__always)
        mutating func announced(_ key: UInt64) {
            guard delta < room else {
                overflow = true
                return
            }
            if set.insert(key) {
                delta += 1
                if trackAdded { added.append(key) }
            }
        }

        @inline(__always)
        mutating func withdrawn(_ key: UInt64) {
            if set.remove(key) { delta -= 1 }
        }
    }

    private func fail(_ reason: String) -> Bool {
        if state != .failed {
            FileHandle.standardError.write("RouteBlaster: \(name): \(reason)\n".data(using: .utf8)!)
        }
        setState(.failed)
        return false
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// The one reading thread: epoll over every session's socket.
final class Reactor: @unchecked Sendable {
    /// Connects the monitor and the injector to the DUT, adds them, and waits (60 s at most) until both are
    /// Established; throws if one fails or the wait runs out.
    func connectAndEstablish(monitor: Session, injector: Session, dut: UInt32, port: UInt16) throws {
        for session in [monitor, injector] {
            try session.connect(to: dut, port: port, timeout: 30)
            add(session)
        }
        guard
            waitUntil(
                timeout: 60,
                { [monitor, injector] in
                    monitor.state == .established && injector.state == .established || monitor.state == .failed
                        || injector.state == .failed
                }), monitor.state == .established, injector.state == .established
        else {
            throw SessionError(
                description: "sessions not Established (monitor \(monitor.state), injector \(injector.state))")
        }
    }

    private let lock = NSLock()
    private var sessions: [Session] = []
    private var version = 0
    private let stopped = Atomic<Bool>(false)
    private let onUpdate: @Sendable (Session, UInt64) -> Void

    init(onUpdate: @escaping @Sendable (Session, UInt64) -> Void) {
        self.onUpdate = onUpdate
    }

    /// Adds a connected session; `session.index` must be the number of sessions added before it.
    func add(_ session: Session) {
        lock.lock()
        precondition(session.index == sessions.count, "sessions are added in index order")
        sessions.append(session)
        version += 1
        lock.unlock()
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "reactor"
        thread.start()
        // Keepalives every 30 s on established sessions (hold time 240 s), from a second thread so a blocked
        // table write never delays them on the reading side.
        let keepalive = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                sleepMilliseconds(200)
                lock.lock()
                let all = sessions
                lock.unlock()
                let limit = now() - 30_000_000_000
                for session in all
                where session.state == .established && session.lastWrite.load(ordering: .relaxed) < limit {
                    try? session.sendKeepalive()
                }
            }
        }
        keepalive.name = "keepalive"
        keepalive.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    private func run() {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "epoll_create1: \(errnoText())")
        defer { Glibc.close(epoll) }
        var list: [Session] = []
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while !stopped.load(ordering: .relaxed) {
            lock.lock()
            let added = sessions[list.count...]
            list = sessions
            lock.unlock()
            for session in added {
                var event = epoll_event()
                event.events = UInt32(EPOLLIN.rawValue)
                event.data.u64 = UInt64(session.index)
                _ = epoll_ctl(epoll, EPOLL_CTL_ADD, session.fd, &event)
            }
            let ready = epoll_wait(epoll, &events, Int32(events.count), 20)
            guard ready > 0 else { continue }
            for k in 0..<Int(ready) {
                // Session indices are their positions in `sessions` (both modes add them in index order).
                let session = list[Int(events[k].data.u64)]
                if !session.readAvailable(onUpdate: onUpdate) {
                    _ = epoll_ctl(epoll, EPOLL_CTL_DEL, session.fd, nil)
                }
            }
        }
    }
}
