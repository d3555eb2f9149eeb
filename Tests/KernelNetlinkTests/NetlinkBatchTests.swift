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
        #expect(batch.operations[1002] == Self.operations[2])
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
        #expect(batches[0].operations[UInt32.max - 1] == operations[0])
        #expect(batches[0].operations[0] == operations[2])  // wrapped
        #expect(batches[1].operations[8] == operations[10])
        #expect(NetlinkBatch.batches([], firstSequence: 1).isEmpty)
    }
}
