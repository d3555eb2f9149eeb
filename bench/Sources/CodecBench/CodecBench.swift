// SPDX-License-Identifier: Apache-2.0
// Decode and encode throughput of BGPWire on full-table-like streams: prefixes per second (best of N runs) and
// heap allocations per prefix (malloc-interposer, one counted run). Not a test: it asserts nothing about time.

import BGPWire
import MallocInterposerSwift
import NIOCore

@main
struct CodecBench {
    static func main() {
        let arguments = CommandLine.arguments
        let runs = arguments.firstIndex(of: "--runs").map { Int(arguments[$0 + 1])! } ?? 7
        let v4Count = arguments.firstIndex(of: "--ipv4").map { Int(arguments[$0 + 1])! } ?? 1_000_000
        let v6Count = arguments.firstIndex(of: "--ipv6").map { Int(arguments[$0 + 1])! } ?? 100_000
        MallocInterposerSwift.initialize()

        let workloads = [
            ("ipv4", Workload.make(family: .ipv4Unicast, prefixes: v4Count, sets: 1000, seed: 4)),
            ("ipv6", Workload.make(family: .ipv6Unicast, prefixes: v6Count, sets: 100, seed: 6)),
        ]
        print("| stream | prefixes | UPDATEs | octets | decode Mprefix/s | decode allocs/prefix | encode Mprefix/s | encode allocs/prefix | re-encode Mprefix/s |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for (name, workload) in workloads {
            let decode = measure(runs: runs, prefixes: workload.prefixCount) { decodeAll(workload) }
            let encode = measure(runs: runs, prefixes: workload.prefixCount) { encodeAll(workload) }
            let decoded = decodeMessages(workload)
            let reencode = measure(runs: runs, prefixes: workload.prefixCount) { reencodeAll(decoded) }
            print(
                "| \(name) | \(workload.prefixCount) | \(workload.messageCount) | \(workload.stream.readableBytes) | "
                    + "\(format(decode.rate)) | \(format(decode.allocations, digits: 4)) | \(format(encode.rate)) | "
                    + "\(format(encode.allocations, digits: 4)) | \(format(reencode.rate)) |")
        }
    }

    struct Result {
        var rate: Double  // million prefixes per second, best run
        var allocations: Double  // mallocs per prefix, counted run
    }

    static func measure(runs: Int, prefixes: Int, _ body: () -> Int) -> Result {
        let clock = ContinuousClock()
        var best = Duration.seconds(1_000)
        for _ in 0..<runs {
            var seen = 0
            let elapsed = clock.measure { seen = body() }
            precondition(seen == prefixes, "processed \(seen) prefixes, expected \(prefixes)")
            best = min(best, elapsed)
        }
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        _ = body()
        MallocInterposerSwift.unhook()
        let mallocs = MallocInterposerSwift.getStatistics().mallocCount
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        return Result(rate: Double(prefixes) / seconds / 1e6, allocations: Double(mallocs) / Double(prefixes))
    }

    /// Reads every UPDATE from the stream; returns the prefixes seen.
    static func decodeAll(_ workload: Workload) -> Int {
        var buffer = workload.stream
        var count = 0
        let context = workload.decodeContext
        while let decoded = try! buffer.readBGPMessage(context: context) {
            guard case .update(let update) = decoded.message else { continue }
            count += update.announced.count + (update.attributes.mpReach?.nlri.count ?? 0)
        }
        return count
    }

    static func decodeMessages(_ workload: Workload) -> [BGPMessage] {
        var buffer = workload.stream
        var messages: [BGPMessage] = []
        while let decoded = try! buffer.readBGPMessage(context: workload.decodeContext) { messages.append(decoded.message) }
        return messages
    }

    /// Packs every attribute set's prefixes into UPDATEs, as an Adj-RIB-Out would.
    // One reused output buffer so encode runs measure encoding, not allocation; the benchmark is single-threaded.
    nonisolated(unsafe) static var encodeBuffer = ByteBuffer()

    static func encodeAll(_ workload: Workload) -> Int {
        encodeBuffer.clear()
        encodeBuffer.reserveCapacity(workload.stream.readableBytes + 65536)
        var count = 0
        let nextHops = workload.family == .ipv6Unicast ? [IPAddress("2001:db8::1")!, IPAddress("fe80::1")!] : []
        for (attributes, nlri) in workload.sets {
            UpdatePacker.writeAnnouncements(
                nlri, family: workload.family, nextHops: nextHops, attributes: attributes, into: &encodeBuffer,
                context: Workload.context)
            count += nlri.count
        }
        precondition(encodeBuffer.readableBytes == workload.stream.readableBytes)
        return count
    }

    /// Encodes already-built UpdateMessage values (the generic writeBGPMessage path).
    static func reencodeAll(_ messages: [BGPMessage]) -> Int {
        encodeBuffer.clear()
        var count = 0
        for message in messages {
            encodeBuffer.writeBGPMessage(message, context: Workload.context)
            if case .update(let update) = message {
                count += update.announced.count + (update.attributes.mpReach?.nlri.count ?? 0)
            }
        }
        return count
    }

    static func format(_ value: Double, digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return "\(rounded)"
    }
}

extension Workload {
    var decodeContext: DecodeContext { Workload.context.decodeContext }
}
