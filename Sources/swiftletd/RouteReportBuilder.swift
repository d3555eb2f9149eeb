// SPDX-License-Identifier: Apache-2.0
// `show route`: the routing engine's tables (BGPCore values) as a `RouteReport` (ControlProtocol values). Runs on the
// speaker actor through `BGPSpeaker.routing`, so it sees one consistent state.

import BGPCore
import BGPWire
import ControlProtocol

enum RouteReportBuilder {
    /// More prefixes than this are cut short unless the query sets its own limit (a full table is 1M lines).
    static let defaultLimit = 10_000

    enum Failure: Error {
        case badPrefix(String)
        case unknownPeer(String)
        case peerRequired
    }

    static func report(_ query: RouteQuery, engine: RouteEngine) -> Result<RouteReport, Failure> {
        let limit = query.limit ?? defaultLimit
        var match: ((IPPrefix) -> Bool)? = nil
        var exact: IPPrefix? = nil
        var address: IPAddress? = nil
        if let text = query.prefix {
            if text.contains("/") {
                guard let prefix = IPPrefix(text) else { return .failure(.badPrefix(text)) }
                exact = prefix
                match = { $0 == prefix }
            } else {
                guard let value = IPAddress(text) else { return .failure(.badPrefix(text)) }
                address = value
                match = { $0.contains(value) }
            }
        }
        let family: IPAddress.Family? = query.family.map { $0 == .ipv4 ? .ipv4 : .ipv6 }
        func wanted(_ prefix: IPPrefix) -> Bool {
            (family == nil || prefix.family == family) && (match?(prefix) ?? true)
        }
        /// `show route for ADDRESS`: only the longest matching prefix.
        func longestOnly<T>(_ items: [T], prefix: (T) -> IPPrefix) -> [T] {
            guard address != nil, let longest = items.map({ prefix($0).length }).max() else { return items }
            return items.filter { prefix($0).length == longest }
        }

        var entries: [RouteEntry] = []
        var total = 0
        switch query.view {
        case .selected:
            var routes: [LocRIB.Route]
            if let exact {
                routes = engine.locRIB.route(for: exact).map { [$0] } ?? []
            } else {
                routes = longestOnly(engine.locRIB.routes(family: family).filter { wanted($0.prefix) }) { $0.prefix }
            }
            // `--peer NAME` keeps the paths learned from that session (birdc `show route protocol NAME`).
            if let peer = query.peer {
                guard engine.counts(for: peer) != nil else { return .failure(.unknownPeer(peer)) }
                routes = routes.filter { route in route.paths.contains { $0.source.name == peer } }
            }
            total = routes.count
            for route in routes.prefix(limit) {
                let candidates = (query.everyPath ? route.paths : [route.best]).filter {
                    query.peer == nil || $0.source.name == query.peer
                }
                let paths = candidates.map { path in
                    var entry = routePath(path, detail: query.detail)
                    entry.best = path == route.best
                    entry.ecmp = route.ecmp.contains(path)
                    if entry.best { entry.decidedBy = route.paths.count > 1 ? route.decidedBy.description : nil }
                    // Why this node originates it (an own block, a service range, a learned kernel route).
                    if query.detail, path.source.kind == .local { entry.policy = engine.origination(for: route.prefix)?.reason }
                    return entry
                }
                entries.append(RouteEntry(prefix: route.prefix.description, paths: paths))
            }
        case .received:
            guard let peer = query.peer else { return .failure(.peerRequired) }
            guard let received = engine.receivedPaths(from: peer) else { return .failure(.unknownPeer(peer)) }
            let paths = longestOnly(received.filter { wanted($0.prefix) }) { $0.prefix }
            var byPrefix: [(IPPrefix, [RoutePath])] = []
            for path in paths {
                var entry = routePath(path, detail: query.detail)
                if let (accepted, reason) = engine.explainImport(path, from: peer) {
                    if accepted {
                        if query.detail { entry.policy = reason }
                    } else {
                        entry.rejectedBy = reason
                    }
                }
                entry.best = engine.locRIB.best(for: path.prefix).map { $0.source == path.source && $0.pathID == path.pathID } ?? false
                if byPrefix.last?.0 == path.prefix { byPrefix[byPrefix.count - 1].1.append(entry) } else { byPrefix.append((path.prefix, [entry])) }
            }
            total = byPrefix.count
            entries = byPrefix.prefix(limit).map { RouteEntry(prefix: $0.0.description, paths: $0.1) }
        case .advertised:
            guard let peer = query.peer else { return .failure(.peerRequired) }
            guard let advertised = engine.advertisedRoutes(to: peer) else { return .failure(.unknownPeer(peer)) }
            let routes = longestOnly(advertised.filter { wanted($0.prefix) }.sorted { $0.prefix < $1.prefix }) { $0.prefix }
            // `show route PREFIX detail --advertised --peer NAME` for a selected route that is not advertised says
            // why (export policy or the RFC 4271 / RFC 4456 rules).
            if query.detail, routes.isEmpty, let exact, let best = engine.locRIB.best(for: exact),
                let (advertised, reason) = engine.explainExport(best, to: peer), !advertised
            {
                var entry = routePath(best, detail: true)
                entry.rejectedBy = reason
                return .success(RouteReport(routes: [RouteEntry(prefix: exact.description, paths: [entry])], totalPrefixes: 0))
            }
            total = routes.count
            for route in routes.prefix(limit) {
                let paths = route.paths.map { advertisedPath in
                    var entry = routePath(
                        attributes: advertisedPath.attributes.attributes, from: peer, kind: .local,
                        nextHop: outgoingNextHop(advertisedPath.attributes.attributes), linkLocal: nil,
                        pathID: advertisedPath.pathID == 0 ? nil : advertisedPath.pathID, detail: query.detail)
                    entry.best = true
                    return entry
                }
                entries.append(RouteEntry(prefix: route.prefix.description, paths: paths))
            }
        }
        return .success(RouteReport(routes: entries, totalPrefixes: total, truncated: total > entries.count))
    }

    private static func outgoingNextHop(_ attributes: PathAttributes) -> IPAddress? {
        attributes.nextHop ?? attributes.mpReach?.globalNextHop
    }

    static func routePath(_ path: Path, detail: Bool) -> RoutePath {
        let kind: RoutePath.SourceKind =
            switch path.source.kind {
            case .local: .local
            case .internal: .internal
            case .external: .external
            }
        var entry = routePath(
            attributes: path.attributes.attributes, from: path.source.name, kind: kind, nextHop: path.nextHop,
            linkLocal: path.linkLocalNextHop, pathID: path.pathID == 0 ? nil : path.pathID, detail: detail)
        entry.stale = path.stale
        return entry
    }

    static func routePath(
        attributes a: PathAttributes, from: String, kind: RoutePath.SourceKind, nextHop: IPAddress?,
        linkLocal: IPAddress?, pathID: UInt32?, detail: Bool
    ) -> RoutePath {
        RoutePath(
            from: from, sourceKind: kind, nextHop: nextHop?.description ?? "",
            linkLocalNextHop: linkLocal?.description, pathID: pathID, asPath: asPathText(a.asPath),
            origin: a.origin.map(originText) ?? "incomplete", localPreference: a.localPreference,
            multiExitDiscriminator: a.multiExitDiscriminator, communities: (a.communities ?? []).map(\.description),
            largeCommunities: (a.largeCommunities ?? []).map(\.description),
            extendedCommunities: (a.extendedCommunities ?? []).map(\.description),
            originatorID: a.originatorID?.description, clusterList: (a.clusterList ?? []).map(\.description),
            atomicAggregate: a.atomicAggregate, aggregator: a.aggregator?.description,
            unknownAttributes: a.unknown.map { attribute in
                "type \(attribute.code.rawValue) flags 0x\(String(attribute.flags.rawValue, radix: 16))"
                    + (attribute.flags.contains(.partial) ? " partial" : "") + " \(attribute.value.count) bytes"
            })
    }

    static func asPathText(_ path: ASPath?) -> String {
        guard let path else { return "" }
        return path.segments.map { segment in
            let asns = segment.asns.map(String.init).joined(separator: " ")
            switch segment.kind {
            case .sequence: return asns
            case .set: return "{\(asns)}"
            case .confedSequence: return "(\(asns))"
            case .confedSet: return "[\(asns)]"
            }
        }.joined(separator: " ")
    }

    static func originText(_ origin: Origin) -> String {
        switch origin {
        case .igp: "IGP"
        case .egp: "EGP"
        default: "incomplete"
        }
    }
}
