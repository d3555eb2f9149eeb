// SPDX-License-Identifier: Apache-2.0
// Where the etcd cluster scenarios keep the cluster's resources: a real etcd (Debian etcd-server) in a namespace of its
// own, written with etcdctl, or, to validate the lab without swiftletd's etcd mode, a directory of JSON resources
// (the file datastore) that every swiftletd re-reads on `swiftletctl reload`.
//
// In etcd mode the nodes register themselves and claim their blocks; the store only reads what they wrote:
// Calico's IPAM affinity keys `/calico/ipam/v2/host/<node>/<family>/block/<address>-<len>` (libcalico-go
// `model.BlockAffinityKey`) and block records `/calico/ipam/v2/assignment/<family>/block/<address>-<len>`
// (`model.BlockKey`). In file mode the harness plays both parts: it writes each Node and a BlockAffinity per pool
// for it, blocks handed out in address order.
import BGPTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which datastore a scenario's swiftletds read.
enum EtcdClusterDatastore: String, Sendable {
    case etcd, file
}

/// The real etcd (BGPTestSupport's `EtcdServer`, one member) in the etcd namespace, its client URL on the namespace's
/// fabric address; its data directory stays across `kill` and `start`, so keys, leases and revisions survive.
final class EtcdClusterEtcd: Sendable {
    let server: EtcdServer

    var endpoint: String { server.endpoint }

    /// The server is stopped (and its log copied into the lab as etcd.log) by the lab's teardown.
    init(ns: Namespace, address: String) throws {
        let server = try EtcdServer(name: "swe", address: address, netns: ns.name)
        self.server = server
        let log = ns.lab.file("etcd.log")
        ns.lab.onTeardown {
            server.terminate()
            try? server.logText.write(to: log, atomically: true, encoding: .utf8)
            server.stop()  // removes its directory, log included
        }
    }

    /// Starts etcd (again) and waits (bounded) until it is healthy.
    func start() async throws {
        try await server.start()
    }

    /// SIGKILL: no clean shutdown, like a crashed etcd host; waits (bounded) until the process is gone.
    func kill() throws {
        server.kill()
        guard !server.isRunning else { throw HarnessError("etcd survived SIGKILL") }
    }

    /// `etcdctl` (API v3) inside the etcd namespace (stdout and stderr together in `stdout`).
    @discardableResult
    func etcdctl(_ arguments: [String]) throws -> Shell.Result {
        let (status, output) = try server.etcdctl(arguments)
        return Shell.Result(status: status, stdout: output, stderr: "")
    }

    /// The last lines of etcd's log, for failure messages.
    var logTail: String { server.logText.split(separator: "\n").suffix(20).joined(separator: "\n") }

    /// Keys under `prefix`, sorted.
    func keys(prefix: String) throws -> [String] {
        let result = try etcdctl(["get", "--prefix", prefix, "--keys-only"])
        guard result.ok else { throw Shell.Failure(command: ["etcdctl", "get", prefix], result: result) }
        return result.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("/") }.sorted()
    }

    /// The value at `key`, nil if there is none.
    func value(_ key: String) throws -> String? {
        let result = try etcdctl(["get", key, "--print-value-only"])
        guard result.ok else { throw Shell.Failure(command: ["etcdctl", "get", key], result: result) }
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// The cluster's resources, in etcd or in a directory.
final class EtcdClusterStore: @unchecked Sendable {
    /// An IP pool the nodes take blocks from.
    struct Pool: Sendable, Hashable {
        var name: String
        var cidr: String
        var blockSize: Int
        var ipv6: Bool { cidr.contains(":") }
        /// Calico's IPAM key component for the family ("ipv4", "ipv6").
        var family: String { ipv6 ? "ipv6" : "ipv4" }
        var resource: EtcdClusterResource { .ipPool(name, cidr: cidr, blockSize: blockSize) }
    }

    let datastore: EtcdClusterDatastore
    /// The etcd (etcd mode).
    let etcd: EtcdClusterEtcd?
    /// The file datastore's directory (file mode): one `<plural>-<name>.json` per resource.
    let directory: URL
    let pools: [Pool]
    /// File mode: blocks handed out so far, per node, in order, and per pool the next block's index (never reused
    /// within a scenario, as IPAM would not hand a released block out again at once either). Only the scenario's
    /// task touches them.
    private var fileBlocks: [String: [String]] = [:]
    private var nextBlock: [String: Int] = [:]

    init(datastore: EtcdClusterDatastore, etcd: EtcdClusterEtcd?, directory: URL, pools: [Pool]) throws {
        self.datastore = datastore
        self.etcd = etcd
        self.directory = directory
        self.pools = pools
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes `resource` (etcd: `put` at its key; file: its JSON file, replaced atomically by a rename).
    func put(_ resource: EtcdClusterResource) throws {
        switch datastore {
        case .etcd:
            let result = try requireEtcd().etcdctl(["put", resource.key, resource.json])
            guard result.ok else { throw Shell.Failure(command: ["etcdctl", "put", resource.key], result: result) }
        case .file:
            // A hidden temporary name: the file datastore skips hidden files, so a reload never sees half a file.
            let temporary = directory.appendingPathComponent(".\(resource.fileName).tmp")
            try resource.json.write(to: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary.path, directory.appendingPathComponent(resource.fileName).path) == 0 else {
                throw HarnessError("rename \(temporary.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Deletes the resource (etcd: `del` of its key, which must have existed; file: its file).
    func delete(kind: String, name: String) throws {
        switch datastore {
        case .etcd:
            let key = EtcdClusterResource.key(kind: kind, name: name)
            let result = try requireEtcd().etcdctl(["del", key])
            guard result.ok, result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1" else {
                throw HarnessError("etcdctl del \(key) deleted no key: \(result.output)")
            }
        case .file:
            let file = directory.appendingPathComponent(
                EtcdClusterResource(kind: kind, name: name, spec: [:]).fileName)
            try FileManager.default.removeItem(at: file)
        }
    }

    /// The node's blocks of every pool's family, sorted: etcd mode reads its affinity keys, file mode the blocks
    /// the harness gave it.
    func blocks(of node: String) throws -> [String] {
        switch datastore {
        case .etcd:
            var blocks: [String] = []
            for family in Set(pools.map(\.family)).sorted() {
                let prefix = Self.affinityPrefix(node: node, family: family)
                blocks += try requireEtcd().keys(prefix: prefix).map { Self.block(fromAffinityKey: $0, prefix: prefix) }
            }
            return blocks.sorted()
        case .file:
            return (fileBlocks[node] ?? []).sorted()
        }
    }

    /// Who owns `block` according to the block record itself: etcd mode reads Calico's block key
    /// `/calico/ipam/v2/assignment/<family>/block/<address>-<len>` (its `cidr` must be the block, its `affinity`
    /// "host:<node>"); file mode the harness's table. Nil when there is no such record.
    func blockOwner(_ block: String) throws -> String? {
        switch datastore {
        case .etcd:
            let family = block.contains(":") ? "ipv6" : "ipv4"
            let key = "/calico/ipam/v2/assignment/\(family)/block/" + block.replacingOccurrences(of: "/", with: "-")
            guard let text = try requireEtcd().value(key) else { return nil }
            return Self.owner(fromBlockRecord: text, block: block)
        case .file:
            return fileBlocks.first { $0.value.contains(block) }?.key
        }
    }

    /// The node of a block record's `"affinity": "host:<node>"`; "?" when the record is not JSON, names another
    /// CIDR or has no host affinity.
    static func owner(fromBlockRecord text: String, block: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["cidr"] as? String == block, let affinity = object["affinity"] as? String,
            affinity.hasPrefix("host:")
        else { return "?" }
        return String(affinity.dropFirst("host:".count))
    }

    /// Where Calico IPAM keeps `node`'s block affinities of a family (libcalico-go `model.BlockAffinityKey`).
    static func affinityPrefix(node: String, family: String = "ipv4") -> String {
        "/calico/ipam/v2/host/\(node)/\(family)/block/"
    }

    /// ".../block/10.244.0.64-26" → "10.244.0.64/26" (Calico writes the CIDR with "-" for "/" in keys).
    static func block(fromAffinityKey key: String, prefix: String) -> String {
        let tail = key.hasPrefix(prefix) ? key.dropFirst(prefix.count) : key[...]
        guard let dash = tail.lastIndex(of: "-") else { return String(tail) }
        return tail[..<dash] + "/" + tail[tail.index(after: dash)...]
    }

    /// File mode: gives `node` the next free block of every pool and writes a BlockAffinity for each.
    func assignFileBlocks(to node: String) throws {
        precondition(datastore == .file, "in etcd mode the nodes claim their own blocks")
        for pool in pools {
            let index = nextBlock[pool.name, default: 0]
            let block = try EtcdClusterAddress.block(index, of: pool.cidr, size: pool.blockSize)
            nextBlock[pool.name] = index + 1
            fileBlocks[node, default: []].append(block)
            try put(.blockAffinity(node: node, cidr: block))
        }
    }

    private func requireEtcd() throws -> EtcdClusterEtcd {
        guard let etcd else { throw HarnessError("the file datastore has no etcd") }
        return etcd
    }
}
