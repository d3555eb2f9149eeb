// SPDX-License-Identifier: Apache-2.0
// Adj-RIB-In and Loc-RIB on a full table, the route-server case of issue #4: peer A sends N IPv4 prefixes in ~1,000
// attribute sets (AdjRIBIn.apply per UPDATE, then LocRIB.update of every announced path), peer B sends the same
// prefixes with other attributes, then both sessions go down (AdjRIBIn.removeAll + LocRIB.removeAll(from:)).
// Prints wall time (best of N runs), heap allocations per prefix (malloc-interposer, one counted run) and RSS
// growth (first run). Not a test: it asserts only that the RIBs hold what they should.

#if canImport(Glibc)
import Glibc
#endif
import BGPCore
import BGPWire
import MallocInterposerSwift

@main
struct RIBBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        if arguments.contains("--engine") { return try EngineBench.main(arguments) }
        let runs = arguments.firstIndex(of: "--runs").map { Int(arguments[$0 + 1])! } ?? 3
        let count = arguments.firstIndex(of: "--prefixes").map { Int(arguments[$0 + 1])! } ?? 1_000_000
        let sets = arguments.firstIndex(of: "--sets").map { Int(arguments[$0 + 1])! } ?? 1000
        let bulk = !arguments.contains("--per-path")
        MallocInterposerSwift.initialize()

        let prefixes = Workload.prefixes(count, seed: 4)
        let peerA = Peer(
            name: "peer_a", address: 0xC000_0201, asn: 65001,
            updates: Workload.updates(prefixes: prefixes, sets: sets, firstAS: 65001, nextHop: 0xC000_0201, seed: 1))
        let peerB = Peer(
            name: "peer_b", address: 0xC000_0202, asn: 65002,
            updates: Workload.updates(prefixes: prefixes, sets: sets, firstAS: 65002, nextHop: 0xC000_0202, seed: 2))
        let session = try negotiated()

        var best = Timings()
        var counted = Timings()
        var memory = (a: 0, b: 0)
        for run in 0...runs {
            let counting = run == runs
            let baseline = rss()
            var state = State()
            var timings = Timings()
            timings.applyA = phase(counting, &counted.applyA) { state.receive(peerA, session: session, bulk: bulk) }
            if run == 0 { memory.a = rss() - baseline }
            timings.applyB = phase(counting, &counted.applyB) { state.receive(peerB, session: session, bulk: bulk) }
            if run == 0 { memory.b = rss() - baseline - memory.a }
            precondition(state.loc.prefixCount == count && state.loc.count(for: .ipv4).paths == 2 * count)
            timings.removeA = phase(counting, &counted.removeA) { state.down(peerA) }
            precondition(state.loc.prefixCount == count && state.loc.count(for: .ipv4).paths == count)
            timings.removeB = phase(counting, &counted.removeB) { state.down(peerB) }
            precondition(state.loc.prefixCount == 0)
            if !counting { best.keepMinimum(timings) }
        }

        print("RIB benchmark: \(count) IPv4 prefixes, \(sets) attribute sets per peer, \(peerA.updates.count) UPDATEs per peer, "
            + "\(bulk ? "LocRIB.update(contentsOf:)" : "LocRIB.update per path"), best of \(runs)")
        print("| phase | seconds | Mprefix/s | allocs/prefix | RSS growth MiB | bytes/prefix |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        func row(_ name: String, _ seconds: Double, _ allocations: Double, _ bytes: Int?) {
            let mib = bytes.map { format(Double($0) / 1_048_576) } ?? ""
            let perPrefix = bytes.map { format(Double($0) / Double(count)) } ?? ""
            print("| \(name) | \(format(seconds, digits: 3)) | \(format(Double(count) / seconds / 1e6, digits: 2)) | "
                + "\(format(allocations / Double(count), digits: 2)) | \(mib) | \(perPrefix) |")
        }
        row("(a) peer A: apply + Loc-RIB update", best.applyA, counted.applyA, memory.a)
        row("(b) peer B: same prefixes, other attributes", best.applyB, counted.applyB, memory.b)
        row("(c) peer A down: removeAll", best.removeA, counted.removeA, nil)
        row("(c) peer B down: removeAll", best.removeB, counted.removeB, nil)
    }

    struct Peer {
        var name: String
        var address: UInt32
        var asn: UInt32
        var updates: [UpdateMessage]
        var source: PathSource {
            PathSource(
                name: name, kind: .external, peerAddress: IPAddress(ipv4: address), routerID: IPAddress(ipv4: address),
                peerAS: asn, localAS: 64512)
        }
    }

    /// Everything a route server holds: one Adj-RIB-In per peer, the Loc-RIB and the attribute-set table.
    struct State {
        var adjIn: [String: AdjRIBIn] = [:]
        var loc = LocRIB()
        var table = AttributeSetTable()
        var changes = 0

        mutating func receive(_ peer: Peer, session: NegotiatedSession, bulk: Bool) {
            let source = peer.source
            var rib = AdjRIBIn()
            for update in peer.updates {
                let applied = rib.apply(update, negotiated: session, source: source, table: &table)
                if bulk {
                    changes += loc.update(contentsOf: applied, source: peer.name).count
                } else {
                    for change in applied {
                        if case .announced(let path) = change, loc.update(path) != nil { changes += 1 }
                    }
                }
            }
            adjIn[peer.name] = rib
        }

        mutating func down(_ peer: Peer) {
            adjIn[peer.name]!.removeAll()
            changes += loc.removeAll(from: peer.name).count
            table.collectUnused()
        }
    }

    struct Timings {
        var applyA = 1e9, applyB = 1e9, removeA = 1e9, removeB = 1e9
        mutating func keepMinimum(_ other: Timings) {
            applyA = min(applyA, other.applyA)
            applyB = min(applyB, other.applyB)
            removeA = min(removeA, other.removeA)
            removeB = min(removeB, other.removeB)
        }
    }

    /// Runs `body`; returns its wall time, or counts its mallocs into `allocations` when `counting`.
    static func phase(_ counting: Bool, _ allocations: inout Double, _ body: () -> Void) -> Double {
        if counting {
            MallocInterposerSwift.reset()
            MallocInterposerSwift.hook()
            body()
            MallocInterposerSwift.unhook()
            allocations = Double(MallocInterposerSwift.getStatistics().mallocCount)
            return 0
        }
        let elapsed = ContinuousClock().measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func negotiated() throws -> NegotiatedSession {
        let ours = SessionConfiguration(
            localAS: 64512, peerAS: 65001, localIdentifier: IPAddress(ipv4: 0x0A00_0001),
            peerAddress: IPAddress(ipv4: 0xC000_0201))
        let theirs = SessionConfiguration(
            localAS: 65001, peerAS: 64512, localIdentifier: IPAddress(ipv4: 0xC000_0201),
            peerAddress: IPAddress(ipv4: 0x0A00_0001))
        let open = OpenMessage(
            asNumber: 65001, holdTime: 90, bgpIdentifier: IPAddress(ipv4: 0xC000_0201),
            capabilities: theirs.localOpen.capabilities)
        return try ours.negotiate(received: open).get()
    }

    /// Resident set size in bytes (/proc/self/statm, second field, in pages).
    static func rss() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        withUnsafeMutablePointer(to: &size) { s in
            withUnsafeMutablePointer(to: &resident) { r in _ = withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) } }
        }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func format(_ value: Double, digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return "\((value * scale).rounded() / scale)"
    }
}
