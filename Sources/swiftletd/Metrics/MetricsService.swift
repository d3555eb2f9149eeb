// SPDX-License-Identifier: Apache-2.0
// Prometheus `/metrics` (issue #7): off unless `--metrics-address HOST:PORT` is given. A minimal HTTP/1.1 responder on
// NIO (no HTTP codec dependency): it reads the request line and headers up to the blank line, answers one request
// per connection (`Connection: close`) and closes. GET and HEAD of /metrics get the exposition
// (`text/plain; version=0.0.4`), other paths 404, other methods 405; a client that sends nothing useful within
// 10 s, or more than 16 KiB of headers, is dropped. What is exported: MetricsCollector, docs/metrics.md.

import BFDTransport
import BGPTransport
import ControlProtocol
import KernelSync
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

enum MetricsService {
    /// The HTTP service exposing `/metrics` on `address` (`HOST:PORT`), or nil when there is none to run. A bad
    /// address gives a service that fails at start with an error naming it, so the daemon exits non-zero.
    static func make(
        address: String, speaker: BGPSpeaker, kernel: KernelSync?,
        datastore: (@Sendable () async -> DatastoreStatus)? = nil, bfd: BFDService? = nil, logger: Logger
    ) -> (any Service)? {
        switch MetricsAddress.parse(address) {
        case .failure(let error):
            logger.critical("\(error)")
            return FailedService(error: error)
        case .success(let parsed):
            let shared = PrometheusCollectorRegistry()
            // Libraries instrumented with swift-metrics report into the same exposition.
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: shared))
            let version = SpeakerControlHandler.version.split(separator: " ").last.map(String.init) ?? "unknown"
            return MetricsServer(
                address: parsed,
                collector: MetricsCollector(
                    speaker: speaker, kernel: kernel, shared: shared, version: version, datastore: datastore, bfd: bfd),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        }
    }

    /// Stands in for a service that cannot run: throws its error at start.
    struct FailedService: Service, CustomStringConvertible {
        let error: any Error
        func run() async throws { throw error }
        var description: String { "MetricsService(failed)" }
    }
}

/// The `/metrics` HTTP listener.
struct MetricsServer: Service, CustomStringConvertible {
    let address: MetricsAddress
    let collector: MetricsCollector
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    static let maximumHeaderBytes = 16 * 1024
    static let requestTimeout = TimeAmount.seconds(10)

    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    var description: String { "MetricsServer(\(address))" }

    func run() async throws {
        let server: NIOAsyncChannel<Connection, Never>
        do {
            server = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 32)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(to: try address.socketAddress()) { channel in
                    channel.eventLoop.makeCompletedFuture { try Connection(wrappingChannelSynchronously: channel) }
                }
        } catch {
            let failure = MetricsBindError(address: address, underlying: "\(error)")
            logger.critical("\(failure)")
            throw failure
        }
        logger.info("metrics listening", metadata: ["address": "\(address)", "path": "/metrics"])
        try await SocketListener.serveUntilShutdown(server, name: "metrics", logger: logger, serve: serve)
        logger.info("metrics closed", metadata: ["address": "\(address)"])
    }

    /// One request, one response, close.
    func serve(_ connection: Connection) async {
        let channel = connection.channel
        let timeout = channel.eventLoop.scheduleTask(in: Self.requestTimeout) { channel.close(promise: nil) }
        defer { timeout.cancel() }
        do {
            try await connection.executeThenClose { inbound, _ in
                var received: [UInt8] = []
                var head: HTTPRequestLine.Parsed?
                for try await chunk in inbound {
                    received += chunk.readableBytesView
                    if let parsed = HTTPRequestLine.parse(received) {
                        head = parsed
                        break
                    }
                    if received.count > Self.maximumHeaderBytes {
                        head = .bad(431, "Request Header Fields Too Large")
                        break
                    }
                }
                guard let head else { return }
                let response = await respond(to: head)
                try await channel.writeAndFlush(ByteBuffer(bytes: response)).get()
            }
        } catch {
            logger.debug("metrics connection ended", metadata: ["error": "\(error)"])
        }
    }

    func respond(to head: HTTPRequestLine.Parsed) async -> [UInt8] {
        switch head {
        case .bad(let status, let reason):
            return Self.response(status, reason, body: Array("\(reason)\n".utf8))
        case .request(let method, let target):
            guard method == "GET" || method == "HEAD" else {
                return Self.response(405, "Method Not Allowed", extraHeaders: "Allow: GET, HEAD\r\n", body: Array("use GET\n".utf8))
            }
            let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
            let body: [UInt8]
            let contentType: String
            switch path {
            case "/metrics":
                body = await collector.render(now: Self.now())
                contentType = "text/plain; version=0.0.4; charset=utf-8"
            case "/":
                body = Array("swiftletd: Prometheus metrics at /metrics\n".utf8)
                contentType = "text/plain; charset=utf-8"
            default:
                return Self.response(404, "Not Found", body: Array("not found; metrics are at /metrics\n".utf8))
            }
            return Self.response(200, "OK", contentType: contentType, body: body, headOnly: method == "HEAD")
        }
    }

    static func response(
        _ status: Int, _ reason: String, contentType: String = "text/plain; charset=utf-8", extraHeaders: String = "",
        body: [UInt8], headOnly: Bool = false
    ) -> [UInt8] {
        let head =
            "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            + extraHeaders + "Connection: close\r\n\r\n"
        return Array(head.utf8) + (headOnly ? [] : body)
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The request line of an HTTP/1.x request, once the header block is complete.
enum HTTPRequestLine {
    enum Parsed: Sendable {
        case request(method: String, target: String)
        case bad(Int, String)
    }

    /// nil until the blank line ending the headers arrived (CRLF CRLF, or LF LF from lax clients).
    static func parse(_ bytes: [UInt8]) -> Parsed? {
        guard let end = headerEnd(bytes) else { return nil }
        // Bytes, not Characters: Swift reads CR LF as one Character.
        var lineEnd = bytes[..<end].firstIndex(of: 0x0A) ?? end
        if lineEnd > 0 && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let firstLine = String(decoding: bytes[..<lineEnd], as: UTF8.self)
        let words = firstLine.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3, words[2].hasPrefix("HTTP/1."), words[1].hasPrefix("/") else {
            return .bad(400, "Bad Request")
        }
        return .request(method: String(words[0]), target: String(words[1]))
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for i in 1..<bytes.count where bytes[i] == 0x0A {
            if bytes[i - 1] == 0x0A { return i }
            if i >= 3, bytes[i - 1] == 0x0D, bytes[i - 2] == 0x0A { return i }
        }
        return nil
    }
}
