// SPDX-License-Identifier: Apache-2.0
// Many route requests in one buffer for one sendmsg, each with its own sequence number and NLM_F_ACK. rtnetlink
// handles the messages of a buffer one by one, in the sender's context, and queues one NLMSG_ERROR per request
// (error 0 = ack); a failed request does not stop the ones after it. The batch maps each answer back to the
// operation, and so the prefix, that it belongs to, with the kernel's extended-ack text.

/// A set of route operations encoded for one sendmsg, and the answers received for them so far.
public struct NetlinkBatch: Sendable {
    /// The request octets to send.
    public var bytes: [UInt8] { encoder.bytes }
    private var encoder = NetlinkEncoder()
    /// Sequence number → operation, for every request in the batch.
    public private(set) var operations: [UInt32: RouteOperation] = [:]
    /// The sequence number the next appended operation will get.
    public private(set) var nextSequence: UInt32
    /// How many requests the kernel acknowledged with error 0.
    public private(set) var acknowledged = 0
    /// Requests the kernel refused, in the order the answers arrived.
    public private(set) var failures: [RouteFailure] = []
    /// Answers whose sequence number is not (or no longer) in the batch; a sign of a shared or confused socket.
    public private(set) var unexpected: [NetlinkMessage] = []
    private var answered: Set<UInt32> = []
    private var refusals: [UInt32: RouteFailure] = [:]
    private var order: [UInt32] = []

    public init(firstSequence: UInt32) {
        nextSequence = firstSequence
    }

    public var count: Int { order.count }
    public var isEmpty: Bool { order.isEmpty }

    /// Appends one request; returns its sequence number. Sequence numbers wrap at 2³².
    @discardableResult
    public mutating func append(_ operation: RouteOperation) -> UInt32 {
        let sequence = nextSequence
        precondition(operations[sequence] == nil, "a batch holds fewer than 2^32 requests")
        NetlinkRequest.appendRoute(operation, sequence: sequence, to: &encoder)
        operations[sequence] = operation
        order.append(sequence)
        nextSequence = sequence &+ 1
        return sequence
    }

    /// Records the answers in one received buffer's messages. Non-error messages are ignored.
    public mutating func receive(_ messages: [NetlinkMessage]) throws(NetlinkParseError) {
        for message in messages where message.header.type == .error {
            let answer = try NetlinkErrorMessage(message)
            let sequence = answer.request.sequence
            guard let operation = operations[sequence], !answered.contains(sequence) else {
                unexpected.append(message)
                continue
            }
            answered.insert(sequence)
            if let error = answer.error {
                let failure = RouteFailure(operation: operation, error: error, message: answer.message)
                failures.append(failure)
                refusals[sequence] = failure
            } else {
                acknowledged += 1
            }
        }
    }

    /// The sequence numbers of the requests, in request order.
    public var sequences: [UInt32] { order }

    /// What the kernel said to one request so far.
    public enum Answer: Hashable, Sendable {
        case acknowledged
        case refused(RouteFailure)
        /// No answer (yet): the request may or may not have been applied.
        case none
    }

    /// The answer to the request with this sequence number (`.none` also for a number not in the batch).
    public func answer(to sequence: UInt32) -> Answer {
        guard answered.contains(sequence) else { return .none }
        return refusals[sequence].map(Answer.refused) ?? .acknowledged
    }

    /// True when every request has been answered (acknowledged or refused).
    public var isAnswered: Bool { answered.count == order.count }

    /// Operations with no answer yet, in request order. After the receive loop gives up (ENOBUFS on the socket,
    /// for instance), these are the ones whose outcome is unknown and which need a dump to settle.
    public var unanswered: [RouteOperation] {
        order.filter { !answered.contains($0) }.compactMap { operations[$0] }
    }

    /// Splits operations into batches of at most `maximumBytes` request octets each (one request can exceed it and
    /// then travels alone). Sequence numbers continue from batch to batch. 64 KiB keeps both the request and its
    /// acks (36 octets per ack, the request echoed in full per error) well inside default socket buffers.
    public static func batches(
        _ operations: [RouteOperation],
        firstSequence: UInt32,
        maximumBytes: Int = 65536
    ) -> [NetlinkBatch] {
        var batches: [NetlinkBatch] = []
        var current = NetlinkBatch(firstSequence: firstSequence)
        for operation in operations {
            let size = NetlinkRequest.route(operation, sequence: 0).count
            if !current.isEmpty && current.bytes.count + size > maximumBytes {
                let next = current.nextSequence
                batches.append(current)
                current = NetlinkBatch(firstSequence: next)
            }
            current.append(operation)
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
