// SPDX-License-Identifier: Apache-2.0
// bench/timers/run's load: the route-server table (1M IPv4 prefixes, the same injector and monitor as
// `route-server`) announced, withdrawn, announced, ... back to back for a fixed time, while other tools watch the
// DUT's keepalives on 200 more sessions. Each phase is timed from its first UPDATE handed to the socket to the
// monitor holding all prefixes (announce) or none (withdraw): how long the DUT takes to absorb the burst.
//
//   RouteBlaster burst --dut 127.0.0.1 [--duration 60] [--dut-pid PID] [--timeout 120] and the options of
//       route-server (--port, --dut-as, --prefixes, --sets, --injector, --injector-as, --monitor, --monitor-as)
//     No phase starts after `duration` seconds from the first UPDATE; the one running then is finished. Nothing
//     waits for the DUT to go idle between phases ("as fast as it can").

import BGPWire
import Foundation
import NIOCore
import Synchronization

final class BurstRun: @unchecked Sendable {
    let server: RouteServerRun
    let duration: Double

    // Set on the reactor thread: when the monitor's count first equals `target` in the current phase.
    let target = Atomic<Int>(-1)
    let reachedAt = Atomic<UInt64>(0)
    let reachedCPU = Atomic<Int>(-1)
    let monitorCount = Atomic<Int>(0)

    init(_ arguments: inout Arguments) throws {
        server = try RouteServerRun(&arguments)
        duration = arguments.double("duration", 60)
    }

    func observe(_ session: Session, _ time: UInt64) {
        guard session.index == 0 else { return }  // 0: monitor, 1: injector
        let count = session.count
        monitorCount.store(count, ordering: .relaxed)
        if count == target.load(ordering: .acquiring) && reachedAt.load(ordering: .relaxed) == 0 {
            reachedCPU.store(server.probe.cpuTicks() ?? -1, ordering: .relaxed)
            reachedAt.store(time, ordering: .releasing)
        }
    }

    func run() throws {
        let table = server.table()
        let prefixCount = server.prefixCount
        log("table: \(prefixCount) prefixes, \(table.announceMessages) UPDATEs, \(table.announce.readableBytes) octets")
        let monitor = Session(
            index: 0, name: "monitor", localAddress: server.monitorAddress, localAS: server.monitorAS,
            expectedPrefixes: prefixCount, trackAdded: false)
        let injector = Session(
            index: 1, name: "injector", localAddress: server.injectorAddress, localAS: server.injectorAS,
            expectedPrefixes: prefixCount, trackAdded: false)
        let reactor = Reactor { [self] session, time in observe(session, time) }
        reactor.start()
        defer { reactor.stop() }
        try reactor.connectAndEstablish(monitor: monitor, injector: injector, dut: server.dut, port: server.port)
        let probe = server.probe
        let rssBefore = probe.statusKiB("VmRSS")
        let cpuStart = probe.cpuTicks()
        let toolStart = toolCPUSeconds()
        let start = now()
        var announceSeconds: [Double] = [], withdrawSeconds: [Double] = []
        var announceCPU: [Double] = [], withdrawCPU: [Double] = []
        var error: String? = nil
        var announcing = true
        var sentEndOfRIB = false
        while seconds(start, now()) < duration {
            let goal = announcing ? prefixCount : 0
            reachedAt.store(0, ordering: .relaxed)
            target.store(goal, ordering: .releasing)
            let cpuPhase = probe.cpuTicks()
            let first = try injector.sendStream(announcing ? table.announce : table.withdraw)
            if announcing && !sentEndOfRIB {
                var endOfRIB = ByteBuffer()
                endOfRIB.writeBGPMessage(.update(.endOfRIB(.ipv4Unicast)), context: EncodeContext(fourOctetAS: true))
                try injector.send(endOfRIB)
                sentEndOfRIB = true
            }
            let done = waitUntil(timeout: server.timeout) { [self] in
                reachedAt.load(ordering: .acquiring) != 0 || monitor.state == .failed || injector.state == .failed
            }
            let at = reachedAt.load(ordering: .acquiring)
            guard done, at != 0 else {
                error =
                    "monitor holds \(monitorCount.load(ordering: .relaxed)) of \(goal) after \(server.timeout) s "
                    + "(monitor \(monitor.state), injector \(injector.state))"
                break
            }
            let cpu = cpuPhase.flatMap { from in
                let to = reachedCPU.load(ordering: .relaxed)
                return to >= 0 ? Double(to - from) / DUTProbe.ticksPerSecond : nil
            }
            if announcing {
                announceSeconds.append(seconds(first, at))
                announceCPU.append(cpu ?? .nan)
            } else {
                withdrawSeconds.append(seconds(first, at))
                withdrawCPU.append(cpu ?? .nan)
            }
            log(
                String(
                    format: "%@ %d prefixes: %.3f s", announcing ? "announce" : "withdraw", prefixCount,
                    seconds(first, at)))
            announcing.toggle()
        }
        let loadSeconds = seconds(start, now())
        let cpuEnd = probe.cpuTicks()
        let up = monitor.state == .established && injector.state == .established
        let sortedAnnounce = announceSeconds.sorted(), sortedWithdraw = withdrawSeconds.sorted()
        emit([
            "scenario": "burst",
            "prefixes": prefixCount, "updates": table.announceMessages, "withdraw_updates": table.withdrawMessages,
            "load_s": loadSeconds,
            "announces": announceSeconds.count, "withdraws": withdrawSeconds.count,
            "announce_s_first": announceSeconds.first, "announce_s_p50": percentile(sortedAnnounce, 0.5),
            "announce_s_max": sortedAnnounce.last,
            "withdraw_s_first": withdrawSeconds.first, "withdraw_s_p50": percentile(sortedWithdraw, 0.5),
            "withdraw_s_max": sortedWithdraw.last,
            "announce_s_all": announceSeconds.map { String(format: "%.3f", $0) }.joined(separator: " "),
            "withdraw_s_all": withdrawSeconds.map { String(format: "%.3f", $0) }.joined(separator: " "),
            "announce_cpu_s_p50": percentile(announceCPU.sorted(), 0.5),
            "withdraw_cpu_s_p50": percentile(withdrawCPU.sorted(), 0.5),
            "load_cpu_s": cpuStart.flatMap { from in cpuEnd.map { Double($0 - from) / DUTProbe.ticksPerSecond } },
            "tool_cpu_s": toolCPUSeconds() - toolStart,
            "rss_before_kib": rssBefore, "rss_end_kib": probe.statusKiB("VmRSS"), "peak_rss_kib": probe.statusKiB("VmHWM"),
            "sessions_up_at_end": up,
            "error": error,
            "ok": up && error == nil,
        ])
        injector.close()
        monitor.close()
    }
}
