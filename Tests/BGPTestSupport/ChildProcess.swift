// SPDX-License-Identifier: Apache-2.0
// The one way the test harnesses start a daemon (etcd, BIRD, swiftletd in a namespace, tcpdump): posix_spawn with
// stdin from /dev/null, stdout and stderr appended to a log file, no other descriptor of the test process, an empty
// signal mask and default signal handlers.
// Foundation's Process is not used for these because the test runner blocks some signals and a child would inherit
// that mask (a daemon that ignores SIGTERM fails a shutdown test for the wrong reason).

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts child processes for tests.
public enum ChildProcess {
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Glibc module does not import.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Starts `command` (`command[0]` is an absolute path) with the test's environment plus `environment`; returns
    /// its PID. The caller reaps it.
    public static func spawn(_ command: [String], log: URL, environment: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process: a pipe another thread of the harness has open (Foundation's Process in
        // Shell.run) would otherwise stay open in a long-lived daemon, and that thread's read would wait for the
        // daemon's exit instead of the short command's.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal: Int32 in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var cArgv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, &attributes, &cArgv, &cEnv)
        guard rc == 0 else {
            throw SpawnError(description: "posix_spawn \(command[0]): \(String(cString: strerror(rc)))")
        }
        return child
    }
}
