// SPDX-License-Identifier: Apache-2.0
// Reads every route of one table, whatever its protocol, and the interface names, over a NETLINK_ROUTE socket of
// its own: what swiftletd learns other programs' routes from (calico/node's BIRD `protocol kernel { learn; }` scans
// the table the same way). It never changes anything, so it needs no ownership rule; NetlinkRouteProgrammer's
// dumps stay filtered by our protocol.

import BGPWire

/// Dumps routes of any protocol and the interface index → name table. One owner; not thread-safe. A class because
/// it owns a socket.
public final class NetlinkRouteReader {
    public let answerTimeout: Duration
    private let socket: NetlinkSocket
    private var nextSequence: UInt32 = 1
    /// A dump that keeps coming back NLM_F_DUMP_INTR is given up after this many attempts.
    static let dumpAttempts = 8

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace. The buffer holds a large table's
    /// dump parts; a dump is retried when it overruns anyway.
    public convenience init(
        receiveBufferBytes: Int = 4 << 20, answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        self.init(socket: try NetlinkSocket(receiveBufferBytes: receiveBufferBytes), answerTimeout: answerTimeout)
    }

    /// Takes over an open NETLINK_ROUTE socket, for instance one created inside another network namespace (tests).
    /// It is closed with the reader, also when this initializer throws.
    public convenience init(
        adoptingSocket descriptor: Int32, receiveBufferBytes: Int = 4 << 20, answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(adopting: descriptor, receiveBufferBytes: receiveBufferBytes)
        self.init(socket: socket, answerTimeout: answerTimeout)
    }

    private init(socket: NetlinkSocket, answerTimeout: Duration) {
        self.socket = socket
        self.answerTimeout = answerTimeout
    }

    /// Every IPv4 and IPv6 route of `table` (filtered by the kernel with strict checking, and again here) that
    /// `KernelRoute` can represent, every protocol.
    public func routes(table: RouteTable) throws(KernelCallError) -> [KernelRoute] {
        var routes: [KernelRoute] = []
        for family in [IPAddress.Family.ipv4, .ipv6] {
            let dump: RouteDump
            do throws(KernelCallError) {
                dump = try socket.dump(
                    operation: "dump \(family == .ipv4 ? "IPv4" : "IPv6") routes of table \(table.rawValue)",
                    attempts: Self.dumpAttempts, answerTimeout: answerTimeout,
                    makeDump: {
                        let sequence = takeSequence()
                        return (NetlinkRequest.routeDump(family: family, routeProtocol: nil, table: table,
                                                         sequence: sequence), RouteDump(sequence: sequence))
                    },
                    receive: { dump, messages throws(NetlinkParseError) in try dump.receive(messages) },
                    state: { ($0.isComplete, $0.wasInterrupted, $0.error) })
            } catch where error.error == .noSuchEntry {
                // With strict checking a table the family has no route in yet is ENOENT, not an empty dump.
                continue
            }
            routes += dump.routes.filter { $0.table == table }
        }
        return routes
    }

    /// Interface index → name, for every link.
    public func interfaceNames() throws(KernelCallError) -> [UInt32: String] {
        let operation = "dump links"
        let dump = try socket.dump(
                operation: operation, attempts: Self.dumpAttempts, answerTimeout: answerTimeout,
                makeDump: {
                    let sequence = takeSequence()
                    return (NetlinkRequest.linkDump(sequence: sequence), NetlinkDump(sequence: sequence))
                },
                receive: { dump, messages throws(NetlinkParseError) in try dump.receive(messages) },
                state: { ($0.isComplete, $0.wasInterrupted, $0.error) })
            var names: [UInt32: String] = [:]
            for message in dump.messages where message.header.type == .newLink {
                do {
                    let link = try LinkInfo(linkMessagePayload: message.payload)
                    names[link.index] = link.name
                } catch {
                    throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
                }
            }
            return names
        }
    
        private func takeSequence() -> UInt32 {
            defer { nextSequence &+= 1 }
            return nextSequence
        }
    }
    