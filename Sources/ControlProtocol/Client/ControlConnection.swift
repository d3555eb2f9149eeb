// SPDX-License-Identifier: Apache-2.0
// The client end of the control socket: a blocking AF_UNIX stream connection that sends request lines and reads
// response lines, in order, with a receive/send timeout (SO_RCVTIMEO/SO_SNDTIMEO) so a wedged daemon cannot hang a
// script. Non-copyable: it owns its file descriptor and closes it in deinit. Writes use MSG_NOSIGNAL, so a daemon that
// goes away is an error, not a SIGPIPE.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One open connection to swiftletd's control socket.
public struct ControlConnection: ~Copyable {
    public let socketPath: String
    public let timeout: Duration
    private let descriptor: Int32
    private var lines: ControlLineBuffer

    /// Connects; throws `.connect` (with errno) when there is no daemon or no permission.
    public init(socketPath: String, timeout: Duration = .seconds(10)) throws(ControlClientError) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.lines = ControlLineBuffer(maximumLineLength: ControlCodec.maximumResponseLength)

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(socketPath.utf8)
        guard !pathBytes.isEmpty, pathBytes.count < capacity, !pathBytes.contains(0) else {
            throw ControlClientError(kind: .pathTooLong, socketPath: socketPath, detail: String(capacity - 1))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }

        #if canImport(Darwin)
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else {
            throw ControlClientError(kind: .connect, socketPath: socketPath, errno: errno, detail: "socket")
        }
        var time = Self.makeTimeval(timeout)
        let length = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, length)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, length)

        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw ControlClientError(kind: .connect, socketPath: socketPath, errno: error)
        }
        self.descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    /// Sends one request and returns the decoded response.
    public mutating func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        let line = try exchange(request)
        do {
            return try ControlCodec.decodeResponse(line)
        } catch {
            throw ControlClientError(kind: .malformedResponse, socketPath: socketPath, detail: error.reason)
        }
    }

    /// Sends one request and returns the response line as received (without its newline), for `--json`.
    public mutating func exchange(_ request: ControlRequest) throws(ControlClientError) -> [UInt8] {
        try write(ControlCodec.encode(request))
        return try readLine()
    }

    /// Writes raw bytes (tests use this to send malformed lines).
    public mutating func write(_ bytes: [UInt8]) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                #if canImport(Darwin)
                Darwin.send(descriptor, raw.baseAddress! + offset, raw.count - offset, 0)
                #else
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #endif
            }
            if sent < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK {
                    throw ControlClientError(kind: .timeout, socketPath: socketPath, detail: "\(timeout)")
                }
                throw ControlClientError(kind: .io, socketPath: socketPath, errno: error, detail: "send")
            }
            offset += sent
        }
    }

    /// Reads the next response line (without its newline).
    public mutating func readLine() throws(ControlClientError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            do {
                if let line = try lines.nextLine() { return line }
            } catch {
                throw ControlClientError(kind: .malformedResponse, socketPath: socketPath, detail: error.reason)
            }
            let received = chunk.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress!, raw.count, 0) }
            if received > 0 {
                lines.append(chunk[0..<received])
            } else if received == 0 {
                if let last = lines.finish() { return last }
                throw ControlClientError(kind: .closed, socketPath: socketPath)
            } else {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK {
                    throw ControlClientError(kind: .timeout, socketPath: socketPath, detail: "\(timeout)")
                }
                throw ControlClientError(kind: .io, socketPath: socketPath, errno: error, detail: "recv")
            }
        }
    }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        var value = timeval()
        value.tv_sec = .init(max(0, seconds))
        value.tv_usec = .init(max(0, attoseconds) / 1_000_000_000_000)
        if value.tv_sec == 0, value.tv_usec == 0 { value.tv_usec = 1 }  // 0 would mean "wait forever"
        return value
    }
}
