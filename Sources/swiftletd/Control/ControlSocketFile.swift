// SPDX-License-Identifier: Apache-2.0
// The control socket's file-system side. Before binding: create the parent directory (0755), and remove a *stale*
// socket file, one nobody answers on; a live one means another swiftletd is running, and anything that is not a
// socket is left alone. After binding: chmod 0600 so only root can connect, and remember the inode so shutdown
// unlinks the file only if it is still ours (a newer daemon may have replaced it).

import ControlProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound control socket's path and identity.
struct ControlSocketFile: Sendable {
    var path: String
    var device: UInt64
    var inode: UInt64

    /// Makes `path` ready for bind(2).
    static func prepare(_ path: String) throws(ControlServerError) {
        try makeParentDirectory(of: path)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let error = errno
            if error == ENOENT { return }
            throw ControlServerError(operation: "lstat", path: path, errno: error)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlServerError(operation: "exists and is not a socket; not removing it", path: path)
        }
        let live: Bool
        do throws(ControlClientError) {
            _ = try ControlConnection(socketPath: path, timeout: .seconds(1))
            live = true
        } catch where error.errno == ECONNREFUSED || error.errno == ENOENT {
            live = false  // stale: left behind by a daemon that did not shut down cleanly
        } catch {
            throw ControlServerError(operation: "checking for a running daemon", path: path, errno: error.errno)
        }
        if live { throw ControlServerError(operation: "another swiftletd is answering on it", path: path) }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ControlServerError(operation: "unlink stale socket", path: path, errno: errno)
        }
    }

    /// Restricts the freshly bound socket to its owner and records its identity.
    static func restrict(_ path: String) throws(ControlServerError) -> ControlSocketFile {
        guard chmod(path, 0o600) == 0 else {
            throw ControlServerError(operation: "chmod 0600", path: path, errno: errno)
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw ControlServerError(operation: "lstat", path: path, errno: errno)
        }
        return ControlSocketFile(path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Unlinks the socket file if it is still the one this daemon bound.
    func removeIfOurs() {
        var info = stat()
        guard lstat(path, &info) == 0, UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode else { return }
        unlink(path)
    }

    /// `mkdir -p` of the parent, new directories 0755 whatever the umask.
    static func makeParentDirectory(of path: String) throws(ControlServerError) {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast()
        var current = path.hasPrefix("/") ? "" : "."
        for component in components where !component.isEmpty {
            current += "/" + component
            var info = stat()
            if stat(current, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw ControlServerError(operation: "parent \(current) is not a directory", path: path)
                }
                continue
            }
            guard mkdir(current, 0o755) == 0 || errno == EEXIST else {
                throw ControlServerError(operation: "mkdir \(current)", path: path, errno: errno)
            }
            _ = chmod(current, 0o755)
        }
    }
}
