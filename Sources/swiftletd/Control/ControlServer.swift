// SPDX-License-Identifier: Apache-2.0
// swiftletd's end of the control socket: a NIO server on a Unix stream socket (0600, root only) that reads request
// lines, asks a `ControlRequestHandler`, and writes one response line per request, in order, on the same connection.
// A malformed or over-long line gets an `invalidRequest` response (over-long also closes the connection, since the
// framing is lost); nothing a client sends can crash or wedge the server. It is a ServiceLifecycle `Service`: `run()`
// serves until graceful shutdown, which closes the listening channel, cancels open connections and unlinks the file.

import ControlProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control socket server.
struct ControlServer: Service {
    let socketPath: String
    let handler: any ControlRequestHandler
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    init(
        socketPath: String = ControlClient.defaultSocketPath,
        handler: some ControlRequestHandler,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.socketPath = socketPath
        self.handler = handler
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    typealias Connection = NIOAsyncChannel<ByteBuffer, Never>

    func run() async throws {
        try await SocketListener.run(
            path: socketPath, name: "control socket", eventLoopGroup: eventLoopGroup, logger: logger,
            outbound: Never.self, serve: serve)
    }

    /// Serves one client until it hangs up, sends an over-long line, or the server shuts down.
    func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound in
                var lines = ControlLineBuffer(maximumLineLength: ControlCodec.maximumRequestLength)
                for try await chunk in inbound {
                    lines.append(chunk.readableBytesView)
                    while true {
                        let line: [UInt8]?
                        do throws(ControlCodecError) {
                            line = try lines.nextLine()
                        } catch {
                            try await send(.error(code: .invalidRequest, message: error.reason), on: connection)
                            return
                        }
                        guard let line else { break }
                        try await answer(line, on: connection)
                    }
                }
                // The client half-closed after an unterminated last line (`printf '…' | nc -U`): answer it too.
                if let last = lines.finish() { try await answer(last, on: connection) }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Decodes one line, asks the handler, writes the response. Blank lines are ignored.
    func answer(_ line: [UInt8], on connection: Connection) async throws {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        let request: ControlRequest
        do throws(ControlCodecError) {
            request = try ControlCodec.decodeRequest(line)
        } catch {
            try await send(.error(code: .invalidRequest, message: "malformed request: \(error.reason)"), on: connection)
            return
        }
        switch request {
        case .showStatus, .showProtocols, .showProtocol, .showRoute, .showKernel, .showConfig, .showBFD:
            break
        case .enable, .disable, .restart, .reload:
            // Operator actions that change sessions leave a trace in the log.
            logger.notice("control request", metadata: ["command": "\(request.command)", "name": "\(request.protocolName ?? "")"])
        }
        let response = await handler.handle(request)
        try await send(response, on: connection)
    }

    /// Writes a response and waits until it reached the socket, so closing right after cannot truncate it.
    func send(_ response: ControlResponse, on connection: Connection) async throws {
        try await connection.channel.writeAndFlush(ByteBuffer(bytes: ControlCodec.encode(response))).get()
    }
}

extension ControlServer: CustomStringConvertible {
    /// What ServiceLifecycle prints when it logs the service.
    var description: String { "ControlServer(\(socketPath))" }
}
