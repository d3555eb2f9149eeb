// SPDX-License-Identifier: Apache-2.0
// bench/kernel/run's two kernel-side tools, run inside the DUT's network namespace (`ip netns exec`):
//
//   KernelFloor floor --gateway 10.255.255.2 --dev IFNAME [--prefixes 100000] [--first-prefix 11.0.0.0]
//       [--metric 1024] [--protocol 12] [--runs 1] [--pause 0.5] [--batch-bytes N]
//     The batched-netlink floor: builds `--prefixes` /24 KernelRoutes (consecutive from `--first-prefix`, via the
//     directly connected gateway, proto 12, table main), then times NetlinkRouteProgrammer.apply([.add ...]) (one
//     call, batched by the programmer) and, after `--pause` seconds, apply([.delete ...]). Repeats `--runs` times
//     and prints one JSON line: every run's times (CLOCK_MONOTONIC ns as well) and the best. `--batch-bytes` caps
//     the request octets per sendmsg (default: the programmer's own choice, 64 KiB).
//
//   KernelFloor count --expect 100000 --ready-file P --announced-file P --withdrawn-file P [--protocol 12]
//       [--table 254] [--timeout 300]
//     Watches the namespace's IPv4 routes (RTNLGRP_IPV4_ROUTE): keeps the set of prefixes with that protocol in
//     that table, updated by every RTM_NEWROUTE/RTM_DELROUTE, and writes the CLOCK_MONOTONIC nanoseconds of the
//     notification that made the set reach `--expect` routes into the announced file, then of the one that
//     emptied it into the withdrawn file (each written to P.tmp and renamed, so a reader never sees half of one),
//     and exits. The ready file is written once subscribed and the initial dump is counted. If the kernel drops
//     notifications (ENOBUFS: the receive queue overflowed), the set is rebuilt from a dump (RTM_GETROUTE) each
//     time, and the result line says how often; within one phase routes are only added or only removed, so a
//     notification read after the dump that reflects it does no harm.

import BGPWire
import Foundation
import Glibc
import KernelNetlink

@main
struct KernelFloor {
    static func main() {
        let list = Array(CommandLine.arguments.dropFirst())
        guard let mode = list.first else { usage() }
        var values: [String: String] = [:]
        var i = 1
        while i < list.count {
            guard list[i].hasPrefix("--"), i + 1 < list.count else { usage() }
            values[String(list[i].dropFirst(2))] = list[i + 1]
            i += 2
        }
        let options = Options(values: values)
        switch mode {
        case "floor": Floor(options).run()
        case "count": Counter(options).run()
        default: usage()
        }
    }

    static func usage() -> Never {
        fail("usage: KernelFloor floor|count [options]; see the comment in bench/Sources/KernelFloor/KernelFloor.swift")
    }
}

func log(_ text: String) {
    FileHandle.standardError.write("KernelFloor: \(text)\n".data(using: .utf8)!)
}

/// One result line on stdout, unbuffered (the process ends with exit()).
func output(_ line: String) {
    FileHandle.standardOutput.write((line + "\n").data(using: .utf8)!)
}

func fail(_ text: String) -> Never {
    log(text)
    exit(2)
}

@inline(__always)
func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func seconds(_ from: UInt64, _ to: UInt64) -> Double { Double(Int64(bitPattern: to &- from)) / 1e9 }

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct Options {
    let values: [String: String]
    func string(_ key: String) -> String {
        guard let value = values[key] else { fail("--\(key) is required") }
        return value
    }
    func int(_ key: String, _ fallback: Int) -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else { fail("--\(key) wants an integer, got \(text)") }
        return value
    }
    func double(_ key: String, _ fallback: Double) -> Double {
        guard let text = values[key] else { return fallback }
        guard let value = Double(text) else { fail("--\(key) wants a number, got \(text)") }
        return value
    }
    func ipv4(_ key: String, _ fallback: String? = nil) -> UInt32 {
        let text = values[key] ?? fallback ?? string(key)
        guard let address = IPAddress(text), address.family == .ipv4 else { fail("--\(key) wants IPv4, got \(text)") }
        return address.ipv4Value
    }
}

func json(_ value: Double) -> String { value.isFinite ? String(format: "%.6f", value) : "null" }

// MARK: - floor

struct Floor {
    let gateway: UInt32, device: String, prefixes: Int, firstPrefix: UInt32
    let metric: UInt32, routeProtocol: RouteProtocol, runs: Int, pause: Double, batchBytes: Int?
    /// `raw`: the same requests hand-encoded into one preallocated buffer per batch, acks only counted, no
    /// KernelNetlink: what the kernel alone costs. `programmer` (default): NetlinkRouteProgrammer.apply.
    let engine: String

    init(_ options: Options) {
        gateway = options.ipv4("gateway")
        device = options.string("dev")
        prefixes = options.int("prefixes", 100_000)
        firstPrefix = options.ipv4("first-prefix", "11.0.0.0")
        metric = UInt32(options.int("metric", 1024))
        routeProtocol = RouteProtocol(rawValue: UInt8(options.int("protocol", 12)))
        runs = max(1, options.int("runs", 1))
        pause = options.double("pause", 0.5)
        batchBytes = options.values["batch-bytes"].map { _ in options.int("batch-bytes", 0) }
        engine = options.values["engine"] ?? "programmer"
        guard engine == "programmer" || engine == "raw" else { fail("--engine is programmer or raw") }
    }

    func run() {
        let index = if_nametoindex(device)
        guard index != 0 else { fail("no interface \(device) in this namespace") }
        let hop = NextHop(gateway: IPAddress(ipv4: gateway), interfaceIndex: index)
        let routes = (0..<prefixes).map { i in
            KernelRoute(
                prefix: IPPrefix(address: IPAddress(ipv4: firstPrefix &+ UInt32(i) << 8), length: 24),
                kind: .unicast([hop]), table: .main, routeProtocol: routeProtocol, priority: metric)
        }
        let adds = routes.map(RouteOperation.add)
        let deletes = routes.map(RouteOperation.delete)
        var results: [String] = []
        var bestInstall = Double.infinity, bestWithdraw = Double.infinity
        var failures = 0
        for run in 1...runs {
            let cpu0: Double, cpu1: Double, cpu2: Double, cpu3: Double
            let t0: UInt64, t1: UInt64, t2: UInt64, t3: UInt64
            let addFailures: [String], deleteFailures: [String]
            let batches: Int, allBatches: Int, overruns: Int, receiveBuffer: Int, maximumBatchBytes: Int
            if engine == "raw" {
                var raw = RawProgrammer(batchBytes: batchBytes ?? 65536)
                cpu0 = cpuSeconds(); t0 = now()
                addFailures = raw.apply(add: true, firstPrefix: firstPrefix, count: prefixes, gateway: gateway,
                                        interface: index, metric: metric, routeProtocol: routeProtocol.rawValue)
                t1 = now(); cpu1 = cpuSeconds()
                batches = raw.batchesSent
                usleep(useconds_t(pause * 1e6))
                cpu2 = cpuSeconds(); t2 = now()
                deleteFailures = raw.apply(add: false, firstPrefix: firstPrefix, count: prefixes, gateway: gateway,
                                           interface: index, metric: metric, routeProtocol: routeProtocol.rawValue)
                t3 = now(); cpu3 = cpuSeconds()
                (allBatches, overruns, receiveBuffer, maximumBatchBytes) =
                    (raw.batchesSent, raw.overruns, raw.socket.receiveBufferBytes, raw.batchBytes)
                close(raw.socket.fd)
            } else {
                let programmer: NetlinkRouteProgrammer
                do {
                    programmer = try NetlinkRouteProgrammer(routeProtocol: routeProtocol, maximumBatchBytes: batchBytes)
                } catch {
                    fail("netlink socket: \(error)")
                }
                cpu0 = cpuSeconds(); t0 = now()
                addFailures = programmer.apply(adds).map(\.description)
                t1 = now(); cpu1 = cpuSeconds()
                batches = programmer.batchesSent
                usleep(useconds_t(pause * 1e6))
                cpu2 = cpuSeconds(); t2 = now()
                deleteFailures = programmer.apply(deletes).map(\.description)
                t3 = now(); cpu3 = cpuSeconds()
                (allBatches, overruns, receiveBuffer, maximumBatchBytes) = (
                    programmer.batchesSent, programmer.overruns, programmer.receiveBufferBytes,
                    programmer.maximumBatchBytes
                )
            }
            failures += addFailures.count + deleteFailures.count
            for failure in (addFailures + deleteFailures).prefix(3) { log("refused: \(failure)") }
            let install = seconds(t0, t1), withdraw = seconds(t2, t3)
            bestInstall = min(bestInstall, install)
            bestWithdraw = min(bestWithdraw, withdraw)
            log(String(format: "run %d: install %.3f s (%d batches, %d refused), withdraw %.3f s (%d refused)",
                       run, install, batches, addFailures.count, withdraw, deleteFailures.count))
            results.append(
                "{\"install_s\": \(json(install)), \"withdraw_s\": \(json(withdraw)), "
                    + "\"install_cpu_s\": \(json(cpu1 - cpu0)), \"withdraw_cpu_s\": \(json(cpu3 - cpu2)), "
                    + "\"install_start_ns\": \(t0), \"install_end_ns\": \(t1), "
                    + "\"withdraw_start_ns\": \(t2), \"withdraw_end_ns\": \(t3), "
                    + "\"install_batches\": \(batches), \"batches\": \(allBatches), "
                    + "\"overruns\": \(overruns), \"receive_buffer\": \(receiveBuffer), "
                    + "\"maximum_batch_bytes\": \(maximumBatchBytes), "
                    + "\"install_refused\": \(addFailures.count), \"withdraw_refused\": \(deleteFailures.count)}")
        }
        output(
            "{\"tool\": \"floor\", \"engine\": \"\(engine)\", \"prefixes\": \(prefixes), \"install_s\": \(json(bestInstall)), "
                + "\"withdraw_s\": \(json(bestWithdraw)), \"refused\": \(failures), \"ok\": \(failures == 0), "
                + "\"runs\": [\(results.joined(separator: ", "))]}")
        exit(failures == 0 ? 0 : 1)
    }
}

/// The kernel-only floor: RTM_NEWROUTE / RTM_DELROUTE requests written by hand into one reused buffer, `batchBytes`
/// per sendmsg, acks read and only counted (errors kept as text). No per-route allocation, no bookkeeping.
struct RawProgrammer {
    let socket: RouteSocket
    let batchBytes: Int
    var batchesSent = 0
    var overruns = 0
    var sequence: UInt32 = 1
    var buffer: [UInt8]
    var answers = [UInt8](repeating: 0, count: 1 << 20)

    init(batchBytes: Int) {
        socket = RouteSocket(groups: 0, receiveBuffer: 8 << 20)
        var on: Int32 = 1
        setsockopt(socket.fd, 270, 10, &on, socklen_t(MemoryLayout<Int32>.size))  // SOL_NETLINK, NETLINK_CAP_ACK
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.batchBytes = max(68, batchBytes)
        buffer = [UInt8](repeating: 0, count: self.batchBytes)
    }

    mutating func apply(
        add: Bool, firstPrefix: UInt32, count: Int, gateway: UInt32, interface: UInt32, metric: UInt32,
        routeProtocol: UInt8
    ) -> [String] {
        let size = add ? 68 : 44  // header 16 + rtmsg 12 + RTA_DST 8 + RTA_PRIORITY 8 (+ RTA_GATEWAY 8 + RTA_OIF 8)
        let perBatch = max(1, batchBytes / size)
        var errors: [String] = []
        var next = 0
        while next < count {
            let n = min(perBatch, count - next)
            let firstSequence = sequence
            buffer.withUnsafeMutableBytes { raw in
                for k in 0..<n {
                    let o = k * size
                    func u16(_ at: Int, _ v: UInt16) { raw.storeBytes(of: v, toByteOffset: o + at, as: UInt16.self) }
                    func u32(_ at: Int, _ v: UInt32) { raw.storeBytes(of: v, toByteOffset: o + at, as: UInt32.self) }
                    u32(0, UInt32(size))
                    u16(4, add ? 24 : 25)  // RTM_NEWROUTE / RTM_DELROUTE
                    u16(6, add ? 0x605 : 0x005)  // REQUEST | ACK (| EXCL | CREATE)
                    u32(8, sequence &+ UInt32(k))
                    u32(12, 0)
                    raw[o + 16] = UInt8(AF_INET); raw[o + 17] = 24; raw[o + 18] = 0; raw[o + 19] = 0
                    raw[o + 20] = 254; raw[o + 21] = routeProtocol
                    raw[o + 22] = add ? 0 : 255  // RT_SCOPE_UNIVERSE / RT_SCOPE_NOWHERE (any)
                    raw[o + 23] = add ? 1 : 0  // RTN_UNICAST
                    u32(24, 0)
                    u16(28, 8); u16(30, 1); u32(32, (firstPrefix &+ UInt32(next + k) << 8).bigEndian)  // RTA_DST
                    u16(36, 8); u16(38, 6); u32(40, metric)  // RTA_PRIORITY
                    if add {
                        u16(44, 8); u16(46, 5); u32(48, gateway.bigEndian)  // RTA_GATEWAY
                        u16(52, 8); u16(54, 4); u32(56, interface)  // RTA_OIF
                        u16(60, 8); u16(62, 15); u32(64, 254)  // RTA_TABLE
                    }
                }
            }
            sequence &+= UInt32(n)
            batchesSent += 1
            let sent = buffer.withUnsafeBytes { send(socket.fd, $0.baseAddress, n * size, 0) }
            guard sent == n * size else { fail("sendmsg: \(String(cString: strerror(errno)))") }
            var answered = 0
            while answered < n {
                let got = answers.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
                if got < 0 {
                    if errno == EINTR { continue }
                    if errno == ENOBUFS { overruns += 1; errors.append("ENOBUFS"); break }
                    fail("recv: \(String(cString: strerror(errno)))")
                }
                answers.withUnsafeBytes { raw in
                    var o = 0
                    while o + 16 <= got {
                        let length = Int(raw.load(fromByteOffset: o, as: UInt32.self))
                        let type = raw.load(fromByteOffset: o + 4, as: UInt16.self)
                        guard length >= 16 else { break }
                        if type == 2 && length >= 20 {  // NLMSG_ERROR
                            let code = raw.load(fromByteOffset: o + 16, as: Int32.self)
                            let seq = raw.load(fromByteOffset: o + 16 + 4 + 8, as: UInt32.self)
                            if seq &- firstSequence < UInt32(n) { answered += 1 }
                            if code != 0 && errors.count < 3 { errors.append("errno \(-code) on sequence \(seq)") }
                            else if code != 0 { errors.append("") }
                        }
                        o += (length + 3) & ~3
                    }
                }
            }
            next += n
        }
        return errors
    }
}

// MARK: - count

/// A raw NETLINK_ROUTE socket (Glibc only; the programmer's socket is internal to KernelNetlink).
struct RouteSocket {
    let fd: Int32

    /// `struct sockaddr_nl` (linux/netlink.h).
    struct Address {
        var family = UInt16(AF_NETLINK)
        var pad: UInt16 = 0
        var pid: UInt32 = 0
        var groups: UInt32 = 0
    }

    init(groups: UInt32, receiveBuffer: Int32) {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)  // NETLINK_ROUTE
        guard fd >= 0 else { fail("socket(AF_NETLINK): \(String(cString: strerror(errno)))") }
        var size = receiveBuffer
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = Address(groups: groups)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard bound == 0 else { fail("bind(AF_NETLINK): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    var receiveBufferBytes: Int {
        var actual: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &length)
        return Int(actual)
    }
}

final class Counter {
    let expect: Int
    let routeProtocol: UInt8
    let table: UInt32
    let readyFile: String, announcedFile: String, withdrawnFile: String
    let timeout: Double

    /// dst << 8 | length of every route of ours in the table.
    var routes = Set<UInt64>()
    var events = 0
    var overruns = 0
    var maximum = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(_ options: Options) {
        expect = options.int("expect", 100_000)
        routeProtocol = UInt8(options.int("protocol", 12))
        table = UInt32(options.int("table", 254))
        readyFile = options.string("ready-file")
        announcedFile = options.string("announced-file")
        withdrawnFile = options.string("withdrawn-file")
        timeout = options.double("timeout", 300)
        routes.reserveCapacity(expect * 2)
    }

    /// Applies one datagram's route messages; returns the DUMP_DONE / error state for dumps.
    /// Message layout: nlmsghdr (16) + rtmsg (12: family, dst_len, src_len, tos, table, protocol, scope, type,
    /// flags) + attributes (RTA_DST = 1, RTA_TABLE = 15).
    func apply(_ count: Int, dumpSequence: UInt32? = nil) -> (done: Bool, interrupted: Bool) {
        var done = false, interrupted = false
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 16 <= count {
                let length = Int(bytes.load(fromByteOffset: offset, as: UInt32.self))
                let type = bytes.load(fromByteOffset: offset + 4, as: UInt16.self)
                let flags = bytes.load(fromByteOffset: offset + 6, as: UInt16.self)
                guard length >= 16, offset + length <= count else { break }
                if dumpSequence != nil {
                    if flags & 0x10 != 0 { interrupted = true }  // NLM_F_DUMP_INTR
                    if type == 3 || type == 2 { done = true }  // NLMSG_DONE, NLMSG_ERROR
                }
                if (type == 24 || type == 25) && length >= 28 {
                    let body = offset + 16
                    let family = bytes[body]
                    let dstLength = bytes[body + 1]
                    var routeTable = UInt32(bytes[body + 4])
                    let proto = bytes[body + 5]
                    if family == UInt8(AF_INET) && proto == routeProtocol {
                        var dst: UInt32 = 0
                        var attribute = body + 12
                        while attribute + 4 <= offset + length {
                            let attributeLength = Int(bytes.load(fromByteOffset: attribute, as: UInt16.self))
                            let attributeType = bytes.load(fromByteOffset: attribute + 2, as: UInt16.self)
                            guard attributeLength >= 4 else { break }
                            if attributeType == 1 && attributeLength >= 8 {
                                dst = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: attribute + 4, as: UInt32.self))
                            } else if attributeType == 15 && attributeLength >= 8 {
                                routeTable = bytes.loadUnaligned(fromByteOffset: attribute + 4, as: UInt32.self)
                            }
                            attribute += (attributeLength + 3) & ~3
                        }
                        if routeTable == table {
                            let key = UInt64(dst) << 8 | UInt64(dstLength)
                            if type == 24 { routes.insert(key) } else { routes.remove(key) }
                            events += 1
                        }
                    }
                }
                offset += (length + 3) & ~3
            }
        }
        return (done, interrupted)
    }

    /// Rebuilds `routes` from a dump of the IPv4 routes (on its own socket, so notifications keep queueing).
    func resync() {
        for _ in 0..<8 {
            let dumper = RouteSocket(groups: 0, receiveBuffer: 32 << 20)
            defer { close(dumper.fd) }
            // nlmsghdr + rtmsg: RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, family AF_INET.
            var request = [UInt8](repeating: 0, count: 28)
            request.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt32(28), toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: UInt16(26), toByteOffset: 4, as: UInt16.self)
                raw.storeBytes(of: UInt16(0x301), toByteOffset: 6, as: UInt16.self)
                raw.storeBytes(of: UInt32(1), toByteOffset: 8, as: UInt32.self)
                raw[16] = UInt8(AF_INET)
            }
            guard send(dumper.fd, request, request.count, 0) == request.count else { continue }
            routes.removeAll(keepingCapacity: true)
            var interrupted = false
            var complete = false
            while !complete {
                let n = buffer.withUnsafeMutableBytes { recv(dumper.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                let state = apply(n, dumpSequence: 1)
                interrupted = interrupted || state.interrupted
                complete = state.done
            }
            if complete && !interrupted { return }
        }
        log("could not dump the routes without interruption")
    }

    func stamp(_ path: String, _ time: UInt64) {
        let temporary = path + ".tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: "\(time)\n".data(using: .utf8))
        rename(temporary, path)
    }

    func run() {
        // RTMGRP_IPV4_ROUTE (1 << (RTNLGRP_IPV4_ROUTE - 1)). The kernel doubles the 256 MiB asked for; 100k
        // notifications are roughly 80 MB of queued skbs if this process were not scheduled at all.
        let monitor = RouteSocket(groups: 0x40, receiveBuffer: 256 << 20)
        resync()
        let initial = routes.count
        stamp(readyFile, now())
        let cpuStart = cpuSeconds()
        let deadline = now() + UInt64(timeout * 1e9)
        var allAt: UInt64 = 0, noneAt: UInt64 = 0
        // Drain without blocking, then sleep 1 ms: a reader blocked in recv() would be woken (an IPI to the other
        // core) by every one of the 100k notifications, slowing down the writer it is measuring; a sleeping one
        // is not. The cost is up to a millisecond of resolution.
        while noneAt == 0 {
            var drained = false
            while !drained {
                let n = buffer.withUnsafeMutableBytes { recv(monitor.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n < 0 {
                    if errno == ENOBUFS {
                        overruns += 1
                        resync()
                    } else if errno == EAGAIN || errno == EINTR {
                        drained = true
                    } else {
                        fail("recv: \(String(cString: strerror(errno)))")
                    }
                } else {
                    _ = apply(n)
                }
                let time = now()
                maximum = max(maximum, routes.count)
                if allAt == 0 && routes.count >= expect {
                    allAt = time
                    stamp(announcedFile, time)
                    log("\(routes.count) routes")
                } else if allAt != 0 && routes.isEmpty && noneAt == 0 {
                    noneAt = time
                    stamp(withdrawnFile, time)
                    drained = true
                }
            }
            if noneAt != 0 { break }
            if now() > deadline {
                log("timed out with \(routes.count) routes (expecting \(allAt == 0 ? expect : 0))")
                break
            }
            usleep(1000)
        }
        output(
            "{\"tool\": \"count\", \"initial\": \(initial), \"maximum\": \(maximum), \"events\": \(events), "
                + "\"overruns\": \(overruns), \"receive_buffer\": \(monitor.receiveBufferBytes), "
                + "\"cpu_s\": \(json(cpuSeconds() - cpuStart)), \"all_ns\": \(allAt), \"none_ns\": \(noneAt), "
                + "\"ok\": \(noneAt != 0 && overruns == 0)}")
        exit(noneAt != 0 ? 0 : 1)
    }
}
