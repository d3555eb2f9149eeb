// SPDX-License-Identifier: Apache-2.0
// Support for the routing scenarios: a shared Ethernet segment for several speakers, Calico v3 resources as YAML,
// BIRD and FRR configured like calico/node's templates (a Calico node that is not Swiftlet), and every speaker's
// routing table read back as values (`birdc show route all`, vtysh JSON, `gobgp global rib -j`,
// `swiftletctl show route --json`).
import Foundation

// MARK: - topology

extension Lab {
    /// One namespace per tag, all on one Ethernet segment: a bridge "br0" in an extra namespace "<id>-lan".
    /// Tag i is host i+1 of link `link` (10.200.<link>.<i+1>/24 on its device "veth0").
    func lan(_ tags: [String], link: Int = 1) throws -> [Namespace] {
        let bridge = try namespace("lan")
        try Shell.check(["ip", "-n", bridge.name, "link", "add", "br0", "type", "bridge"])
        try Shell.check(["ip", "-n", bridge.name, "link", "set", "br0", "up"])
        var result: [Namespace] = []
        for (index, tag) in tags.enumerated() {
            let ns = try namespace(tag)
            let port = "p\(index + 1)"
            try Shell.helper("ns_veth", [ns.name, "veth0", "\(Addr.v4(link, index + 1))/24", bridge.name, port, ""])
            try Shell.check(["ip", "-n", bridge.name, "link", "set", port, "master", "br0"])
            result.append(ns)
        }
        return result
    }
}

// MARK: - Calico resources

/// Calico v3 resources as YAML documents for `SwiftletConfig.resources`.
enum Calico {
    static func node(_ name: String, ipv4: String, asNumber: UInt32? = nil, clusterID: String? = nil) -> String {
        var bgp = ["ipv4Address: \(ipv4)"]
        if let asNumber { bgp.append("asNumber: \(asNumber)") }
        if let clusterID { bgp.append("routeReflectorClusterID: \(clusterID)") }
        return """
            apiVersion: projectcalico.org/v3
            kind: Node
            metadata: {name: \(name)}
            spec: {bgp: {\(bgp.joined(separator: ", "))}}
            """
    }

    static func ipPool(_ name: String, cidr: String, blockSize: Int = 26, nodeSelector: String? = nil) -> String {
        var spec = ["cidr: \(cidr)", "blockSize: \(blockSize)", "ipipMode: Never", "vxlanMode: Never"]
        if let nodeSelector { spec.append("nodeSelector: \"\(nodeSelector)\"") }
        return """
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata: {name: \(name)}
            spec: {\(spec.joined(separator: ", "))}
            """
    }

    /// A confirmed BlockAffinity: `cidr` is `node`'s block (named as Calico IPAM names them).
    static func blockAffinity(node: String, cidr: String) -> String {
        let name = "\(node)-" + cidr.map { $0 == "." || $0 == "/" ? "-" : $0 }.map(String.init).joined()
        return """
            apiVersion: projectcalico.org/v3
            kind: BlockAffinity
            metadata: {name: \(name)}
            spec: {node: \(node), cidr: \(cidr), state: confirmed, deleted: "false"}
            """
    }

    /// A BGPFilter; each rule is a YAML flow mapping such as `{cidr: 0.0.0.0/0, matchOperator: Equal, action: Accept}`.
    static func bgpFilter(_ name: String, importV4: [String] = [], exportV4: [String] = []) -> String {
        var spec: [String] = []
        if !importV4.isEmpty { spec.append("importV4: [\(importV4.joined(separator: ", "))]") }
        if !exportV4.isEmpty { spec.append("exportV4: [\(exportV4.joined(separator: ", "))]") }
        return """
            apiVersion: projectcalico.org/v3
            kind: BGPFilter
            metadata: {name: \(name)}
            spec: {\(spec.joined(separator: ", "))}
            """
    }
}

// MARK: - BIRD

/// A BIRD session in a Calico-style config (`BirdDaemon.calicoConfig`).
struct BirdPeer: Sendable {
    var name: String
    var address: String
    var asNumber: UInt32
    /// `passive on` (calico/node: towards every mesh peer whose address text is greater than ours).
    var passive: Bool = false
    /// `rr client` with the config's cluster ID.
    var rrClient: Bool = false
}

/// One route of `birdc show route all`: the protocol it came from and its attributes ("BGP.next_hop" → "10.0.0.1").
struct BirdRoute: Sendable, CustomStringConvertible {
    var prefix: String
    var protocolName: String
    var attributes: [String: String]
    var text: String

    var nextHop: String? { attributes["BGP.next_hop"] }
    var originatorID: String? { attributes["BGP.originator_id"] }
    /// The CLUSTER_LIST in order (BIRD prints it space-separated).
    var clusterList: [String] { (attributes["BGP.cluster_list"] ?? "").split(separator: " ").map(String.init) }
    var asPath: String { attributes["BGP.as_path"] ?? "" }
    var description: String { text }
}

extension BirdDaemon {
    /// A node configured like calico/node's `bird.cfg.template` (BIRD 2 syntax): `protocol direct` so recursive
    /// next hops resolve, the node's blocks as static blackholes, and one session per peer from a template with
    /// `multihop`, `gateway recursive`, `import all`, `add paths on`, `graceful restart` and an export filter that
    /// lets only `pool` out (`calico_export_to_bgp_peers` reduced to one pool). Timers are short for the lab.
    static func calicoConfig(
        routerID: String, asNumber: UInt32 = 64512, peers: [BirdPeer], blocks: [String], pool: String,
        clusterID: String? = nil, exportAll: Bool = false
    ) -> String {
        let statics = blocks.map { "    route \($0) blackhole;" }.joined(separator: "\n")
        var text = """
            router id \(routerID);
            protocol device {}
            protocol direct { ipv4; interface "veth*"; }
            protocol static blocks {
                ipv4;
            \(statics)
            }
            filter calico_export_to_bgp_peers {
                \(exportAll ? "accept;" : "")
                if ( net ~ \(pool) ) then { accept; }
                reject;
            }
            template bgp bgp_template {
                local as \(asNumber);
                multihop;
                hold time 9;
                keepalive time 3;
                connect delay time 1;
                connect retry time 2;
                error wait time 1, 4;
                graceful restart;
                ipv4 {
                    gateway recursive;
                    import all;
                    export filter calico_export_to_bgp_peers;
                    add paths on;
                };
            }

            """
        for peer in peers {
            text += """
                protocol bgp \(peer.name) from bgp_template {
                    local \(routerID) as \(asNumber);
                    neighbor \(peer.address) as \(peer.asNumber);
                    \(peer.passive ? "passive on;" : "")
                    \(peer.rrClient ? "rr client;" : "")
                    \(peer.rrClient && clusterID != nil ? "rr cluster id \(clusterID!);" : "")
                }

                """
        }
        return text
    }

    /// Every route of `show route all [ARGS…]` (all of them, not only the best per prefix).
    func routes(_ arguments: [String] = []) throws -> [BirdRoute] {
        Self.parseRoutes(try birdc(["show", "route", "all"] + arguments))
    }

    /// Parses BIRD 2's `show route all`: a route line ("PREFIX  unicast [PROTO TIME …] * (100) [i]", the prefix
    /// column blank for further routes of the same prefix), then tab-indented lines ("\tBGP.next_hop: 10.0.0.1").
    static func parseRoutes(_ output: String) -> [BirdRoute] {
        var result: [BirdRoute] = []
        var prefix = ""
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("\t") {
                guard !result.isEmpty else { continue }
                result[result.count - 1].text += "\n" + line
                let body = line.dropFirst()
                if let colon = body.range(of: ":") {
                    let key = body[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)
                    let value = body[colon.upperBound...].trimmingCharacters(in: .whitespaces)
                    result[result.count - 1].attributes[key] = value
                }
                continue
            }
            guard let open = line.firstIndex(of: "[") else { continue }  // "BIRD … ready.", "Table master4:"
            if let first = line.first, !first.isWhitespace {
                prefix = String(line.split(separator: " ").first ?? "")
            }
            let proto = line[line.index(after: open)...].split(separator: " ").first.map(String.init) ?? ""
            result.append(BirdRoute(prefix: prefix, protocolName: proto, attributes: [:], text: String(line)))
        }
        return result
    }
}

// MARK: - FRR

/// An FRR session in a Calico-style config (`FRRDaemon.calicoConfig`).
struct FRRPeer: Sendable {
    var address: String
    var asNumber: UInt32
    var passive: Bool = false
    var rrClient: Bool = false
}

extension FRRDaemon {
    /// A Calico-like node in FRR: `network` statements for its blocks (`no bgp network import-check` stands in for
    /// the blackhole routes, as no staticd runs), an outbound route-map that lets only `exportPrefixes` out (`le 32`:
    /// anything inside them; nil exports everything), short timers, advertisement interval 0.
    static func calicoConfig(
        routerID: String, asNumber: UInt32, localAddress: String, peers: [FRRPeer], networks: [String],
        exportPrefixes: [String]?, clusterID: String? = nil
    ) -> String {
        var text = """
            frr defaults traditional
            hostname frr
            log stdout informational

            """
        if let exportPrefixes {
            for (index, prefix) in exportPrefixes.enumerated() {
                text += "ip prefix-list CALICO_EXPORT seq \(5 * (index + 1)) permit \(prefix) le 32\n"
            }
            text += "route-map CALICO_EXPORT permit 10\n match ip address prefix-list CALICO_EXPORT\n"
        }
        text += """
            router bgp \(asNumber)
             bgp router-id \(routerID)
             no bgp ebgp-requires-policy
             no bgp network import-check

            """
        if let clusterID { text += " bgp cluster-id \(clusterID)\n" }
        for peer in peers {
            text += " neighbor \(peer.address) remote-as \(peer.asNumber)\n"
            text += " neighbor \(peer.address) timers 3 9\n"
            text += " neighbor \(peer.address) timers connect 2\n"
            text += " neighbor \(peer.address) advertisement-interval 0\n"
            text += " neighbor \(peer.address) update-source \(localAddress)\n"
            if peer.passive { text += " neighbor \(peer.address) passive\n" }
        }
        text += " address-family ipv4 unicast\n"
        for network in networks { text += "  network \(network)\n" }
        for peer in peers {
            text += "  neighbor \(peer.address) activate\n"
            if exportPrefixes != nil { text += "  neighbor \(peer.address) route-map CALICO_EXPORT out\n" }
            if peer.rrClient { text += "  neighbor \(peer.address) route-reflector-client\n" }
        }
        text += " exit-address-family\n"
        return text
    }

    /// `show bgp ipv4 unicast json` (or `… neighbors ADDR routes json` with `receivedFrom`): prefix → its paths.
    func bgpRoutes(receivedFrom neighbor: String? = nil) throws -> [String: [[String: Any]]] {
        let command =
            neighbor.map { "show bgp ipv4 unicast neighbors \($0) routes json" } ?? "show bgp ipv4 unicast json"
        let text = try vtysh(command)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HarnessError("\(label): not JSON from `\(command)`: \(text)")
        }
        let routes = object["routes"] as? [String: Any] ?? [:]
        return routes.compactMapValues { $0 as? [[String: Any]] }
    }

    /// `show bgp ipv4 unicast PREFIX json`: every path of one prefix in detail (originatorId, clusterList, …).
    func bgpPaths(_ prefix: String) throws -> [[String: Any]] {
        let text = try vtysh("show bgp ipv4 unicast \(prefix) json")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["paths"] as? [[String: Any]] ?? []
    }

    /// The next hop's address of a path from `show bgp … json`.
    static func nextHop(_ path: [String: Any]) -> String? {
        (path["nexthops"] as? [[String: Any]])?.first?["ip"] as? String
    }

    /// The CLUSTER_LIST of a detailed path (`"clusterList": {"list": [...]}`).
    static func clusterList(_ path: [String: Any]) -> [String] {
        (path["clusterList"] as? [String: Any])?["list"] as? [String] ?? []
    }

    /// The AS path of a path, in either JSON form (`"path": "64512"` or `"aspath": {"string": "64512"}`).
    static func asPath(_ path: [String: Any]) -> String? {
        if let text = path["path"] as? String { return text }
        return (path["aspath"] as? [String: Any])?["string"] as? String
    }

    func describeRoutes() -> String { (try? vtysh("show bgp ipv4 unicast")) ?? "" }
}

// MARK: - GoBGP

/// One path of `gobgp global rib -j`, its attributes picked out.
struct GoBGPPath: Sendable, CustomStringConvertible {
    var prefix: String
    var neighbor: String
    var nextHop: String?
    var originatorID: String?
    var clusterList: [String]
    var asPath: [UInt32]
    /// Attributes GoBGP does not know: type → (flags, value).
    var unknown: [Int: (flags: Int, value: [UInt8])]
    var json: String

    var description: String { json }
}

extension GoBGPDaemon {
    /// Every path of the global IPv4 RIB.
    func rib() throws -> [GoBGPPath] {
        let text = try gobgp(["global", "rib", "-a", "ipv4", "-j"])
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.contains("null") { return [] }
            throw HarnessError("\(label): not JSON from `global rib -j`: \(text)")
        }
        var result: [GoBGPPath] = []
        for (prefix, value) in object {
            for path in value as? [[String: Any]] ?? [] {
                var entry = GoBGPPath(
                    prefix: prefix, neighbor: path["neighbor-ip"] as? String ?? "", clusterList: [], asPath: [],
                    unknown: [:],
                    json: String(decoding: (try? JSONSerialization.data(withJSONObject: path)) ?? Data(), as: UTF8.self)
                )
                for attribute in path["attrs"] as? [[String: Any]] ?? [] {
                    let type = attribute["type"] as? Int ?? -1
                    switch type {
                    case 2:
                        for segment in attribute["as_paths"] as? [[String: Any]] ?? [] {
                            entry.asPath += (segment["asns"] as? [Int] ?? []).map { UInt32($0) }
                        }
                    case 3: entry.nextHop = attribute["nexthop"] as? String
                    case 9: entry.originatorID = attribute["value"] as? String
                    case 10: entry.clusterList = attribute["value"] as? [String] ?? []
                    default:
                        if let flags = attribute["flags"] as? Int, let value = attribute["value"] as? String {
                            entry.unknown[type] = (flags, Array(Data(base64Encoded: value) ?? Data()))
                        }
                    }
                }
                result.append(entry)
            }
        }
        return result.sorted { ($0.prefix, $0.neighbor) < ($1.prefix, $1.neighbor) }
    }

    /// `gobgp global rib -a ipv4 add PREFIX nexthop ADDR`: originates a route.
    func announce(_ prefix: String, nextHop: String) throws {
        let output = try gobgp(["global", "rib", "-a", "ipv4", "add", prefix, "nexthop", nextHop, "origin", "igp"])
        if !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw HarnessError("\(label): `global rib add \(prefix)`: \(output)")
        }
    }

    /// `gobgp global rib -a ipv4 del PREFIX`: withdraws a route `announce` originated.
    func withdraw(_ prefix: String) throws {
        let output = try gobgp(["global", "rib", "-a", "ipv4", "del", prefix])
        if !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw HarnessError("\(label): `global rib del \(prefix)`: \(output)")
        }
    }

    func describeRoutes() -> String { (try? gobgp(["global", "rib", "-a", "ipv4"])) ?? "" }
}

// MARK: - swiftletd

/// One path of `swiftletctl show route … --json` (ControlProtocol's RoutePath, only the fields scenarios read).
struct SwiftletPath: Decodable, Sendable {
    var best: Bool
    var from: String
    var sourceKind: String
    var nextHop: String
    var asPath: String
    var originatorID: String?
    var clusterList: [String]?
    var unknownAttributes: [String]?
    var rejectedBy: String?
    var policy: String?
}

struct SwiftletRoute: Decodable, Sendable {
    var prefix: String
    var paths: [SwiftletPath]
}

extension SwiftletDaemon {
    private struct RouteResponse: Decodable {
        struct Report: Decodable { var routes: [SwiftletRoute] }
        struct Failure: Decodable {
            var code: String
            var message: String
        }
        var route: Report?
        var error: Failure?
    }

    /// `swiftletctl show route ARGS… --json`, decoded. Throws if the command or the daemon reports an error.
    func routes(_ arguments: [String] = []) throws -> [SwiftletRoute] {
        let result = try ctl(["show", "route"] + arguments + ["--json"])
        guard result.ok else { throw HarnessError("show route \(arguments.joined(separator: " ")): \(result.output)") }
        for line in result.stdout.split(separator: "\n") {
            guard let response = try? JSONDecoder().decode(RouteResponse.self, from: Data(line.utf8)) else { continue }
            if let report = response.route { return report.routes }
            if let error = response.error { throw HarnessError("show route: \(error.code): \(error.message)") }
        }
        throw HarnessError("show route \(arguments.joined(separator: " ")): no route report in \(result.stdout)")
    }

    /// The text form of `show route all`, for failure messages.
    func describeRoutes() -> String {
        let text = (try? ctl(["show", "route", "all"]))?.output ?? ""
        let protocols = (try? ctl(["show", "protocols"]))?.output ?? ""
        return protocols + "\n" + text
    }
}
