// SPDX-License-Identifier: Apache-2.0
// What every command that talks to swiftletd shares: where the control socket is (`--socket`, else $SWIFTLET_SOCKET,
// else /var/run/swiftlet/swiftlet.ctl), `--json`, and one way to send requests and turn failures into exit codes
// scripts can rely on: 0 done, 1 the daemon answered with an error, 2 no usable answer from the daemon (cannot
// connect, timeout, hang-up), 64 bad usage (ArgumentParser's validation exit code).

import ArgumentParser
import ControlProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct ControlOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Control socket of swiftletd.",
            discussion: "Default: $SWIFTLET_SOCKET if set, else \(ControlClient.defaultSocketPath).",
            valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's response as JSON (one object per line) instead of text.")
    var json = false

    /// The socket path after applying the environment and the default.
    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SWIFTLET_SOCKET"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return ControlClient.defaultSocketPath
    }

    /// Exit statuses beyond ArgumentParser's own.
    static let daemonError = ExitCode(1)
    static let unreachable = ExitCode(2)

    /// Sends the requests on one connection; prints each response line when `--json` is set, and hands each
    /// decoded response to `body`. Daemon errors and transport failures print a message and exit.
    func exchange(_ requests: [ControlRequest], _ body: (ControlRequest, ControlResponse) throws -> Void) throws {
        do {
            var connection = try ControlConnection(socketPath: socketPath)
            for request in requests {
                let line = try connection.exchange(request)
                let response: ControlResponse
                do {
                    response = try ControlCodec.decodeResponse(line)
                } catch {
                    throw ControlClientError(kind: .malformedResponse, socketPath: socketPath, detail: error.reason)
                }
                if json { print(ControlCodec.text(ofLine: line)) }
                if case .error(let code, let message) = response {
                    // A multi-line message (a rejected reload) is a summary line, then one line per item.
                    var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    Self.printError("\(lines.removeFirst()) (\(code.rawValue))")
                    for line in lines { Self.printLine(line) }
                    throw Self.daemonError
                }
                if !json { try body(request, response) }
            }
        } catch let error as ControlClientError {
            Self.printError(error.description)
            throw Self.unreachable
        }
    }

    /// Sends one request.
    func exchange(_ request: ControlRequest, _ body: (ControlResponse) throws -> Void) throws {
        try exchange([request]) { _, response in try body(response) }
    }

    /// An answer of the wrong kind: a daemon bug, reported like an unreadable answer.
    func unexpected(_ response: ControlResponse, for request: ControlRequest) -> Error {
        Self.printError("unexpected answer from swiftletd on \(socketPath) to \(request.command)")
        return Self.unreachable
    }

    /// One line on stderr as it is (no "swiftletctl:" prefix).
    static func printLine(_ line: String) {
        let text = line + "\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress!, $0.count - 1) }
    }

    static func printError(_ message: String) {
        let text = "swiftletctl: \(message)\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress!, $0.count - 1) }
    }
}
