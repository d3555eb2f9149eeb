// SPDX-License-Identifier: Apache-2.0
// Batches: many requests in one buffer, and the kernel's answers mapped back to operations by sequence number.
// The batch below was sent to a real kernel; its request and every answer are in Captures.swift.

import BGPWire
import KernelNetlink
import Testing

@Suite("Netlink batches")
struct NetlinkBatchTests {
    static func route(_ p: String, via gateway: String?, dev: UInt32? = 3) -> KernelRoute {
        KernelRoute(prefix: prefix(p), kind: .unicast([NextHop(gateway: gateway.map(ip), interfaceIndex: dev)]))
    }

    static let operations: [RouteOperation] = [
        .add(route("192.168.20.0/26", via: "10.0.0.2")),
        .add(route("192.168.20.0/26", via: "10.0.0.2")),
        .add(route("192.168.21.0/26", via: "172.16.9.9", dev: nil)),
        .add(KernelRoute(prefix: prefix("192.168.22.0/26"), kind: .blackhole)),
        .delete(KernelRoute(prefix: prefix("192.168.23.0/26"), kind: .blackhole)),
        .replace(route("2001:db8:20::/122", via: "2001:db8::2")),
        .delete(route("192.168.24.0/26", via: "10.0.0.2")),
        .add(route("192.168.24.0/26", via: "10.0.0.2")),
    ]

    static let replies = [
        Captures.batchReply0, Captures.batchReply1, Captures.batchReply2, Captures.batchReply3,
        Captures.batchReply4, Captures.batchReply5, Captures.batchReply6, Captures.batchReply7,
    ]

    static func batch() -> NetlinkBatch {
        var batch = NetlinkBatch(firstSequence: 1000)
        for operation in operations { batch.append(operation) }
        return batch
    }

    @Test("a batch is the requests back to back, with consecutive sequence numbers")
    func bytes() {
        let batch = Self.batch()
        #expect(batch.bytes == Captures.batchRequest)
        #expect(batch.count == 8 && batch.nextSequence == 1008)
        #expect(batch.operation(for: 1002) == Self.operations[2])
        var expected: [UInt8] = []
        for (i, operation) in Self.operations.enumerated() {
            expected += NetlinkRequest.route(operation, sequence: 1000 + UInt32(i))
        }
        #expect(batch.bytes == expected)
    }

    @Test("the kernel's answers: 3 acks; EEXIST, ENETUNREACH with its text, ESRCH, and the foreign route left alone")
    func answers() throws {
        var batch = Self.batch()
        for reply in Self.replies { try batch.receive(NetlinkMessage.parseStream(reply)) }
        #expect(batch.isAnswered && batch.unanswered.isEmpty && batch.unexpected.isEmpty)
        #expect(batch.acknowledged == 3)
        #expect(batch.failures == [
            RouteFailure(operation: Self.operations[1], error: .fileExists),
            RouteFailure(operation: Self.operations[2], error: .networkUnreachable,
                         message: "Nexthop has invalid gateway"),
            RouteFailure(operation: Self.operations[4], error: .noSuchProcess),
            // 192.168.24.0/26 belongs to `proto static`: delete with our protocol finds nothing, add finds it taken.
            RouteFailure(operation: Self.operations[6], error: .noSuchProcess),
            RouteFailure(operation: Self.operations[7], error: .fileExists),
        ])
        #expect(batch.failures[1].prefix == prefix("192.168.21.0/26"))
        #expect(batch.failures[1].description == "add 192.168.21.0/26: ENETUNREACH (Nexthop has invalid gateway)")
    }

    @Test("answers in one buffer, some missing, a duplicate and a stranger")
    func partial() throws {
        var batch = Self.batch()
        let buffer = Self.replies[0] + Self.replies[2] + Self.replies[2]
            + hex("24000000 0200 0001 07000000 00000000 00000000 24000000 1800 0506 07000000 00000000")
        try batch.receive(NetlinkMessage.parseStream(buffer))
        #expect(!batch.isAnswered)
        #expect(batch.acknowledged == 1 && batch.failures.count == 1)
        #expect(batch.unexpected.map(\.header.sequence) == [1002, 7])
        #expect(batch.unanswered == [1, 3, 4, 5, 6, 7].map { Self.operations[$0] })
        // Per request, by sequence number: what NetlinkRouteProgrammer reads to keep its set of owned routes.
        #expect(batch.sequences == Array(1000...1007))
        #expect(batch.answer(to: 1000) == .acknowledged)
        #expect(batch.answer(to: 1002) == .refused(RouteFailure(
            operation: Self.operations[2], error: .networkUnreachable, message: "Nexthop has invalid gateway")))
        #expect(batch.answer(to: 1001) == .none)
        #expect(batch.answer(to: 7) == .none)
    }

    @Test("splitting by size keeps sequence numbers running and every batch under the limit")
    func split() {
        let operations = (0..<100).map { i in
            RouteOperation.add(Self.route("10.\(i).0.0/16", via: "10.0.0.2"))  // 52 octets each
        }
        let batches = NetlinkBatch.batches(operations, firstSequence: UInt32.max - 1, maximumBytes: 520)
        #expect(batches.count == 10)
        #expect(batches.allSatisfy { $0.bytes.count == 520 && $0.count == 10 })
        #expect(batches[0].operation(for: UInt32.max - 1) == operations[0])
        #expect(batches[0].operation(for: 0) == operations[2])  // wrapped
        #expect(batches[1].operation(for: 8) == operations[10])
        #expect(NetlinkBatch.batches([], firstSequence: 1).isEmpty)
    }

    /// Feeds each buffer to a batch the way NetlinkRouteProgrammer does: read in place from the receive buffer.
    static func receiveInPlace(_ batch: inout NetlinkBatch, _ buffers: [[UInt8]]) throws(NetlinkParseError) {
        for buffer in buffers {
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, buffer.count), alignment: 8)
            defer { raw.deallocate() }
            raw.copyBytes(from: buffer)
            try batch.receive(datagram: UnsafeRawBufferPointer(start: raw.baseAddress, count: buffer.count))
        }
    }

    @Test("answers read in place from the datagram equal answers read from parsed messages")
    func inPlace() throws {
        var parsed = Self.batch()
        var inPlace = Self.batch()
        for reply in Self.replies { try parsed.receive(NetlinkMessage.parseStream(reply)) }
        try Self.receiveInPlace(&inPlace, Self.replies)
        #expect(inPlace.isAnswered && inPlace.unanswered.isEmpty && inPlace.unexpected.isEmpty)
        #expect(inPlace.acknowledged == parsed.acknowledged && inPlace.failures == parsed.failures)
        for sequence in inPlace.sequences { #expect(inPlace.answer(to: sequence) == parsed.answer(to: sequence)) }
        #expect((0..<8).map { inPlace.answer(at: $0) } == inPlace.sequences.map { parsed.answer(to: $0) })

        // Several answers in one buffer, a duplicate, a stranger, and a non-error message (ignored).
        let buffer = Self.replies[0] + Self.replies[2] + Self.replies[2]
            + hex("24000000 0200 0001 07000000 00000000 00000000 24000000 1800 0506 07000000 00000000")
            + hex("14000000 0300 0200 07000000 00000000 00000000")
        var partialParsed = Self.batch()
        var partialInPlace = Self.batch()
        try partialParsed.receive(NetlinkMessage.parseStream(buffer))
        try Self.receiveInPlace(&partialInPlace, [buffer])
        #expect(partialInPlace.unexpected == partialParsed.unexpected)
        #expect(partialInPlace.unexpected.map(\.header.sequence) == [1002, 7])
        #expect(partialInPlace.acknowledged == 1 && partialInPlace.failures == partialParsed.failures)
        #expect(partialInPlace.unanswered == partialParsed.unanswered)
    }

    @Test("reading in place throws what parsing throws, for every cut of the captured answers")
    func inPlaceErrors() {
        let stream = Self.replies.reduce([], +)
        for cut in 1..<stream.count {
            let bytes = Array(stream[0..<cut])
            var batch = Self.batch()
            var parsedError: NetlinkParseError?
            do { try batch.receive(NetlinkMessage.parseStream(bytes)) } catch { parsedError = error }
            var inPlaceError: NetlinkParseError?
            do throws(NetlinkParseError) {
                try Self.receiveInPlace(&batch, [bytes])
            } catch {
                inPlaceError = error
            }
            #expect(inPlaceError == parsedError, "cut at \(cut)")
        }
    }

    @Test("append with a limit: a request that does not fit leaves the batch as it was; an empty batch takes any")
    func appendWithLimit() {
        let operation = RouteOperation.add(Self.route("10.1.0.0/16", via: "10.0.0.2"))  // 52 octets
        var batch = NetlinkBatch(firstSequence: 40)
        let alone = batch.append(operation, maximumBytes: 10)
        #expect(alone)  // an empty batch takes a request larger than the limit
        #expect(batch.count == 1 && batch.bytes.count == 52)
        let tooMuch = batch.append(operation, maximumBytes: 103)
        #expect(!tooMuch)
        #expect(batch.count == 1 && batch.bytes.count == 52 && batch.nextSequence == 41)
        let fits = batch.append(operation, maximumBytes: 104)
        #expect(fits)
        #expect(batch.bytes == NetlinkRequest.route(operation, sequence: 40) + NetlinkRequest.route(operation, sequence: 41))

        // Emptied and refilled: the same octets and answers as a fresh batch.
        var reused = Self.batch()
        try? Self.receiveInPlace(&reused, Self.replies)
        reused.removeAll(firstSequence: 1000)
        #expect(reused.isEmpty && reused.bytes.isEmpty && reused.failures.isEmpty && reused.acknowledged == 0)
        for operation in Self.operations { reused.append(operation) }
        #expect(reused.bytes == Captures.batchRequest && !reused.isAnswered)
        #expect(reused.operations == Self.operations && reused.firstSequence == 1000)
        #expect(reused.answer(to: 1000) == .none)
    }
}
