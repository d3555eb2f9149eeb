// SPDX-License-Identifier: Apache-2.0
// `show route` in the shape of BIRD 2's: a "Table master4:" heading per address family, then one line per path,
// `%-20s` prefix (blank on a prefix's further paths), "unicast", `[protocol since]`, the marker, `(preference)` and
// `[AS<origin AS><origin>]`, and an indented `via` line. With `all` or `detail` each path is followed by its
// attributes as BIRD names them (`BGP.origin`, `BGP.as_path`, `BGP.community: (65000,100)` …); `detail` adds what
// BIRD cannot say: the best-path step that decided and what policy did. Adaptations, since Swiftlet is not BIRD:
// there is no interface on the `via` line, the ADD-PATH Path Identifier goes there instead, every path shows BIRD's
// BGP preference 100 (Swiftlet has no preferences between protocols), `=` marks an ECMP path that is not the best
// one, and a path rejected by policy ends in "rejected". The output depends only on the report and the query.

import Foundation

/// Renders a route report as birdc prints `show route`.
public enum RouteReportText {
    /// BIRD's default preference for BGP routes, printed in every path's `(100)`.
    public static let preference = 100

    /// The report, each line ending in "\n": address families in order (IPv4 first), prefixes and paths in the
    /// report's order. `query` decides the headings and how much is printed per path; an empty report prints
    /// "Network not found" when the query named a prefix, and nothing otherwise (as birdc).
    public static func render(
        _ report: RouteReport, query: RouteQuery = RouteQuery(), now: Double = Date().timeIntervalSince1970,
        timeZone: TimeZone = .current
    ) -> String {
        let time = ControlTimeFormat(now: now, timeZone: timeZone)
        var out = ""
        for ipv6 in [false, true] {
            let entries = report.routes.filter { $0.prefix.contains(":") == ipv6 && !$0.paths.isEmpty }
            guard !entries.isEmpty else { continue }
            if !out.isEmpty { out += "\n" }
            out += heading(ipv6: ipv6, query: query) + "\n"
            for entry in entries {
                for (index, path) in entry.paths.enumerated() {
                    out += lines(path, prefix: index == 0 ? entry.prefix : "", query: query, time: time)
                }
            }
        }
        if report.truncated {
            if !out.isEmpty { out += "\n" }
            out += "Output limited to \(report.routes.count) of \(report.totalPrefixes) networks\n"
        } else if out.isEmpty, query.prefix != nil {
            out = "Network not found\n"
        }
        return out
    }

    /// "Table master4:" for the Loc-RIB; for a peer's tables, which peer and which side of its policy.
    static func heading(ipv6: Bool, query: RouteQuery) -> String {
        let table = ipv6 ? "master6" : "master4"
        switch (query.view, query.peer?.terminalSafe) {
        case (.received, let peer?): return "Table \(table), received from \(peer) (Adj-RIB-In, before import policy):"
        case (.advertised, let peer?): return "Table \(table), advertised to \(peer) (Adj-RIB-Out):"
        case (.selected, _), (.received, nil), (.advertised, nil): return "Table \(table):"
        }
    }

    /// The path's line, its `via` line and, with `all` or `detail`, its attributes.
    static func lines(_ path: RoutePath, prefix: String, query: RouteQuery, time: ControlTimeFormat) -> String {
        let marker = path.best ? " *" : path.ecmp ? " =" : ""
        var first = prefix.terminalSafe.padded(to: 20) + " unicast"
        first += " [\(path.from.terminalSafe) \(time.short(path.since ?? 0))]"
        first += "\(marker) (\(preference)\(path.stale ? "s" : "")) [\(originInfo(path))]"
        if path.rejectedBy != nil { first += " rejected" }
        var out = first + "\n"

        var via: [String] = []
        if !path.nextHop.isEmpty { via.append("via \(path.nextHop.terminalSafe)") }
        if let id = path.pathID { via.append("path-id \(id)") }
        if !via.isEmpty { out += "\t" + via.joined(separator: " ") + "\n" }

        guard query.everyPath else { return out }
        func line(_ label: String, _ value: String) {
            out += ("\t" + label + ": " + value).trimmingTrailingSpaces + "\n"
        }
        line("Type", type(path.sourceKind))
        line("BGP.origin", originName(path.origin))
        line("BGP.as_path", path.asPath.terminalSafe)
        if !path.nextHop.isEmpty {
            let linkLocal = path.linkLocalNextHop.map { " " + $0 } ?? ""
            line("BGP.next_hop", (path.nextHop + linkLocal).terminalSafe)
        }
        if let med = path.multiExitDiscriminator { line("BGP.med", String(med)) }
        if let localPreference = path.localPreference { line("BGP.local_pref", String(localPreference)) }
        if path.atomicAggregate { line("BGP.atomic_aggr", "") }
        if let value = path.aggregator { line("BGP.aggregator", aggregator(value)) }
        if !path.communities.isEmpty {
            line("BGP.community", path.communities.map { tuple($0, separator: ",") }.joined(separator: " "))
        }
        if let originatorID = path.originatorID { line("BGP.originator_id", originatorID.terminalSafe) }
        if !path.clusterList.isEmpty { line("BGP.cluster_list", path.clusterList.joined(separator: " ").terminalSafe) }
        if !path.extendedCommunities.isEmpty {
            line("BGP.ext_community", path.extendedCommunities.map(extendedTuple).joined(separator: " "))
        }
        if !path.largeCommunities.isEmpty {
            line("BGP.large_community", path.largeCommunities.map { tuple($0, separator: ", ") }.joined(separator: " "))
        }
        for attribute in path.unknownAttributes { line("BGP.unknown", attribute.terminalSafe) }
        guard query.detail else { return out }
        if let step = path.decidedBy { line("decided by", step.terminalSafe) }
        if let reason = path.rejectedBy { line("rejected by", reason.terminalSafe) }
        if let policy = path.policy { line("policy", policy.terminalSafe) }
        if let stale = staleness(path) { line("stale", stale) }
        return out
    }

    /// Why a path is stale or least preferred: kept for a restarting peer (RFC 4724 §4.2), long-lived stale
    /// (RFC 9494 §4.2, LLGR_STALE 65535:6 attached), or received with LLGR_STALE (§4.3).
    package static func staleness(_ path: RoutePath) -> String? {
        let longLived = path.communities.contains("65535:6")
        switch (path.stale, longLived) {
        case (true, true): return "LLGR stale (RFC 9494): least preferred, kept until End-of-RIB or the long-lived stale time"
        case (true, false): return "graceful restart (RFC 4724): kept until End-of-RIB or the restart time"
        case (false, true): return "LLGR_STALE received (RFC 9494 §4.3): least preferred"
        case (false, false): return nil
        }
    }

    /// BIRD's route info: the origin AS (the last AS of a path ending in a sequence), then i, e or ? for the origin.
    static func originInfo(_ path: RoutePath) -> String {
        let last = path.asPath.split(separator: " ").last.flatMap { UInt32($0) }.map { "AS\($0)" } ?? ""
        let origin: String
        switch path.origin.lowercased() {
        case "igp": origin = "i"
        case "egp": origin = "e"
        case "": origin = ""
        default: origin = "?"
        }
        return last + origin
    }

    /// "IGP", "EGP", "Incomplete", as BIRD prints BGP.origin.
    static func originName(_ origin: String) -> String {
        switch origin.lowercased() {
        case "igp": "IGP"
        case "egp": "EGP"
        case "incomplete": "Incomplete"
        default: origin.terminalSafe
        }
    }

    static func type(_ kind: RoutePath.SourceKind) -> String {
        switch kind {
        case .internal: "BGP univ (internal)"
        case .external: "BGP univ (external)"
        case .local: "local univ"
        default: kind.rawValue.terminalSafe
        }
    }

    /// "65000:100" as BIRD's "(65000,100)", "64512:1:2" as "(64512, 1, 2)"; anything else as it is.
    static func tuple(_ value: String, separator: String) -> String {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 1, parts.allSatisfy(isDecimal) else {
            return value.terminalSafe
        }
        return "(" + parts.joined(separator: separator) + ")"
    }

    /// "rt:65000:1" as BIRD's "(rt, 65000, 1)", "soo:192.0.2.1:7" as "(soo, 192.0.2.1, 7)"; anything else as it is.
    static func extendedTuple(_ value: String) -> String {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ (0x61...0x7A).contains($0) }),
            !parts[1].isEmpty, isDecimal(parts[2])
        else { return value.terminalSafe }
        return "(\(parts[0]), \(parts[1]), \(parts[2]))".terminalSafe
    }

    /// "65000 192.0.2.1" as BIRD's "192.0.2.1 AS65000"; anything else as it is.
    static func aggregator(_ value: String) -> String {
        let words = value.split(separator: " ")
        guard words.count == 2, isDecimal(words[0]) else { return value.terminalSafe }
        return "\(words[1]) AS\(words[0])".terminalSafe
    }

    static func isDecimal(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
