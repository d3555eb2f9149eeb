// SPDX-License-Identifier: Apache-2.0
// `RIBBench --engine`: the whole routing engine (`RouteEngine.received`: Adj-RIB-In with import policy, Loc-RIB,
// update groups with export policy and rules, packed UPDATE bytes) on the scenarios of bench/routing/run, without
// sockets, so that the engine's share of BIRD's end-to-end time can be measured and profiled on its own:
//
//   (a) route server: an eBGP injector (AS 64500) sends N IPv4 prefixes in ~1,000 attribute sets; an eBGP monitor
//       (AS 65100) is up. Both peers carry an accept-all BGPFilter (as in bench/routing/run); the engine's
//       ExportPolicy has no scope. Time of all `received` calls, until the monitor's bytes are produced.
//   (b) withdraw all: the injector withdraws every prefix, one UPDATE per original UPDATE.
//   (c) route reflector: cluster ID set, 200 iBGP clients (reflector clients) up, each announces one /26.
//
// Prints wall time (best of N), heap allocations per prefix (one counted run) and RSS growth (first run).

#if canImport(Glibc)
import Glibc
#endif
import BGPCore
import BGPPolicy
import BGPWire
import MallocInterposerSwift
import NIOCore

enum EngineBench {
    static let dutAS: UInt32 = 64512
    static let injectorAS: UInt32 = 64500
    static let monitorAS: UInt32 = 65100
    static let dut = IPAddress(ipv4: 0x7F00_0001)  // 127.0.0.1
    static let injector = IPAddress(ipv4: 0x7F00_0002)
    static let monitor = IPAddress(ipv4: 0x7F00_0003)
    static let acceptAll = BGPFilter(
        name: "accept-all", exportV4: [FilterRule(action: .accept)], importV4: [FilterRule(action: .accept)])

    static func main(_ arguments: [String]) throws {
        let runs = arguments.firstIndex(of: "--runs").map { Int(arguments[$0 + 1])! } ?? 3
        let count = arguments.firstIndex(of: "--prefixes").map { Int(arguments[$0 + 1])! } ?? 1_000_000
        let sets = arguments.firstIndex(of: "--sets").map { Int(arguments[$0 + 1])! } ?? 1000
        let clients = arguments.firstIndex(of: "--clients").map { Int(arguments[$0 + 1])! } ?? 200
        let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
        // ADD-PATH (send and receive) on every session, as swiftletd offers it to Calico peers.
        let addPath = arguments.contains("--add-path")
        MallocInterposerSwift.initialize()

        let prefixes = Workload.prefixes(count, seed: 4)
        let announcements = Workload.updates(
            prefixes: prefixes, sets: sets, firstAS: injectorAS, nextHop: injector.ipv4Value, seed: 1)
        let withdrawals = announcements.map { UpdateMessage(withdrawn: $0.announced) }
        let injectorSession = try negotiated(peerAS: injectorAS, peerAddress: injector, addPath: addPath)
        let monitorSession = try negotiated(peerAS: monitorAS, peerAddress: monitor, addPath: addPath)
        let clientUpdates = (0..<clients).map { i in
            // 10.<i / 4>.<(i % 4) * 64>.0/26 from client i, next hop itself.
            let prefix = IPPrefix(address: IPAddress(ipv4: 0x0A00_0000 | UInt32(i) << 6), length: 26)
            return UpdateMessage(
                attributes: PathAttributes(origin: .igp, asPath: ASPath(), nextHop: clientAddress(i)),
                announced: [NLRI(prefix)])
        }
        let clientSessions = try (0..<clients).map {
            try negotiated(peerAS: dutAS, peerAddress: clientAddress($0), addPath: addPath)
        }

        var best = (announce: 1e9, withdraw: 1e9, rrUp: 1e9, rrAnnounce: 1e9)
        var allocations = (announce: 0.0, withdraw: 0.0, rrUp: 0.0, rrAnnounce: 0.0)
        var memory = 0
        var bytes = (monitor: 0, injector: 0, rr: 0)
        for run in 0...runs {
            let counting = run == runs
            if only != "rr" {
                let baseline = RIBBench.rss()
                var engine = routeServer(injectorSession, monitorSession)
                var sent = (monitor: 0, injector: 0)
                let announce = RIBBench.phase(counting, &allocations.announce) {
                    for update in announcements {
                        for output in engine.received(update, from: "injector") { tally(output, into: &sent) }
                    }
                }
                if run == 0 { memory = RIBBench.rss() - baseline }
                let counts = engine.counts(for: "monitor")!
                precondition(counts.exported == count, "monitor exported \(counts.exported)")
                precondition(engine.locRIB.prefixCount == count)
                bytes.monitor = sent.monitor
                bytes.injector = sent.injector
                sent = (0, 0)
                let withdraw = RIBBench.phase(counting, &allocations.withdraw) {
                    for update in withdrawals {
                        for output in engine.received(update, from: "injector") { tally(output, into: &sent) }
                    }
                }
                precondition(engine.locRIB.prefixCount == 0 && engine.counts(for: "monitor")!.exported == 0)
                if !counting {
                    best.announce = min(best.announce, announce)
                    best.withdraw = min(best.withdraw, withdraw)
                }
            }
            if only != "rs" {
                var engine = RouteEngine(
                    configuration: RouteEngine.Configuration(routerID: dut, localAS: dutAS, clusterID: IPAddress(ipv4: 0x0101_0101)))
                var sent = 0
                let up = RIBBench.phase(counting, &allocations.rrUp) {
                    for i in 0..<clients {
                        let settings = RoutingPeer(name: "client-\(i + 1)", filters: [acceptAll], isReflectorClient: true)
                        for output in engine.peerUp(
                            settings, negotiated: clientSessions[i], peerAddress: clientAddress(i), localAddress: dut,
                            sessionLocalAS: dutAS)
                        {
                            if case .send(let peers, let buffer) = output { sent += peers.count * buffer.readableBytes }
                        }
                    }
                }
                sent = 0
                let announce = RIBBench.phase(counting, &allocations.rrAnnounce) {
                    for i in 0..<clients {
                        for output in engine.received(clientUpdates[i], from: "client-\(i + 1)") {
                            if case .send(let peers, let buffer) = output { sent += peers.count * buffer.readableBytes }
                        }
                    }
                }
                precondition(engine.locRIB.prefixCount == clients)
                precondition(engine.counts(for: "client-1")!.exported == clients)
                bytes.rr = sent
                if !counting {
                    best.rrUp = min(best.rrUp, up)
                    best.rrAnnounce = min(best.rrAnnounce, announce)
                }
            }
        }

        print("Engine benchmark: \(count) IPv4 prefixes in \(announcements.count) UPDATEs (\(sets) attribute sets), "
            + "\(clients) route-reflector clients\(addPath ? ", ADD-PATH on every session" : ""), best of \(runs)")
        print("| phase | seconds | Mprefix/s | allocs/prefix | RSS growth MiB | bytes/prefix | bytes sent |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        func row(_ name: String, _ seconds: Double, _ allocations: Double, _ units: Int, _ rss: Int?, _ sent: Int) {
            let mib = rss.map { RIBBench.format(Double($0) / 1_048_576) } ?? ""
            let perPrefix = rss.map { RIBBench.format(Double($0) / Double(units)) } ?? ""
            print("| \(name) | \(RIBBench.format(seconds, digits: 3)) | "
                + "\(RIBBench.format(Double(units) / seconds / 1e6, digits: 2)) | "
                + "\(RIBBench.format(allocations / Double(units), digits: 2)) | \(mib) | \(perPrefix) | \(sent) |")
        }
        if only != "rr" {
            row("(a) route server: injector → monitor", best.announce, allocations.announce, count, memory,
                bytes.monitor)
            print("|   (of which re-advertised to the injector's own group) | | | | | | \(bytes.injector) |")
            row("(b) withdraw all", best.withdraw, allocations.withdraw, count, nil, 0)
        }
        if only != "rs" {
            row("(c) route reflector: \(clients) clients up", best.rrUp, allocations.rrUp, clients, nil, 0)
            row("(c) route reflector: one /26 per client", best.rrAnnounce, allocations.rrAnnounce, clients, nil, bytes.rr)
        }
    }

    static func clientAddress(_ i: Int) -> IPAddress { IPAddress(ipv4: 0x7F00_0101 + UInt32(i)) }  // 127.0.1.(i+1)

    /// A fresh engine with the injector and the monitor up (empty table, so their initial dumps are just End-of-RIB).
    static func routeServer(_ injectorSession: NegotiatedSession, _ monitorSession: NegotiatedSession) -> RouteEngine {
        var engine = RouteEngine(configuration: RouteEngine.Configuration(routerID: dut, localAS: dutAS))
        _ = engine.peerUp(
            RoutingPeer(name: "injector", filters: [acceptAll]), negotiated: injectorSession, peerAddress: injector,
            localAddress: dut, sessionLocalAS: dutAS)
        _ = engine.peerUp(
            RoutingPeer(name: "monitor", filters: [acceptAll]), negotiated: monitorSession, peerAddress: monitor,
            localAddress: dut, sessionLocalAS: dutAS)
        return engine
    }

    static func tally(_ output: RouteEngine.Output, into sent: inout (monitor: Int, injector: Int)) {
        guard case .send(let peers, let buffer) = output else { return }
        if peers.contains("monitor") { sent.monitor += buffer.readableBytes }
        if peers.contains("injector") { sent.injector += buffer.readableBytes }
    }

    /// Our side of a session with a peer in `peerAS` at `peerAddress`, negotiated from the peer's OPEN.
    static func negotiated(peerAS: UInt32, peerAddress: IPAddress, addPath: Bool = false) throws -> NegotiatedSession {
        let entries = addPath ? [AddPathEntry(family: .ipv4Unicast, mode: 3)] : []
        let ours = SessionConfiguration(
            localAS: dutAS, peerAS: peerAS, localIdentifier: dut, peerAddress: peerAddress, addPath: entries)
        let theirs = SessionConfiguration(
            localAS: peerAS, peerAS: dutAS, localIdentifier: peerAddress, peerAddress: dut, addPath: entries)
        let open = OpenMessage(
            asNumber: peerAS, holdTime: 90, bgpIdentifier: peerAddress, capabilities: theirs.localOpen.capabilities)
        return try ours.negotiate(received: open).get()
    }
}
