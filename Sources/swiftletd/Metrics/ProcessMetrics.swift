// SPDX-License-Identifier: Apache-2.0
// The standard `process_*` metrics (as the Go and Python clients export them), read from /proc/self at scrape time.

#if canImport(Glibc)
import Glibc
#endif

struct ProcessMetrics: Sendable {
    var residentMemoryBytes: Double?
    var virtualMemoryBytes: Double?
    var cpuSeconds: Double?
    var startTimeSeconds: Double?
    var openFDs: Double?
    var maxFDs: Double?
    var threads: Double?

    static func current() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        // /proc/self/stat: "pid (comm) state ..."; comm may hold spaces and parentheses, so split after the last ')'.
        if let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
            // fields[0] is field 3 (state): field n is fields[n - 3].
            func field(_ n: Int) -> Double? { fields.count > n - 3 ? Double(fields[n - 3]) : nil }
            if let user = field(14), let system = field(15), ticks > 0 { metrics.cpuSeconds = (user + system) / ticks }
            metrics.threads = field(20)
            if let start = field(22), ticks > 0, let boot = bootTime() { metrics.startTimeSeconds = boot + start / ticks }
            metrics.virtualMemoryBytes = field(23)
            if let pages = field(24) { metrics.residentMemoryBytes = pages * pageSize }
        }
        metrics.openFDs = countEntries("/proc/self/fd")
        // "Max open files            1024                 524288               files": the soft limit.
        if let limits = readFile("/proc/self/limits") {
            for line in limits.split(separator: "\n") where line.hasPrefix("Max open files") {
                metrics.maxFDs = line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Double($0) }
            }
        }
        return metrics
    }

    /// `btime` of /proc/stat: the boot time, Unix seconds.
    private static func bootTime() -> Double? {
        guard let text = readFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    private static func countEntries(_ path: String) -> Double? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in bytes.prefix(while: { $0 != 0 }) }
            if name.elementsEqual([UInt8(ascii: ".")]) || name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { continue }
            count += 1
        }
        // The directory handle itself is one of the entries counted.
        return Double(max(0, count - 1))
    }

    /// A small /proc file (their size reads as 0, so read until EOF).
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
