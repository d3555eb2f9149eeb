// SPDX-License-Identifier: Apache-2.0
// Live configuration without a restart (issue #6): in etcd mode every snapshot the datastore publishes goes through the
// shared reload (only affected sessions and routes change); in file mode the file or directory is polled and a change
// reloads it, as SIGHUP does. Both stop with the daemon's graceful shutdown.

import ClusterModel
import ControlProtocol
import Datastore
import Foundation
import Logging
import ServiceLifecycle

/// Applies each etcd snapshot; `follower` is the datastore's own task (lease, watches, claims), stopped on shutdown.
struct DatastoreService: Service {
    let datastore: EtcdDatastore
    let follower: Task<Void, Never>
    let reloader: ConfigReloader
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            for await snapshot in datastore.snapshots {
                logger.debug(
                    "etcd snapshot", metadata: ["revision": "\(snapshot.revision)", "resources": "\(snapshot.resources.count)"])
                await reloader.reload(trigger: "etcd", snapshot: snapshot)
            }
        } onGracefulShutdown: {
            follower.cancel()
        }
        follower.cancel()
        _ = await follower.value
    }
}

/// Reloads when the configuration file, or any file of the configuration directory, changes (Kubernetes swaps a
/// mounted ConfigMap's files through a symlink, which changes what `stat` sees behind the path).
struct ConfigFileWatcher: Service {
    let path: String
    let interval: Duration
    let reloader: ConfigReloader
    let logger: Logger

    /// What identifies a version of the configuration on disk: every file's name, size, mtime and inode.
    static func fingerprint(_ path: String) -> [String] {
        let files = (try? ConfigFile.files(at: path).get()) ?? []
        return files.map { file in
            var info = stat()
            guard stat(file, &info) == 0 else { return "\(file):missing" }
            return "\(file):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
        }
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var last = Self.fingerprint(path)
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                let current = Self.fingerprint(path)
                guard current != last else { continue }
                last = current
                logger.info("configuration changed on disk; reloading", metadata: ["path": "\(path)"])
                await reloader.reload(trigger: "file change")
            }
        }
    }
}

extension ConfigSource {
    /// The datastore line of `show status` and the `swiftlet_datastore_*` metrics.
    func status() async -> DatastoreStatus {
        switch self {
        case .file(let path):
            return DatastoreStatus(kind: "file", source: path)
        case .etcd(let store, let endpoints):
            let status = await store.status()
            return DatastoreStatus(
                kind: "etcd", source: endpoints, connected: status.connected, revision: status.revision,
                snapshots: status.snapshots, lease: status.lease, blocks: status.ownBlocks, lastError: status.lastError)
        }
    }
}
