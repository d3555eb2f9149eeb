// SPDX-License-Identifier: Apache-2.0
// The built swiftletd in etcd mode against a real etcd over TLS with client certificates (issue #6 contract:
// `--datastore etcd --etcd-endpoints … --etcd-ca-cert/--etcd-cert/--etcd-key`), on loopback with `--no-kernel`:
// `--check` reads without writing, the daemon registers and claims a block, `show status` says so, a node added and
// removed in etcd becomes and stops being a mesh session, a bad key is rejected with its name while the running
// configuration stays, SIGTERM leaves the registration in place for the restart, and `--leave` releases the blocks
// and deletes the Node key. Bounded polls only.

import BGPTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("swiftletd with the etcd datastore", .serialized, .enabled(if: EtcdServer.testsEnabled, "etcd not installed"))
struct SwiftletdEtcdTests {
    static let resources = "/calico/resources/v3/projectcalico.org/"

    static func poll(_ what: String, timeout: Duration = .seconds(15), _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        Issue.record("timed out after \(timeout): \(what)")
        throw CancellationError()
    }

    @Test("TLS: --check, registration, a block, show status, nodes joining and leaving, a bad key, SIGTERM, --leave")
    func daemonOverTLS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftletd-etcd-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tls = try EtcdServer.makeTestCertificates(in: directory.appendingPathComponent("pki"))
        let server = try EtcdServer(tls: tls)
        defer { server.stop() }
        try await server.start()
        func etcdctl(_ arguments: [String]) throws -> String {
            let result = try server.etcdctl(arguments)
            #expect(result.status == 0, "etcdctl \(arguments): \(result.output)")
            return result.output
        }
        let port = try EtcdServer.freePort()
        _ = try etcdctl([
            "put", Self.resources + "bgpconfigurations/default",
            #"{"apiVersion":"projectcalico.org/v3","kind":"BGPConfiguration","metadata":{"name":"default"},"spec":{"asNumber":64512,"listenPort":\#(port)}}"#,
        ])
        _ = try etcdctl([
            "put", Self.resources + "ippools/pool",
            #"{"apiVersion":"projectcalico.org/v3","kind":"IPPool","metadata":{"name":"pool"},"spec":{"cidr":"10.244.0.0/24"}}"#,
        ])
        let etcdFlags = [
            "--datastore", "etcd", "--etcd-endpoints", server.endpoint, "--etcd-ca-cert", tls.caFile,
            "--etcd-cert", tls.clientCertFile, "--etcd-key", tls.clientKeyFile, "--node", "dut",
        ]

        // --check reads and plans without registering.
        let check = try BuiltProduct.run("swiftletd", etcdFlags + ["--node-ip", "127.0.0.1/8", "--check"])
        #expect(check.status == 1, "the node is not registered yet, so it cannot plan: \(check.stdout)\(check.stderr)")
        #expect(try etcdctl(["get", Self.resources + "nodes/dut"]).isEmpty)

        let socket = directory.appendingPathComponent("ctl").path
        let logPath = directory.appendingPathComponent("swiftletd.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: BuiltProduct.path("swiftletd"))
        daemon.arguments =
            etcdFlags + [
                "--node-ip", "127.0.0.1/8", "--node-labels", "rack=r1", "--etcd-lease-ttl", "10", "--no-kernel",
                "--control-socket", socket,
            ]
        let log = FileHandle(forWritingAtPath: logPath)!
        daemon.standardOutput = log
        daemon.standardError = log
        try daemon.run()
        defer {
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGKILL)
                daemon.waitUntilExit()
            }
        }
        func logText() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func status() throws -> [String: Any] {
            let output = try BuiltProduct.run("swiftletctl", ["show", "status", "--json", "--socket", socket])
            guard output.status == 0,
                let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
                let status = object["status"] as? [String: Any]
            else { return [:] }
            return status
        }
        func protocols() throws -> String {
            try BuiltProduct.run("swiftletctl", ["show", "protocols", "--socket", socket]).stdout
        }

        try Self.poll("registered, one block, connected") {
            guard let datastore = try status()["datastore"] as? [String: Any] else { return false }
            return datastore["connected"] as? Bool == true && (datastore["blocks"] as? [String])?.count == 1
        }
        let node = try etcdctl(["get", Self.resources + "nodes/dut", "--print-value-only"])
        #expect(node.contains(#""rack":"r1""#) && node.contains("127.0.0.1/8"), "\(node)")
        #expect(!(try etcdctl(["get", "--prefix", "/calico/ipam/v2/host/dut/", "--keys-only"])).isEmpty)

        // A node joins and leaves.
        _ = try etcdctl([
            "put", Self.resources + "nodes/other",
            #"{"apiVersion":"projectcalico.org/v3","kind":"Node","metadata":{"name":"other"},"spec":{"bgp":{"ipv4Address":"127.0.9.9/8"}}}"#,
        ])
        try Self.poll("Mesh_127_0_9_9 configured") { try protocols().contains("Mesh_127_0_9_9") }

        // A bad key: rejected with its name, the session stays configured.
        _ = try etcdctl([
            "put", Self.resources + "bgppeers/broken",
            #"{"apiVersion":"projectcalico.org/v3","kind":"BGPPeer","metadata":{"name":"broken"},"spec":{"peerIP":"nope","asNumber":65001}}"#,
        ])
        try Self.poll("the bad key is logged with its name") {
            logText().contains("etcd:\(Self.resources)bgppeers/broken")
        }
        #expect(try protocols().contains("Mesh_127_0_9_9"))
        _ = try etcdctl(["del", Self.resources + "bgppeers/broken"])
        _ = try etcdctl(["del", Self.resources + "nodes/other"])
        try Self.poll("Mesh_127_0_9_9 removed") { try !protocols().contains("Mesh_127_0_9_9") }

        // --check now plans (the node is registered) and still writes nothing.
        let before = try etcdctl(["get", "--prefix", "/calico", "--keys-only"])
        let checked = try BuiltProduct.run("swiftletd", etcdFlags + ["--check"])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("OK (node dut"))
        #expect(try etcdctl(["get", "--prefix", "/calico", "--keys-only"]) == before)

        // SIGTERM: exit 0, the registration stays for the restart.
        kill(daemon.processIdentifier, SIGTERM)
        try Self.poll("swiftletd exits after SIGTERM") { !daemon.isRunning }
        #expect(daemon.terminationStatus == 0, "\(logText())")
        #expect(!(try etcdctl(["get", Self.resources + "nodes/dut", "--keys-only"])).isEmpty)

        // --leave: the blocks are released and the Node key deleted.
        let left = try BuiltProduct.run("swiftletd", etcdFlags + ["--leave"])
        #expect(left.status == 0, "\(left.stdout)\(left.stderr)")
        #expect(left.stdout.contains("released 1 block(s)"), "\(left.stdout)")
        #expect(try etcdctl(["get", Self.resources + "nodes/dut", "--keys-only"]).isEmpty)
        #expect(try etcdctl(["get", "--prefix", "/calico/ipam/v2/", "--keys-only"]).isEmpty)
    }
}
