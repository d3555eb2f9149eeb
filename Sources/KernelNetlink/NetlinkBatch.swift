// SPDX-License-Identifier: Apache-2.0
// Many route requests in one buffer for one sendmsg, each with its own sequence number and NLM_F_ACK. rtnetlink
// handles the messages of a buffer one by one, in the sender's context, and queues one NLMSG_ERROR per request
// (error 0 = ack); a failed request does not stop the ones after it. The batch maps each answer back to the
// operation, and so the prefix, that it belongs to, with the kernel's extended-ack text.
//
// Cost. A batch of 100,000 routes is on the path of every route the daemon installs, so the bookkeeping is per
// request an array slot, not a hash: sequence numbers are consecutive, so request i has `firstSequence &+ i` and an
// answer's slot is `sequence &- firstSequence` (wrapping at 2^32 like the numbers). Acks are read in place from the
// receive buffer (`receive(datagram:)`); only a refusal, an ack carrying ext-ack attributes, or a stranger is copied
// into a `NetlinkMessage` and read by `NetlinkErrorMessage`. One batch value can be emptied and refilled
// (`removeAll(firstSequence:)`) so that its buffers are allocated once per `apply`.

/// A set of route operations encoded for one sendmsg, and the answers received for them so far.
public struct NetlinkBatch: Sendable {
    /// The request octets to send.
    public var bytes: [UInt8] { encoder.bytes }
    private var encoder: NetlinkEncoder
    /// The sequence number of the first request; request `i` has `firstSequence &+ i`.
    public private(set) var firstSequence: UInt32
    /// The operations, in request order (index `i` has sequence number `firstSequence &+ i`).
    public private(set) var operations: [RouteOperation] = []
    /// The sequence number the next appended operation will get.
    public private(set) var nextSequence: UInt32
    /// How many requests the kernel acknowledged with error 0.
    public private(set) var acknowledged = 0
    /// Requests the kernel refused, in the order the answers arrived.
    public private(set) var failures: [RouteFailure] = []
    /// Answers whose sequence number is not (or no longer) in the batch; a sign of a shared or confused socket.
    public private(set) var unexpected: [NetlinkMessage] = []
    /// Per request: `State` raw values.
    private var states: [UInt8] = []
    /// Request index → the refusal; only refused requests have an entry.
    private var refusals: [Int: RouteFailure] = [:]
    private var answeredCount = 0

    private enum State {
        static let unanswered: UInt8 = 0
        static let acknowledged: UInt8 = 1
        static let refused: UInt8 = 2
    }

    public init(firstSequence: UInt32) {
        self.firstSequence = firstSequence
        nextSequence = firstSequence
        encoder = NetlinkEncoder()
    }

    /// An empty batch whose request buffer has room for `capacity` octets before it grows.
    init(firstSequence: UInt32, capacity: Int) {
        self.firstSequence = firstSequence
        nextSequence = firstSequence
        encoder = NetlinkEncoder(capacity: capacity)
    }

    /// Empties the batch for reuse, keeping its buffers' capacity; the next request gets `firstSequence`.
    public mutating func removeAll(firstSequence: UInt32) {
        self.firstSequence = firstSequence
        nextSequence = firstSequence
        encoder.removeAll()
        operations.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
        acknowledged = 0
        answeredCount = 0
        if !failures.isEmpty { failures.removeAll() }
        if !unexpected.isEmpty { unexpected.removeAll() }
        if !refusals.isEmpty { refusals.removeAll() }
    }

    public var count: Int { operations.count }
    public var isEmpty: Bool { operations.isEmpty }

    /// Appends one request; returns its sequence number. Sequence numbers wrap at 2³².
    @discardableResult
    public mutating func append(_ operation: RouteOperation) -> UInt32 {
        let sequence = nextSequence
        precondition(operations.count < Int(UInt32.max), "a batch holds fewer than 2^32 requests")
        NetlinkRequest.appendRoute(operation, sequence: sequence, to: &encoder)
        operations.append(operation)
        states.append(State.unanswered)
        nextSequence = sequence &+ 1
        return sequence
    }

    /// Appends one request if the batch then holds at most `maximumBytes` request octets, or if it is empty (a
    /// request larger than the limit travels alone). Returns false, leaving the batch as it was, otherwise. The
    /// request is encoded once, straight into the batch; only the one that does not fit is encoded again in the
    /// next batch.
    public mutating func append(_ operation: RouteOperation, maximumBytes: Int) -> Bool {
        let start = encoder.bytes.count
        precondition(operations.count < Int(UInt32.max), "a batch holds fewer than 2^32 requests")
        NetlinkRequest.appendRoute(operation, sequence: nextSequence, to: &encoder)
        if start > 0 && encoder.bytes.count > maximumBytes {
            encoder.truncate(to: start)
            return false
        }
        operations.append(operation)
        states.append(State.unanswered)
        nextSequence &+= 1
        return true
    }

    /// The operation with this sequence number, if it is in the batch.
    public func operation(for sequence: UInt32) -> RouteOperation? {
        let index = Int(sequence &- firstSequence)
        return index < operations.count ? operations[index] : nil
    }

    /// Records the answers in one received buffer's messages. Non-error messages are ignored.
    public mutating func receive(_ messages: [NetlinkMessage]) throws(NetlinkParseError) {
        for message in messages where message.header.type == .error {
            try receive(errorMessage: message)
        }
    }

    /// Records the answers in one received datagram, read in place: the same as
    /// `receive(NetlinkMessage.parseStream(datagram))`, including the errors it throws, without building a message
    /// per ack. An ack is `| nlmsghdr (16), type NLMSG_ERROR | error 0 (4) | echoed request nlmsghdr (16) |`
    /// (NETLINK_CAP_ACK); its slot is the echoed header's sequence number less `firstSequence`.
    public mutating func receive(datagram: UnsafeRawBufferPointer) throws(NetlinkParseError) {
        let header = NetlinkMessageHeader.size
        let errorType = NetlinkMessageType.error.rawValue
        let tlvs = NetlinkMessageFlags.acknowledgementTLVs.rawValue
        var offset = 0
        while offset < datagram.count {
            let available = datagram.count - offset
            guard available >= header else {
                throw .truncated(offset: offset, needed: header, available: available)
            }
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= header else { throw .badLength(offset: offset, length: length) }
            guard length <= available else { throw .truncated(offset: offset, needed: length, available: available) }
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            if type == errorType {
                let flags = datagram.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self)
                // error (4) and the echoed header (16) are there; a plain ack (no ext-ack TLVs to read)
                if length >= header + 4 + header && flags & tlvs == 0
                    && datagram.loadUnaligned(fromByteOffset: offset + header, as: Int32.self) == 0
                {
                    let sequence = datagram.loadUnaligned(fromByteOffset: offset + header + 4 + 8, as: UInt32.self)
                    let index = Int(sequence &- firstSequence)
                    if index < states.count && states[index] == State.unanswered {
                        states[index] = State.acknowledged
                        answeredCount += 1
                        acknowledged += 1
                    } else {
                        unexpected.append(Self.message(datagram, at: offset, length: length))
                    }
                } else {
                    try receive(errorMessage: Self.message(datagram, at: offset, length: length))
                }
            }
            offset += (length + 3) & ~3
        }
    }

    /// A copy of the message at `offset` (checked: `length` octets, at least a header).
    private static func message(_ datagram: UnsafeRawBufferPointer, at offset: Int, length: Int) -> NetlinkMessage {
        let octets = Array(datagram[offset..<(offset + length)])
        return NetlinkMessage(header: NetlinkMessageHeader(octets, at: 0), payload: Array(octets[16...]))
    }

    private mutating func receive(errorMessage message: NetlinkMessage) throws(NetlinkParseError) {
        let answer = try NetlinkErrorMessage(message)
        let index = Int(answer.request.sequence &- firstSequence)
        guard index < states.count, states[index] == State.unanswered else {
            unexpected.append(message)
            return
        }
        answeredCount += 1
        if let error = answer.error {
            let failure = RouteFailure(operation: operations[index], error: error, message: answer.message)
            failures.append(failure)
            refusals[index] = failure
            states[index] = State.refused
        } else {
            acknowledged += 1
            states[index] = State.acknowledged
        }
    }

    /// The sequence numbers of the requests, in request order.
    public var sequences: [UInt32] { (0..<operations.count).map { firstSequence &+ UInt32(truncatingIfNeeded: $0) } }

    /// What the kernel said to one request so far.
    public enum Answer: Hashable, Sendable {
        case acknowledged
        case refused(RouteFailure)
        /// No answer (yet): the request may or may not have been applied.
        case none
    }

    /// The answer to the request with this sequence number (`.none` also for a number not in the batch).
    public func answer(to sequence: UInt32) -> Answer {
        let index = Int(sequence &- firstSequence)
        return index < states.count ? answer(at: index) : .none
    }

    /// The answer to the request at `index` (request order, `0..<count`).
    public func answer(at index: Int) -> Answer {
        switch states[index] {
        case State.acknowledged: .acknowledged
        case State.refused: refusals[index].map(Answer.refused) ?? .none
        default: .none
        }
    }

    /// True when every request has been answered (acknowledged or refused).
    public var isAnswered: Bool { answeredCount == operations.count }

    /// Operations with no answer yet, in request order. After the receive loop gives up (ENOBUFS on the socket,
    /// for instance), these are the ones whose outcome is unknown and which need a dump to settle.
    public var unanswered: [RouteOperation] {
        operations.indices.filter { states[$0] == State.unanswered }.map { operations[$0] }
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
            if !current.append(operation, maximumBytes: maximumBytes) {
                let next = current.nextSequence
                batches.append(current)
                current = NetlinkBatch(firstSequence: next)
                current.append(operation)
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
