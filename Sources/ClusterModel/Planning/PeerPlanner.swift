// SPDX-License-Identifier: Apache-2.0
// Which sessions one node keeps, computed from Calico resources the way calico/node's confd does it, so a cluster
// moving from BIRD keeps the same peerings, names and connection directions:
// - the full mesh (`bird.cfg.template`, "Node-to-node mesh"): one `Mesh_<ip>` per other node with an address of the
//   family, skipping ourselves and route reflectors, and skipped entirely on a route reflector;
// - BGPPeer resources (confd `client.go` `updatePeersV1`): global peers first (`Global_<ip>`), then node-specific
//   ones (`Node_<ip>`) unless a global peering already covers the address, then the reverse peerings a selector or a
//   peerIP naming a Calico node implies;
// - BGPPeer `filters`, resolved to BGPFilter values in the order listed (a name with no BGPFilter is an error);
// - BGPPeer `peerIPRange` (a Swiftlet extension): dynamic neighbor ranges (`PeerPlanner+DynamicNeighbors.swift`);
// - IP pools, block affinities and service ranges: the routes the node originates and its export scope
//   (`PeerPlanner+Routes.swift`).

import BGPPolicy
import BGPWire

/// Plans a node's `DaemonConfiguration` from resources. Pure: secrets come from the caller.
public enum PeerPlanner {
    /// Where nodes' blocks come from.
    public enum BlockSource: Hashable, Sendable {
        /// BlockAffinity resources, and for nodes without any the deterministic rule of `BlockAssignment` (a config
        /// file: nothing can coordinate claims).
        case affinitiesOrRule
        /// BlockAffinity resources only (the etcd datastore, where every node claims its own blocks): a node without
        /// an affinity has no block yet, rather than one the rule would give it and IPAM may give to another node.
        case affinitiesOnly
    }

    public static func plan(
        resources: [Resource], nodeName: String, blockSource: BlockSource = .affinitiesOrRule,
        secrets: (SecretReference) -> String?
    ) -> Result<DaemonConfiguration, ConfigErrors> {
        var planner = Planning(resources: resources, nodeName: nodeName)
        planner.blockSource = blockSource
        return planner.run(secrets: secrets)
    }

    /// Calico's mesh direction rule. calico/node `confd/etc/calico/confd/templates/bird.cfg.template` (mesh section):
    ///
    ///     {{if gt $onode_ip $node_ip}}
    ///     passive on; # Mesh is unidirectional, peer will connect to us.
    ///
    /// Go's `gt` on strings compares bytes, so the node whose address *text* is smaller waits, and the larger one
    /// connects (`10.0.0.10` < `10.0.0.9` as text).
    public static func meshIsPassive(local: IPAddress, remote: IPAddress) -> Bool {
        let remoteText = Array(remote.description.utf8)
        return Array(local.description.utf8).lexicographicallyPrecedes(remoteText)
    }
}

/// The state of one planning run.
struct Planning {
    let resources: [Resource]
    let nodeName: String
    var errors: [ConfigError] = []
    var notes: [String] = []
    var nodes: [String: NodeResource] = [:]
    var clusterConfig: BGPConfigurationResource?
    var nodeConfigs: [String: BGPConfigurationResource] = [:]
    var bgpPeers: [BGPPeerResource] = []
    var bgpFilters: [String: BGPFilterResource] = [:]
    var ipPools: [IPPoolResource] = []
    var blockAffinities: [BlockAffinityResource] = []
    /// Resolved `BGPPeer.spec.password` per resource name (`nil` when unset or missing).
    var passwordCache: [String: String?] = [:]
    /// Resolved `BGPPeer.spec.filters` per resource name.
    var filterCache: [String: [BGPFilter]] = [:]

    var blockSource = PeerPlanner.BlockSource.affinitiesOrRule

    init(resources: [Resource], nodeName: String) {
        self.resources = resources
        self.nodeName = nodeName
        for resource in resources {
            for field in resource.metadata.ignoredFields {
                notes.append("\(resource.metadata.fieldPath(kind: resource.kind, field)): accepted, not acted on yet")
            }
            switch resource {
            case .node(let node): nodes[node.metadata.name] = node
            case .bgpFilter(let filter): bgpFilters[filter.metadata.name] = filter
            case .bgpPeer(let peer): bgpPeers.append(peer)
            case .ipPool(let pool): ipPools.append(pool)
            case .blockAffinity(let affinity): blockAffinities.append(affinity)
            case .bgpConfiguration(let config):
                switch config.scope {
                case .cluster: clusterConfig = config
                case .node(let name): nodeConfigs[name] = config
                case nil: break
                }
            case .ignored(let other):
                notes.append("\(other.kind)(\(other.metadata.name)): \(other.kind) resources are not acted on yet")
            }
        }
        bgpPeers.sort { $0.metadata.name < $1.metadata.name }
        ipPools.sort { $0.metadata.name < $1.metadata.name }
        blockAffinities.sort { $0.metadata.name < $1.metadata.name }
    }

    /// The default hold, keepalive and connect-retry times for this node's sessions.
    struct Timers {
        var hold: UInt16
        var keepalive: UInt16?
        var connectRetry: UInt16
    }

    /// What the planner knows about this node while building sessions.
    struct Local {
        var node: NodeResource
        var bgp: NodeResource.BGP
        var routerID: IPAddress
        var localAS: UInt32
        var timers: Timers
        /// BGPConfiguration `bfd` for this node (`node.<name>` over `default`).
        var bfd: BFDConfig?
        /// BGPConfiguration `longLivedGracefulRestart` for this node (`node.<name>` over `default`).
        var longLivedGracefulRestart: LongLivedGracefulRestartConfig?
    }

    var globalAS: UInt32 { clusterConfig?.spec.asNumber ?? BGPConfigurationResource.defaultASNumber }

    func asNumber(of node: NodeResource) -> UInt32 { node.bgp?.asNumber ?? globalAS }

    /// The port a Calico node listens on, when configured (node override, else cluster-wide).
    func configuredListenPort(of nodeName: String) -> UInt16? {
        nodeConfigs[nodeName]?.spec.listenPort ?? clusterConfig?.spec.listenPort
    }

    mutating func run(secrets: (SecretReference) -> String?) -> Result<DaemonConfiguration, ConfigErrors> {
        guard let node = nodes[nodeName] else {
            let file = resources.first?.metadata.location.file ?? ""
            let known = nodes.keys.sorted()
            let list = known.isEmpty ? "there are no Node resources" : "known nodes: \(known.joined(separator: ", "))"
            return .failure(ConfigErrors([
                ConfigError(
                    at: .file(file), field: "\(NodeResource.kind)(\(nodeName))",
                    message: "no Node resource is named \"\(nodeName)\" (\(list))")
            ]))
        }
        guard let bgp = node.bgp, let routerID = bgp.ipv4Address?.address else {
            return .failure(ConfigErrors([
                node.metadata.error(
                    kind: NodeResource.kind, field: "spec.bgp.ipv4Address",
                    "required for this node: its IPv4 address is the BGP router ID")
            ]))
        }
        let nodeConfig = nodeConfigs[nodeName]
        let timers = Timers(
            hold: nodeConfig?.spec.holdTime ?? clusterConfig?.spec.holdTime ?? PeerSpec.defaultHoldTime,
            keepalive: nodeConfig?.spec.keepaliveTime ?? clusterConfig?.spec.keepaliveTime,
            connectRetry: nodeConfig?.spec.connectRetryTime ?? clusterConfig?.spec.connectRetryTime
                ?? PeerSpec.defaultConnectRetryTime)
        let local = Local(
            node: node, bgp: bgp, routerID: routerID, localAS: asNumber(of: node), timers: timers,
            bfd: BFDConfig.merged([clusterConfig?.spec.bfd, nodeConfig?.spec.bfd]),
            longLivedGracefulRestart: LongLivedGracefulRestartConfig.merged([
                clusterConfig?.spec.longLivedGracefulRestart, nodeConfig?.spec.longLivedGracefulRestart,
            ]))

        var peers: [String: (PeerSpec, origin: String)] = [:]
        func add(_ peer: PeerSpec, origin: String, errorAt: () -> ConfigError) {
            if let existing = peers[peer.name] {
                if existing.0 != peer {
                    var error = errorAt()
                    error.message = "peering \(peer.name) conflicts with the one from \(existing.origin)"
                    errors.append(error)
                }
                return
            }
            peers[peer.name] = (peer, origin)
        }
        for (peer, other) in meshPeers(local, secrets: secrets) {
            add(peer, origin: "the node-to-node mesh") {
                other.metadata.error(kind: NodeResource.kind, field: "spec.bgp", "")
            }
        }
        for (peer, resource) in explicitPeers(local, secrets: secrets) {
            add(peer, origin: resource.metadata.fieldPath(kind: BGPPeerResource.kind, "")) {
                resource.metadata.error(kind: BGPPeerResource.kind, field: "spec", "")
            }
        }
        for (peer, _) in peers.values where peer.holdTime != 0 && (peer.keepaliveTime ?? 0) > peer.holdTime {
            notes.append("\(peer.name): keepalive time \(peer.keepaliveTime!)s exceeds hold time \(peer.holdTime)s")
        }
        let dynamicNeighbors = dynamicNeighborRanges(local, secrets: secrets)
        let routes = plannedRoutes(local)
        guard errors.isEmpty else { return .failure(ConfigErrors(errors)) }

        let bindMode = nodeConfig?.spec.bindMode ?? clusterConfig?.spec.bindMode ?? .none
        let listenAddress =
            nodeConfig?.spec.listenAddress ?? clusterConfig?.spec.listenAddress ?? (bindMode == .nodeIP ? routerID : nil)
        var configuration =
            DaemonConfiguration(
                nodeName: nodeName, routerID: routerID, localAS: local.localAS, listenAddress: listenAddress,
                listenPort: configuredListenPort(of: nodeName) ?? BGPConfigurationResource.defaultListenPort,
                peers: peers.values.map(\.0).sorted { $0.name < $1.name },
                routeReflectorClusterID: bgp.routeReflectorClusterID,
                logSeverity: nodeConfig?.spec.logSeverityScreen ?? clusterConfig?.spec.logSeverityScreen ?? .info,
                notes: notes, originated: routes.originated, exportScope: routes.exportScope,
                communityAdvertisements: routes.communityAdvertisements, dynamicNeighbors: dynamicNeighbors,
                ipPools: ipPools, ipv6Address: bgp.address(.ipv6))
        configuration.kernel = kernelSettings(nodeConfig: nodeConfig)
        configuration.nodeSubnets = [bgp.ipv4Address?.subnet, bgp.ipv6Address?.subnet].compactMap { $0 }
        configuration.tunnelEndpoints = tunnelEndpoints(assignment: routes.assignment)
        return .success(configuration)
    }

    /// The node's BGPConfiguration field by field over `default`'s, over the defaults.
    func kernelSettings(nodeConfig: BGPConfigurationResource?) -> KernelSettings {
        let specs = [nodeConfig?.spec, clusterConfig?.spec].compactMap { $0 }
        func pick<T>(_ field: (BGPConfigurationResource.Spec) -> T?) -> T? { specs.lazy.compactMap(field).first }
        var settings = KernelSettings()
        if let v = pick({ $0.programClusterRoutes }) { settings.programClusterRoutes = v }
        if let v = pick({ $0.ipv4NormalRoutePriority }) { settings.ipv4NormalRoutePriority = v }
        if let v = pick({ $0.ipv6NormalRoutePriority }) { settings.ipv6NormalRoutePriority = v }
        if let v = pick({ $0.kernel.programRoutes }) { settings.programRoutes = v }
        if let v = pick({ $0.kernel.routeProtocol }) { settings.routeProtocol = v }
        if let v = pick({ $0.kernel.table }) { settings.table = v }
        if let v = pick({ $0.kernel.ipipDevice }) { settings.ipipDevice = v }
        if let v = pick({ $0.kernel.manageIPIPDevice }) { settings.manageIPIPDevice = v }
        if let v = pick({ $0.kernel.ipipFallback }) { settings.ipipFallback = v }
        if let v = pick({ $0.kernel.ipipMTU }) { settings.ipipMTU = v }
        if let v = pick({ $0.kernel.vxlanDevice }) { settings.vxlanDevice = v }
        if let v = pick({ $0.kernel.vxlanVNI }) { settings.vxlanVNI = v }
        if let v = pick({ $0.kernel.vxlanPort }) { settings.vxlanPort = v }
        if let v = pick({ $0.kernel.manageVXLANDevice }) { settings.manageVXLANDevice = v }
        if let v = pick({ $0.kernel.vxlanMTU }) { settings.vxlanMTU = v }
        if let v = pick({ $0.kernel.staleRouteSweepTime }) { settings.staleRouteSweepTime = v }
        return settings
    }

    // MARK: Mesh

    mutating func meshPeers(_ local: Local, secrets: (SecretReference) -> String?) -> [(PeerSpec, NodeResource)] {
        guard clusterConfig?.spec.nodeToNodeMeshEnabled ?? true else { return [] }
        // bird.cfg.template: "This node is configured as a route reflector …; ignore node-to-node mesh setting."
        guard local.bgp.routeReflectorClusterID == nil else { return [] }
        var password: String?
        if let config = clusterConfig, let reference = config.spec.nodeMeshPassword {
            password = resolve(
                reference, kind: BGPConfigurationResource.kind, metadata: config.metadata,
                field: "spec.nodeMeshPassword.secretKeyRef", secrets: secrets)
        }
        var result: [(PeerSpec, NodeResource)] = []
        for other in nodes.values.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            guard other.metadata.name != nodeName, let otherBGP = other.bgp,
                otherBGP.routeReflectorClusterID == nil
            else { continue }
            for family in [IPAddress.Family.ipv4, .ipv6] {
                guard let ours = local.bgp.address(family), let theirs = otherBGP.address(family), ours != theirs
                else { continue }
                let peer = PeerSpec(
                    name: PeerSpec.protocolName(prefix: "Mesh", address: theirs), address: theirs,
                    port: configuredListenPort(of: other.metadata.name) ?? BGPConfigurationResource.defaultListenPort,
                    remoteAS: asNumber(of: other), localAS: local.localAS,
                    passive: PeerPlanner.meshIsPassive(local: ours, remote: theirs), holdTime: local.timers.hold,
                    keepaliveTime: local.timers.keepalive, connectRetryTime: local.timers.connectRetry,
                    password: password, sourceAddress: ours,
                    families: families(for: theirs, local: local.bgp, remote: otherBGP),
                    gracefulRestartTime: clusterConfig?.spec.nodeMeshMaxRestartTime,
                    bfd: bfdSettings(local.bfd, peer: theirs, local: local, multihopTTL: nil),
                    longLivedStaleTimes: local.longLivedGracefulRestart?.staleTimes(
                        for: families(for: theirs, local: local.bgp, remote: otherBGP)) ?? [:])
                result.append((peer, other))
            }
        }
        return result
    }

    // MARK: BGPPeer resources

    /// The side of a BGPPeer that names local nodes: `node`, `nodeSelector`, or every node.
    func localSideMatches(_ resource: BGPPeerResource, _ node: NodeResource) -> Bool {
        if let name = resource.spec.node { return name == node.metadata.name }
        if let selector = resource.spec.nodeSelector { return selector.matches(node.metadata.labels) }
        return true
    }

    /// Remote Calico nodes a BGPPeer's remote side names, with the families to peer over.
    func remoteNodes(of resource: BGPPeerResource) -> [(NodeResource, [IPAddress.Family])] {
        let sorted = nodes.values.sorted { $0.metadata.name < $1.metadata.name }
        if let selector = resource.spec.peerSelector {
            return sorted.filter { selector.matches($0.metadata.labels) }.map { ($0, [.ipv4, .ipv6]) }
        }
        // confd `nodesWithIPPortAndAS`: a peerIP that is a Calico node's address, with that node's AS.
        guard let peerIP = resource.spec.peerIP else { return [] }
        return sorted.filter { node in
            guard let bgp = node.bgp, bgp.address(peerIP.address.family) == peerIP.address,
                resource.spec.asNumber ?? globalAS == asNumber(of: node)
            else { return false }
            if let port = peerIP.port, let nodePort = configuredListenPort(of: node.metadata.name) {
                return port == nodePort
            }
            return true
        }.map { ($0, [peerIP.address.family]) }
    }

    mutating func explicitPeers(
        _ local: Local, secrets: (SecretReference) -> String?
    ) -> [(PeerSpec, BGPPeerResource)] {
        var result: [(PeerSpec, BGPPeerResource)] = []
        var globalAddresses: Set<PeerAddress> = []
        for resource in bgpPeers {
            _ = filters(resource)  // every name is checked, also on peerings this node does not keep
            for (field, selector) in [("spec.nodeSelector", resource.spec.nodeSelector), ("spec.peerSelector", resource.spec.peerSelector)]
            where selector?.isSupported == false {
                notes.append(
                    "\(resource.metadata.fieldPath(kind: BGPPeerResource.kind, field)): selector \"\(selector!.text)\" "
                        + "uses syntax Swiftlet does not evaluate yet (supported: all(), has(k), !has(k), k == 'v', "
                        + "k != 'v', k in {'v', …}, k not in {'v', …}, joined by &&); it matches no node")
            }
        }
        // Forward peerings, global resources first (confd's `globalPass`).
        for globalPass in [true, false] {
            for resource in bgpPeers where resource.spec.isGlobal == globalPass && localSideMatches(resource, local.node) {
                let prefix = globalPass ? "Global" : "Node"
                var targets: [(PeerAddress, explicitPort: UInt16?, remoteAS: UInt32, remote: NodeResource.BGP?)] = []
                if resource.spec.peerSelector != nil {
                    for (node, families) in remoteNodes(of: resource) where node.metadata.name != nodeName {
                        for family in families {
                            guard let address = node.bgp?.address(family), local.bgp.address(family) != nil else { continue }
                            let port = configuredListenPort(of: node.metadata.name)
                            targets.append((PeerAddress(address: address, port: port), port, asNumber(of: node), node.bgp))
                        }
                    }
                } else if let peerIP = resource.spec.peerIP, let remoteAS = resource.spec.asNumber {
                    // bird.cfg.template: "Skipping ourselves".
                    guard local.bgp.address(peerIP.address.family) != peerIP.address else { continue }
                    var port = peerIP.port
                    let calicoNode = remoteNodes(of: resource).first
                    if port == nil, let calicoNode { port = configuredListenPort(of: calicoNode.0.metadata.name) }
                    targets.append((PeerAddress(address: peerIP.address, port: port), port, remoteAS, calicoNode?.0.bgp))
                }
                for target in targets {
                    if globalPass {
                        globalAddresses.insert(target.0)
                    } else if globalAddresses.contains(target.0) {
                        continue  // confd: node-specific peerings never duplicate a global one
                    }
                    let name = PeerSpec.protocolName(prefix: prefix, address: target.0.address, explicitPort: target.explicitPort)
                    let peer = makePeer(
                        name: name, to: target.0, remoteAS: target.remoteAS, remote: target.remote, resource: resource,
                        local: local, password: password(resource, secrets: secrets), filters: filters(resource))
                    result.append((peer, resource))
                }
            }
        }
        // Reverse peerings (confd "add in any missing reverse peerings"): this node is on the remote side.
        for resource in bgpPeers {
            let asRemote = remoteNodes(of: resource).first { $0.0.metadata.name == nodeName }
            guard let (_, families) = asRemote else { continue }
            for other in nodes.values.sorted(by: { $0.metadata.name < $1.metadata.name })
            where other.metadata.name != nodeName && localSideMatches(resource, other) {
                for family in families {
                    guard let address = other.bgp?.address(family), local.bgp.address(family) != nil else { continue }
                    let port = configuredListenPort(of: other.metadata.name)
                    let target = PeerAddress(address: address, port: port)
                    guard !globalAddresses.contains(target) else { continue }
                    let peer = makePeer(
                        name: PeerSpec.protocolName(prefix: "Node", address: address, explicitPort: port), to: target,
                        remoteAS: asNumber(of: other), remote: other.bgp, resource: resource, local: local,
                        password: password(resource, secrets: secrets), filters: filters(resource))
                    result.append((peer, resource))
                }
            }
        }
        return result
    }

    /// The resolved password of a BGPPeer, read once per resource.
    mutating func password(_ resource: BGPPeerResource, secrets: (SecretReference) -> String?) -> String? {
        guard let reference = resource.spec.password else { return nil }
        if let cached = passwordCache[resource.metadata.name] { return cached }
        let value = resolve(
            reference, kind: BGPPeerResource.kind, metadata: resource.metadata, field: "spec.password.secretKeyRef",
            secrets: secrets)
        passwordCache[resource.metadata.name] = value
        return value
    }

    /// The BGPFilters a BGPPeer names, in order; each missing name is an error, reported once.
    mutating func filters(_ resource: BGPPeerResource) -> [BGPFilter] {
        if let cached = filterCache[resource.metadata.name] { return cached }
        var result: [BGPFilter] = []
        for (index, name) in resource.spec.filters.enumerated() {
            if let filter = bgpFilters[name] {
                result.append(filter.filter)
            } else {
                // confd skips a missing filter silently (`GetValue` fails, nothing is rendered); a typo here
                // would silently drop a policy, so Swiftlet refuses it.
                let known = bgpFilters.keys.sorted()
                let list = known.isEmpty ? "there are no BGPFilter resources" : "known: \(known.joined(separator: ", "))"
                errors.append(
                    resource.metadata.error(
                        kind: BGPPeerResource.kind, field: "spec.filters[\(index)]",
                        "no BGPFilter is named \"\(name)\" (\(list))"))
            }
        }
        filterCache[resource.metadata.name] = result
        return result
    }

    func makePeer(
        name: String, to target: PeerAddress, remoteAS: UInt32, remote: NodeResource.BGP?, resource: BGPPeerResource,
        local: Local, password: String?, filters: [BGPFilter]
    ) -> PeerSpec {
        let spec = resource.spec
        let localAS = spec.localASNumber ?? local.localAS
        let family = target.address.family
        let sourceAddress = (spec.sourceAddress ?? .useNodeIP) == .useNodeIP ? local.bgp.address(family) : nil
        // bird.cfg.template: `rr client` when we have a cluster ID, the peer is in our AS and not in our cluster.
        let ourCluster = local.bgp.routeReflectorClusterID
        let isClient = ourCluster != nil && remoteAS == localAS && remote?.routeReflectorClusterID != ourCluster
        return PeerSpec(
            name: name, address: target.address, port: target.port ?? BGPConfigurationResource.defaultListenPort,
            remoteAS: remoteAS, localAS: localAS, passive: spec.passive ?? false,
            holdTime: spec.holdTime ?? local.timers.hold, keepaliveTime: spec.keepaliveTime ?? local.timers.keepalive,
            connectRetryTime: spec.connectRetryTime ?? local.timers.connectRetry, delayOpenTime: spec.delayOpenTime,
            password: password, sourceAddress: sourceAddress, ttlSecurityHops: spec.ttlSecurity,
            multihopTTL: spec.multihop, families: families(for: target.address, local: local.bgp, remote: remote),
            gracefulRestartTime: spec.maxRestartTime, keepOriginalNextHop: spec.keepOriginalNextHop,
            allowedLocalASNumbers: spec.numAllowedLocalASNumbers, reachableBy: spec.reachableBy,
            routeReflectorClient: isClient, filters: filters, nextHopMode: spec.nextHopMode,
            maximumPrefixes: spec.maxPrefixes,
            bfd: bfdSettings(
                BFDConfig.merged([local.bfd, spec.bfd]), peer: target.address, local: local, multihopTTL: spec.multihop),
            longLivedStaleTimes: LongLivedGracefulRestartConfig.merged([local.longLivedGracefulRestart, spec.longLivedGracefulRestart])?
                .staleTimes(for: families(for: target.address, local: local.bgp, remote: remote)) ?? [:])
    }

    // MARK: Helpers

    /// BFD for a session to `peer`, with `multihop` decided when the config left it open: RFC 5881 single hop when
    /// the peer is in the subnet of this node's address of its family (one link away, no `multihop` TTL), RFC 5883
    /// multihop otherwise (a node in another subnet, a ToR reached through a gateway).
    func bfdSettings(_ config: BFDConfig?, peer: IPAddress, local: Local, multihopTTL: UInt8?) -> BFDSettings? {
        guard var settings = config?.resolved else { return nil }
        if settings.multihop == nil {
            let onLink = local.bgp.interfaceAddress(peer.family)?.subnet.contains(peer) ?? false
            settings.multihop = !(onLink && (multihopTTL ?? 1) <= 1)
        }
        return settings
    }

    /// The peer address's family, plus the other family when this node has an address for it, unless the remote is
    /// a Calico node that has an address of that family too (it then gets a session of its own, as with BIRD's
    /// separate bird/bird6 sessions, and carrying the family twice would double every route).
    func families(for address: IPAddress, local: NodeResource.BGP, remote: NodeResource.BGP?) -> [AddressFamily] {
        let own: IPAddress.Family = address.family
        let other: IPAddress.Family = own == .ipv4 ? .ipv6 : .ipv4
        var result = [Self.unicast(own)]
        if local.address(other) != nil && remote?.address(other) == nil {
            result.append(Self.unicast(other))
        }
        return result.sorted()
    }

    static func unicast(_ family: IPAddress.Family) -> AddressFamily {
        family == .ipv4 ? .ipv4Unicast : .ipv6Unicast
    }

    mutating func resolve(
        _ reference: SecretReference, kind: String, metadata: ResourceMetadata, field: String,
        secrets: (SecretReference) -> String?
    ) -> String? {
        if let value = secrets(reference) { return value }
        if !reference.isOptional {
            errors.append(
                metadata.error(
                    kind: kind, field: field,
                    "secret \"\(reference.name)\" has no key \"\(reference.key)\" (or the secret does not exist)"))
        }
        return nil
    }
}
