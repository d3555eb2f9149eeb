// SPDX-License-Identifier: Apache-2.0
// Where the etcd cluster scenarios keep the cluster's resources: a real etcd (Debian etcd-server) in a namespace of its
// own, written with etcdctl, or, to validate the lab without swiftletd's etcd mode, a directory of JSON resources
// (the file datastore) that every swiftletd re-reads on `swiftletctl reload`.
//
// In etcd mode the nodes register themselves and claim their blocks; the store only reads what they wrote:
// Calico's IPAM affinity keys `/calico/ipam/v2/host/<node>/ipv4/block/<a.b.c.d>-<len>` (libcalico-go
// `model.BlockAffinityKey`). In file mode the harness plays both parts: it writes each Node and a BlockAffinity
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
    static var installed: Bool { EtcdServer.isInstalled }
    static var binary: String { EtcdServer.binary }

    /// The server is stopped (and its log copied into the lab as etcd.log) by the lab's teardown.
    init(ns: Namespace, address: String) throws {
        let server = try EtcdServer(name: "swe", address: address, netns: ns.name)
        self.server = server
        let log = ns.lab.file("etcd.log")
        ns.lab.onTeardown {
            server.stop()
            try? server.logText.write(to: log, atomically: true, encoding: .utf8)
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
    let datastore: EtcdClusterDatastore
    /// The etcd (etcd mode).
    let etcd: EtcdClusterEtcd?
    /// The file datastore's directory (file mode): one `<plural>-<name>.json` per resource.
    let directory: URL
    /// File mode: blocks handed out so far, per node, in order (never reused within a scenario, as IPAM would not
    /// hand a released block out again at once either).
    private var fileBlocks: [String: [String]] = [:]
    private var nextBlock = 0
    let pool: String
    let blockSize: Int

    init(datastore: EtcdClusterDatastore, etcd: EtcdClusterEtcd?, directory: URL, pool: String, blockSize: Int) throws {
        self.datastore = datastore
        self.etcd = etcd
        self.directory = directory
        self.pool = pool
        self.blockSize = blockSize
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

    /// The node's IPv4 blocks, sorted: etcd mode reads its affinity keys, file mode the blocks the harness gave it.
    func blocks(of node: String) throws -> [String] {
        switch datastore {
        case .etcd:
            let prefix = Self.affinityPrefix(node: node)
            return try requireEtcd().keys(prefix: prefix).map { Self.block(fromAffinityKey: $0, prefix: prefix) }
                .sorted()
        case .file:
            return fileBlocks[node] ?? []
        }
    }

    /// Who owns `block` according to the block record itself: etcd mode reads Calico's block key
    /// `/calico/ipam/v2/assignment/ipv4/block/<a.b.c.d>-<len>` (its `cidr` must be the block, its `affinity`
    /// "host:<node>"); file mode the harness's table. Nil when there is no such record.
    func blockOwner(_ block: String) throws -> String? {
        switch datastore {
        case .etcd:
            let key = "/calico/ipam/v2/assignment/ipv4/block/" + block.replacingOccurrences(of: "/", with: "-")
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

    /// Where Calico IPAM keeps `node`'s IPv4 block affinities (libcalico-go `model.BlockAffinityKey`).
    static func affinityPrefix(node: String) -> String { "/calico/ipam/v2/host/\(node)/ipv4/block/" }

    /// ".../block/10.244.0.64-26" → "10.244.0.64/26" (Calico writes the CIDR with "-" for "/" in keys).
    static func block(fromAffinityKey key: String, prefix: String) -> String {
        let tail = key.hasPrefix(prefix) ? key.dropFirst(prefix.count) : key[...]
        guard let dash = tail.lastIndex(of: "-") else { return String(tail) }
        return tail[..<dash] + "/" + tail[tail.index(after: dash)...]
    }

    /// File mode: gives `node` the next free block of the pool and writes its BlockAffinity.
    func assignFileBlock(to node: String) throws -> String {
        precondition(datastore == .file, "in etcd mode the nodes claim their own blocks")
        let block = try Self.block(nextBlock, of: pool, size: blockSize)
        nextBlock += 1
        fileBlocks[node, default: []].append(block)
        try put(.blockAffinity(node: node, cidr: block))
        return block
    }

    /// The `index`-th block of size `size` of the IPv4 `pool` ("10.244.0.0/16", 1, 26 → "10.244.0.64/26").
    static func block(_ index: Int, of pool: String, size: Int) throws -> String {
        let parts = pool.split(separator: "/")
        guard parts.count == 2, let poolLength = Int(parts[1]), let base = IPv4Text.value(String(parts[0])),
            size >= poolLength, size <= 32, index < 1 << (size - poolLength)
        else { throw HarnessError("no block \(index) (/\(size)) in pool \(pool)") }
        return IPv4Text.string(base + UInt32(index) << (32 - size)) + "/\(size)"
    }

    private func requireEtcd() throws -> EtcdClusterEtcd {
        guard let etcd else { throw HarnessError("the file datastore has no etcd") }
        return etcd
    }
}

/// Dotted-quad IPv4 addresses as numbers and back, for block arithmetic and overlap checks.
enum IPv4Text {
    static func value(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        return octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    static func string(_ value: UInt32) -> String {
        [24, 16, 8, 0].map { String(value >> UInt32($0) & 0xff) }.joined(separator: ".")
    }

    /// "a.b.c.d/len" as the closed range of addresses it covers; nil unless the host bits are clear.
    static func range(_ cidr: String) -> ClosedRange<UInt32>? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let base = value(String(parts[0])), let length = Int(parts[1]),
            (0...32).contains(length)
        else { return nil }
        let size: UInt64 = 1 << UInt64(32 - length)
        guard UInt64(base) % size == 0 else { return nil }
        return base...UInt32(UInt64(base) + size - 1)
    }
}
