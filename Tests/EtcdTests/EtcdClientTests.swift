// SPDX-License-Identifier: Apache-2.0
// EtcdClient against a real etcd (Tests/BGPTestSupport/EtcdServer) on loopback: KV with paging, create-if-absent
// transactions, leases (revoke and expiry), watches (order, compaction, etcd killed and restarted), timeouts and
// endpoint failover. Skipped when etcd is not installed, except under CI=true.

import BGPTestSupport
import EtcdClient
import Foundation
import NIOCore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Serialized: each test starts its own etcd, and timing checks (timeouts, TTLs) need the two cores undisturbed.
@Suite(
    "EtcdClient against etcd", .serialized, .enabled(if: EtcdServer.testsEnabled, "etcd not installed (/usr/bin/etcd)"))
struct EtcdClientTests {
    /// A fresh etcd and a client for it; both are stopped afterwards, also when `body` throws.
    static func withEtcd(
        extraArguments: [String] = [], configuration: EtcdClient.Configuration = .init(),
        _ body: (EtcdServer, EtcdClient) async throws -> Void
    ) async throws {
        let server = try EtcdServer(extraArguments: extraArguments)
        do {
            try await server.start()
            let client = try EtcdClient(endpoints: [server.endpoint], configuration: configuration)
            do {
                try await body(server, client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        } catch {
            Issue.record("etcd log tail:\n\(server.logText.split(separator: "\n").suffix(20).joined(separator: "\n"))")
            server.stop()
            throw error
        }
        server.stop()
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("put, get and delete one key; a missing key is nil")
    func putGetDelete() async throws {
        try await Self.withEtcd { _, client in
            #expect(try await client.get("/t/missing") == nil)
            let revision = try await client.put("/t/a", value: Self.bytes("one"))
            let kv = try #require(try await client.get("/t/a"))
            #expect(kv.value == Self.bytes("one") && kv.modRevision == revision && kv.createRevision == revision)
            #expect(kv.version == 1 && kv.lease == 0)
            try await client.put("/t/a", value: Self.bytes("two"))
            let updated = try #require(try await client.get("/t/a"))
            #expect(updated.value == Self.bytes("two") && updated.version == 2 && updated.createRevision == revision)
            #expect(try await client.delete("/t/a") == 1)
            #expect(try await client.delete("/t/a") == 0)
            #expect(try await client.get("/t/a") == nil)
        }
    }

    @Test("range(prefix:) pages 2,500 keys 100 at a time, in key order, at one revision, and only under the prefix")
    func rangePaging() async throws {
        var configuration = EtcdClient.Configuration()
        configuration.pageSize = 100
        try await Self.withEtcd(configuration: configuration) { _, client in
            // 100 puts per txn (etcd's --max-txn-ops default is 128) keeps the set-up to 25 writes.
            let keys = (0..<2500).map { String(format: "/p/k%05d", $0) }
            for chunk in stride(from: 0, to: keys.count, by: 100) {
                let puts = keys[chunk..<chunk + 100].map { EtcdOperation.put(key: $0, value: Self.bytes("v-\($0)")) }
                #expect(try await client.txn(compare: [], success: puts).succeeded)
            }
            try await client.put("/p0", value: Self.bytes("outside"))
            try await client.put("/o/k", value: Self.bytes("outside"))
            let before = try await client.currentRevision()
            let result = try await client.range(prefix: "/p/")
            #expect(result.kvs.count == 2500)
            #expect(result.kvs.map(\.key) == keys)
            #expect(result.kvs.allSatisfy { $0.value == Self.bytes("v-\($0.key)") })
            #expect(result.revision == before)
            #expect(try await client.range(prefix: "/none/").kvs.isEmpty)
        }
    }

    @Test("txn create-if-absent: the first create wins, the second fails and the value stays")
    func createIfAbsent() async throws {
        try await Self.withEtcd { _, client in
            let key = "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26"
            func claim(_ owner: String) async throws -> EtcdTxnResult {
                try await client.txn(
                    compare: [.createRevision(key: key, equals: 0)],
                    success: [.put(key: key, value: Self.bytes(owner))])
            }
            let first = try await claim("node-a")
            #expect(first.succeeded)
            let second = try await claim("node-b")
            #expect(!second.succeeded)
            #expect(try await client.get(key)?.value == Self.bytes("node-a"))
            // Compare-and-swap on modRevision, and the failure branch runs when it does not hold.
            let current = try #require(try await client.get(key))
            let swap = try await client.txn(
                compare: [.modRevision(key: key, equals: current.modRevision)],
                success: [.put(key: key, value: Self.bytes("node-a2"))])
            #expect(swap.succeeded)
            let stale = try await client.txn(
                compare: [.modRevision(key: key, equals: current.modRevision)],
                success: [.put(key: key, value: Self.bytes("lost"))], failure: [.put(key: "/flag", value: [1])])
            #expect(!stale.succeeded)
            #expect(try await client.get(key)?.value == Self.bytes("node-a2"))
            #expect(try await client.get("/flag")?.value == [1])
            let byValue = try await client.txn(
                compare: [.value(key: key, equals: Self.bytes("node-a2"))], success: [.deletePrefix("/calico/ipam/")])
            #expect(byValue.succeeded)
            #expect(try await client.get(key) == nil)
        }
    }

    @Test("A lease keeps its key alive; revoking it deletes the key; a gone lease is leaseNotFound")
    func leaseRevoke() async throws {
        try await Self.withEtcd { _, client in
            let lease = try await client.grantLease(ttl: 30)
            #expect(lease.id != 0 && lease.ttl == 30)
            try await client.put("/calico/resources/v3/projectcalico.org/nodes/n1", value: [1], lease: lease.id)
            #expect(try await client.get("/calico/resources/v3/projectcalico.org/nodes/n1")?.lease == lease.id)
            let ttl = try await client.keepAlive(lease.id)
            #expect(ttl > 0 && ttl <= 30)
            try await client.revoke(lease.id)
            #expect(try await client.get("/calico/resources/v3/projectcalico.org/nodes/n1") == nil)
            await #expect(throws: EtcdError.leaseNotFound(lease.id)) { try await client.keepAlive(lease.id) }
            await #expect(throws: EtcdError.leaseNotFound(lease.id)) { try await client.revoke(lease.id) }
            await #expect(throws: EtcdError.leaseNotFound(lease.id)) {
                try await client.put("/x", value: [], lease: lease.id)
            }
        }
    }

    @Test("A key on a lease that is not kept alive vanishes after the TTL (bounded poll)")
    func leaseExpiry() async throws {
        try await Self.withEtcd { _, client in
            let lease = try await client.grantLease(ttl: 2)
            try await client.put("/t/ephemeral", value: [1], lease: lease.id)
            #expect(try await client.get("/t/ephemeral") != nil)
            let gone = try await poll(timeout: .seconds(15)) { try await client.get("/t/ephemeral") == nil }
            #expect(gone, "key still there 15 s after a 2 s lease")
            await #expect(throws: EtcdError.leaseNotFound(lease.id)) { try await client.keepAlive(lease.id) }
        }
    }

    @Test("A watch from a revision sees puts and deletes under the prefix, in order, and nothing else")
    func watchOrder() async throws {
        try await Self.withEtcd { _, client in
            let start = try await client.put("/w/a", value: Self.bytes("1"))
            try await client.put("/w/b", value: Self.bytes("2"))
            try await client.put("/other", value: Self.bytes("x"))
            try await client.delete("/w/a")
            let recorder = WatchRecorder(client.watch(prefix: "/w/", fromRevision: start))
            defer { recorder.cancel() }
            // Changes made after the watch started arrive on the same stream.
            #expect(try await poll { recorder.events.count >= 3 })
            try await client.put("/w/c", value: Self.bytes("3"))
            _ = try await client.txn(compare: [], success: [.put(key: "/w/d", value: []), .delete(key: "/w/b")])
            #expect(try await poll { recorder.events.count >= 6 })
            let seen = recorder.events.map { "\($0.kind == .put ? "put" : "del") \($0.kv.key)" }
            #expect(seen == ["put /w/a", "put /w/b", "del /w/a", "put /w/c", "put /w/d", "del /w/b"])
            let revisions = recorder.events.map(\.kv.modRevision)
            #expect(revisions.first == start && zip(revisions, revisions.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(recorder.events[2].kv.value.isEmpty)
            #expect(recorder.events[0].kv.value == Self.bytes("1"))
            #expect(recorder.failure == nil)
        }
    }

    @Test("A quiet watch gets progress notifications (empty batches with the current revision)")
    func watchProgress() async throws {
        try await Self.withEtcd(extraArguments: ["--experimental-watch-progress-notify-interval=300ms"]) { _, client in
            let revision = try await client.put("/q/a", value: [1])
            let recorder = WatchRecorder(client.watch(prefix: "/q/", fromRevision: revision + 1))
            defer { recorder.cancel() }
            #expect(try await poll { recorder.batches.contains { $0.events.isEmpty && !$0.isCreated && $0.revision >= revision } })
            // The first batch says etcd accepted the watch (a resumed watch is visible while nothing changes).
            #expect(recorder.batches.first?.isCreated == true && recorder.batches.first?.events.isEmpty == true)
            #expect(recorder.events.isEmpty)
        }
    }

    @Test("A watch from a compacted revision ends with .compacted")
    func watchCompacted() async throws {
        try await Self.withEtcd { _, client in
            let first = try await client.put("/c/a", value: [1])
            try await client.put("/c/a", value: [2])
            let last = try await client.put("/c/a", value: [3])
            try await client.compact(revision: last)
            let recorder = WatchRecorder(client.watch(prefix: "/c/", fromRevision: first))
            #expect(try await poll { recorder.finished })
            #expect(recorder.failure == .compacted(compactRevision: last))
            #expect(recorder.events.isEmpty)
            // At the compaction point itself the watch is fine.
            let fresh = WatchRecorder(client.watch(prefix: "/c/", fromRevision: last))
            defer { fresh.cancel() }
            #expect(try await poll { fresh.events.count == 1 })
            #expect(fresh.events.first?.kv.value == [3])
        }
    }

    @Test(
        "Watch ends .unavailable when etcd is killed; a re-watch from the resume revision after restart loses nothing"
    )
    func watchAcrossRestart() async throws {
        try await Self.withEtcd { server, client in
            let start = try await client.put("/r/before", value: [0])
            let recorder = WatchRecorder(client.watch(prefix: "/r/", fromRevision: start))
            #expect(try await poll { recorder.events.count == 1 })
            server.kill()
            #expect(try await poll { recorder.finished }, "watch still open 10 s after etcd was killed")
            guard case .unavailable = recorder.failure else {
                Issue.record("watch ended with \(String(describing: recorder.failure)), want .unavailable")
                return
            }
            let resume = try #require(recorder.batches.last).resumeRevision
            try await server.restart()
            // Written after the restart, before the new watch exists: the new watch must still see them.
            try await client.put("/r/after1", value: [1])
            try await client.delete("/r/before")
            let again = WatchRecorder(client.watch(prefix: "/r/", fromRevision: resume))
            defer { again.cancel() }
            try await client.put("/r/after2", value: [2])
            #expect(try await poll { again.events.count >= 3 })
            #expect(again.events.map(\.kv.key) == ["/r/after1", "/r/before", "/r/after2"])
            #expect(again.events.map(\.kind) == [.put, .delete, .put])
        }
    }

    @Test("Unary calls to an endpoint that accepts but never answers fail within the timeout as .unavailable")
    func deadEndpointTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        var configuration = EtcdClient.Configuration()
        configuration.requestTimeout = .seconds(1)
        let client = try EtcdClient(endpoints: [silent.endpoint], configuration: configuration)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await client.get("/k")
            Issue.record("get on a silent endpoint returned")
        } catch let error as EtcdError {
            guard case .unavailable = error else { throw error }
        }
        #expect(clock.now - started < .seconds(3))
        // A refused connection is retried by AsyncHTTPClient's pool until the connect timeout, then reported.
        var quick = EtcdClient.Configuration()
        quick.connectTimeout = .milliseconds(500)
        let refused = try EtcdClient(
            endpoints: ["http://127.0.0.1:\(try EtcdServer.freePort())"], configuration: quick)
        let refusedStart = clock.now
        do {
            try await refused.put("/k", value: [])
            Issue.record("put on a refused endpoint returned")
        } catch let error as EtcdError {
            guard case .unavailable = error else { throw error }
        }
        #expect(clock.now - refusedStart < .seconds(2))
        try await refused.shutdown()
        try await client.shutdown()
    }

    @Test("With the first endpoint dead, calls and watches use the second")
    func failover() async throws {
        try await Self.withEtcd { server, _ in
            let dead = "http://127.0.0.1:\(try EtcdServer.freePort())"
            let client = try EtcdClient(endpoints: [dead, server.endpoint])
            let revision = try await client.put("/f/a", value: [7])
            #expect(try await client.get("/f/a")?.value == [7])
            let recorder = WatchRecorder(client.watch(prefix: "/f/", fromRevision: revision))
            defer { recorder.cancel() }
            #expect(try await poll { recorder.events.count == 1 })
            // A fresh client whose watch is its first call also fails over.
            let other = try EtcdClient(endpoints: [dead, server.endpoint])
            let second = WatchRecorder(other.watch(prefix: "/f/", fromRevision: revision))
            defer { second.cancel() }
            #expect(try await poll { second.events.count == 1 })
            recorder.cancel()
            second.cancel()
            try await other.shutdown()
            try await client.shutdown()
        }
    }
}

extension EtcdClientTests {
    @Test("https with the CA and a client certificate works; without the certificate or the CA it fails")
    func tls() async throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("swiftlet-etcd-tls-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try EtcdServer.makeTestCertificates(in: directory)
        let server = try EtcdServer(tls: files)
        defer { server.stop() }
        try await server.start()
        #expect(server.endpoint.hasPrefix("https://"))
        let client = try EtcdClient(
            endpoints: [server.endpoint],
            tls: EtcdTLS(caFile: files.caFile, certFile: files.clientCertFile, keyFile: files.clientKeyFile))
        let revision = try await client.put("/tls/a", value: [1])
        #expect(try await client.get("/tls/a")?.value == [1])
        let recorder = WatchRecorder(client.watch(prefix: "/tls/", fromRevision: revision))
        defer { recorder.cancel() }
        #expect(try await poll { recorder.events.count == 1 })
        recorder.cancel()
        try await client.shutdown()

        var quick = EtcdClient.Configuration()
        quick.requestTimeout = .seconds(2)
        quick.connectTimeout = .milliseconds(500)
        let noCertificate = try EtcdClient(
            endpoints: [server.endpoint], tls: EtcdTLS(caFile: files.caFile, certFile: nil, keyFile: nil),
            configuration: quick)
        await #expect(throws: EtcdError.self) { try await noCertificate.get("/tls/a") }
        try await noCertificate.shutdown()
        let systemRoots = try EtcdClient(endpoints: [server.endpoint], configuration: quick)
        await #expect(throws: EtcdError.self) { try await systemRoots.get("/tls/a") }
        try await systemRoots.shutdown()
    }
}

extension EtcdClientTests {
    @Test("A txn, a delete and a revoke move past a refused endpoint (nothing was sent there)")
    func failoverNonIdempotent() async throws {
        try await Self.withEtcd { server, _ in
            let dead = "http://127.0.0.1:\(try EtcdServer.freePort())"
            var quick = EtcdClient.Configuration()
            quick.connectTimeout = .milliseconds(300)
            for step in 0..<3 {
                // A fresh client each time, so the dead endpoint is tried first.
                let client = try EtcdClient(endpoints: [dead, server.endpoint], configuration: quick)
                switch step {
                case 0:
                    let claim = try await client.txn(
                        compare: [.createRevision(key: "/n/k", equals: 0)], success: [.put(key: "/n/k", value: [1])])
                    #expect(claim.succeeded)
                case 1:
                    #expect(try await client.delete("/n/k") == 1)
                default:
                    let lease = try await client.grantLease(ttl: 30)
                    let again = try EtcdClient(endpoints: [dead, server.endpoint], configuration: quick)
                    try await again.revoke(lease.id)
                    try await again.shutdown()
                }
                try await client.shutdown()
            }
        }
    }

    @Test("Connect failures count as not sent; other transport errors do not")
    func failedBeforeSending() {
        #expect(EtcdClient.failedBeforeSending(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(!EtcdClient.failedBeforeSending(IOError(errnoCode: ECONNRESET, reason: "read")))
        #expect(!EtcdClient.failedBeforeSending(EtcdError.unavailable("x")))
    }

    @Test("A client dropped without shutdown() does not trap")
    func droppedClient() async throws {
        try await Self.withEtcd { server, _ in
            do {
                let client = try EtcdClient(endpoints: [server.endpoint])
                try await client.put("/d/a", value: [1])
            }
            let check = try EtcdClient(endpoints: [server.endpoint])
            #expect(try await check.get("/d/a")?.value == [1])
            try await check.shutdown()
        }
    }

    /// Root and BGP_INTEROP=1 (like InteropTests): etcd in a fresh namespace, reached with etcdctl run inside it.
    @Test(
        "EtcdServer runs etcd inside a network namespace, and restarts it there with its data",
        .enabled(if: getuid() == 0 && ProcessInfo.processInfo.environment["BGP_INTEROP"] == "1"))
    func namespace() async throws {
        let name = "etcdns-\(getpid())"
        func ip(_ arguments: [String]) throws {
            let log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(name)-ip.log")
            defer { try? FileManager.default.removeItem(at: log) }
            let child = try EtcdServer.spawn(["/usr/sbin/ip"] + arguments, log: log)
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            #expect(status == 0, "ip \(arguments): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        try ip(["netns", "add", name])
        defer { try? ip(["netns", "delete", name]) }
        try ip(["-n", name, "link", "set", "lo", "up"])
        let server = try EtcdServer(address: "127.0.0.1", netns: name)
        defer { server.stop() }
        try await server.start()
        #expect(server.endpoint == "http://127.0.0.1:2379")
        #expect(try server.etcdctl(["put", "/ns/a", "1"]).status == 0)
        server.kill()
        try await server.restart()
        let get = try server.etcdctl(["get", "/ns/a", "--print-value-only"])
        #expect(get.status == 0 && get.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }
}

extension EtcdClientTests {
    @Test("A watch on a hung etcd (SIGSTOP) ends with .unavailable after the idle timeout")
    func watchIdleTimeout() async throws {
        var configuration = EtcdClient.Configuration()
        configuration.watchIdleTimeout = .seconds(2)
        try await Self.withEtcd(
            extraArguments: ["--experimental-watch-progress-notify-interval=300ms"], configuration: configuration
        ) { server, client in
            let revision = try await client.put("/h/a", value: [1])
            let recorder = WatchRecorder(client.watch(prefix: "/h/", fromRevision: revision))
            defer { recorder.cancel() }
            #expect(try await poll { recorder.events.count == 1 })
            // Progress notifications (every 300 ms) keep a quiet watch alive past the 2 s idle timeout.
            #expect(try await poll { recorder.batches.filter { $0.events.isEmpty && !$0.isCreated }.count >= 8 || recorder.finished })
            #expect(!recorder.finished)
            server.freeze()
            defer { server.thaw() }
            #expect(try await poll(timeout: .seconds(10)) { recorder.finished })
            guard case .unavailable = recorder.failure else {
                Issue.record("watch ended with \(String(describing: recorder.failure)), want .unavailable")
                return
            }
        }
    }
}

extension EtcdClientTests {
    @Test("A member answering UNAVAILABLE (no leader): reads move on to the next endpoint, a txn does not")
    func unavailableMember() async throws {
        let noLeader = #"{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}"#
        let member = try CannedHTTPServer(status: "503 Service Unavailable", body: noLeader)
        defer { member.close() }
        try await Self.withEtcd { server, _ in
            let revision = try await EtcdClient(endpoints: [server.endpoint]).put("/u/a", value: [1])
            let client = try EtcdClient(endpoints: [member.endpoint, server.endpoint])
            #expect(try await client.get("/u/a")?.modRevision == revision)
            try await client.shutdown()
            let writer = try EtcdClient(endpoints: [member.endpoint, server.endpoint])
            await #expect(throws: EtcdError.unavailable("etcdserver: no leader")) {
                try await writer.txn(compare: [], success: [.put(key: "/u/b", value: [2])])
            }
            #expect(try await writer.get("/u/b") == nil)
            try await writer.shutdown()
        }
    }
}

/// A listening TCP socket on a free 127.0.0.1 port.
func loopbackListener(_ purpose: String) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else {
        close(fd)
        throw EtcdError.unavailable("\(purpose): errno \(errno)")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// Answers every HTTP request with one canned response, then closes the connection (a misbehaving member).
final class CannedHTTPServer: Sendable {
    let fd: Int32
    let port: Int

    init(status: String, body: String) throws {
        let (fd, port) = try loopbackListener("canned server")
        (self.fd, self.port) = (fd, port)
        let response = Array(
            ("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)").utf8)
        // Ends when close() shuts the listening socket down and accept fails.
        Thread.detachNewThread {
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                var received: [UInt8] = []
                // Read the head and the (small) body; the request is not parsed further.
                while !received.contains(UInt8(ascii: "}")) {
                    let n = read(connection, &buffer, buffer.count)
                    if n <= 0 { break }
                    received += buffer[0..<n]
                }
                _ = response.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                _ = Glibc.close(connection)
            }
        }
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func close() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
        _ = Glibc.close(fd)
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; true if it held.
func poll(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Consumes a watch stream in a task and records what it saw, so tests poll with deadlines instead of blocking.
final class WatchRecorder: Sendable {
    private struct State {
        var batches: [EtcdWatchBatch] = []
        var finished = false
        var failure: EtcdError?
    }
    /// Written by the consumer task, read by the test.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }
    private let shared = Shared()
    private let task: Task<Void, Never>

    init(_ stream: AsyncThrowingStream<EtcdWatchBatch, Error>) {
        let shared = self.shared
        task = Task {
            do {
                for try await batch in stream { shared.state.withLock { $0.batches.append(batch) } }
                shared.state.withLock { $0.finished = true }
            } catch {
                shared.state.withLock {
                    $0.finished = true
                    $0.failure = (error as? EtcdError) ?? .malformedResponse("not an EtcdError: \(error)")
                }
            }
        }
    }

    var batches: [EtcdWatchBatch] { shared.state.withLock { $0.batches } }
    var events: [EtcdWatchEvent] { batches.flatMap(\.events) }
    var finished: Bool { shared.state.withLock { $0.finished } }
    var failure: EtcdError? { shared.state.withLock { $0.failure } }

    func cancel() { task.cancel() }
}

/// A TCP listener that never accepts: connections complete (the kernel's backlog) but no answer ever comes, like a
/// hung etcd.
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        (fd, port) = try loopbackListener("silent listener")
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func close() { _ = Glibc.close(fd) }
}
