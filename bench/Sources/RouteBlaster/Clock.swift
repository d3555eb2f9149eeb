// SPDX-License-Identifier: Apache-2.0
// One clock for every timestamp (CLOCK_MONOTONIC, nanoseconds), and the DUT's CPU time and memory from /proc.

import Glibc

@inline(__always)
func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func seconds(_ from: UInt64, _ to: UInt64) -> Double { Double(Int64(bitPattern: to &- from)) / 1e9 }

func sleepMilliseconds(_ ms: Int) { usleep(useconds_t(ms * 1000)) }

/// Polls `condition` every millisecond until it holds or `timeout` seconds pass; true when it held.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = now() + UInt64(timeout * 1e9)
    while !condition() {
        if now() >= deadline { return false }
        sleepMilliseconds(1)
    }
    return true
}

/// The device under test, read through /proc/PID (same PID namespace as the tool even inside a network namespace).
struct DUTProbe: Sendable {
    let pid: Int32?
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    private func read(_ file: String) -> String? {
        guard let pid else { return nil }
        let fd = open("/proc/\(pid)/\(file)", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    /// utime + stime of all threads, in clock ticks (proc(5) fields 14 and 15).
    func cpuTicks() -> Int? {
        guard let stat = read("stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// A `VmHWM` / `VmRSS` style line of /proc/PID/status, in KiB.
    func statusKiB(_ key: String) -> Int? {
        guard let status = read("status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Waits until the DUT's CPU time stops growing for `quiet` seconds (at most `timeout`), so one phase's
    /// leftover work is not charged to the next. Returns the ticks at that point.
    @discardableResult
    func waitQuiet(quiet: Double = 0.5, timeout: Double = 60) -> Int? {
        guard var last = cpuTicks() else { return nil }
        var since = now()
        let deadline = since + UInt64(timeout * 1e9)
        while now() < deadline {
            sleepMilliseconds(50)
            guard let ticks = cpuTicks() else { return nil }
            if ticks != last {
                last = ticks
                since = now()
            } else if seconds(since, now()) >= quiet {
                break
            }
        }
        return last
    }
}
