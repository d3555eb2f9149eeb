// SPDX-License-Identifier: Apache-2.0
// `BGPConfiguration.spec`: Calico's fields, the Swiftlet timer and listen-address extensions, and Calico's rule that
// the mesh password and restart time belong only to the resource named `default`.

import ClusterModel

extension ResourceDecoder {
    static let bgpConfigurationFields = [
        "asNumber", "nodeToNodeMeshEnabled", "listenPort", "logSeverityScreen", "nodeMeshPassword",
        "nodeMeshMaxRestartTime", "bindMode",
        // Swiftlet extensions.
        "holdTime", "keepaliveTime", "connectRetryTime", "listenAddress",
    ]
    /// Calico fields accepted but not acted on yet (service and community advertisement, workload peering).
    static let bgpConfigurationIgnored: Set<String> = [
        "serviceLoadBalancerIPs", "serviceExternalIPs", "serviceClusterIPs", "communities", "prefixAdvertisements",
        "ignoredInterfaces", "localWorkloadPeeringIPV4", "localWorkloadPeeringIPV6", "programClusterRoutes",
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

        if case .node = scope {
            // Calico API: "This field can only be set on the default BGPConfiguration instance".
            for key in ["nodeMeshPassword", "nodeMeshMaxRestartTime"] {
                if let f = fields[key] { fail(f, "can only be set on the BGPConfiguration named \"default\"") }
            }
            // Calico accepts these on node.<name> but only reads them from `default`; say so instead of failing.
            for key in ["asNumber", "nodeToNodeMeshEnabled"] where fields[key] != nil {
                ignoredFields.append("spec.\(key)")
            }
            result.asNumber = nil
            result.nodeToNodeMeshEnabled = nil
        }
        return result
    }
}
