// SPDX-License-Identifier: Apache-2.0
// Collects the raw answer to any dump request (links, addresses, routes): NLM_F_MULTI messages ended by NLMSG_DONE,
// whose payload is an int error (linux/netlink.h). NLM_F_DUMP_INTR on any part means the kernel's tables changed
// while it walked them and the dump has to be repeated. The caller reads the messages with the parser for their type,
// either after the dump (`messages`) or as they come (`receive(_:each:)`, which keeps none: RouteDump).

/// The messages of one dump, gathered over as many receives as it takes.
public struct NetlinkDump: Sendable {
    public let sequence: UInt32
    /// The data messages received so far (NLMSG_DONE and errors excluded), in order.
    public private(set) var messages: [NetlinkMessage] = []
    /// NLMSG_DONE arrived (or an error ended the dump).
    public private(set) var isComplete = false
    /// Some part carried NLM_F_DUMP_INTR: the result is inconsistent; dump again.
    public private(set) var wasInterrupted = false
    /// The error NLMSG_DONE or an NLMSG_ERROR reported, with its extended-ack text.
    public private(set) var error: NetlinkErrorMessage?

    public init(sequence: UInt32) {
        self.sequence = sequence
    }

    /// Takes the messages of one receive and keeps the data messages. Messages with another sequence number are
    /// ignored.
    public mutating func receive(_ received: [NetlinkMessage]) throws(NetlinkParseError) {
        var data: [NetlinkMessage] = []
        try receive(received) { message throws(NetlinkParseError) in data.append(message) }
        messages += data
    }

    /// Takes the messages of one receive and hands each data message to `each` instead of keeping it.
    public mutating func receive(
        _ received: [NetlinkMessage], each: (NetlinkMessage) throws(NetlinkParseError) -> Void
    ) throws(NetlinkParseError) {
        for message in received where message.header.sequence == sequence && !isComplete {
            if message.header.flags.contains(.dumpInterrupted) { wasInterrupted = true }
            switch message.header.type {
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
            case .noop: break
            default: try each(message)
            }
        }
    }
}
