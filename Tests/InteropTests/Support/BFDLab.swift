// SPDX-License-Identifier: Apache-2.0
// The BFD scenarios' topology and peers: swiftletd ("sw", 10.200.1.1/24) and a peer ("peer", 10.200.1.2/24) on one
// Ethernet segment through a bridge in a third namespace ("sbr"), so a link can fail silently: detaching one bridge
// port stops every frame between the two while both hosts keep carrier, routes and addresses (what a failed switch
// or a cut fibre beyond the first hop looks like; `ip link set down` would instead tell the other kernel at once).
// Namespaces are named "swf-<pid>-<n>-<tag>" and removed with the lab. FRR runs zebra, bfdd and bgpd; BIRD runs its
// `protocol bfd`. Both announce 10.77.0.0/24 to swiftletd.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Swiftlet and one peer behind a bridge.
struct BFDLab {
    static let namespacePrefix = "swf-\(getpid())-"
    static let swiftletAddress = "10.200.1.1"
    static let peerAddress = "10.200.1.2"
    static let announced = "10.77.0.0/24"
    static let swiftletAddress6 = "fd00:200:1::1"
    static let peerAddress6 = "fd00:200:1::2"
    static let announced6 = "fd00:77::/64"
    static let swiftletAS: UInt32 = 64512
    static let peerAS: UInt32 = 64513

    let sw: Namespace
    let peer: Namespace
    let bridge: Namespace

    /// A namespace "swf-<pid>-<n>-<tag>" of `lab`, deleted at its teardown.
    static func namespace(_ lab: Lab, _ tag: String) throws -> Namespace {
        let n = lab.id.split(separator: "-").last.map(String.init) ?? "0"
        let ns = Namespace(name: "\(namespacePrefix)\(n)-\(tag)", lab: lab)
        try Shell.helper("ns_add", [ns.name])
        lab.onTeardown { ns.delete() }
        return ns
    }

    init(_ lab: Lab) throws {
        func namespace(_ tag: String) throws -> Namespace { try BFDLab.namespace(lab, tag) }
        sw = try namespace("sw")
        peer = try namespace("peer")
        bridge = try namespace("sbr")
        try Shell.helper(
            "ns_veth", [sw.name, "veth0", "\(Self.swiftletAddress)/24,\(Self.swiftletAddress6)/64", bridge.name, "p1", ""])
        try Shell.helper(
            "ns_veth", [peer.name, "veth0", "\(Self.peerAddress)/24,\(Self.peerAddress6)/64", bridge.name, "p2", ""])
        try bridge.run(["ip", "link", "add", "br0", "type", "bridge"])
        try bridge.run(["ip", "link", "set", "br0", "up"])
        try bridge.run(["ip", "link", "set", "p1", "master", "br0"])
        try bridge.run(["ip", "link", "set", "p2", "master", "br0"])
    }

    /// Detaches (or re-attaches) the bridge port of Swiftlet's ("p1") or the peer's ("p2") side.
    func cut(_ port: String, _ cut: Bool) throws {
        try bridge.run(["ip", "link", "set", port] + (cut ? ["nomaster"] : ["master", "br0"]))
    }

    /// Whether `announced` (or `announced6`) is in Swiftlet's kernel table.
    func swiftletHasRoute(ipv6: Bool = false) throws -> Bool {
        let result = try sw.run(["ip", ipv6 ? "-6" : "-4", "route", "show", ipv6 ? Self.announced6 : Self.announced])
        return !result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Both peers offer graceful restart with their IPv4 routes (BIRD `graceful restart on`, FRR `bgp
    /// graceful-restart`): had swiftletd taken the BFD failure for a lost connection, it would keep their routes as
    /// stale for 120 s; it must remove them at once (RFC 5882 §4.3).
    ///
    /// swiftletd with BFD 300 ms × 3 on every session (BGPConfiguration `bfd`), hold time 9 s.
    func swiftlet() throws -> SwiftletDaemon {
        try SwiftletDaemon(sw, config: Self.swiftletConfig(bfd: "{minTxInterval: 300ms, minRxInterval: 300ms, multiplier: 3}"))
    }

    /// The configuration with `bfd` as BGPConfiguration's block (nil: none); `ipv6`: the peer's IPv6 address too.
    static func swiftletConfig(bfd: String?, ipv6: Bool = false) -> SwiftletConfig {
        var peers: [SwiftletConfig.Peer] = [.init(name: "peer", peerIP: peerAddress, asNumber: peerAS, holdTime: 9)]
        if ipv6 { peers.append(.init(name: "peer6", peerIP: peerAddress6, asNumber: peerAS, holdTime: 9)) }
        return SwiftletConfig(
            asNumber: swiftletAS, ipv4Address: "\(swiftletAddress)/24",
            ipv6Address: ipv6 ? "\(swiftletAddress6)/64" : nil, holdTime: 9, peers: peers,
            configurationSpec: bfd.map { ["bfd: \($0)"] } ?? [])
    }

    /// The state of swiftletd's BFD session with `address`.
    static func bfdState(_ swiftlet: SwiftletDaemon, address: String) -> String? {
        guard let result = try? swiftlet.ctl(["show", "bfd", "--json"]), result.ok else { return nil }
        let row = SwiftletDaemon.objects(in: result.stdout).first { $0["peerAddress"] as? String == address }
        return row?["state"] as? String
    }

    /// The state ("Up", "Down", …) of swiftletd's BFD session with the peer, from `show bfd --json`.
    static func bfdState(_ swiftlet: SwiftletDaemon) -> String? {
        guard let result = try? swiftlet.ctl(["show", "bfd", "--json"]), result.ok else { return nil }
        let row = SwiftletDaemon.objects(in: result.stdout).first { $0["peerAddress"] as? String == peerAddress }
        return row?["state"] as? String
    }

    /// Whether swiftletd's session runs at 300 ms with a 900 ms Detection Time: after Up, RFC 5880 §6.8.3 has both
    /// sides go from 1 s to the configured intervals through a Poll Sequence, and until it ends a cut takes up to
    /// 3 s to detect.
    static func bfdFast(_ swiftlet: SwiftletDaemon) -> Bool {
        guard let result = try? swiftlet.ctl(["show", "bfd", "--json"]), result.ok,
            let row = SwiftletDaemon.objects(in: result.stdout).first(where: { $0["peerAddress"] as? String == peerAddress })
        else { return false }
        return (row["transmitMilliseconds"] as? Double) == 300 && (row["detectionMilliseconds"] as? Double) == 900
    }

    // MARK: BIRD

    /// `ipv6`: a second session over IPv6 ("swiftlet6", announcing `announced6`).
    func bird(ipv6: Bool = false) throws -> BirdDaemon {
        let v6 = """
            protocol static { ipv6; route \(Self.announced6) blackhole; }

            """ + Self.birdSession("swiftlet6", local: Self.peerAddress6, neighbor: Self.swiftletAddress6, channel: "ipv6")
        let config = (ipv6 ? v6 : "") + """
            router id \(Self.peerAddress);
            protocol device {}
            protocol bfd {
                interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; };
            }
            protocol static { ipv4; route \(Self.announced) blackhole; }

            """ + Self.birdSession(
                "swiftlet", local: Self.peerAddress, neighbor: Self.swiftletAddress, channel: "ipv4",
                extra: ["graceful restart on;"])
        return try BirdDaemon(peer, config: config)
    }

    /// BIRD's `protocol bgp NAME` towards swiftletd with BFD on and the labs' short timers (hold 9 s, quick
    /// reconnects); `extra` lines go before the channel.
    static func birdSession(
        _ name: String, local: String, neighbor: String, channel: String, extra: [String] = []
    ) -> String {
        let lines =
            [
                "local \(local) as \(peerAS);", "neighbor \(neighbor) as \(swiftletAS);", "hold time 9;",
                "keepalive time 3;", "connect delay time 1;", "connect retry time 2;", "error wait time 1, 4;",
                "bfd on;",
            ] + extra + ["\(channel) { import all; export all; };"]
        return "protocol bgp \(name) {\n" + lines.map { "    " + $0 + "\n" }.joined() + "}\n\n"
    }

    /// BIRD's `show bfd sessions` row for Swiftlet's address (`IP address, Interface, State, Since, Interval,
    /// Timeout`), nil when not listed.
    static func bfdRow(_ bird: BirdDaemon) -> [String]? {
        guard let text = try? bird.birdc(["show", "bfd", "sessions"]) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix(swiftletAddress + " ") }
        return line?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    /// BIRD's state for Swiftlet's address ("Up", "Down", "Init").
    static func bfdState(_ bird: BirdDaemon) -> String? {
        bfdRow(bird).flatMap { $0.count > 2 ? $0[2] : nil }
    }

    /// BIRD's session is Up with a 0.900 s timeout (Swiftlet's 300 ms × 3 in force).
    static func bfdFast(_ bird: BirdDaemon) -> Bool {
        guard let row = bfdRow(bird), row.count >= 6 else { return false }
        return row[2] == "Up" && row[5] == "0.900"
    }

    // MARK: FRR

    /// FRR's bgpd config (with `neighbor … bfd`) and bfdd's (the `bfd` node).
    func frr(_ lab: Lab) throws -> (FRRDaemon, bfddConfig: URL) {
        let bgpd = """
            frr defaults traditional
            hostname frr
            log stdout debugging
            debug bgp bfd
            debug bgp neighbor-events
            router bgp \(Self.peerAS)
             bgp router-id \(Self.peerAddress)
             no bgp ebgp-requires-policy
             no bgp network import-check
             bgp graceful-restart
             neighbor \(Self.swiftletAddress) remote-as \(Self.swiftletAS)
             neighbor \(Self.swiftletAddress) timers 3 9
             neighbor \(Self.swiftletAddress) timers connect 2
             neighbor \(Self.swiftletAddress) update-source \(Self.peerAddress)
             neighbor \(Self.swiftletAddress) bfd
             address-family ipv4 unicast
              network \(Self.announced)
             exit-address-family

            """
        let bfdd = """
            frr defaults traditional
            hostname frr
            log stdout debugging
            debug bfd peer
            debug bfd zebra
            bfd
             peer \(Self.swiftletAddress)
              receive-interval 300
              transmit-interval 300
              detect-multiplier 3
             !
            !

            """
        let daemon = try FRRDaemon(peer, config: bgpd)
        let conf = try lab.write("\(peer.name)-bfdd.conf", bfdd)
        try Shell.check(["chown", "frr:frr", conf.path])
        return (daemon, conf)
    }

    /// bfdd in the peer's namespace and FRR pathspace. Start it once zebra runs (after `FRRDaemon.start`): zebra then
    /// asks bgpd to replay its BFD registrations to it at once, where a bfdd started first reaches zebra only after
    /// its own reconnect back-off (seconds), and until then bgpd follows no BFD session at all.
    func startBFDD(_ frr: FRRDaemon, config: URL) throws -> BackgroundProcess {
        try peer.spawn(
            "\(frr.pathspace)-bfdd",
            [
                "/usr/lib/frr/bfdd", "-N", frr.pathspace, "-f", config.path, "-i",
                "/var/run/frr/\(frr.pathspace)/bfdd.pid", "--log", "stdout",
            ])
    }

    /// What bgpd believes of its BFD session with Swiftlet (`peerBfdInfo.status`: "Up", "Down", "Unknown"): only a
    /// change seen there takes BGP down.
    static func bgpdBFDStatus(_ frr: FRRDaemon) -> String? {
        guard let text = try? frr.vtysh("show bgp neighbors \(swiftletAddress) json"),
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let neighbor = object[swiftletAddress] as? [String: Any],
            let info = neighbor["peerBfdInfo"] as? [String: Any]
        else { return nil }
        return info["status"] as? String
    }

    /// FRR's `show bfd peers json` entry for Swiftlet's address.
    static func bfdPeer(_ frr: FRRDaemon) -> [String: Any]? {
        guard let text = try? frr.vtysh("show bfd peers json"),
            let peers = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        else { return nil }
        return peers.first { $0["peer"] as? String == swiftletAddress }
    }

    /// FRR's status for Swiftlet's address ("up", "down", "init"), nil when not listed.
    static func bfdState(_ frr: FRRDaemon) -> String? { bfdPeer(frr)?["status"] as? String }

    /// bfdd has Swiftlet's 300 ms transmit interval (its Detection Time 900 ms) in force.
    static func bfdFast(_ frr: FRRDaemon) -> Bool {
        guard let peer = bfdPeer(frr) else { return false }
        return peer["status"] as? String == "up" && (peer["remote-transmit-interval"] as? Int) == 300
    }
}

/// For each named condition, the time from `start` until it first held, polled every 10 ms until all held or
/// `timeout` passed (those that never held are missing).
func measure(
    since start: ContinuousClock.Instant, timeout: Duration = .seconds(10), _ conditions: [String: () throws -> Bool]
) -> [String: Duration] {
    let clock = ContinuousClock()
    var times: [String: Duration] = [:]
    while times.count < conditions.count && clock.now - start < timeout {
        for (name, condition) in conditions where times[name] == nil {
            if (try? condition()) == true { times[name] = clock.now - start }
        }
        if times.count < conditions.count { usleep(10_000) }
    }
    return times
}

/// Multihop (RFC 5883): swiftletd ("sw", 10.200.1.1/24) and BIRD ("peer", 10.200.2.2/24) one router ("rtr") apart,
/// so every packet arrives with its TTL decremented once; namespaces "swf-<pid>-<n>-…".
struct BFDMultihopLab {
    static let swiftletAddress = "10.200.1.1"
    static let peerAddress = "10.200.2.2"

    let sw: Namespace
    let router: Namespace
    let peer: Namespace

    init(_ lab: Lab) throws {
        func namespace(_ tag: String) throws -> Namespace { try BFDLab.namespace(lab, tag) }
        sw = try namespace("sw")
        router = try namespace("rtr")
        peer = try namespace("peer")
        for (end, host, link) in [(sw, 1, 1), (peer, 2, 2)] {
            try Shell.helper(
                "ns_veth", [end.name, "veth0", "10.200.\(link).\(host)/24", router.name, "veth\(link)", "10.200.\(link).254/24"])
            let other = link == 1 ? 2 : 1
            try end.run(["ip", "route", "add", "10.200.\(other).0/24", "via", "10.200.\(link).254"])
        }
        try router.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    }

    /// Takes the router's link towards the peer down (swiftletd's own link stays up: no carrier change there).
    func cutPeerSide(_ cut: Bool) throws {
        try router.run(["ip", "link", "set", "veth2", cut ? "down" : "up"])
    }

    func swiftletHasRoute() throws -> Bool {
        !(try sw.run(["ip", "-4", "route", "show", BFDLab.announced]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            .isEmpty)
    }

    /// swiftletd with BFD on and the planner left to choose: the peer is outside the node's subnet, so multihop.
    func swiftlet() throws -> SwiftletDaemon {
        var peer = SwiftletConfig.Peer(name: "peer", peerIP: Self.peerAddress, asNumber: BFDLab.peerAS, holdTime: 9)
        peer.multihop = 2
        return try SwiftletDaemon(
            sw,
            config: SwiftletConfig(
                asNumber: BFDLab.swiftletAS, ipv4Address: "\(Self.swiftletAddress)/24", holdTime: 9, peers: [peer],
                configurationSpec: ["bfd: {minTxInterval: 300ms, minRxInterval: 300ms, multiplier: 3}"]))
    }

    func bird() throws -> BirdDaemon {
        try BirdDaemon(
            peer,
            config: """
                router id \(Self.peerAddress);
                protocol device {}
                protocol bfd {
                    multihop { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; };
                }
                protocol static { ipv4; route \(BFDLab.announced) blackhole; }

                """
                + BFDLab.birdSession(
                    "swiftlet", local: Self.peerAddress, neighbor: Self.swiftletAddress, channel: "ipv4",
                    extra: ["multihop 2;"]))
    }
}
