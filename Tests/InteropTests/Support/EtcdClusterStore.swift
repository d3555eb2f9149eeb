// SPDX-License-Identifier: Apache-2.0
// Where the etcd cluster scenarios keep the cluster's resources: a real etcd (Debian etcd-server) in a namespace of its
// own, written with etcdctl, or, to validate the lab without swiftletd's etcd mode, a directory of JSON resources
// (the file datastore) that every swiftletd re-reads on `swiftletctl reload`.
//
// In etcd mode the nodes register themselves and claim their blocks; the store only reads what they wrote:
// Calico's IPAM affinity keys `/calico/ipam/v2/host/<node>/ipv4/block/<a.b.c.d>-<len>` (libcalico-go
// `model.BlockAffinityKey`). In file mode the harness plays both parts: it writes each Node and a BlockAffinity
// for it, blocks handed out in address order.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which datastore a scenario's swiftletds read.
enum EtcdClusterDatastore: String, Sendable {
    case etcd, file
}

/// The real etcd: one member, its client URL on the etcd namespace's fabric address (and loopback, for etcdctl), its
/// data in the lab directory so a restart keeps every key, lease and revision.
final class EtcdClusterEtcd: @unchecked Sendable {
    static let binary = "/usr/bin/etcd"
    static let clientPort = 2379

    let ns: Namespace
    let address: String
    let dataDirectory: URL
    /// The running etcd; replaced by `restart()`. Only the scenario's task touches it.
    private(set) var process: BackgroundProcess?
    private var starts = 0

    var endpoint: String { "http://\(address):\(Self.clientPort)" }

    init(ns: Namespace, address: String) {
        self.ns = ns
        self.address = address
        dataDirectory = ns.lab.file("etcd-data")
    }

    static var installed: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Starts etcd and waits (bounded) until it answers a read.
    func start() async throws {
        starts += 1
        let local = "http://127.0.0.1:\(Self.clientPort)"
        process = try ns.spawn(
            "etcd-\(starts)",
            [
                Self.binary, "--name", "swe", "--data-dir", dataDirectory.path,
                "--listen-client-urls", "\(endpoint),\(local)", "--advertise-client-urls", endpoint,
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "swe=http://127.0.0.1:2380", "--initial-cluster-state", "new",
                "--logger", "zap", "--log-level", "warn",
            ])
        var last = ""
        let up = await Poll.until(timeout: .seconds(20), every: .milliseconds(100)) {
            guard process?.isRunning ?? false else { return true }
            let result = try? etcdctl(["get", "--keys-only", "/calico/"])
            last = result?.output ?? ""
            return result?.ok ?? false
        }
        guard up, process?.isRunning ?? false else {
            throw HarnessError("etcd did not start (\(last)):\n\(process?.logText ?? "")")
        }
    }

    /// SIGKILL: no clean shutdown, like a crashed etcd host; waits (bounded) until the process is gone.
    func kill() async throws {
        process?.signal(SIGKILL)
        guard await process?.waitExit(timeout: .seconds(10)) ?? true else {
            throw HarnessError("etcd survived SIGKILL")
        }
    }

    /// `etcdctl` (API v3) inside the etcd namespace against the loopback client URL, 5 s per command.
    @discardableResult
    func etcdctl(_ arguments: [String]) throws -> Shell.Result {
        try ns.run(
            ["env", "ETCDCTL_API=3", "etcdctl", "--endpoints", "http://127.0.0.1:\(Self.clientPort)",
             "--command-timeout=5s"] + arguments,
            timeout: .seconds(10))
    }

    /// Keys under `prefix`, sorted.
    func keys(prefix: String) throws -> [String] {
        let result = try etcdctl(["get", "--prefix", prefix, "--keys-only"])
        guard result.ok else { throw Shell.Failure(command: ["etcdctl", "get", prefix], result: result) }
        return result.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.sorted()
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
        guard parts.count == 2, let base = value(String(parts[0])), let length = Int(parts[1]), (0...32).contains(length)
        else { return nil }
        let size: UInt64 = 1 << UInt64(32 - length)
        guard UInt64(base) % size == 0 else { return nil }
        return base...UInt32(UInt64(base) + size - 1)
    }
}
