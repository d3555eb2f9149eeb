// SPDX-License-Identifier: Apache-2.0
// The replies of swiftletd's BIRD-compatible socket, rendered as BIRD 2.0.12 renders them (`nest/cmds.c`
// `cmd_show_status`, `nest/proto.c` `proto_cmd_show`, `proto/bgp/bgp.c` `bgp_get_status`/`bgp_show_proto_info`,
// `nest/rt-show.c` `rt_show_rte`), so birdcl and Calico's parsers (calicoctl `node status`, calico/node's
// `-bird-ready`/`-bird-live` probes) read them unchanged. Pure: time, time zone and every value come in as arguments.
// docs/bird-socket.md lists what is rendered and where it differs from BIRD.

import Foundation

/// What `show status` reports.
public struct BirdStatus: Hashable, Sendable {
    /// Graceful-restart recovery (BIRD's `0024` block): routes of the previous run are kept until the sessions
    /// converge or the wait timer runs out.
    public struct GracefulRestart: Hashable, Sendable {
        /// Sessions (BIRD: channels) that have not delivered their table yet.
        public var waiting: Int
        /// Seconds left on the wait timer.
        public var remaining: Double
        /// The wait timer's length, seconds.
        public var wait: Int

        public init(waiting: Int, remaining: Double, wait: Int) {
            self.waiting = waiting
            self.remaining = remaining
            self.wait = wait
        }
    }

    public var version: String
    public var routerID: String
    public var hostname: String
    /// Unix seconds.
    public var serverTime: Double
    public var bootTime: Double
    public var reconfigurationTime: Double
    public var gracefulRestart: GracefulRestart?
    public var shuttingDown: Bool

    public init(
        version: String, routerID: String, hostname: String, serverTime: Double, bootTime: Double,
        reconfigurationTime: Double, gracefulRestart: GracefulRestart? = nil, shuttingDown: Bool = false
    ) {
        self.version = version
        self.routerID = routerID
        self.hostname = hostname
        self.serverTime = serverTime
        self.bootTime = bootTime
        self.reconfigurationTime = reconfigurationTime
        self.gracefulRestart = gracefulRestart
        self.shuttingDown = shuttingDown
    }
}

/// BIRD's `show protocols` heading. BIRD 2 capitalises it; BIRD 1.x (the fork calico/node shipped until its move to
/// BIRD 3) writes it in lower case, and calicoctl `node status` and calico/node's readiness probe of those releases
/// compare it case-sensitively with `name proto table state since info`. Newer Calico compares case-insensitively.
public enum BirdHeading: Sendable {
    /// `name       proto      table      state  since         info`: every Calico release parses it.
    case calico
    /// `Name       Proto      Table      State  Since         Info`: byte for byte BIRD 2.
    case bird2
}

/// Renders the BIRD socket's replies.
public enum BirdText {
    /// `0001 BIRD <version> ready.`
    public static func greeting(version: String) -> String {
        BirdReply.single(BirdReplyCode.welcome, "BIRD \(version) ready.")
    }

    /// `show status`: version, router ID, hostname, times, the graceful-restart block while recovery is in progress,
    /// and `0013 Daemon is up and running`.
    public static func status(_ status: BirdStatus, timeZone: TimeZone = .current) -> String {
        let time = ControlTimeFormat(now: status.serverTime, timeZone: timeZone)
        var reply = BirdReply()
        reply.line(BirdReplyCode.version, "BIRD \(status.version)")
        reply.line(BirdReplyCode.uptime, "Router ID is \(status.routerID)")
        reply.line(BirdReplyCode.uptime, "Hostname is \(status.hostname)")
        reply.line(BirdReplyCode.uptime, "Current server time is \(time.long(status.serverTime))")
        reply.line(BirdReplyCode.uptime, "Last reboot on \(time.long(status.bootTime))")
        reply.line(BirdReplyCode.uptime, "Last reconfiguration on \(time.long(status.reconfigurationTime))")
        if let gr = status.gracefulRestart {
            reply.line(BirdReplyCode.gracefulRestartStatus, "Graceful restart recovery in progress")
            reply.line(BirdReplyCode.gracefulRestartStatus, "  Waiting for \(gr.waiting) channels to recover")
            reply.line(
                BirdReplyCode.gracefulRestartStatus, "  Wait timer is \(seconds(max(0, gr.remaining)))/\(gr.wait)")
        }
        let state = status.shuttingDown ? "Shutdown in progress" : "Daemon is up and running"
        return reply.finish(BirdReplyCode.status, state)
    }

    /// `show protocols [all]`: the heading, one `1002` row per protocol and, with `all`, its `1006` details
    /// followed by an empty line; `0000 ` at the end. No protocols at all is `8003 No protocols match` only when
    /// a name or pattern was asked for (BIRD prints the bare heading for an empty daemon).
    public static func protocols(
        _ protocols: [BirdProtocol], all: Bool, heading: BirdHeading = .calico, now: Double,
        timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        var reply = BirdReply()
        let names =
            heading == .calico
            ? ["name", "proto", "table", "state", "since", "info"] : ["Name", "Proto", "Table", "State", "Since", "Info"]
        reply.line(BirdReplyCode.tableHeading, row(names))
        for p in protocols {
            reply.line(BirdReplyCode.protocolList, row([p.name, p.proto, p.table, p.state, time.short(p.since), p.info]))
            if all {
                for detail in p.details { reply.line(BirdReplyCode.protocolDetails, detail) }
                reply.line(BirdReplyCode.protocolDetails, "")
            }
        }
        return reply.end()
    }

    /// `%-10s %-10s %-10s %-6s %-12s  %s`, BIRD 2's row (values longer than a column push the rest right, and the
    /// Info column keeps its trailing spaces, as BIRD's do).
    static func row(_ columns: [String]) -> String {
        columns[0].birdPadded(10) + " " + columns[1].birdPadded(10) + " " + columns[2].birdPadded(10) + " "
            + columns[3].birdPadded(6) + " " + columns[4].birdPadded(12) + "  " + columns[5]
    }

    /// `show route [all]`: `1007-Table master4:`, one row per path and its next hop; with `all` each path's type
    /// (`1008`) and BGP attributes (`1012`). `8001 Network not found` when a prefix was asked for and nothing
    /// matched.
    public static func routes(
        _ routes: [BirdRoute], all: Bool, prefixAsked: Bool, now: Double, timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        if routes.isEmpty && prefixAsked { return BirdReply.single(BirdReplyCode.routeNotFound, "Network not found") }
        var reply = BirdReply()
        var table: String?
        for route in routes {
            if route.table != table {
                reply.line(BirdReplyCode.routeList, "Table \(route.table):")
                table = route.table
            }
            var text = route.prefix.birdPadded(20) + " " + route.kind + " [" + route.protocolName + " "
                + time.short(route.since)
            if let from = route.from { text += " from \(from)" }
            text += "]" + (route.primary ? " *" : "") + " (\(route.preference)"
            if route.isBGP {
                text += "/?) [" + (route.originAS.map { "AS\($0)" } ?? "") + route.originCode + "]"
            } else {
                text += ")"
            }
            reply.line(BirdReplyCode.routeList, text)
            if let nextHop = route.nextHop { reply.line(BirdReplyCode.routeList, "\tvia \(nextHop)") }
            if all {
                reply.line(BirdReplyCode.routeDetails, "\tType: \(route.isBGP ? "BGP" : "static") univ")
                for (name, value) in route.attributes {
                    reply.line(BirdReplyCode.routeAttributes, "\t\(name): \(value)")
                }
            }
        }
        return reply.end()
    }

    /// `9001 syntax error, <detail>`: BIRD's answer to anything its grammar does not accept.
    public static func syntaxError(_ detail: String) -> String {
        BirdReply.single(BirdReplyCode.syntaxError, "syntax error, \(detail)")
    }

    /// `8003 No protocols match`.
    public static let noProtocolsMatch = BirdReply.single(BirdReplyCode.noProtocolsMatch, "No protocols match")

    /// The seconds of a BIRD timer (`%t`): three decimals.
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int((value * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// One row of `show protocols` and, for `show protocols all`, its detail lines (without the code).
public struct BirdProtocol: Hashable, Sendable {
    public var name: String
    /// "BGP".
    public var proto: String
    /// "---" for BGP (BIRD prints the main channel's table only for single-channel protocols like kernel).
    public var table: String
    /// "up", "start" or "down" (BIRD's `proto_state_name`).
    public var state: String
    public var since: Double
    public var info: String
    public var details: [String]

    public init(
        name: String, proto: String = "BGP", table: String = "---", state: String, since: Double, info: String,
        details: [String] = []
    ) {
        self.name = name
        self.proto = proto
        self.table = table
        self.state = state
        self.since = since
        self.info = info
        self.details = details
    }
}

extension BirdProtocol {
    /// A BGP session as BIRD 2 shows it: State from the session state, Info the BGP state in 14 columns followed by
    /// the last error (`Active        Socket: Connection refused`), or only the error when the protocol is down;
    /// details as `bgp_show_proto_info` prints them (the subset Swiftlet knows).
    public init(_ detail: ProtocolDetail) {
        let summary = detail.summary
        let down = summary.state == .disabled
        let bgpState: String =
            if down { "Down" } else if summary.state == .active && detail.passive { "Passive" } else {
                summary.state.rawValue
            }
        let known: Set<String> = [
            "", "Established", "Disabled", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Passive",
        ]
        let error = known.contains(summary.info) ? "" : Self.errorText(summary.info).terminalSafe
        let info = down ? error : bgpState.birdPadded(14) + error
        var details = ["  BGP state:          \(bgpState)"]
        details.append("    Neighbor address: \(summary.peerAddress)")
        if let port = detail.remotePort, port != 179 { details.append("    Neighbor port:    \(port)") }
        details.append("    Neighbor AS:      \(summary.peerAS)")
        details.append("    Local AS:         \(summary.localAS)")
        let established = summary.state == .established
        if established, let id = detail.peerRouterID {
            details.append("    Neighbor ID:      \(id)")
            let fourOctet = detail.capabilitiesNegotiated.contains("4-octet-as")
            details.append(
                "    Session:          \(summary.peerAS == summary.localAS ? "internal" : "external")"
                    + (fourOctet ? " AS4" : ""))
            if let hold = detail.negotiatedHoldTime { details.append("    Hold time:        \(hold)") }
            if let keepalive = detail.negotiatedKeepalive { details.append("    Keepalive time:   \(keepalive)") }
        }
        if !error.isEmpty { details.append("    Last error:       \(error)") }
        let ipv6 = summary.peerAddress.contains(":")
        details.append("  Channel \(ipv6 ? "ipv6" : "ipv4")")
        details.append("    State:          \(established ? "UP" : "DOWN")")
        details.append("    Table:          \(ipv6 ? "master6" : "master4")")
        details.append("    Preference:     100")
        if established, let imported = summary.routesImported, let exported = summary.routesExported,
            let preferred = summary.routesPreferred
        {
            let filtered = summary.routesFiltered ?? 0
            details.append(
                "    Routes:         \(imported) imported, " + (filtered > 0 ? "\(filtered) filtered, " : "")
                    + "\(exported) exported, \(preferred) preferred")
        }
        self.init(
            name: summary.name.terminalSafe, state: summary.state.birdState, since: summary.since, info: info,
            details: details)
    }
}

extension BirdProtocol {
    /// The last error as BIRD words it: a socket error is `Socket: <strerror>` (`Socket: Connection refused`), not
    /// the transport's own description of it, which ends in `(errno: N)`.
    public static func errorText(_ info: String) -> String {
        guard info.hasPrefix("Socket: "), let open = info.range(of: "(errno: ", options: .backwards),
            let close = info[open.upperBound...].firstIndex(of: ")"),
            let number = Int32(info[open.upperBound..<close]), number > 0
        else { return info }
        return "Socket: " + String(cString: strerror(number))
    }
}

/// One path of `show route`, as BIRD's row shows it.
public struct BirdRoute: Hashable, Sendable {
    public var table: String
    public var prefix: String
    /// "unicast", or "blackhole" for the node's own blocks (Calico's `static1` blackholes).
    public var kind: String
    public var protocolName: String
    public var since: Double
    /// The peer address when it differs from the next hop (BIRD's ` from A`).
    public var from: String?
    public var primary: Bool
    public var preference: Int
    public var isBGP: Bool
    /// The AS that originated the path (last of the AS_PATH), nil for an empty AS_PATH.
    public var originAS: String?
    /// "i", "e" or "?".
    public var originCode: String
    public var nextHop: String?
    /// `BGP.origin`, `BGP.as_path`, ... for `show route all`.
    public var attributes: [(String, String)]

    public init(
        table: String, prefix: String, kind: String, protocolName: String, since: Double, from: String?,
        primary: Bool, preference: Int, isBGP: Bool, originAS: String?, originCode: String, nextHop: String?,
        attributes: [(String, String)] = []
    ) {
        self.table = table
        self.prefix = prefix
        self.kind = kind
        self.protocolName = protocolName
        self.since = since
        self.from = from
        self.primary = primary
        self.preference = preference
        self.isBGP = isBGP
        self.originAS = originAS
        self.originCode = originCode
        self.nextHop = nextHop
        self.attributes = attributes
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.table == b.table && a.prefix == b.prefix && a.kind == b.kind && a.protocolName == b.protocolName
            && a.since == b.since && a.from == b.from && a.primary == b.primary && a.preference == b.preference
            && a.isBGP == b.isBGP && a.originAS == b.originAS && a.originCode == b.originCode
            && a.nextHop == b.nextHop && a.attributes.map(\.0) == b.attributes.map(\.0)
            && a.attributes.map(\.1) == b.attributes.map(\.1)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(prefix)
        hasher.combine(protocolName)
    }

    /// The rows of a `show route` report: Calico's own blocks as `static1` blackholes, learned paths as BGP
    /// routes of the session they came from. `peerAddresses` maps session names to neighbor addresses (for `from`).
    public static func rows(
        _ report: RouteReport, peerAddresses: [String: String], localSince: Double
    ) -> [BirdRoute] {
        var rows: [BirdRoute] = []
        for entry in report.routes {
            let table = entry.prefix.contains(":") ? "master6" : "master4"
            for path in entry.paths {
                if path.sourceKind == .local {
                    rows.append(
                        BirdRoute(
                            table: table, prefix: entry.prefix, kind: "blackhole", protocolName: "static1",
                            since: path.since ?? localSince, from: nil, primary: path.best, preference: 200,
                            isBGP: false, originAS: nil, originCode: "", nextHop: nil))
                    continue
                }
                let address = peerAddresses[path.from]
                let asns = path.asPath.split(separator: " ").filter { $0.allSatisfy(\.isNumber) }
                let code =
                    switch path.origin {
                    case "IGP": "i"
                    case "EGP": "e"
                    default: "?"
                    }
                var attributes: [(String, String)] = [
                    ("BGP.origin", path.origin), ("BGP.as_path", path.asPath), ("BGP.next_hop", path.nextHop),
                ]
                if let med = path.multiExitDiscriminator { attributes.append(("BGP.med", "\(med)")) }
                if let lp = path.localPreference { attributes.append(("BGP.local_pref", "\(lp)")) }
                if let id = path.originatorID { attributes.append(("BGP.originator_id", id)) }
                if !path.clusterList.isEmpty {
                    attributes.append(("BGP.cluster_list", path.clusterList.joined(separator: " ")))
                }
                if !path.communities.isEmpty {
                    attributes.append(
                        (
                            "BGP.community",
                            path.communities.map { "(" + $0.replacingOccurrences(of: ":", with: ",") + ")" }
                                .joined(separator: " ")
                        ))
                }
                rows.append(
                    BirdRoute(
                        table: table, prefix: entry.prefix, kind: "unicast", protocolName: path.from,
                        since: path.since ?? localSince,
                        from: address.flatMap { $0 == path.nextHop ? nil : $0 }, primary: path.best, preference: 100,
                        isBGP: true, originAS: asns.last.map(String.init), originCode: code,
                        nextHop: path.nextHop.isEmpty ? nil : path.nextHop, attributes: attributes))
            }
        }
        return rows
    }
}

extension String {
    /// `%-Ns`: left-aligned in `width` columns, never cut.
    func birdPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
