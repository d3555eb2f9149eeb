// SPDX-License-Identifier: Apache-2.0
// The real RouteProgrammer: route changes in batches over a NETLINK_ROUTE socket (NetlinkSocket, libmnl), answers
// mapped back to operations by NetlinkBatch, dumps read by RouteDump (NetlinkSocket.dump does the retries). Decision 0007 has the design.
//
// Ownership. The kernel refuses an add over any existing route (NLM_F_EXCL) and a delete of another protocol's
// route (the delete carries our rtm_protocol), but NLM_F_REPLACE replaces whoever owns the route. So the programmer
// keeps `owned`, the keys of its protocol's routes as the last dump showed them, updated by every acknowledged change, and
// sends a replace only for a key in it; any other replace is refused here with EEXIST and never reaches the kernel.
// What is unknown counts as not ours: a delete without an answer drops the key, and before the first dump nothing
// may be replaced. The remaining window is another program replacing our route between our dump and our replace;
// listening to RTNLGRP_IPV4_ROUTE/RTNLGRP_IPV6_ROUTE (issue #5) would narrow it, nothing can close it.
//
// ENOBUFS. rtnetlink queues every answer to a sendmsg before sendmsg returns; what does not fit in the socket's
// receive buffer is dropped, and the next recvmsg fails with ENOBUFS. The buffer is set large (SO_RCVBUFFORCE) and
// each batch is cut so that its answers fit (`maximumBatchBytes`), so this should not happen. If it does, the
// answers still queued are read, and every request left unanswered is reported as a RouteFailure with ENOBUFS:
// applied or not, nobody knows. Such adds do not make a key ours and such deletes make it not ours, so no later
// replace can hit a route we do not own; the caller dumps and reconciles. The same holds for a timeout (ETIMEDOUT)
// and for an answer that cannot be read (EBADMSG).

import BGPWire

/// Programs routes of one protocol number into the kernel over rtnetlink. One owner; not thread-safe.
///
/// A class, not a struct: it owns a socket, and two copies with diverging `owned` sets could each allow a replace the
/// other knows to be unsafe.
public final class NetlinkRouteProgrammer: RouteProgrammer {
    /// The protocol number of every route this programmer adds, replaces or deletes.
    public let routeProtocol: RouteProtocol
    /// Our routes as far as this programmer knows: the last `dump(protocol: routeProtocol)`, then every change the
    /// kernel acknowledged. Only keys in here are ever replaced.
    /// Keys only: the ownership rule needs membership, and a copy of every route would double the memory of a full
    /// table (KernelSync keeps the routes).
    public private(set) var owned: Set<KernelRoute.Key> = []
    /// How long to wait for the answers to one sendmsg (they are normally queued before sendmsg returns).
    public let answerTimeout: Duration
    /// The most request octets in one sendmsg, chosen so that the answers fit in the receive buffer.
    public let maximumBatchBytes: Int
    /// The receive buffer the kernel granted (SO_RCVBUF as read back).
    public var receiveBufferBytes: Int { socket.receiveBufferBytes }
    /// Buffers sent with route changes (sendmsg calls) so far.
    public private(set) var batchesSent = 0
    /// Times recvmsg reported ENOBUFS (answers dropped by the kernel).
    public private(set) var overruns = 0

    private let socket: NetlinkSocket
    private var nextSequence: UInt32 = 1

    /// What one answer costs in the receive buffer: an ack is about 832 octets of skb truesize on Linux 6.x; a
    /// refusal with its text a little more.
    static let answerCost = 1536
    /// The smallest route request: header, rtmsg and an IPv4 RTA_DST (an IPv4 blackhole add, or delete).
    static let smallestRequest = 36
    /// A dump that keeps coming back NLM_F_DUMP_INTR is given up after this many attempts.
    static let dumpAttempts = 8

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
    /// - Parameters:
    ///   - receiveBufferBytes: requested SO_RCVBUF; the kernel doubles it. 4 MiB takes 64 KiB batches of even the
    ///     smallest requests with room to spare.
    ///   - maximumBatchBytes: cap on request octets per sendmsg; nil chooses it from the granted receive buffer.
    ///     Tests set it to provoke ENOBUFS.
    public convenience init(
        routeProtocol: RouteProtocol = .bird,
        receiveBufferBytes: Int = 4 << 20,
        maximumBatchBytes: Int? = nil,
        answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(receiveBufferBytes: receiveBufferBytes)
        self.init(socket: socket, routeProtocol: routeProtocol, maximumBatchBytes: maximumBatchBytes,
                  answerTimeout: answerTimeout)
    }

    /// Takes over an open NETLINK_ROUTE socket, bound or not, for instance one a helper thread created inside
    /// another network namespace (a socket stays in the namespace it was created in). It is closed with the
    /// programmer, also when this initializer throws.
    public convenience init(
        adoptingSocket descriptor: Int32,
        routeProtocol: RouteProtocol = .bird,
        receiveBufferBytes: Int = 4 << 20,
        maximumBatchBytes: Int? = nil,
        answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(adopting: descriptor, receiveBufferBytes: receiveBufferBytes)
        self.init(socket: socket, routeProtocol: routeProtocol, maximumBatchBytes: maximumBatchBytes,
                  answerTimeout: answerTimeout)
    }

    private init(socket: NetlinkSocket, routeProtocol: RouteProtocol, maximumBatchBytes: Int?,
                 answerTimeout: Duration) {
        self.socket = socket
        self.routeProtocol = routeProtocol
        self.answerTimeout = answerTimeout
        let fitting = max(1, socket.receiveBufferBytes / Self.answerCost) * Self.smallestRequest
        self.maximumBatchBytes = max(1, maximumBatchBytes ?? min(65536, fitting))
    }

    // MARK: Changes

    /// Applies the changes in order, continuing past failures, in as few sendmsg calls as the batch size allows.
    /// Returns the refused changes in the order given. Refused here, without asking the kernel: a route of another
    /// protocol (EPERM), a unicast route without next hops (EINVAL), and a replace whose key is not in `owned`
    /// (EEXIST).
    public func apply(_ changes: [RouteOperation]) -> [RouteFailure] {
        var failures: [(index: Int, failure: RouteFailure)] = []
        // The changes to send next, as indices into `changes`, and how many of them may add a key to `owned`.
        var segment: [Int] = []
        segment.reserveCapacity(changes.count)
        var additions = 0
        // Keys changed by the segment so far; only a replace asks, so without one nothing is hashed here.
        let replaces = changes.contains { if case .replace = $0 { true } else { false } }
        var touched: Set<KernelRoute.Key> = []
        func flush() {
            failures += send(changes, segment, additions: additions)
            segment.removeAll(keepingCapacity: true)
            additions = 0
            touched = []
        }
        for (index, change) in changes.enumerated() {
            if let refusal = refusal(of: change) {
                failures.append((index, RouteFailure(operation: change, error: refusal.0, message: refusal.1)))
                continue
            }
            switch change {
            case .add:
                additions += 1
            case .replace(let route):
                // Whether this key is ours depends on an earlier change in this call: learn its answer first.
                let key = route.installedKey
                if touched.contains(key) { flush() }
                guard owned.contains(key) else {
                    let message = "not replaced: no route of protocol \(routeProtocol.rawValue) with this prefix, "
                        + "table and priority in the last dump or since"
                    failures.append((index, RouteFailure(operation: change, error: .fileExists, message: message)))
                    continue
                }
                additions += 1
            case .delete:
                break
            }
            segment.append(index)
            if replaces { touched.insert(change.route.installedKey) }
        }
        flush()
        if failures.count > 1 { failures.sort { $0.index < $1.index } }
        return failures.map(\.failure)
    }

    /// Why a change is refused before it reaches the kernel, if it is.
    private func refusal(of change: RouteOperation) -> (KernelErrno, String)? {
        let route = change.route
        if route.routeProtocol != routeProtocol {
            return (.operationNotPermitted,
                    "route of protocol \(route.routeProtocol.rawValue); this programmer owns \(routeProtocol.rawValue)")
        }
        if case .delete = change { return nil }
        if case .unicast(let hops) = route.kind, hops.isEmpty {
            return (.invalidArgument, "unicast route without next hops")
        }
        return nil
    }

    /// Sends `changes[i]` for every `i` in `segment` (in that order) in batches, and records each answer in
    /// `owned`; returns the refusals with their indices. One batch value is filled, sent and emptied again, so each
    /// request is encoded once, into a buffer allocated once.
    private func send(
        _ changes: [RouteOperation],
        _ segment: [Int],
        additions: Int
    ) -> [(index: Int, failure: RouteFailure)] {
        guard !segment.isEmpty else { return [] }
        // Room for every key the segment may add, so `owned` does not rehash while the answers are recorded.
        if additions > 0 { owned.reserveCapacity(owned.count + additions) }
        var failures: [(index: Int, failure: RouteFailure)] = []
        var batch = NetlinkBatch(firstSequence: nextSequence, capacity: maximumBatchBytes + 512)
        var position = 0
        while position < segment.count {
            batch.removeAll(firstSequence: nextSequence)
            while position + batch.count < segment.count,
                  batch.append(changes[segment[position + batch.count]], maximumBytes: maximumBatchBytes) {}
            nextSequence = batch.nextSequence
            let unknown = exchange(&batch)
            let reason = unknown ?? (.timedOut, "no answer; outcome unknown, dump to reconcile")
            for request in 0..<batch.count {
                let index = segment[position + request]
                let operation = changes[index]
                switch batch.answer(at: request) {
                case .acknowledged:
                    record(operation, applied: true)
                case .refused(let failure):
                    record(operation, applied: false)
                    failures.append((index, failure))
                case .none:
                    forget(operation)
                    failures.append((index, RouteFailure(operation: operation, error: reason.0, message: reason.1)))
                }
            }
            position += batch.count
        }
        return failures
    }

    /// Sends one batch and reads answers until each request has one, the deadline passes, or reading fails.
    /// Records the answers in the batch; returns the errno and text for requests left without one (nil: none left).
    private func exchange(_ batch: inout NetlinkBatch) -> (KernelErrno, String)? {
        batchesSent += 1
        if let error = socket.send(batch.bytes) {
            // Nothing in the buffer was handled; report every request with the sendmsg errno.
            return (error, "sendmsg failed; not applied")
        }
        let deadline = ContinuousClock.now.advanced(by: answerTimeout)
        var overrun = false
        while !batch.isAnswered {
            // After an overrun only what is already queued can still come: read it without waiting.
            switch socket.receiveDatagram(until: overrun ? .now : deadline) {
            case .received(let count):
                do {
                    try batch.receive(datagram: socket.datagram(count))
                } catch {
                    return (.badMessage, "unreadable answer (\(error)); outcome unknown, dump to reconcile")
                }
            case .overrun:
                overrun = true
                overruns += 1
            case .timedOut:
                if overrun {
                    return (.noBufferSpace, "answer dropped (receive buffer overrun); outcome unknown, "
                        + "dump to reconcile")
                }
                return (.timedOut, "no answer within \(answerTimeout); outcome unknown, dump to reconcile")
            case .failed(let error):
                return (error, "recvmsg failed; outcome unknown, dump to reconcile")
            }
        }
        return nil
    }

    /// Updates `owned` from a change the kernel answered.
    private func record(_ operation: RouteOperation, applied: Bool) {
        switch (operation, applied) {
        case (.add(let route), true), (.replace(let route), true): owned.insert(route.installedKey)
        case (.delete(let route), true): owned.remove(route.installedKey)
        // ESRCH: there is no route of ours with this key (whatever we thought).
        case (.delete(let route), false): owned.remove(route.installedKey)
        // An add refused (EEXIST on a foreign route, ENETUNREACH, ...) or a replace refused leaves the key as it was.
        case (.add, false), (.replace, false): break
        }
    }

    /// Updates `owned` for a change whose outcome is unknown: a key that may no longer be ours is dropped. An add
    /// cannot have taken a key from anyone (NLM_F_EXCL) and a replace of a key in `owned` keeps it ours.
    private func forget(_ operation: RouteOperation) {
        if case .delete(let route) = operation { owned.remove(route.installedKey) }
    }

    // MARK: Dump

    /// Every IPv4 and IPv6 route with `routeProtocol`, in every table, sorted by prefix, table and priority. One
    /// RTM_GETROUTE dump per family, filtered by the kernel (strict checking) and again here; a dump the kernel
    /// marks NLM_F_DUMP_INTR (the tables changed during it), or that met a receive overrun, is repeated. A dump of
    /// this programmer's own protocol replaces `owned`.
    public func dump(protocol routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute] {
        var routes: [KernelRoute] = []
        for family in [IPAddress.Family.ipv4, .ipv6] {
            routes += try dump(family: family, routeProtocol: routeProtocol)
        }
        routes = routes.filter { $0.routeProtocol == routeProtocol }.sorted {
            ($0.prefix, $0.table, $0.priority) < ($1.prefix, $1.table, $1.priority)
        }
        if routeProtocol == self.routeProtocol {
            owned = Set(routes.map(\.key))
        }
        return routes
    }

    private func dump(family: IPAddress.Family, routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute] {
        let dump = try socket.dump(
            operation: "dump \(family == .ipv4 ? "IPv4" : "IPv6") routes", attempts: Self.dumpAttempts,
            answerTimeout: answerTimeout, overrun: { overruns += 1 },
            makeDump: {
                let sequence = nextSequence
                nextSequence &+= 1
                return (NetlinkRequest.routeDump(family: family, routeProtocol: routeProtocol, table: nil,
                                                 sequence: sequence), RouteDump(sequence: sequence))
            },
            receive: { dump, messages throws(NetlinkParseError) in try dump.receive(messages) },
            state: { ($0.isComplete, $0.wasInterrupted, $0.error) })
        return dump.routes
    }
}
