// SPDX-License-Identifier: Apache-2.0
// `bgp-fakepeer sessions`: many sessions, each from its own loopback address, on one event loop group.

import ArgumentParser
import BGPWire
import Foundation
import NIOCore
import NIOPosix

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Open many sessions to the DUT and measure establishment, keepalive gaps and notifications.",
        discussion: """
            Session i uses source address source-base + i as its address and BGP Identifier. Exit status 0 only if \
            every session was Established for the whole run and no gap between messages from the DUT exceeded the \
            hold time.
            """)

    @Option(help: "DUT address (active mode).") var target = "127.0.0.1"
    @Option(help: "DUT port (active mode).") var port = 1790
    @Option(help: "Number of sessions.") var count = 1
    @Option(help: "Source address of session 0; session i uses source-base + i.") var sourceBase = "127.0.1.1"
    @Option(help: "Our AS.") var localAS: UInt32 = 65001
    @Option(help: "The DUT's AS.") var remoteAS: UInt32 = 64512
    @Option(help: "Hold time we offer, seconds (0 or 3...65535).") var hold: UInt16 = 3
    @Option(help: "How long to run, seconds.") var duration: Double = 60
    @Option(help: "active: we connect; passive: the DUT connects to source-base + i : listen-port.")
    var connect: String = "active"
    @Option(help: "Port to listen on in passive mode.") var listenPort = 179
    @Option(help: "Host routes (/32) each session announces once Established.") var routesPerSession = 0
    @Option(help: "First block: with --block-length, session i announces block i of that length from here.")
    var blockBase: String?
    @Option(help: "Block prefix length (Calico's IPv4 default is 26).") var blockLength: Int?
    @Option(help: "Spread session starts over this many milliseconds.") var rampMs = 0
    @Option(help: "Delay before reconnecting after a failure, milliseconds.") var retryMs = 1000
    @Option(help: "Create this file once every session is set up and starting (a harness can wait for it).")
    var readyFile: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard hold == 0 || hold >= 3 else { throw ValidationError("--hold must be 0 or at least 3 (RFC 4271 §4.2)") }
        guard SessionsPlan.Mode(rawValue: connect) != nil else { throw ValidationError("--connect is active or passive") }
        guard let base = IPAddress(sourceBase), base.family == .ipv4 else {
            throw ValidationError("--source-base must be an IPv4 address")
        }
        guard UInt64(base.ipv4Value) + UInt64(count) <= UInt64(UInt32.max) else {
            throw ValidationError("--count runs past 255.255.255.255")
        }
        guard (blockBase == nil) == (blockLength == nil) else {
            throw ValidationError("--block-base and --block-length go together")
        }
        if let blockBase, let blockLength,
            case .failure(let error) = BlockPlan.make(base: blockBase, length: blockLength, count: count)
        {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let base = IPAddress(sourceBase)!
        let keepaliveSeconds = hold == 0 ? duration : max(1, Double(hold) / 3)
        let plan = SessionsPlan(
            target: try SocketAddress(ipAddress: target, port: port), mode: SessionsPlan.Mode(rawValue: connect)!,
            listenPort: listenPort, localAS: localAS, remoteAS: remoteAS, holdTime: hold,
            routesPerSession: routesPerSession,
            blocks: try blockBase.map { try BlockPlan.make(base: $0, length: blockLength!, count: count).get() },
            retryDelay: .milliseconds(Int64(retryMs)),
            expectedMessages: Int(duration / keepaliveSeconds) + 16)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        var peers: [(loop: any EventLoop, peer: NIOLoopBound<SessionPeer>)] = []
        peers.reserveCapacity(count)
        for i in 0..<count {
            let loop = group.next()
            let address = IPAddress(ipv4: base.ipv4Value + UInt32(i))
            let delay = count > 1 ? TimeAmount.milliseconds(Int64(rampMs * i / count)) : .zero
            let peer = try await loop.submit {
                let peer = NIOLoopBound(try SessionPeer(index: i, plan: plan, address: address, eventLoop: loop), eventLoop: loop)
                loop.scheduleTask(in: delay) { peer.value.start() }
                return peer
            }.get()
            peers.append((loop, peer))
        }

        if let readyFile {
            guard FileManager.default.createFile(atPath: readyFile, contents: Data("\(count)\n".utf8)) else {
                throw ValidationError("cannot create --ready-file \(readyFile)")
            }
        }
        let started = NIODeadline.now()
        let signal = await RunUntil.durationOrSignal(.nanoseconds(Int64(duration * 1e9)), on: group.next())
        if let signal { FileHandle.standardError.write(Data("bgp-fakepeer: \(signal), stopping\n".utf8)) }

        let now = NIODeadline.now()
        var reports: [SessionReport] = []
        reports.reserveCapacity(count)
        for (loop, peer) in peers {
            reports.append(try await loop.submit { peer.value.finish(at: now) }.get())
        }
        let summary = SessionsSummary(
            reports: reports, holdTime: hold, duration: Double((now - started).nanoseconds) / 1e9)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
        try? await group.shutdownGracefully()
        if !summary.ok { throw ExitCode(1) }
    }
}
