// SPDX-License-Identifier: Apache-2.0
// The NETLINK_ROUTE socket under the programmers and the monitor, over libmnl (CMnl): open or adopt, bind, the socket
// options, a classic BPF filter (NetlinkMonitor), one sendmsg per buffer, and a receive that reads what is queued
// without waiting and otherwise waits with poll() until a deadline, so that a lost answer cannot hang the caller (and
// a batch's thousand queued acks cost a thousand recvmsg, not also a thousand poll). Everything else (building
// requests, reading answers) is the pure code of this module.

import CMnl
import Glibc

/// A bound NETLINK_ROUTE socket. Not thread-safe: one owner (the programmer) uses it at a time.
final class NetlinkSocket {
    /// `struct mnl_socket *` (opaque).
    private let socket: OpaquePointer
    /// SO_RCVBUF as the kernel reports it after our request (it doubles what it is given, for bookkeeping).
    let receiveBufferBytes: Int
    /// The receive area: 64 KiB holds the largest datagram the kernel sends (dump parts are at most 32 KiB).
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)

    /// What one `receive` got.
    enum Received {
        case messages([NetlinkMessage])
        /// recvmsg said ENOBUFS: the kernel dropped messages for this socket because its receive queue was full.
        case overrun
        /// Nothing arrived before the deadline.
        case timedOut
        case failed(KernelErrno)
        /// The octets were not a netlink stream (the kernel never sends that).
        case malformed(NetlinkParseError)
    }

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
    convenience init(receiveBufferBytes: Int) throws(KernelCallError) {
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else { throw Self.failure("mnl_socket_open") }
        try self.init(socket: socket, receiveBufferBytes: receiveBufferBytes)
    }

    /// Adopts an open NETLINK_ROUTE socket (one created in another network namespace, for instance); bound or not.
    /// The socket is closed with this object.
    convenience init(adopting descriptor: Int32, receiveBufferBytes: Int) throws(KernelCallError) {
        guard let socket = mnl_socket_fdopen(descriptor) else { throw Self.failure("mnl_socket_fdopen") }
        try self.init(socket: socket, receiveBufferBytes: receiveBufferBytes)
    }

    private init(socket: OpaquePointer, receiveBufferBytes requested: Int) throws(KernelCallError) {
        self.socket = socket
        let descriptor = mnl_socket_get_fd(socket)
        do throws(KernelCallError) {
            if mnl_socket_get_portid(socket) == 0 {
                guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
                    throw Self.failure("mnl_socket_bind")
                }
            }
            // Extended acks: the kernel's text ("Nexthop has invalid gateway") with each refusal (Linux 4.12).
            try Self.setNetlinkOption(socket, NETLINK_EXT_ACK, "NETLINK_EXT_ACK")
            // Strict checking: dump requests are validated and their filters (family, protocol, table) applied by
            // the kernel (Linux 4.20). Readers filter again, so an older kernel only costs a bigger dump.
            try Self.setNetlinkOption(socket, NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK")
            // A refusal echoes only the request's header, not the whole request: smaller answers, same meaning (the
            // sequence number is in the header; the ext-ack offset still points into our own buffer).
            try Self.setNetlinkOption(socket, NETLINK_CAP_ACK, "NETLINK_CAP_ACK")
            // The receive buffer must hold every answer to one sendmsg, because rtnetlink queues them all before
            // sendmsg returns. SO_RCVBUFFORCE (CAP_NET_ADMIN, which programming routes needs anyway) may exceed
            // net.core.rmem_max; without the capability SO_RCVBUF gives what rmem_max allows.
            var size = Int32(clamping: requested)
            let length = socklen_t(MemoryLayout<Int32>.size)
            if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
                guard setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, length) == 0 else {
                    throw Self.failure("setsockopt SO_RCVBUF")
                }
            }
            var actual: Int32 = 0
            var actualLength = length
            guard getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &actual, &actualLength) == 0 else {
                throw Self.failure("getsockopt SO_RCVBUF")
            }
            receiveBufferBytes = Int(actual)
        } catch {
            mnl_socket_close(socket)
            buffer.deallocate()
            throw error
        }
    }

    deinit {
        mnl_socket_close(socket)
        buffer.deallocate()
    }

    /// The file descriptor, for poll() alongside other descriptors (NetlinkMonitor).
    var descriptor: Int32 { mnl_socket_get_fd(socket) }

    /// Joins a multicast group (NETLINK_ADD_MEMBERSHIP with an `RTNLGRP_*` number, linux/rtnetlink.h): the kernel
    /// then sends this socket a notification for every change in that group, in this socket's namespace.
    func join(group: UInt32) throws(KernelCallError) {
        var number = group
        guard mnl_socket_setsockopt(socket, NETLINK_ADD_MEMBERSHIP, &number, socklen_t(MemoryLayout<UInt32>.size))
            == 0
        else { throw Self.failure("setsockopt NETLINK_ADD_MEMBERSHIP \(group)") }
    }

    /// Attaches a classic BPF socket filter (SO_ATTACH_FILTER, linux/filter.h): the kernel runs it on every
    /// datagram before queueing it to this socket, and drops the ones for which it returns 0. Replaces a filter
    /// attached before.
    func attach(filter program: [SocketFilter.Instruction]) throws(KernelCallError) {
        // The Swift layouts must be the C ones: 8-octet instructions, the pointer after `len` at pointer alignment.
        precondition(MemoryLayout<SocketFilter.Instruction>.stride == 8
            && MemoryLayout<SocketFilter.Program>.offset(of: \.filter) == MemoryLayout<UnsafeRawPointer>.alignment)
        var instructions = program
        let result = instructions.withUnsafeMutableBufferPointer { buffer in
            var fprog = SocketFilter.Program(length: UInt16(buffer.count), filter: buffer.baseAddress)
            return setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SocketFilter.attachOption, &fprog,
                              socklen_t(MemoryLayout<SocketFilter.Program>.size))
        }
        guard result == 0 else { throw Self.failure("setsockopt SO_ATTACH_FILTER") }
    }

    /// Sends one buffer in one sendmsg. rtnetlink handles every request in it before this returns.
    func send(_ bytes: [UInt8]) -> KernelErrno? {
        while true {
            let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
            if sent >= 0 { return sent == bytes.count ? nil : .messageTooLong }
            if errno != EINTR { return KernelErrno(rawValue: errno) }
        }
    }

    /// What one `receiveDatagram` got: the datagram's length in `datagram(_:)`, or why there is none.
    enum Datagram {
        case received(Int)
        case overrun
        case timedOut
        case failed(KernelErrno)
    }

    /// Waits until a datagram is readable or the deadline passes, and reads it. A deadline in the past still
    /// reads what is already queued (poll with timeout 0).
    func receive(until deadline: ContinuousClock.Instant) -> Received {
        switch receiveDatagram(until: deadline) {
        case .received(let count):
            do {
                return .messages(try NetlinkMessage.parseStream(Array(datagram(count))))
            } catch {
                return .malformed(error)
            }
        case .overrun: return .overrun
        case .timedOut: return .timedOut
        case .failed(let error): return .failed(error)
        }
    }

    /// Reads one datagram into the receive area, without copying or parsing it; `datagram(_:)` gives its octets
    /// until the next receive. Waits with poll() until the deadline only when nothing is queued: the answers to a
    /// sendmsg are queued before it returns, so a batch's acks are read one recvmsg each (MSG_DONTWAIT), without a
    /// poll() per ack. A deadline in the past reads what is already queued.
    func receiveDatagram(until deadline: ContinuousClock.Instant) -> Datagram {
        let descriptor = mnl_socket_get_fd(socket)
        while true {
            // MSG_TRUNC: netlink_recvmsg then returns the datagram's real length, so a cut one is noticed (ENOSPC,
            // as mnl_socket_recvfrom reports it).
            let count = recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT | MSG_TRUNC))
            if count >= 0 {
                return count > buffer.count ? .failed(KernelErrno(rawValue: ENOSPC)) : .received(count)
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: break
            case ENOBUFS: return .overrun
            default: return .failed(KernelErrno(rawValue: errno))
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Self.milliseconds(until: deadline))
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(KernelErrno(rawValue: errno))
            }
            if ready == 0 { return .timedOut }
        }
    }

    /// The octets of the datagram the last `receiveDatagram` returned (`count` of them); valid until the next
    /// receive.
    func datagram(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: deadline)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    private static func setNetlinkOption(
        _ socket: OpaquePointer,
        _ option: Int32,
        _ name: String
    ) throws(KernelCallError) {
        var on: Int32 = 1
        guard mnl_socket_setsockopt(socket, option, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw failure("setsockopt \(name)")
        }
    }

    private static func failure(_ operation: String) -> KernelCallError {
        KernelCallError(operation: operation, error: KernelErrno(rawValue: errno))
    }
}

/// Classic BPF as SO_ATTACH_FILTER takes it (linux/filter.h, linux/bpf_common.h), laid out in Swift so that CMnl's
/// shared header needs nothing more.
enum SocketFilter {
    /// `struct sock_filter`: `__u16 code; __u8 jt; __u8 jf; __u32 k;` (8 octets, no padding). `jt` and `jf` are
    /// how many instructions to skip after this one when a jump's condition holds or does not.
    struct Instruction: Equatable {
        var code: UInt16
        var jt: UInt8
        var jf: UInt8
        var k: UInt32

        init(_ code: UInt16, jt: UInt8 = 0, jf: UInt8 = 0, k: UInt32) {
            self.code = code
            self.jt = jt
            self.jf = jf
            self.k = k
        }
    }

    /// `struct sock_fprog`: `unsigned short len; struct sock_filter *filter;` (the pointer at offset 8 on LP64, as
    /// Swift lays out this struct too).
    struct Program {
        var length: UInt16
        var filter: UnsafeMutablePointer<Instruction>?
    }

    /// SO_ATTACH_FILTER (asm-generic/socket.h).
    static let attachOption: Int32 = 26

    // Instruction classes and modes (linux/bpf_common.h).
    static let load: UInt16 = 0x00  // BPF_LD
    static let jump: UInt16 = 0x05  // BPF_JMP
    static let `return`: UInt16 = 0x06  // BPF_RET
    static let word: UInt16 = 0x00  // BPF_W
    static let half: UInt16 = 0x08  // BPF_H
    static let byte: UInt16 = 0x10  // BPF_B
    static let absolute: UInt16 = 0x20  // BPF_ABS: packet data at offset k
    static let length: UInt16 = 0x80  // BPF_LEN: the packet's length
    static let equal: UInt16 = 0x10  // BPF_JEQ
    static let greaterOrEqual: UInt16 = 0x30  // BPF_JGE
    static let constant: UInt16 = 0x00  // BPF_K

    /// The whole datagram is kept (a return value is how many octets to keep; 0 drops it).
    static let accept: UInt32 = 0xffff_ffff
    static let drop: UInt32 = 0
}

extension NetlinkSocket {
    /// Sends a dump request and feeds every part of its answer to `receive` until the dump is complete; starts again
    /// when the kernel marks it inconsistent (NLM_F_DUMP_INTR) or the receive buffer overran, up to `attempts`
    /// times. `makeDump` gets a fresh sequence number per attempt and returns the request and an empty collector.
    /// The deadline bounds the wait for each part, not the whole dump, which may be long.
    func dump<Dump>(
        operation: String, attempts: Int, answerTimeout: Duration, overrun: () -> Void = {},
        makeDump: () -> (request: [UInt8], dump: Dump),
        receive: (inout Dump, [NetlinkMessage]) throws(NetlinkParseError) -> Void,
        state: (Dump) -> (isComplete: Bool, wasInterrupted: Bool, error: NetlinkErrorMessage?)
    ) throws(KernelCallError) -> Dump {
        for _ in 0..<attempts {
            var (request, dump) = makeDump()
            if let error = send(request) { throw KernelCallError(operation: operation, error: error) }
            var overran = false
            while !state(dump).isComplete {
                switch self.receive(until: ContinuousClock.now.advanced(by: answerTimeout)) {
                case .messages(let messages):
                    do {
                        try receive(&dump, messages)
                    } catch {
                        throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
                    }
                case .overrun:
                    overran = true
                    overrun()
                case .timedOut:
                    throw KernelCallError(operation: operation, error: .timedOut,
                                          message: "no answer within \(answerTimeout)")
                case .failed(let error):
                    throw KernelCallError(operation: operation, error: error)
                case .malformed(let error):
                    throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
                }
            }
            let outcome = state(dump)
            if let error = outcome.error {
                throw KernelCallError(operation: operation, error: error.error ?? .badMessage, message: error.message)
            }
            if outcome.wasInterrupted || overran { continue }
            return dump
        }
        throw KernelCallError(operation: operation, error: .interrupted,
                              message: "inconsistent (NLM_F_DUMP_INTR) \(attempts) times in a row")
    }
}
