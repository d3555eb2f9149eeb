// SPDX-License-Identifier: Apache-2.0
// The answer to an RTM_GETROUTE dump read as routes while it arrives (NetlinkDump does the framing: NLMSG_DONE, its
// error, NLM_F_DUMP_INTR), so a 100k-route dump never holds 100k raw messages.

/// The routes of one dump, gathered over as many receives as it takes.
public struct RouteDump: Sendable {
    private var raw: NetlinkDump
    /// Routes received so far that Swiftlet can represent (see `KernelRoute.init(routeMessagePayload:)`).
    public private(set) var routes: [KernelRoute] = []

    public init(sequence: UInt32) {
        raw = NetlinkDump(sequence: sequence)
    }

    public var sequence: UInt32 { raw.sequence }
    /// NLMSG_DONE arrived (or an error ended the dump).
    public var isComplete: Bool { raw.isComplete }
    /// Some part carried NLM_F_DUMP_INTR: the result is inconsistent; dump again.
    public var wasInterrupted: Bool { raw.wasInterrupted }
    /// The error NLMSG_DONE or an NLMSG_ERROR reported, with its extended-ack text.
    public var error: NetlinkErrorMessage? { raw.error }

    /// Takes the messages of one receive. Messages with another sequence number are ignored.
    public mutating func receive(_ messages: [NetlinkMessage]) throws(NetlinkParseError) {
        var received: [KernelRoute] = []
        try raw.receive(messages) { message throws(NetlinkParseError) in
            guard message.header.type == .newRoute else { return }
            if let route = try KernelRoute(routeMessagePayload: message.payload) { received.append(route) }
        }
        routes += received
    }
}
