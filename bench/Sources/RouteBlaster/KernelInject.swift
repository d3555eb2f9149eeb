// SPDX-License-Identifier: Apache-2.0
// `RouteBlaster kernel-inject`, the injector of bench/kernel/run (issue #5's kernel benchmark). One eBGP session
// from the injector's namespace to the DUT over a veth; the DUT programs what it learns into its kernel, and a
// separate watcher in the DUT's namespace (`KernelFloor count`) writes the CLOCK_MONOTONIC time at which the DUT's
// main table held every route (then none) into a file. This process sends, waits for those files, and reports
// the differences; CLOCK_MONOTONIC is one clock for every process on the machine (no time namespaces here).
//
//   RouteBlaster kernel-inject --dut 10.255.255.1 --injector 10.255.255.2 [--port 179] [--dut-as 64512]
//       [--injector-as 64500] [--prefixes 100000] [--sets 100] [--first-prefix 11.0.0.0] [--dut-pid PID]
//       --announced-file PATH --withdrawn-file PATH [--timeout 120]
//
// The table: `--prefixes` consecutive /24s from `--first-prefix` (what `KernelFloor floor` installs), spread over
// `--sets` attribute sets (BenchWorkload's generator, seed 5), NEXT_HOP the injector's own (directly connected)
// address, packed by UpdatePacker. (a) first UPDATE sent -> announced-file written; (b) after the DUT is idle,
// first withdrawal sent -> withdrawn-file written.

import BGPCore
import BGPWire
import BenchWorkload
import Foundation
import Glibc
import NIOCore

final class KernelInjectRun: @unchecked Sendable {
    let dut: UInt32, port: UInt16, dutAS: UInt32
    let injectorAddress: UInt32, injectorAS: UInt32
    let prefixCount: Int, setCount: Int, firstPrefix: UInt32
    let probe: DUTProbe
    let timeout: Double
    let announcedFile: String, withdrawnFile: String

    init(_ arguments: inout Arguments) throws {
        dut = arguments.address("dut", "10.255.255.1")
        port = UInt16(arguments.int("port", 179))
        dutAS = UInt32(arguments.int("dut-as", 64512))
        injectorAddress = arguments.address("injector", "10.255.255.2")
        injectorAS = UInt32(arguments.int("injector-as", 64500))
        prefixCount = arguments.int("prefixes", 100_000)
        setCount = max(1, arguments.int("sets", 100))
        firstPrefix = arguments.address("first-prefix", "11.0.0.0")
        probe = DUTProbe(pid: arguments.values["dut-pid"].flatMap { Int32($0) })
        timeout = arguments.double("timeout", 120)
        guard let announced = arguments.values["announced-file"], let withdrawn = arguments.values["withdrawn-file"]
        else { throw SessionError(description: "kernel-inject needs --announced-file and --withdrawn-file") }
        announcedFile = announced
        withdrawnFile = withdrawn
    }

    func table() -> (announce: ByteBuffer, announceMessages: Int, withdraw: ByteBuffer, withdrawMessages: Int) {
        let context = EncodeContext(fourOctetAS: true)
        var rng = SplitMix64(seed: 5)
        let all = (0..<prefixCount).map { i in
            NLRI(IPPrefix(address: IPAddress(ipv4: firstPrefix &+ UInt32(i) << 8), length: 24))
        }
        let perSet = (prefixCount + setCount - 1) / setCount
        var announce = ByteBuffer()
        var messages = 0
        for start in stride(from: 0, to: prefixCount, by: perSet) {
            let attributes = TableGenerator.attributes(
                set: start / perSet, firstAS: injectorAS, nextHop: IPAddress(ipv4: injectorAddress), using: &rng)
            messages += UpdatePacker.writeAnnouncements(
                all[start..<min(prefixCount, start + perSet)], family: .ipv4Unicast, attributes: attributes,
                into: &announce, context: context)
        }
        var withdraw = ByteBuffer()
        let withdrawMessages = UpdatePacker.writeWithdrawals(
            all, family: .ipv4Unicast, into: &withdraw, context: context)
        return (announce, messages, withdraw, withdrawMessages)
    }

    /// The CLOCK_MONOTONIC nanoseconds the watcher wrote into `path` (it renames a finished file into place).
    func waitForStamp(_ path: String, session: Session) -> UInt64? {
        var stamp: UInt64?
        _ = waitUntil(timeout: timeout) {
            if session.state == .failed { return true }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
            stamp = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
            return stamp != nil
        }
        return stamp
    }

    func run() throws {
        let table = table()
        log(
            "kernel table: \(prefixCount) /24s from \(ipv4Text(firstPrefix)), \(setCount) sets, "
                + "\(table.announceMessages) UPDATEs (\(table.announce.readableBytes) octets), "
                + "withdrawals \(table.withdrawMessages) UPDATEs")
        let injector = Session(
            index: 0, name: "injector", localAddress: injectorAddress, localAS: injectorAS, expectedPrefixes: 16,
            trackAdded: false)
        let reactor = Reactor { _, _ in }
        reactor.start()
        defer { reactor.stop() }
        let connectStart = now()
        try injector.connect(to: dut, port: port, timeout: 30)
        reactor.add(injector)
        guard waitUntil(timeout: 60, { injector.state == .established || injector.state == .failed }),
            injector.state == .established
        else { throw SessionError(description: "injector session not Established (\(injector.state))") }
        let establishedSeconds = seconds(connectStart, now())
        probe.waitQuiet(quiet: 0.3, timeout: 10)
        let rssBefore = probe.statusKiB("VmRSS")

        // (a) announce.
        let cpuStart = probe.cpuTicks()
        let firstSent = try injector.sendStream(table.announce)
        let lastSent = now()
        var endOfRIB = ByteBuffer()
        endOfRIB.writeBGPMessage(.update(.endOfRIB(.ipv4Unicast)), context: EncodeContext(fourOctetAS: true))
        try injector.send(endOfRIB)
        guard let allAt = waitForStamp(announcedFile, session: injector) else {
            throw SessionError(
                description: "the DUT's kernel table is not complete after \(timeout) s (injector \(injector.state))")
        }
        let cpuAll = probe.cpuTicks()
        let announceSeconds = seconds(firstSent, allAt)
        log(String(format: "(a) kernel holds all %d routes %.3f s after the first UPDATE", prefixCount, announceSeconds))
        let cpuSettled = probe.waitQuiet(quiet: 0.5, timeout: 60)
        let rssAfter = probe.statusKiB("VmRSS")
        let hwmAfter = probe.statusKiB("VmHWM")

        // (b) withdraw all.
        let cpuWithdrawStart = probe.cpuTicks()
        let firstWithdraw = try injector.sendStream(table.withdraw)
        guard let zeroAt = waitForStamp(withdrawnFile, session: injector) else {
            throw SessionError(
                description: "the DUT's kernel table still has routes after \(timeout) s (injector \(injector.state))")
        }
        let cpuZero = probe.cpuTicks()
        let withdrawSeconds = seconds(firstWithdraw, zeroAt)
        log(String(format: "(b) kernel holds none %.3f s after the first withdrawal", withdrawSeconds))
        let cpuWithdrawSettled = probe.waitQuiet(quiet: 0.5, timeout: 60)
        let up = injector.state == .established

        func cpuSeconds(_ from: Int?, _ to: Int?) -> Double {
            guard let from, let to, from >= 0, to >= 0 else { return .nan }
            return Double(to - from) / DUTProbe.ticksPerSecond
        }
        emit([
            "scenario": "kernel",
            "prefixes": prefixCount, "sets": setCount, "updates": table.announceMessages,
            "withdraw_updates": table.withdrawMessages,
            "established_s": establishedSeconds,
            "first_update_ns": Int(firstSent), "all_ns": Int(allAt),
            "first_withdraw_ns": Int(firstWithdraw), "none_ns": Int(zeroAt),
            "install_s": announceSeconds,
            "announce_sent_s": seconds(firstSent, lastSent),
            "install_cpu_s": cpuSeconds(cpuStart, cpuAll),
            "install_cpu_settled_s": cpuSeconds(cpuStart, cpuSettled),
            "withdraw_s": withdrawSeconds,
            "withdraw_cpu_s": cpuSeconds(cpuWithdrawStart, cpuZero),
            "withdraw_cpu_settled_s": cpuSeconds(cpuWithdrawStart, cpuWithdrawSettled),
            "rss_before_kib": rssBefore, "rss_after_install_kib": rssAfter, "peak_rss_kib": hwmAfter,
            "sessions_up_at_end": up,
            "ok": up,
        ])
        injector.close()
    }
}
