// SPDX-License-Identifier: Apache-2.0
// `bgp-fakepeer misbehave`: one session per case, one bad message, and exactly what the DUT answered, as JSON.

import ArgumentParser
import BGPWire
import Foundation
import NIOCore
import NIOPosix

struct MisbehaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "misbehave",
        abstract: "Establish a session, send one malformed message, and report the DUT's answer as JSON.",
        discussion: """
            With --case all (or a comma-separated list), case i runs on its own session from source + i, so a DUT \
            that delays reconnects after an error does not hold up the next case. Exit status 0 only if every \
            answer matched the expected outcome.
            """)

    @Option(help: "DUT address.") var target = "127.0.0.1"
    @Option(help: "DUT port.") var port = 1790
    @Option(help: "Our source address and BGP Identifier (case i of a list uses source + i).") var source = "127.0.1.1"
    @Option(help: "Our AS.") var localAS: UInt32 = 65001
    @Option(help: "The DUT's AS.") var remoteAS: UInt32 = 64512
    @Option(help: "Hold time we offer, seconds.") var hold: UInt16 = 3
    @Option(name: .customLong("case"), help: "Case name, comma-separated names, or all (see --list).")
    var caseName: String?
    @Flag(help: "List the cases and their expected outcomes.") var list = false

    func validate() throws {
        if list { return }
        guard let caseName else { throw ValidationError("--case NAME or --list") }
        for name in caseName.split(separator: ",") where name != "all" && MisbehaviourCase.named(String(name)) == nil {
            throw ValidationError("unknown case \(name); see --list")
        }
        guard let address = IPAddress(source), address.family == .ipv4 else { throw ValidationError("--source: IPv4") }
    }

    func run() async throws {
        if list {
            for c in MisbehaviourCase.all {
                print("\(c.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.expected.text.padding(toLength: 34, withPad: " ", startingAt: 0)) \(c.reference)")
            }
            return
        }
        let cases: [MisbehaviourCase] = caseName == "all"
            ? MisbehaviourCase.all : caseName!.split(separator: ",").map { MisbehaviourCase.named(String($0))! }
        let target = try SocketAddress(ipAddress: target, port: port)
        let base = IPAddress(source)!
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var results: [ProbeResult] = []
        for (i, misbehaviour) in cases.enumerated() {
            let loop = group.next()
            let settings = SpeakerSettings(
                localAS: localAS, remoteAS: remoteAS, holdTime: hold, address: IPAddress(ipv4: base.ipv4Value + UInt32(i)))
            let route = IPAddress(ipv4: 0x0AFF_0000 | UInt32(i + 1))
            let promise = loop.makePromise(of: ProbeResult.self)
            loop.execute {
                Probe(misbehaviour, settings: settings, route: route, eventLoop: loop, promise: promise)
                    .start(target: target, establishTimeout: .seconds(15))
            }
            results.append(try await promise.futureResult.get())
        }
        try? await group.shutdownGracefully()

        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if results.count == 1 {
            print(String(decoding: try encoder.encode(results[0]), as: UTF8.self))
        } else {
            print("[")
            for (i, result) in results.enumerated() {
                print("  " + String(decoding: try encoder.encode(result), as: UTF8.self) + (i + 1 < results.count ? "," : ""))
            }
            print("]")
        }
        if !results.allSatisfy(\.asExpected) { throw ExitCode(1) }
    }
}
