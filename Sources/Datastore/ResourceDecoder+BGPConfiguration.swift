// SPDX-License-Identifier: Apache-2.0
// `BGPConfiguration.spec`: Calico's fields, the Swiftlet timer and listen-address extensions, and Calico's rules: the
// mesh password and restart time belong only to the resource named `default`; community names used in
// `prefixAdvertisements` are defined in the same resource's `communities` (libcalico-go `validateBGPConfigurationSpec`),
// and `communities` are not defined without `prefixAdvertisements` (the CRD's rule).

import BGPPolicy
import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let bgpConfigurationFields = [
        "asNumber", "nodeToNodeMeshEnabled", "listenPort", "logSeverityScreen", "nodeMeshPassword",
        "nodeMeshMaxRestartTime", "bindMode", "serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs",
        "serviceLoadBalancerAggregation", "communities", "prefixAdvertisements",
        // Swiftlet extensions.
        "holdTime", "keepaliveTime", "connectRetryTime", "listenAddress", "bfd", "longLivedGracefulRestart",
        // Kernel programming (Calico's fields, then Swiftlet's extension).
        "programClusterRoutes", "ipv4NormalRoutePriority", "ipv6NormalRoutePriority", "kernel",
    ]
    static let kernelFields = [
        "programRoutes", "routeProtocol", "table", "ipipDevice", "manageIPIPDevice", "ipipFallback", "ipipMTU",
        "vxlanDevice", "vxlanVNI", "vxlanPort", "manageVXLANDevice", "vxlanMTU", "staleRouteSweepTime",
    ]
    /// Calico fields accepted but not acted on yet (interfaces, workload peering).
    static let bgpConfigurationIgnored: Set<String> = [
        "ignoredInterfaces", "localWorkloadPeeringIPV4", "localWorkloadPeeringIPV6",
    ]
    /// Fields confd reads only from `default` (`getServiceClusterIPs(c.globalBGPConfig)`, …).
    static let bgpConfigurationDefaultOnly = [
        "asNumber", "nodeToNodeMeshEnabled", "serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs",
        "serviceLoadBalancerAggregation",
    ]

    mutating func bgpConfigurationSpec(_ spec: YAMLField?, scope: BGPConfigurationResource.Scope?) -> BGPConfigurationResource.Spec {
        var result = BGPConfigurationResource.Spec()
        guard let spec,
            let fields = mapping(spec, known: Self.bgpConfigurationFields, ignored: Self.bgpConfigurationIgnored)
        else { return result }
        if let f = fields["asNumber"] { result.asNumber = asNumber(f) }
        if let f = fields["nodeToNodeMeshEnabled"] { result.nodeToNodeMeshEnabled = bool(f) }
        if let f = fields["listenPort"] { result.listenPort = port(f) }
        if let f = fields["logSeverityScreen"] {
            result.logSeverityScreen = enumeration(f, as: BGPConfigurationResource.LogSeverity.self)
        }
        if let f = fields["nodeMeshPassword"] { result.nodeMeshPassword = password(f) }
        if let f = fields["nodeMeshMaxRestartTime"] { result.nodeMeshMaxRestartTime = restartTime(f) }
        if let f = fields["bindMode"] { result.bindMode = enumeration(f, as: BGPConfigurationResource.BindMode.self) }
        if let f = fields["holdTime"] { result.holdTime = holdTime(f) }
        if let f = fields["keepaliveTime"] { result.keepaliveTime = timer(f) }
        if let f = fields["connectRetryTime"] { result.connectRetryTime = timer(f) }
        if let f = fields["listenAddress"] { result.listenAddress = address(f) }
        if let f = fields["bfd"] { result.bfd = bfdConfig(f) }
        if let f = fields["longLivedGracefulRestart"] { result.longLivedGracefulRestart = longLivedGracefulRestartConfig(f) }
        if let f = fields["serviceClusterIPs"] { result.serviceClusterIPs = cidrBlocks(f) }
        if let f = fields["serviceExternalIPs"] { result.serviceExternalIPs = cidrBlocks(f) }
        if let f = fields["serviceLoadBalancerIPs"] { result.serviceLoadBalancerIPs = cidrBlocks(f) }
        if let f = fields["serviceLoadBalancerAggregation"] {
            result.serviceLoadBalancerAggregation = enumeration(
                f, as: BGPConfigurationResource.ServiceLoadBalancerAggregation.self)
        }
        if let f = fields["programClusterRoutes"] {
            result.programClusterRoutes = enumeration(f, as: KernelSettings.ClusterRoutes.self)
        }
        // Calico: a route metric, 1-2147483646 (the LOCAL_PREF encoding needs room above it).
        if let f = fields["ipv4NormalRoutePriority"] {
            result.ipv4NormalRoutePriority = integer(f, in: 1...2_147_483_646).map { UInt32($0) }
        }
        if let f = fields["ipv6NormalRoutePriority"] {
            result.ipv6NormalRoutePriority = integer(f, in: 1...2_147_483_646).map { UInt32($0) }
        }
        if let f = fields["kernel"] { result.kernel = kernelSpec(f) }
        var declared: Set<String> = []
        if let f = fields["communities"] { (result.communities, declared) = namedCommunities(f) }
        if let f = fields["prefixAdvertisements"] {
            result.prefixAdvertisements = prefixAdvertisements(f, communities: result.communities, declared: declared)
        }
        // CRD: "communities are defined but not used in prefixAdvertisements".
        if let f = fields["communities"], !result.communities.isEmpty, result.prefixAdvertisements?.isEmpty ?? true {
            fail(f, "defined but not used: Calico requires spec.prefixAdvertisements alongside spec.communities")
        }

        if case .node = scope {
            // Calico API: "This field can only be set on the default BGPConfiguration instance".
            for key in ["nodeMeshPassword", "nodeMeshMaxRestartTime"] {
                if let f = fields[key] { fail(f, "can only be set on the BGPConfiguration named \"default\"") }
            }
            // Calico accepts these on node.<name> but only reads them from `default`; say so instead of failing.
            for key in Self.bgpConfigurationDefaultOnly where fields[key] != nil {
                ignoredFields.append("spec.\(key)")
            }
            result.asNumber = nil
            result.nodeToNodeMeshEnabled = nil
            result.serviceClusterIPs = []
            result.serviceExternalIPs = []
            result.serviceLoadBalancerIPs = []
            result.serviceLoadBalancerAggregation = nil
        }
        return result
    }

    /// `spec.kernel`.
    mutating func kernelSpec(_ field: YAMLField) -> BGPConfigurationResource.Kernel {
        var result = BGPConfigurationResource.Kernel()
        guard let fields = mapping(field, known: Self.kernelFields) else { return result }
        if let f = fields["programRoutes"] { result.programRoutes = bool(f) }
        // 0 is RTPROT_UNSPEC and 1-4 belong to the kernel itself (redirect, kernel, boot, static).
        if let f = fields["routeProtocol"] { result.routeProtocol = integer(f, in: 5...255).map { UInt8($0) } }
        // 0 is RT_TABLE_UNSPEC; 255 is the local table, which only the kernel fills.
        if let f = fields["table"] { result.table = integer(f, in: 1...4_294_967_294).map { UInt32($0) } }
        if result.table == 255, let f = fields["table"] {
            fail(f, "table 255 is the kernel's local table, which only the kernel fills")
            result.table = nil
        }
        if let f = fields["ipipDevice"] { result.ipipDevice = interfaceName(f) }
        if let f = fields["manageIPIPDevice"] { result.manageIPIPDevice = bool(f) }
        if let f = fields["ipipFallback"] { result.ipipFallback = enumeration(f, as: KernelSettings.IPIPFallback.self) }
        if let f = fields["ipipMTU"] { result.ipipMTU = integer(f, in: 68...65535).map { UInt32($0) } }
        if let f = fields["vxlanDevice"] { result.vxlanDevice = interfaceName(f) }
        // A VNI has 24 bits (RFC 7348 §5).
        if let f = fields["vxlanVNI"] { result.vxlanVNI = integer(f, in: 1...16_777_215).map { UInt32($0) } }
        if let f = fields["vxlanPort"] { result.vxlanPort = port(f) }
        if let f = fields["manageVXLANDevice"] { result.manageVXLANDevice = bool(f) }
        if let f = fields["vxlanMTU"] { result.vxlanMTU = integer(f, in: 68...65535).map { UInt32($0) } }
        if let f = fields["staleRouteSweepTime"] { result.staleRouteSweepTime = timer(f, in: 0...65535) }
        return result
    }

    /// A Linux interface name: 1-15 octets (IFNAMSIZ), no `/`, no whitespace.
    mutating func interfaceName(_ field: YAMLField) -> String? {
        guard let text = name(field) else { return nil }
        guard text.utf8.count < 16, !text.contains("/"), !text.contains(where: \.isWhitespace), text != ".", text != ".."
        else {
            fail(field, "expected an interface name of 1-15 characters without \"/\" or spaces, got \(field.shownValue)")
            return nil
        }
        return text
    }

    /// `[{cidr: …}]`, as Calico's `ServiceClusterIPBlock` and friends; a bare address is a host prefix.
    mutating func cidrBlocks(_ field: YAMLField) -> [IPPrefix] {
        list(field).compactMap { item in
            guard let block = mapping(item, known: ["cidr"]) else { return nil }
            guard let f = block["cidr"] else {
                missing("cidr", in: item)
                return nil
            }
            return prefix(f, allowAddress: true)
        }
    }

    /// `communities: [{name, value}]`; names are unique. Also returns every name declared, valid value or not, so a
    /// bad value is reported once rather than again at each use of its name.
    mutating func namedCommunities(
        _ field: YAMLField
    ) -> (communities: [BGPConfigurationResource.NamedCommunity], declared: Set<String>) {
        var result: [BGPConfigurationResource.NamedCommunity] = []
        var declared: Set<String> = []
        for item in list(field) {
            guard let entry = mapping(item, known: ["name", "value"]) else { continue }
            var name: String?
            var value: CommunityValue?
            if let f = entry["name"] {
                name = self.name(f)
                if let text = name, !declared.insert(text).inserted {
                    fail(f, "duplicate community name \"\(text)\"")
                    name = nil
                }
            } else {
                missing("name", in: item)
            }
            if let f = entry["value"] { value = community(f) } else { missing("value", in: item, " (\"aa:nn\" or \"aa:nn:mm\")") }
            if let name, let value { result.append(.init(name: name, value: value)) }
        }
        return (result, declared)
    }

    /// `prefixAdvertisements: [{cidr, communities}]`, each community a value or a name from `communities`.
    mutating func prefixAdvertisements(
        _ field: YAMLField, communities: [BGPConfigurationResource.NamedCommunity], declared: Set<String>
    ) -> [CommunityAdvertisement] {
        var result: [CommunityAdvertisement] = []
        for item in list(field) {
            guard let entry = mapping(item, known: ["cidr", "communities"]) else { continue }
            var cidr: IPPrefix?
            if let f = entry["cidr"] { cidr = prefix(f, allowAddress: true) } else { missing("cidr", in: item) }
            var values: [CommunityValue] = []
            if let f = entry["communities"] {
                for element in list(f) {
                    guard let text = string(element) else { continue }
                    // libcalico-go: text shaped like `aa:nn` / `aa:nn:mm` is a value (and must be in range);
                    // anything else must name an entry of spec.communities.
                    let looksLikeValue = text.split(separator: ":", omittingEmptySubsequences: false).allSatisfy {
                        !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter)
                    } && text.contains(":")
                    let value: CommunityValue?
                    if looksLikeValue {
                        value = community(element)
                    } else if let named = communities.first(where: { $0.name == text }) {
                        value = named.value
                    } else if declared.contains(text) {
                        value = nil  // its value was refused where it is defined
                    } else {
                        let defined = communities.map(\.name)
                        let list = defined.isEmpty ? "spec.communities defines none" : "defined: \(defined.joined(separator: ", "))"
                        fail(element, "no community named \"\(text)\" (\(list)); use a name from spec.communities or a value \"aa:nn\" / \"aa:nn:mm\"")
                        value = nil
                    }
                    if let value, !values.contains(value) { values.append(value) }
                }
            } else {
                missing("communities", in: item)
            }
            if let cidr { result.append(CommunityAdvertisement(cidr: cidr, communities: values)) }
        }
        return result
    }
}
