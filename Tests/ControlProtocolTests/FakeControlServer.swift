// SPDX-License-Identifier: Apache-2.0
// A throwaway control-socket server for tests: plain Glibc on a thread, speaking the same framing as swiftletd
// (ControlLineBuffer in, ControlCodec out). The responder decides each answer; `.hangUp` closes without answering
// and `.silence` never answers, to exercise the client's failure paths. No root needed: it binds under /tmp.

import ControlProtocol
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

final class FakeControlServer: Sendable {
    enum Reply: Sendable {
        case respond(ControlResponse)
        case hangUp
        case silence
    }

    let path: String
    private let listener: Int32
    /// Set once by `stop()`; the accept thread closes the listener itself afterwards, so no other test's socket can
    /// inherit its descriptor number while this thread still uses it.
    private let stopped = Mutex(false)

    init(_ responder: @escaping @Sendable (ControlRequest) -> Reply) throws {
        path = "/tmp/swctl-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        listener = fd
        let thread = Thread { [path] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    close(fd)  // shut down by stop()
                    return
                }
                Self.serve(client, responder: responder)
                _ = path
            }
        }
        thread.start()
    }

    /// Stops accepting and removes the socket file.
    func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }

    deinit { stop() }

    private static func serve(_ client: Int32, responder: @Sendable (ControlRequest) -> Reply) {
        defer { close(client) }
        var lines = ControlLineBuffer(maximumLineLength: ControlCodec.maximumRequestLength)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress!, $0.count, 0) }
            guard count > 0 else { return }
            lines.append(chunk[0..<count])
            while let line = try? lines.nextLine() {
                let reply: Reply
                do {
                    reply = responder(try ControlCodec.decodeRequest(line))
                } catch {
                    reply = .respond(.error(code: .invalidRequest, message: "malformed request: \(error.reason)"))
                }
                switch reply {
                case .respond(let response):
                    let bytes = ControlCodec.encode(response)
                    _ = bytes.withUnsafeBytes { send(client, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                case .hangUp:
                    return
                case .silence:
                    while recv(client, &chunk, chunk.count, 0) > 0 {}
                    return
                }
            }
        }
    }
}
