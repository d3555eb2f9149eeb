// SPDX-License-Identifier: Apache-2.0
// Collects the answer to an RTM_GETROUTE dump: NLM_F_MULTI RTM_NEWROUTE messages ended by NLMSG_DONE, whose
// payload is an int error (linux/netlink.h). NLM_F_DUMP_INTR on any part means the tables changed while the kernel
// walked them and the dump has to be repeated.

/// The routes of one dump, gathered over as many receives as it takes.
public struct RouteDump: Sendable {
    public let sequence: UInt32
    /// Routes received so far that Swiftlet can represent (see `KernelRoute.init(routeMessagePayload:)`).
    public private(set) var routes: [KernelRoute] = []
    /// NLMSG_DONE arrived (or an error ended the dump).
    public private(set) var isComplete = false
    /// Some part carried NLM_F_DUMP_INTR: the result is inconsistent; dump again.
    public private(set) var wasInterrupted = false
    /// The error NLMSG_DONE or an NLMSG_ERROR reported, with its extended-ack text.
    public private(set) var error: NetlinkErrorMessage?

    public init(sequence: UInt32) {
        self.sequence = sequence
    }

    /// Takes the messages of one receive. Messages with another sequence number are ignored.
    public mutating func receive(_ messages: [NetlinkMessage]) throws(NetlinkParseError) {
        for message in messages where message.header.sequence == sequence && !isComplete {
            if message.header.flags.contains(.dumpInterrupted) { wasInterrupted = true }
            switch message.header.type {
            case .newRoute:
                if let route = try KernelRoute(routeMessagePayload: message.payload) { routes.append(route) }
            case .done:
                isComplete = true
                if message.payload.count >= 4 {
                    let code = Int32(bitPattern: message.payload.netlinkUInt32(at: 0))
                    if code != 0 {
                        error = NetlinkErrorMessage(error: KernelErrno(rawValue: -code), request: message.header)
                    }
                }
            case .error:
                let answer = try NetlinkErrorMessage(message)
                if answer.error != nil {
                    error = answer
                    isComplete = true
                }
            default: break
            }
        }
    }
}
