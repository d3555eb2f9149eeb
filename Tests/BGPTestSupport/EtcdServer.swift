// SPDX-License-Identifier: Apache-2.0
// A real single-member etcd (Debian etcd-server's /usr/bin/etcd) for tests: a child process with its own temporary
// data directory and loopback ports, or inside a network namespace on a veth address. Tests kill and restart it (same
// data directory and ports, so keys and leases survive) to exercise reconnects. No root is needed unless `netns` is
// set. Spawned with posix_spawn (empty signal mask, default handlers, reaped by waitpid), like the interop lab's
// BackgroundProcess, so SIGTERM reaches etcd and a killed child never lingers as a zombie.

import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public final class EtcdServer: @unchecked Sendable {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    public static let binary = "/usr/bin/etcd"
    public static let etcdctl = "/usr/bin/etcdctl"

    /// etcd and etcdctl (the health check) are installed here (Debian etcd-server and etcd-client).
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.isExecutableFile(atPath: etcdctl)
    }

    /// Whether etcd tests run: when etcd is installed, and always under `CI=true`, where a missing etcd must fail
    /// loudly (`start()` throws) rather than skip. Use as `@Suite(.enabled(if: EtcdServer.testsEnabled))`.
    public static var testsEnabled: Bool {
        isInstalled || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    public let name: String
    public let address: String
    public let clientPort: Int
    public let peerPort: Int
    public let netns: String?
    /// Holds `data/` and `etcd.log`; removed by `stop()`.
    public let directory: URL
    /// Extra etcd flags (e.g. `--experimental-watch-progress-notify-interval=1s`).
    public let extraArguments: [String]
    /// With TLS files the client URL is https and etcd requires a client certificate signed by the CA.
    public let tls: TLSFiles?

    /// PEM files for an https etcd with client-certificate authentication (see `makeTestCertificates`).
    public struct TLSFiles: Sendable, Hashable {
        public var caFile: String
        public var serverCertFile: String
        public var serverKeyFile: String
        public var clientCertFile: String
        public var clientKeyFile: String
    }

    // One owner: `lock` guards the running child's PID.
    private let lock = NSLock()
    private var pid: pid_t?

    /// Numbers each server's directory within this test process.
    private static let counter = Atomic<Int>(0)

    /// `address` is where etcd listens (an IPv4 or IPv6 literal). Without ports, free loopback ports are picked
    /// (2379/2380 inside a namespace, which has its own port space).
    public init(
        name: String = "etcd0", address: String = "127.0.0.1", clientPort: Int? = nil, peerPort: Int? = nil,
        netns: String? = nil, tls: TLSFiles? = nil, extraArguments: [String] = []
    ) throws {
        self.name = name
        self.tls = tls
        self.address = address
        self.netns = netns
        self.extraArguments = extraArguments
        if netns != nil {
            self.clientPort = clientPort ?? 2379
            self.peerPort = peerPort ?? 2380
        } else {
            self.clientPort = try clientPort ?? Self.freePort(address)
            self.peerPort = try peerPort ?? Self.freePort(address)
        }
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("swiftlet-etcd-\(getpid())-\(n)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { stop() }

    private var host: String { address.contains(":") ? "[\(address)]" : address }
    /// The client URL, e.g. "http://127.0.0.1:40123".
    public var endpoint: String { "\(tls == nil ? "http" : "https")://\(host):\(clientPort)" }
    public var peerURL: String { "http://\(host):\(peerPort)" }
    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    public var logFile: URL { directory.appendingPathComponent("etcd.log") }
    public var logText: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    public var arguments: [String] {
        [
            Self.binary, "--name", name, "--data-dir", dataDirectory.path,
            "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
            "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
            "--initial-cluster", "\(name)=\(peerURL)", "--initial-cluster-state", "new",
            "--logger", "zap", "--log-outputs", "stderr",
        ] + tlsArguments + extraArguments
    }

    private var tlsArguments: [String] {
        guard let tls else { return [] }
        return [
            "--cert-file", tls.serverCertFile, "--key-file", tls.serverKeyFile, "--trusted-ca-file", tls.caFile,
            "--client-cert-auth",
        ]
    }

    public var isRunning: Bool {
        lock.withLock {
            guard let pid else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == 0 { return true }
            self.pid = nil
            return false
        }
    }

    /// Starts etcd and waits (bounded) until it answers `etcdctl endpoint health`.
    public func start(timeout: Duration = .seconds(15)) async throws {
        guard Self.isInstalled else {
            throw StartError(
                description: "\(Self.binary) or \(Self.etcdctl) is not installed (etcd-server, etcd-client)")
        }
        guard !isRunning else { return }
        let command = (netns.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? []) + arguments
        let child = try Self.spawn(command, log: logFile)
        lock.withLock { pid = child }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            guard isRunning else {
                throw StartError(description: "etcd exited during start; log:\n\(tail(logText))")
            }
            if healthy() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill()
        throw StartError(description: "etcd not healthy within \(timeout); log:\n\(tail(logText))")
    }

    /// SIGKILL: etcd dies without closing anything cleanly (its clients see the connection drop).
    public func kill() {
        signalAndWait(SIGKILL, grace: .seconds(10))
    }

    /// SIGSTOP: etcd keeps its sockets open but answers nothing (a hung or partitioned member).
    public func freeze() {
        if let child = lock.withLock({ pid }) { Glibc.kill(child, SIGSTOP) }
    }

    /// SIGCONT after `freeze()`.
    public func thaw() {
        if let child = lock.withLock({ pid }) { Glibc.kill(child, SIGCONT) }
    }

    /// SIGTERM, then SIGKILL after `grace`; the data directory stays (see `stop`).
    public func terminate(grace: Duration = .seconds(10)) {
        thaw()  // a frozen etcd handles SIGTERM only once it runs again
        signalAndWait(SIGTERM, grace: grace)
        if isRunning { signalAndWait(SIGKILL, grace: .seconds(10)) }
    }

    /// A new etcd process on the same data directory and ports: keys, revisions and leases survive.
    public func restart(timeout: Duration = .seconds(15)) async throws {
        if isRunning { kill() }
        try await start(timeout: timeout)
    }

    /// Terminates etcd and removes its directory (data and log).
    public func stop() {
        terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs etcdctl (v3 API) against this server, in its namespace if it has one.
    public func etcdctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let command =
            (netns.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? [])
            + [Self.etcdctl, "--endpoints", endpoint, "--dial-timeout", "1s", "--command-timeout", "2s"]
            + (tls.map { ["--cacert", $0.caFile, "--cert", $0.clientCertFile, "--key", $0.clientKeyFile] } ?? [])
            + arguments
        let output = directory.appendingPathComponent("etcdctl-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let child = try Self.spawn(command, log: output, environment: ["ETCDCTL_API": "3"])
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (status, text)
    }

    private func healthy() -> Bool {
        (try? etcdctl(["endpoint", "health"]))?.status == 0
    }

    private func signalAndWait(_ signal: Int32, grace: Duration) {
        guard let child = lock.withLock({ pid }) else { return }
        Glibc.kill(child, signal)
        let deadline = ContinuousClock.now.advanced(by: grace)
        while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
    }

    private func tail(_ text: String, lines: Int = 30) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// A throwaway CA, a server certificate for `address` (subjectAltName IP) and a client certificate, made with
    /// openssl in `directory` (EC P-256, valid one day).
    public static func makeTestCertificates(in directory: URL, address: String = "127.0.0.1") throws -> TLSFiles {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) throws {
            let log = directory.appendingPathComponent("openssl.log")
            let child = try spawn(["/usr/bin/openssl"] + arguments, log: log)
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            guard status == 0 else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw StartError(description: "openssl \(arguments.first ?? "") failed:\n\(text)")
            }
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + key
                + ["-keyout", path("ca.key"), "-out", path("ca.crt"), "-subj", "/CN=swiftlet-test-ca", "-days", "1"])
        // etcd's gateway dials its own gRPC server with the server certificate, so that one needs clientAuth too.
        for (name, usage) in [("server", "serverAuth,clientAuth"), ("client", "clientAuth")] {
            let extensions = "subjectAltName=IP:\(address)\nextendedKeyUsage=\(usage)\n"
            try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try openssl(
                ["req"] + key + ["-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)"])
            try openssl([
                "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-out", path("\(name).crt"), "-days", "1", "-extfile", path("\(name).ext"),
            ])
        }
        return TLSFiles(
            caFile: path("ca.crt"), serverCertFile: path("server.crt"), serverKeyFile: path("server.key"),
            clientCertFile: path("client.crt"), clientKeyFile: path("client.key"))
    }

    /// A port nobody listens on right now at `address` (bind to port 0, read it back, close).
    public static func freePort(_ address: String = "127.0.0.1") throws -> Int {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var port: UInt16 = 0
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            _ = inet_pton(AF_INET6, address, &sin6.sin6_addr)
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let ok = withUnsafeMutablePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard ok else { throw StartError(description: "bind \(address): \(String(cString: strerror(errno)))") }
            port = UInt16(bigEndian: sin6.sin6_port)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            _ = inet_pton(AF_INET, address, &sin.sin_addr)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard ok else { throw StartError(description: "bind \(address): \(String(cString: strerror(errno)))") }
            port = UInt16(bigEndian: sin.sin_port)
        }
        return Int(port)
    }

    /// Starts `command` with stdin from /dev/null and stdout+stderr appended to `log` (`ChildProcess.spawn`).
    public static func spawn(_ command: [String], log: URL, environment: [String: String] = [:]) throws -> pid_t {
        do {
            return try ChildProcess.spawn(command, log: log, environment: environment)
        } catch let error as ChildProcess.SpawnError {
            throw StartError(description: error.description)
        }
    }
}
