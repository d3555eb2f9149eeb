// SPDX-License-Identifier: Apache-2.0
// The part every swiftletd listener shares: serve each accepted connection in its own task until graceful shutdown
// closes the listener and cancels the connections still open (the control socket, the BIRD-compatible sockets, the
// metrics port). For Unix sockets also: take over the path (a stale file is removed, a live server is not), restrict
// the file's mode, and unlink the file at the end.

import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

enum SocketListener {
    /// Runs until graceful shutdown. `mode` overrides ControlSocketFile's 0600 (the BIRD socket is 0660, as BIRD
    /// started with `-g` makes it). `name` goes into the log lines.
    static func run<Outbound: Sendable>(
        path: String, mode: mode_t? = nil, name: String, eventLoopGroup: any EventLoopGroup, logger: Logger,
        outbound: Outbound.Type, serve: @escaping @Sendable (NIOAsyncChannel<ByteBuffer, Outbound>) async -> Void
    ) async throws {
        try ControlSocketFile.prepare(path)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 32)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, Outbound>(wrappingChannelSynchronously: channel)
                }
            }
        let file: ControlSocketFile
        do {
            file = try ControlSocketFile.restrict(path)
            if let mode, chmod(path, mode) != 0 {
                throw ControlServerError(operation: "chmod \(String(mode, radix: 8))", path: path, errno: errno)
            }
        } catch {
            try? await server.channel.close()
            throw error
        }
        defer { file.removeIfOurs() }
        logger.info("\(name) listening", metadata: ["path": "\(path)"])
        try await serveUntilShutdown(server, name: name, logger: logger, serve: serve)
        logger.info("\(name) closed", metadata: ["path": "\(path)"])
    }

    /// Serves each accepted connection in its own task until graceful shutdown closes the listener; then cancels the
    /// connections still open. Shared with the metrics listener (TCP).
    static func serveUntilShutdown<Outbound: Sendable>(
        _ server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, Outbound>, Never>, name: String, logger: Logger,
        serve: @escaping @Sendable (NIOAsyncChannel<ByteBuffer, Outbound>) async -> Void
    ) async throws {
        try await withGracefulShutdownHandler {
            try await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in inbound {
                            group.addTask { await serve(connection) }
                        }
                    } catch {
                        logger.warning("\(name) accept failed", metadata: ["error": "\(error)"])
                    }
                    // The listener is closed: drop clients still connected so shutdown does not wait on them.
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }
}
