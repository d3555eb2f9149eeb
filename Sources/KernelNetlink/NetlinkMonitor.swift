// SPDX-License-Identifier: Apache-2.0
// Listens to the kernel's link, address and route notifications (rtnetlink multicast groups, linux/rtnetlink.h
// RTNLGRP_*) on its own NETLINK_ROUTE socket and hands each one, as a KernelChange, to a handler. KernelSync uses it
// to notice a tunnel device going down, an underlay address changing, or another program changing a route of ours
// (decision 0007 names that window).
//
// Threading. A dedicated pthread blocks in poll() on the socket and on the read end of a pipe; `stop()` writes to
// the pipe, so the thread wakes at once, and joins it. The handler runs on that thread, one change at a time, in
// the kernel's order; it must be quick (hand the change to an actor or a queue) because while it runs nothing is
// read and the socket's receive buffer fills. When the buffer overflows anyway the kernel drops notifications and
// the next read fails with ENOBUFS: the handler then gets `.overrun` and must read the kernel's state again. The
// receive buffer is set large (SO_RCVBUFFORCE, 8 MiB asked) to make that rare.
//
// Ordering against reads. The groups are joined in the initializer, so notifications queue from then on;
// `start()` only begins delivering them. An owner that creates the monitor, then reads the state it cares about,
// then starts the monitor sees every change after its read (and perhaps some before, which re-reading absorbs).
//
// Our own routes. A daemon that installs 100,000 routes would otherwise read back 100,000 notifications of its own
// changes just to drop them (20 % of swiftletd's time in the kernel benchmark). With `ignoringRouteProtocol` a
// classic BPF socket filter (SO_ATTACH_FILTER) makes the kernel drop RTM_NEWROUTE and RTM_DELROUTE notifications
// with that rtm_protocol before they are queued: they cost no buffer space, no wake-up and no read. The filter is
// attached before the groups are joined, so no such notification is ever queued. See `routeFilter` for the bytes it
// looks at and its byte-order assumption.

import Glibc
import Synchronization

/// Delivers rtnetlink link, address and route notifications to a handler on a thread of its own.
///
/// `Sendable` without `@unchecked`: the only mutable state is in a Mutex, and the socket lives in `Loop`, whose
/// `@unchecked` is explained there. `start()` and `stop()` may be called from any thread (not from the handler:
/// `stop()` there only asks the thread to end).
public final class NetlinkMonitor: Sendable {
    /// RTNLGRP_* (linux/rtnetlink.h): the groups the monitor joins.
    enum Group {
        static let link: UInt32 = 1  // RTNLGRP_LINK
        static let ipv4Address: UInt32 = 5  // RTNLGRP_IPV4_IFADDR
        static let ipv4Route: UInt32 = 7  // RTNLGRP_IPV4_ROUTE
        static let ipv6Address: UInt32 = 9  // RTNLGRP_IPV6_IFADDR
        static let ipv6Route: UInt32 = 11  // RTNLGRP_IPV6_ROUTE
        static let all = [link, ipv4Address, ipv6Address, ipv4Route, ipv6Route]
    }

    private enum State {
        case idle
        case running(pthread_t)
        case stopped
    }

    private let loop: Loop
    private let state = Mutex<State>(.idle)

    /// The receive buffer the kernel granted (SO_RCVBUF as read back).
    public let receiveBufferBytes: Int
    /// Route notifications with this protocol number are dropped by the kernel (a socket filter) and never
    /// delivered; nil: every route notification is delivered.
    public let ignoredRouteProtocol: RouteProtocol?

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace and joins the link, address and route
    /// groups. Nothing is delivered before `start()`.
    /// - Parameters:
    ///   - ignoringRouteProtocol: RTM_NEWROUTE/RTM_DELROUTE notifications whose `rtm_protocol` is this are dropped
    ///     in the kernel, before they reach the socket (the owner's own routes: it knows about those already).
    ///     Link and address notifications, and routes of every other protocol, are delivered as before.
    public convenience init(
        ignoringRouteProtocol: RouteProtocol? = nil,
        receiveBufferBytes: Int = 8 << 20,
        handler: @escaping @Sendable (KernelChange) -> Void
    ) throws(KernelCallError) {
        try self.init(socket: try NetlinkSocket(receiveBufferBytes: receiveBufferBytes),
                      ignoringRouteProtocol: ignoringRouteProtocol, handler: handler)
    }

    /// Takes over an open NETLINK_ROUTE socket, bound or not, for instance one a helper thread created inside
    /// another network namespace (a socket stays in the namespace it was created in, and reports that namespace's
    /// changes). It is closed with the monitor, also when this initializer throws.
    public convenience init(
        adoptingSocket descriptor: Int32,
        ignoringRouteProtocol: RouteProtocol? = nil,
        receiveBufferBytes: Int = 8 << 20,
        handler: @escaping @Sendable (KernelChange) -> Void
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(adopting: descriptor, receiveBufferBytes: receiveBufferBytes)
        try self.init(socket: socket, ignoringRouteProtocol: ignoringRouteProtocol, handler: handler)
    }

    private init(
        socket: NetlinkSocket,
        ignoringRouteProtocol: RouteProtocol?,
        handler: @escaping @Sendable (KernelChange) -> Void
    ) throws(KernelCallError) {
        // The filter first: nothing is queued before the groups are joined, so no ignored notification ever is.
        if let ignoringRouteProtocol { try socket.attach(filter: Self.routeFilter(ignoring: ignoringRouteProtocol)) }
        for group in Group.all { try socket.join(group: group) }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw KernelCallError(operation: "pipe", error: KernelErrno(rawValue: errno))
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        receiveBufferBytes = socket.receiveBufferBytes
        ignoredRouteProtocol = ignoringRouteProtocol
        loop = Loop(socket: socket, wakeRead: ends[0], wakeWrite: ends[1], handler: handler)
    }

    deinit { stop() }

    /// The socket filter that drops RTM_NEWROUTE and RTM_DELROUTE notifications of one protocol and keeps every
    /// other datagram whole:
    ///
    ///     0  A = length of the datagram
    ///     1  if A >= 28 (nlmsghdr 16 + rtmsg 12) goto 2 else goto 8  (too short for a route: keep it)
    ///     2  A = nlmsg_type                    (16 bits at offset 4)
    ///     3  if A == RTM_NEWROUTE goto 5 else goto 4
    ///     4  if A == RTM_DELROUTE goto 5 else goto 8
    ///     5  A = rtm_protocol                  (8 bits at offset 16 + 5)
    ///     6  if A == protocol goto 7 else goto 8
    ///     7  return 0                          (dropped)
    ///     8  return 0xffffffff                 (kept whole)
    ///
    /// Where the fields are. A netlink datagram's data starts with the `struct nlmsghdr` (linux/netlink.h:
    /// `__u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; ...`, 16 octets), so nlmsg_type is at offset 4, and a
    /// route message's `struct rtmsg` (linux/rtnetlink.h: family, dst_len, src_len, tos, table, protocol, ...)
    /// follows at NLMSG_HDRLEN = 16, so rtm_protocol is at 21. Only the first message of a datagram is looked at:
    /// rtnetlink sends each route notification in a datagram of its own (rtmsg_fib, inet6_rt_notify: one
    /// nlmsg per skb), and a datagram starting with anything else is kept whole.
    ///
    /// Byte order. Netlink fields are in host byte order, but BPF_LD|BPF_H|BPF_ABS loads 16 bits in network byte
    /// order (linux/filter.h's classic BPF: `get_unaligned_be16`, ntohs of the host-order field). So nlmsg_type is
    /// compared with `UInt16(bigEndian: type)`: what a big-endian load of the host-order value gives, which is
    /// the value byte-swapped on little-endian hosts (x86-64, arm64: 24 is compared as 0x1800) and unchanged on
    /// big-endian ones. rtm_protocol is one octet (BPF_B) and has no byte order.
    static func routeFilter(ignoring routeProtocol: RouteProtocol) -> [SocketFilter.Instruction] {
        typealias F = SocketFilter
        let newRoute = UInt32(UInt16(bigEndian: NetlinkMessageType.newRoute.rawValue))
        let deleteRoute = UInt32(UInt16(bigEndian: NetlinkMessageType.deleteRoute.rawValue))
        let routeHeaderEnd = UInt32(NetlinkMessageHeader.size + RouteMessage.size)
        return [
            F.Instruction(F.load | F.word | F.length, k: 0),
            F.Instruction(F.jump | F.greaterOrEqual | F.constant, jt: 0, jf: 6, k: routeHeaderEnd),
            F.Instruction(F.load | F.half | F.absolute, k: 4),
            F.Instruction(F.jump | F.equal | F.constant, jt: 1, jf: 0, k: newRoute),
            F.Instruction(F.jump | F.equal | F.constant, jt: 0, jf: 3, k: deleteRoute),
            F.Instruction(F.load | F.byte | F.absolute, k: UInt32(NetlinkMessageHeader.size + 5)),
            F.Instruction(F.jump | F.equal | F.constant, jt: 0, jf: 1, k: UInt32(routeProtocol.rawValue)),
            F.Instruction(F.return | F.constant, k: F.drop),
            F.Instruction(F.return | F.constant, k: F.accept),
        ]
    }

    /// Starts the thread that delivers changes. Calling it again while running does nothing; after `stop()` a
    /// monitor cannot be restarted (create a new one).
    public func start() throws(KernelCallError) {
        let result: Int32? = state.withLock { state in
            guard case .idle = state else { return nil }
            let context = Unmanaged.passRetained(loop).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                let loop = Unmanaged<Loop>.fromOpaque(raw!).takeRetainedValue()
                loop.run()
                return nil
            }, context)
            if created != 0 {
                Unmanaged<Loop>.fromOpaque(context).release()
                return created
            }
            state = .running(thread)
            return nil
        }
        if let result, result != 0 {
            throw KernelCallError(operation: "pthread_create", error: KernelErrno(rawValue: result))
        }
    }

    /// Ends the thread and waits for it (unless called from the handler, on the thread itself). No handler call
    /// starts after this returns. Calling it again does nothing.
    public func stop() {
        let thread: pthread_t? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let thread) = state { return thread }
            return nil
        }
        guard let thread else { return }
        loop.wake()
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

extension NetlinkMonitor {
    /// The socket, the wake pipe and the handler, owned by the monitor thread while it runs.
    ///
    /// `@unchecked Sendable`: the socket (a non-Sendable class with a receive buffer) is used by the monitor thread
    /// only, from `start()` on; before that nobody touches it, and the pthread_create/pthread_join pair orders the
    /// hand-over. `wake()` touches only the pipe's write end, and write(2) on a pipe is thread-safe.
    fileprivate final class Loop: @unchecked Sendable {
        let socket: NetlinkSocket
        let wakeRead: Int32
        let wakeWrite: Int32
        let handler: @Sendable (KernelChange) -> Void

        init(socket: NetlinkSocket, wakeRead: Int32, wakeWrite: Int32,
             handler: @escaping @Sendable (KernelChange) -> Void) {
            self.socket = socket
            self.wakeRead = wakeRead
            self.wakeWrite = wakeWrite
            self.handler = handler
        }

        deinit {
            close(wakeRead)
            close(wakeWrite)
        }

        func wake() {
            var byte: UInt8 = 1
            while write(wakeWrite, &byte, 1) < 0 && errno == EINTR {}
        }

        /// Waits for notifications or the wake pipe; returns when woken, or when the socket fails for good (after
        /// telling the handler `.overrun`, since changes may then go unseen).
        func run() {
            var descriptors = [
                pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                descriptors[0].revents = 0
                descriptors[1].revents = 0
                if poll(&descriptors, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    handler(.overrun)
                    return
                }
                if descriptors[1].revents != 0 { return }
                guard descriptors[0].revents != 0 else { continue }
                // Readable, or POLLERR for a pending ENOBUFS: receive() reads it without waiting.
                switch socket.receive(until: .now) {
                case .messages(let messages):
                    for message in messages {
                        do {
                            if let change = try KernelChange(message) { handler(change) }
                        } catch {
                            handler(.overrun)  // an unreadable notification: whatever it said is lost
                        }
                    }
                case .overrun, .malformed:
                    handler(.overrun)
                case .timedOut:
                    continue
                case .failed:
                    handler(.overrun)
                    return
                }
            }
        }
    }
}
