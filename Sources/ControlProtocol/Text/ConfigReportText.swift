// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show config` in text: one "Label: value" line per setting, the daemon first, then one block per peer,
// dynamic neighbor range, originated route and pool, then the kernel settings. Values that are not set print as "-".

/// Renders the configuration in force.
public enum ConfigReportText {
    /// The report, each line ending in "\n".
    public static func render(_ config: ConfigReport) -> String {
        var out = ""
        func line(_ label: String, _ value: String, indent: Int = 0) {
            let text = String(repeating: " ", count: indent) + (label + ":").padded(to: 28 - indent) + value.terminalSafe
            out += text.trimmingTrailingSpaces + "\n"
        }

        line("Configuration file", config.configFile)
        line("Node name", config.nodeName)
        line("Router ID", config.routerID)
        line("Local AS", String(config.localAS))
        line("Listen", "\(config.listenAddress ?? "any (0.0.0.0 and ::)") port \(config.listenPort)")
        line("IPv6 address", opt(config.ipv6Address))
        line("Route reflector cluster ID", opt(config.routeReflectorClusterID))
        line("Log severity", config.logSeverity)

        out += "\nPeers (\(config.peers.count)):\n"
        for peer in config.peers { render(peer, heading: peer.name, into: &out) }
        if !config.dynamicNeighbors.isEmpty {
            out += "\nDynamic neighbors (\(config.dynamicNeighbors.count)):\n"
            for range in config.dynamicNeighbors {
                out += "  \(range.name.terminalSafe)\n"
                line("Range", range.range, indent: 4)
                line("AS numbers", range.asNumbers, indent: 4)
                render(range.template, heading: nil, into: &out)
            }
        }
        out += "\nOriginated routes (\(config.originated.count)):\n"
        for route in config.originated {
            out += "  \(route.prefix.terminalSafe)\(route.blackhole ? " blackhole" : "") (\(route.reason.terminalSafe))\n"
        }
        out += "\nIP pools (\(config.pools.count)):\n"
        for pool in config.pools {
            out += "  \(pool.name.terminalSafe)\n"
            line("CIDR", pool.cidr, indent: 4)
            line("Block size", String(pool.blockSize), indent: 4)
            line("IPIP mode", pool.ipipMode, indent: 4)
            line("VXLAN mode", pool.vxlanMode, indent: 4)
            line("NAT outgoing", yesNo(pool.natOutgoing), indent: 4)
            line("Disabled", yesNo(pool.disabled), indent: 4)
            line("BGP export disabled", yesNo(pool.disableBGPExport), indent: 4)
            line("Node selector", pool.nodeSelector.isEmpty ? "-" : pool.nodeSelector, indent: 4)
            line("Allowed uses", list(pool.allowedUses), indent: 4)
        }
        if !config.communityAdvertisements.isEmpty {
            out += "\nCommunity advertisements:\n"
            for entry in config.communityAdvertisements { out += "  \(entry.terminalSafe)\n" }
        }
        let k = config.kernel
        out += "\nKernel\(k.active ? "" : " (not applied: the daemon runs without the kernel)"):\n"
        line("Program routes", yesNo(k.programRoutes), indent: 2)
        line("Route protocol", String(k.routeProtocol), indent: 2)
        line("Table", String(k.table), indent: 2)
        line("Route priority", "IPv4 \(k.ipv4NormalRoutePriority), IPv6 \(k.ipv6NormalRoutePriority)", indent: 2)
        line("Program cluster routes", k.programClusterRoutes, indent: 2)
        line("IPIP device", "\(k.ipipDevice) (managed: \(yesNo(k.manageIPIPDevice)), MTU \(opt(k.ipipMTU)), fallback \(k.ipipFallback))", indent: 2)
        line("VXLAN device", "\(k.vxlanDevice) (managed: \(yesNo(k.manageVXLANDevice)), VNI \(k.vxlanVNI), port \(k.vxlanPort), MTU \(opt(k.vxlanMTU)))", indent: 2)
        line("Stale route sweep", "\(k.staleRouteSweepTime)s", indent: 2)
        line("Node subnets", list(k.nodeSubnets), indent: 2)
        if !config.notes.isEmpty {
            out += "\nNotes:\n"
            for note in config.notes { out += "  \(note.terminalSafe)\n" }
        }
        return out
    }

    private static func render(_ peer: ConfigReport.Peer, heading: String?, into out: inout String) {
        let indent = 4
        if let heading { out += "  \(heading.terminalSafe)\n" }
        let lines: [(String, String)] = [
            ("Address", "\(peer.address) port \(peer.port)"),
            ("AS", "remote \(peer.remoteAS), local \(peer.localAS)"),
            ("Passive", yesNo(peer.passive)),
            ("Hold time", "\(peer.holdTime)s"),
            ("Keepalive time", "\(peer.keepaliveTime)s"),
            ("Connect retry time", "\(peer.connectRetryTime)s"),
            ("Delay open", peer.delayOpenTime.map { "\($0)s" } ?? "-"),
            ("Password", peer.password ? "set (not shown)" : "-"),
            ("Source address", opt(peer.sourceAddress)),
            ("TTL security hops", opt(peer.ttlSecurityHops)),
            ("Multihop TTL", opt(peer.multihopTTL)),
            ("Families", list(peer.families)),
            ("Graceful restart", peer.gracefulRestartTime.map { "\($0)s" } ?? "-"),
            ("Next hop mode", peer.nextHopMode),
            ("Max prefixes", opt(peer.maximumPrefixes)),
            ("Allowed local ASNs", opt(peer.allowedLocalASNumbers)),
            ("Reachable by", opt(peer.reachableBy)),
            ("Route reflector client", yesNo(peer.routeReflectorClient)),
            ("Filters", list(peer.filters)),
            ("BFD", opt(peer.bfd)),
            (
                "Long-lived stale time",
                (peer.longLivedStaleTimes ?? [:]).isEmpty
                    ? "-" : peer.longLivedStaleTimes!.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)s" }.joined(separator: ", ")
            ),
        ]
        for (label, value) in lines {
            let text = String(repeating: " ", count: indent) + (label + ":").padded(to: 28 - indent) + value.terminalSafe
            out += text.trimmingTrailingSpaces + "\n"
        }
    }

    private static func opt<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
    private static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
    private static func list(_ values: [String]) -> String { values.isEmpty ? "-" : values.joined(separator: ", ") }
}
