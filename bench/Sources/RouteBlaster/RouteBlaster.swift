// SPDX-License-Identifier: Apache-2.0
// Injector, monitor and route-reflector clients for bench/routing/run. Every UPDATE is encoded before the first
// connection; received UPDATEs are read only as far as their IPv4 prefixes, into a compact per-session set, so the
// tool stays far from being the bottleneck. Prints one JSON line per run on stdout, progress on stderr.
//
//   RouteBlaster route-server --dut 127.0.0.1 [--port 179] [--dut-as 64512] [--prefixes 1000000] [--sets 1000]
//       [--injector 127.0.0.2] [--injector-as 64500] [--monitor 127.0.0.3] [--monitor-as 65100] [--dut-pid PID]
//       [--timeout 300]
//     (a) injector and monitor (one process, one clock): both sessions Established, then the injector sends the
//     table; done when the monitor holds every prefix. (b) after the DUT has gone quiet, the injector withdraws
//     everything; done when the monitor holds none.
//   RouteBlaster rr-clients --dut 127.0.0.1 [--port 179] [--as 64512] [--clients 200] [--source-base 127.0.1.1]
//       [--dut-pid PID] [--timeout 60]
//     (c) N iBGP clients, each announcing one /26 (10.0.0.0 + 64 i); done when every client holds the N - 1 others.
//   RouteBlaster kernel-inject ...: bench/kernel/run's injector; options in KernelInject.swift.
//   RouteBlaster burst ...: bench/timers/run's load (announce, withdraw, announce, ... for a time); Burst.swift.

import BGPCore
import BGPWire
import BenchWorkload
import Foundation
import Glibc
import NIOCore
import Synchronization

@main
struct RouteBlaster {
    static func main() {
        var arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
        guard let mode = arguments.mode else {
            usage()
            exit(2)
        }
        do {
            switch mode {
            case "route-server": try RouteServerRun(&arguments).run()
            case "rr-clients": try ReflectorRun(&arguments).run()
            case "kernel-inject": try KernelInjectRun(&arguments).run()
            case "burst": try BurstRun(&arguments).run()
            default:
                usage()
                exit(2)
            }
        } catch {
            log("error: \(error)")
            exit(1)
        }
    }

    static func usage() {
        log(
            "usage: RouteBlaster route-server|rr-clients|kernel-inject|burst --dut ADDRESS [options]; see the comment in RouteBlaster.swift"
        )
    }
}

/// This process's CPU seconds so far (user + system), to show the tool is not the bottleneck.
func toolCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func log(_ text: String) {
    FileHandle.standardError.write("RouteBlaster: \(text)\n".data(using: .utf8)!)
}

protocol JSONValue { var json: String { get } }
extension String: JSONValue { var json: String { "\"\(self)\"" } }
extension Bool: JSONValue { var json: String { self ? "true" : "false" } }
extension Int: JSONValue { var json: String { String(self) } }
extension Double: JSONValue { var json: String { isFinite ? String(format: "%.6f", self) : "null" } }
extension Optional: JSONValue where Wrapped: JSONValue { var json: String { self?.json ?? "null" } }

/// Prints one JSON object on one line (the result; everything else goes to stderr).
func emit(_ fields: KeyValuePairs<String, any JSONValue>) {
    let line = "{" + fields.map { "\"\($0.key)\": \($0.value.json)" }.joined(separator: ", ") + "}\n"
    FileHandle.standardOutput.write(line.data(using: .utf8)!)
}

struct Arguments {
    var mode: String?
    var values: [String: String] = [:]

    init(_ list: [String]) {
        mode = list.first
        var i = 1
        while i < list.count {
            let key = list[i]
            guard key.hasPrefix("--"), i + 1 < list.count else {
                log("bad argument \(key)")
                exit(2)
            }
            values[String(key.dropFirst(2))] = list[i + 1]
            i += 2
        }
    }

    func string(_ key: String, _ fallback: String) -> String { values[key] ?? fallback }
    func int(_ key: String, _ fallback: Int) -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else {
            log("--\(key) wants an integer, got \(text)")
            exit(2)
        }
        return value
    }
    func double(_ key: String, _ fallback: Double) -> Double { values[key].flatMap(Double.init) ?? fallback }
    func address(_ key: String, _ fallback: String) -> UInt32 {
        let text = string(key, fallback)
        guard let value = parseIPv4(text) else {
            log("--\(key) wants an IPv4 address, got \(text)")
            exit(2)
        }
        return value
    }
}

/// Percentile by nearest rank of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}

// MARK: - (a) + (b): route server

final class RouteServerRun: @unchecked Sendable {
    let dut: UInt32, port: UInt16, dutAS: UInt32
    let prefixCount: Int, setCount: Int
    let injectorAddress: UInt32, injectorAS: UInt32
    let monitorAddress: UInt32, monitorAS: UInt32
    let probe: DUTProbe
    let timeout: Double

    // Set on the reactor thread.
    let phase = Atomic<Int>(0)  // 0: announcing, 1: withdrawing
    let monitorFirstUpdate = Atomic<UInt64>(0)
    let monitorAll = Atomic<UInt64>(0)
    let monitorAllCPU = Atomic<Int>(-1)
    let monitorFirstWithdraw = Atomic<UInt64>(0)
    let monitorZero = Atomic<UInt64>(0)
    let monitorZeroCPU = Atomic<Int>(-1)
    let monitorCount = Atomic<Int>(0)
    let monitorMax = Atomic<Int>(0)
    let injectorMax = Atomic<Int>(0)

    init(_ arguments: inout Arguments) throws {
        dut = arguments.address("dut", "127.0.0.1")
        port = UInt16(arguments.int("port", 179))
        dutAS = UInt32(arguments.int("dut-as", 64512))
        prefixCount = arguments.int("prefixes", 1_000_000)
        setCount = arguments.int("sets", 1000)
        injectorAddress = arguments.address("injector", "127.0.0.2")
        injectorAS = UInt32(arguments.int("injector-as", 64500))
        monitorAddress = arguments.address("monitor", "127.0.0.3")
        monitorAS = UInt32(arguments.int("monitor-as", 65100))
        probe = DUTProbe(pid: arguments.values["dut-pid"].flatMap { Int32($0) })
        timeout = arguments.double("timeout", 300)
    }

    /// The codec benchmark's table (bench/Sources/CodecBench/Workload.swift, seed 4): the same prefixes in the same
    /// attribute sets, with the injector's own address as NEXT_HOP and its AS first in every AS path. Returns the
    /// announcements and the withdrawals, each packed as UpdatePacker packs them.
    ///
    /// One change to the prefixes: the generator draws first octets 1-223, and BIRD drops routes inside 127.0.0.0/8
    /// ("Ignoring bogus route"), so those (about 0.4 %) move to first octet 128, 129, ... (the first one that does not
    /// collide with a generated prefix).
    func table() -> (announce: ByteBuffer, announceMessages: Int, withdraw: ByteBuffer, withdrawMessages: Int) {
        let context = EncodeContext(fourOctetAS: true)
        var rng = SplitMix64(seed: 4)
        var all = TableGenerator.prefixes(prefixCount, family: .ipv4Unicast, using: &rng)
        var present = Set(all.map(\.prefix))
        for i in all.indices where all[i].prefix.address.ipv4Value >> 24 == 127 {
            let old = all[i].prefix
            var octet: UInt32 = 128
            while true {
                let moved = IPPrefix(
                    address: IPAddress(ipv4: octet << 24 | old.address.ipv4Value & 0x00FF_FFFF), length: old.length)
                if present.insert(moved).inserted {
                    all[i] = NLRI(moved)
                    break
                }
                octet += 1
            }
        }
        let perSet = prefixCount / setCount
        var announce = ByteBuffer()
        var messages = 0
        for i in 0..<setCount {
            let attributes = TableGenerator.attributes(
                set: i, firstAS: injectorAS, nextHop: IPAddress(ipv4: injectorAddress), using: &rng)
            let start = i * perSet
            let end = i == setCount - 1 ? prefixCount : start + perSet
            messages += UpdatePacker.writeAnnouncements(
                all[start..<end], family: .ipv4Unicast, attributes: attributes, into: &announce, context: context)
        }
        var withdraw = ByteBuffer()
        let withdrawMessages = UpdatePacker.writeWithdrawals(
            all, family: .ipv4Unicast, into: &withdraw, context: context)
        return (announce, messages, withdraw, withdrawMessages)
    }

    func observe(_ session: Session, _ time: UInt64) {
        guard session.index == 0 else {  // 0: monitor (connects first), 1: injector
            // The injector only notes what the DUT sends back to it (BIRD sends nothing: no route goes back to the
            // peer it came from).
            if session.count > injectorMax.load(ordering: .relaxed) {
                injectorMax.store(session.count, ordering: .relaxed)
            }
            return
        }
        let count = session.count
        monitorCount.store(count, ordering: .relaxed)
        if count > monitorMax.load(ordering: .relaxed) { monitorMax.store(count, ordering: .relaxed) }
        if phase.load(ordering: .acquiring) == 0 {
            // The first UPDATE with a prefix (not the DUT's End-of-RIB at session start).
            if count > 0 && monitorFirstUpdate.load(ordering: .relaxed) == 0 {
                monitorFirstUpdate.store(time, ordering: .relaxed)
            }
            if count >= prefixCount && monitorAll.load(ordering: .relaxed) == 0 {
                monitorAllCPU.store(probe.cpuTicks() ?? -1, ordering: .relaxed)
                monitorAll.store(time, ordering: .releasing)
            }
        } else {
            if monitorFirstWithdraw.load(ordering: .relaxed) == 0 {
                monitorFirstWithdraw.store(time, ordering: .relaxed)
            }
            if count == 0 && monitorZero.load(ordering: .relaxed) == 0 {
                monitorZeroCPU.store(probe.cpuTicks() ?? -1, ordering: .relaxed)
                monitorZero.store(time, ordering: .releasing)
            }
        }
    }

    func run() throws {
        let started = now()
        let table = table()
        let built = String(format: "%.2f", seconds(started, now()))
        log(
            "table: \(prefixCount) prefixes, \(setCount) sets, \(table.announceMessages) UPDATEs, "
                + "\(table.announce.readableBytes) octets; withdrawals \(table.withdrawMessages) UPDATEs "
                + "(built in \(built) s)"
        )

        let injector = Session(
            index: 1, name: "injector", localAddress: injectorAddress, localAS: injectorAS,
            expectedPrefixes: prefixCount, trackAdded: false)
        let monitor = Session(
            index: 0, name: "monitor", localAddress: monitorAddress, localAS: monitorAS,
            expectedPrefixes: prefixCount, trackAdded: false)
        let reactor = Reactor { [self] session, time in observe(session, time) }
        reactor.start()
        defer { reactor.stop() }
        let connectStart = now()
        try reactor.connectAndEstablish(monitor: monitor, injector: injector, dut: dut, port: port)
        let establishedSeconds = seconds(connectStart, now())
        // Whatever the DUT does on session start (its initial dump, End-of-RIB) is not part of (a).
        probe.waitQuiet(quiet: 0.3, timeout: 10)
        let rssBefore = probe.statusKiB("VmRSS")

        // (a) announce.
        let cpuStart = probe.cpuTicks()
        let toolStart = toolCPUSeconds()
        let firstSent = try injector.sendStream(table.announce)
        let lastSent = now()
        var endOfRIB = ByteBuffer()
        endOfRIB.writeBGPMessage(.update(.endOfRIB(.ipv4Unicast)), context: EncodeContext(fourOctetAS: true))
        try injector.send(endOfRIB)
        let announced = waitUntil(timeout: timeout) { [self] in
            monitorAll.load(ordering: .acquiring) != 0 || monitor.state == .failed || injector.state == .failed
        }
        let allAt = monitorAll.load(ordering: .acquiring)
        guard announced, allAt != 0 else {
            throw SessionError(
                description:
                    "monitor holds \(monitorCount.load(ordering: .relaxed)) of \(prefixCount) after \(timeout) s "
                    + "(monitor \(monitor.state), injector \(injector.state))"
            )
        }
        let announceSeconds = seconds(firstSent, allAt)
        log(
            String(
                format: "(a) monitor holds all %d prefixes %.3f s after the first UPDATE", prefixCount, announceSeconds)
        )
        let cpuAll = monitorAllCPU.load(ordering: .relaxed)
        let toolAnnounce = toolCPUSeconds() - toolStart
        let cpuSettled = probe.waitQuiet(quiet: 0.5, timeout: 120)
        let hwmAfterAnnounce = probe.statusKiB("VmHWM")
        let rssAfterAnnounce = probe.statusKiB("VmRSS")
        let extra = monitorMax.load(ordering: .relaxed) - prefixCount

        // (b) withdraw all.
        phase.store(1, ordering: .releasing)
        let cpuWithdrawStart = probe.cpuTicks()
        let firstWithdraw = try injector.sendStream(table.withdraw)
        let withdrawn = waitUntil(timeout: timeout) { [self] in
            monitorZero.load(ordering: .acquiring) != 0 || monitor.state == .failed || injector.state == .failed
        }
        let zeroAt = monitorZero.load(ordering: .acquiring)
        guard withdrawn, zeroAt != 0 else {
            throw SessionError(
                description: "monitor still holds \(monitorCount.load(ordering: .relaxed)) prefixes "
                    + "after \(timeout) s of withdrawals"
            )
        }
        let withdrawSeconds = seconds(firstWithdraw, zeroAt)
        log(String(format: "(b) monitor holds 0 prefixes %.3f s after the first withdrawal", withdrawSeconds))
        let cpuZero = monitorZeroCPU.load(ordering: .relaxed)
        let cpuWithdrawSettled = probe.waitQuiet(quiet: 0.5, timeout: 120)
        let hwmEnd = probe.statusKiB("VmHWM")
        let rssEnd = probe.statusKiB("VmRSS")
        let up = monitor.state == .established && injector.state == .established

        func cpuSeconds(_ from: Int?, _ to: Int?) -> Double {
            guard let from, let to, from >= 0, to >= 0 else { return .nan }
            return Double(to - from) / DUTProbe.ticksPerSecond
        }
        emit([
            "scenario": "route-server",
            "prefixes": prefixCount, "sets": setCount, "updates": table.announceMessages,
            "octets": table.announce.readableBytes, "withdraw_updates": table.withdrawMessages,
            "established_s": establishedSeconds,
            "announce_s": announceSeconds,
            "announce_sent_s": seconds(firstSent, lastSent),
            "monitor_first_update_s": seconds(firstSent, monitorFirstUpdate.load(ordering: .relaxed)),
            "announce_cpu_s": cpuSeconds(cpuStart, cpuAll),
            "announce_cpu_settled_s": cpuSeconds(cpuStart, cpuSettled),
            "tool_announce_cpu_s": toolAnnounce,
            "rss_before_kib": rssBefore, "rss_after_announce_kib": rssAfterAnnounce,
            "peak_rss_kib": hwmAfterAnnounce,
            "withdraw_s": withdrawSeconds,
            "monitor_first_withdraw_s": seconds(firstWithdraw, monitorFirstWithdraw.load(ordering: .relaxed)),
            "withdraw_cpu_s": cpuSeconds(cpuWithdrawStart, cpuZero),
            "withdraw_cpu_settled_s": cpuSeconds(cpuWithdrawStart, cpuWithdrawSettled),
            "rss_end_kib": rssEnd, "peak_rss_end_kib": hwmEnd,
            "monitor_extra_prefixes": extra, "monitor_updates": monitor.updatesReceived,
            "injector_received_prefixes_max": injectorMax.load(ordering: .relaxed),
            "sessions_up_at_end": up,
            "ok": up && extra == 0,
        ])
        injector.close()
        monitor.close()
    }
}

// MARK: - (c): route reflector clients

final class ReflectorRun: @unchecked Sendable {
    let dut: UInt32, port: UInt16, asNumber: UInt32
    let clientCount: Int
    let sourceBase: UInt32
    let prefixBase: UInt32 = 0x0A00_0000  // client i announces 10.0.0.0 + 64 i / 26
    let probe: DUTProbe
    let timeout: Double

    /// arrival[c * n + o]: when client c first held client o's prefix (reactor thread; read after `allAt`).
    let arrival: UnsafeMutablePointer<UInt64>
    let doneAt: UnsafeMutablePointer<UInt64>
    let held: UnsafeMutablePointer<Int>
    let doneCount = Atomic<Int>(0)
    let allAt = Atomic<UInt64>(0)
    let allCPU = Atomic<Int>(-1)
    let unexpected = Atomic<Int>(0)

    init(_ arguments: inout Arguments) throws {
        dut = arguments.address("dut", "127.0.0.1")
        port = UInt16(arguments.int("port", 179))
        asNumber = UInt32(arguments.int("as", 64512))
        clientCount = arguments.int("clients", 200)
        sourceBase = arguments.address("source-base", "127.0.1.1")
        probe = DUTProbe(pid: arguments.values["dut-pid"].flatMap { Int32($0) })
        timeout = arguments.double("timeout", 60)
        let n = clientCount
        arrival = .allocate(capacity: n * n)
        arrival.initialize(repeating: 0, count: n * n)
        doneAt = .allocate(capacity: n)
        doneAt.initialize(repeating: 0, count: n)
        held = .allocate(capacity: n)
        held.initialize(repeating: 0, count: n)
    }

    func observe(_ session: Session, _ time: UInt64) {
        let c = session.index
        let n = clientCount
        for key in session.added {
            let address = UInt32(truncatingIfNeeded: key >> 8)
            let length = key & 0xFF
            let offset = address &- prefixBase
            let origin = Int(offset >> 6)
            guard length == 26, offset & 63 == 0, origin < n else {
                unexpected.add(1, ordering: .relaxed)
                continue
            }
            guard origin != c, arrival[c * n + origin] == 0 else { continue }
            arrival[c * n + origin] = time
            held[c] += 1
            if held[c] == n - 1 {
                doneAt[c] = time
                if doneCount.add(1, ordering: .relaxed).newValue == n {
                    allCPU.store(probe.cpuTicks() ?? -1, ordering: .relaxed)
                    allAt.store(time, ordering: .releasing)
                }
            }
        }
    }

    func run() throws {
        let n = clientCount
        let context = EncodeContext(fourOctetAS: true)
        var sessions: [Session] = []
        var updates: [ByteBuffer] = []
        for i in 0..<n {
            let address = sourceBase + UInt32(i)
            sessions.append(
                Session(
                    index: i, name: "client-\(i + 1)", localAddress: address, localAS: asNumber,
                    expectedPrefixes: n, trackAdded: true))
            var update = ByteBuffer()
            let prefix = IPPrefix(address: IPAddress(ipv4: prefixBase + UInt32(i) * 64), length: 26)
            let attributes = PathAttributes(
                origin: .igp, asPath: ASPath(), nextHop: IPAddress(ipv4: address), localPreference: 100)
            UpdatePacker.writeAnnouncements(
                [NLRI(prefix)], family: .ipv4Unicast, attributes: attributes, into: &update, context: context)
            updates.append(update)
        }
        let reactor = Reactor { [self] session, time in observe(session, time) }
        reactor.start()
        defer { reactor.stop() }
        let connectStart = now()
        // At most 8 handshakes in flight: BIRD listens with a backlog of 8, and a dropped SYN costs a 1 s retransmit.
        for session in sessions {
            _ = waitUntil(timeout: 30) {
                sessions.count { $0.state == .openSent || $0.state == .openConfirm } < 8
            }
            try session.connect(to: dut, port: port, timeout: 30)
            reactor.add(session)
        }
        guard waitUntil(timeout: 120, { sessions.allSatisfy { $0.state == .established || $0.state == .failed } }),
            sessions.allSatisfy({ $0.state == .established })
        else {
            let up = sessions.filter { $0.state == .established }.count
            throw SessionError(description: "only \(up) of \(n) clients Established")
        }
        let establishedSeconds = seconds(connectStart, now())
        log(String(format: "%d clients Established in %.2f s", n, establishedSeconds))
        probe.waitQuiet(quiet: 0.5, timeout: 30)

        let cpuStart = probe.cpuTicks()
        let toolStart = toolCPUSeconds()
        var sentAt = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            sentAt[i] = now()
            try sessions[i].send(updates[i])
        }
        let sendEnd = now()
        let done = waitUntil(timeout: timeout) { [self] in
            allAt.load(ordering: .acquiring) != 0 || sessions.contains { $0.state == .failed }
        }
        let all = allAt.load(ordering: .acquiring)
        guard done, all != 0 else {
            throw SessionError(
                description: "\(doneCount.load(ordering: .relaxed)) of \(n) clients hold all others after \(timeout) s")
        }
        let toolSeconds = toolCPUSeconds() - toolStart
        let t0 = sentAt[0]
        let allSeconds = seconds(t0, all)
        log(String(format: "(c) every client holds all %d others %.3f s after the first UPDATE", n - 1, allSeconds))
        var clientSeconds: [Double] = []
        var worstRoute = 0.0
        var worstClient = 0
        for c in 0..<n {
            clientSeconds.append(seconds(t0, doneAt[c]))
            if doneAt[c] == all { worstClient = c }
            for o in 0..<n where o != c {
                worstRoute = max(worstRoute, seconds(sentAt[o], arrival[c * n + o]))
            }
        }
        clientSeconds.sort()
        let cpuSettled = probe.waitQuiet(quiet: 0.5, timeout: 60)
        func cpuSeconds(_ from: Int?, _ to: Int?) -> Double {
            guard let from, let to, from >= 0, to >= 0 else { return .nan }
            return Double(to - from) / DUTProbe.ticksPerSecond
        }
        let up = sessions.allSatisfy { $0.state == .established }
        emit([
            "scenario": "route-reflector",
            "clients": n,
            "established_s": establishedSeconds,
            "all_s": allSeconds,
            "send_s": seconds(t0, sendEnd),
            "client_done_p50_s": percentile(clientSeconds, 0.5),
            "client_done_min_s": clientSeconds.first ?? .nan,
            "client_done_max_s": clientSeconds.last ?? .nan,
            "slowest_client": "client-\(worstClient + 1)",
            "worst_route_latency_s": worstRoute,
            "cpu_s": cpuSeconds(cpuStart, allCPU.load(ordering: .relaxed)),
            "cpu_settled_s": cpuSeconds(cpuStart, cpuSettled),
            "tool_cpu_s": toolSeconds,
            "peak_rss_kib": probe.statusKiB("VmHWM"),
            "unexpected_prefixes": unexpected.load(ordering: .relaxed),
            "client_updates": sessions.reduce(0) { $0 + $1.updatesReceived } as Int,
            "sessions_up_at_end": up,
            "ok": up && unexpected.load(ordering: .relaxed) == 0,
        ])
        for session in sessions { session.close() }
    }
}
