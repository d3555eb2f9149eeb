// SPDX-License-Identifier: Apache-2.0
// `Node.spec`: only `spec.bgp` is interpreted. The rest of a Calico node (tunnel addresses, WireGuard, orchestrator
// references) is written by calico/node itself and shows up in every `calicoctl get node -o yaml`, so it is accepted
// silently.

import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let nodeSilentFields: Set<String> = [
        "addresses", "ipv4VXLANTunnelAddr", "ipv6VXLANTunnelAddr", "vxlanTunnelMACAddr", "vxlanTunnelMACAddrV6",
        "orchRefs", "wireguard", "interfaceName",
    ]
    static let nodeBGPFields = ["ipv4Address", "ipv6Address", "asNumber", "routeReflectorClusterID"]

    mutating func nodeSpec(_ spec: YAMLField?) -> NodeResource.BGP? {
        guard let spec, let fields = mapping(spec, known: ["bgp"], silent: Self.nodeSilentFields),
            let bgpField = fields["bgp"], let bgp = mapping(bgpField, known: Self.nodeBGPFields, silent: ["ipv4IPIPTunnelAddr"])
        else { return nil }
        var result = NodeResource.BGP()
        if let f = bgp["ipv4Address"] { result.ipv4Address = interfaceAddress(f, family: .ipv4) }
        if let f = bgp["ipv6Address"] { result.ipv6Address = interfaceAddress(f, family: .ipv6) }
        if let f = bgp["asNumber"] { result.asNumber = asNumber(f) }
        // Calico validates the cluster ID as IPv4 text (RFC 4456 §7: a 4-octet CLUSTER_ID).
        if let f = bgp["routeReflectorClusterID"] { result.routeReflectorClusterID = address(f, family: .ipv4) }
        return result
    }
}
