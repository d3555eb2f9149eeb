// SPDX-License-Identifier: Apache-2.0
// The BIRD-compatible control socket (issue #7): the subset of BIRD's text protocol that calico/node's probes,
// `calicoctl node status` and `birdcl` speak, on its own Unix socket (`--bird-socket`, `--bird6-socket`). A NIO
// server like `ControlServer`: stale socket files are removed, the socket is 0660, one connection carries any number
// of commands, each answered in order. Every connection starts with BIRD's `0001` greeting; every line gets a
// complete reply (a `9001 syntax error` for what is not understood, `9000 Command too long` and a close for an
// over-long line), so no client waits forever. Parsing and rendering are pure (ControlProtocol/Bird); this file
// only gathers state from the speaker and the kernel. docs/bird-socket.md has the supported subset.

import BGPCore
import BGPTransport
import ClusterModel
import ControlProtocol
import Foundation
import KernelSync
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

enum BirdControlService {
    /// The service answering on `path` (IPv4 sessions, or IPv6 for `family == .ipv6` when sessions are split; every
    /// session when there is no IPv6 socket), or nil when there is none to run.
    static func make(
        path: String, family: BirdSocketFamily, speaker: BGPSpeaker,
        configuration: @escaping @Sendable () async -> DaemonConfiguration, kernel: KernelSync?, startedAt: Double,
        logger: Logger
    ) -> (any Service)? {
        if family == .ipv6 { ipv6SocketConfigured.store(true, ordering: .relaxed) }
        return BirdSocketServer(
            socketPath: path,
            responder: BirdResponder(
                family: family, speaker: speaker, configuration: configuration, kernel: kernel, startedAt: startedAt),
            logger: logger)
    }
}

/// Whether an IPv6 socket was asked for. Without one, the IPv4 socket reports every session, like BIRD 3's single
/// daemon (newer calico/node tells the families apart by the protocol names).
let ipv6SocketConfigured = Atomic<Bool>(false)

/// Which sessions a BIRD socket reports: calico/node runs `bird` (IPv4) and `bird6` (IPv6) with one socket each.
enum BirdSocketFamily: Sendable {
    case ipv4, ipv6
}

/// Answers one BIRD command line from the daemon's state.
struct BirdResponder: Sendable {
    let family: BirdSocketFamily
    let speaker: BGPSpeaker
    let configuration: @Sendable () async -> DaemonConfiguration
    let kernel: KernelSync?
    let startedAt: Double
    /// What `show status` and the greeting call the daemon: BIRD's version, so version-sniffing tools pick BIRD 2's
    /// formats, and ours.
    static let version = "2.0.12 (\(SpeakerControlHandler.version))"
    static let greeting = BirdText.greeting(version: version)

    /// The reply to one line, or nil for none (`quit`/`exit`).
    func answer(_ line: String) async -> String? {
        switch BirdCommand.parse(line) {
        case .quit:
            return nil
        case .syntaxError(let detail):
            return BirdText.syntaxError(detail)
        case .showStatus:
            return await status()
        case .showProtocols(let all, let selector):
            return await protocols(all: all, selector: selector)
        case .showRoute(let query):
            return await routes(query)
        }
    }

    func status() async -> String {
        let config = await configuration()
        let now = ProcessInfoLite.now()
        var gracefulRestart: BirdStatus.GracefulRestart?
        if let kernel, await !kernel.counters().swept {
            let wait = Int(await kernel.kernelSettings.staleRouteSweepTime)
            gracefulRestart = BirdStatus.GracefulRestart(
                waiting: await speaker.peersAwaitingEndOfRIB().count, remaining: Double(wait) - (now - startedAt),
                wait: wait)
        }
        return BirdText.status(
            BirdStatus(
                version: Self.version, routerID: config.routerID.description, hostname: ProcessInfoLite.hostname(),
                serverTime: now, bootTime: startedAt, reconfigurationTime: startedAt, gracefulRestart: gracefulRestart))
    }

    /// Sessions are split by family when both sockets exist; a lone `--bird-socket` reports them all.
    var split: Bool { family == .ipv6 || ipv6SocketConfigured.load(ordering: .relaxed) }

    /// This socket's sessions: those whose neighbor is of its address family (all of them when not split).
    func sessions() async -> [PeerStatus] {
        let all = await speaker.status()
        guard split else { return all }
        return all.filter { ($0.address.family == .ipv6) == (family == .ipv6) }
    }

    func protocols(all: Bool, selector: BirdProtocolSelector?) async -> String {
        var statuses = await sessions()
        if let selector {
            statuses = statuses.filter { selector.matches($0.name) }
            if statuses.isEmpty {
                if case .name = selector {
                    // BIRD: a bare word that names no protocol is an undefined symbol.
                    return BirdText.syntaxError("unexpected CF_SYM_UNDEFINED, expecting END or CF_SYM_KNOWN or TEXT")
                }
                return BirdText.noProtocolsMatch
            }
        }
        let rows = statuses.map { BirdProtocol(SpeakerControlHandler.detail($0)) }
        return BirdText.protocols(rows, all: all, heading: .calico, now: ProcessInfoLite.now())
    }

    func routes(_ bird: BirdRouteQuery) async -> String {
        let statuses = await sessions()
        if let name = bird.protocolName, !statuses.contains(where: { $0.name == name }) {
            return BirdText.syntaxError("unexpected CF_SYM_UNDEFINED")
        }
        if let name = bird.protocolName, statuses.first(where: { $0.name == name })?.state != .established {
            return BirdText.routes([], all: bird.all, prefixAsked: bird.prefix != nil, now: ProcessInfoLite.now())
        }
        let query = RouteQuery(
            prefix: bird.prefix, view: .selected, peer: bird.protocolName, all: !bird.primaryOnly,
            family: split ? (family == .ipv6 ? .ipv6 : .ipv4) : nil)
        let result = await speaker.routing { engine in RouteReportBuilder.report(query, engine: engine) }
        switch result {
        case .success(let report):
            let addresses = Dictionary(statuses.map { ($0.name, $0.address.description) }, uniquingKeysWith: { a, _ in a })
            var rows = BirdRoute.rows(report, peerAddresses: addresses, localSince: startedAt)
            if bird.primaryOnly { rows = rows.filter(\.primary) }
            return BirdText.routes(rows, all: bird.all, prefixAsked: bird.prefix != nil, now: ProcessInfoLite.now())
        case .failure(.badPrefix), .failure(.peerRequired):
            return BirdText.syntaxError("unexpected CF_SYM_UNDEFINED")
        case .failure(.unknownPeer):
            return BirdText.routes([], all: bird.all, prefixAsked: bird.prefix != nil, now: ProcessInfoLite.now())
        }
    }
}

/// The NIO side: a Unix stream socket, the greeting on accept, one reply per line.
struct BirdSocketServer: Service, CustomStringConvertible {
    let socketPath: String
    let responder: BirdResponder
    let logger: Logger
    var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// BIRD's own limit on a command line is far lower; anything longer than this is not a command.
    static let maximumLineLength = 4096

    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    var description: String { "BirdSocketServer(\(socketPath))" }

    func run() async throws {
        // Group-readable like BIRD started with `-g`: root and the socket's group may connect.
        try await SocketListener.run(
            path: socketPath, mode: 0o660, name: "BIRD-compatible socket", eventLoopGroup: eventLoopGroup,
            logger: logger, outbound: ByteBuffer.self, serve: serve)
    }

    /// Greets, then answers each line until the client hangs up or the server shuts down.
    func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: BirdResponder.greeting))
                var lines = ControlLineBuffer(maximumLineLength: Self.maximumLineLength)
                for try await chunk in inbound {
                    lines.append(chunk.readableBytesView)
                    while true {
                        let line: [UInt8]?
                        do throws(ControlCodecError) {
                            line = try lines.nextLine()
                        } catch {
                            let reply = BirdReply.single(BirdReplyCode.commandTooLong, "Command too long")
                            try await outbound.write(ByteBuffer(string: reply))
                            return
                        }
                        guard let line else { break }
                        if let reply = await responder.answer(Self.text(line)) {
                            try await outbound.write(ByteBuffer(string: reply))
                        }
                    }
                }
                if let last = lines.finish(), let reply = await responder.answer(Self.text(last)) {
                    try await outbound.write(ByteBuffer(string: reply))
                }
            }
        } catch {
            logger.debug("BIRD socket connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// A request line as text (a trailing CR dropped; invalid UTF-8 repaired, it cannot match a keyword anyway).
    static func text(_ line: [UInt8]) -> String {
        var bytes = line[...]
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
