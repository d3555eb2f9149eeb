// SPDX-License-Identifier: Apache-2.0
// `Node.spec`: `spec.bgp` and the IPv4 VXLAN tunnel data (`ipv4VXLANTunnelAddr`, `vxlanTunnelMACAddr`) are
// interpreted. The rest of a Calico node (IPv6 VXLAN, WireGuard, orchestrator references) is written by calico/node
// itself and shows up in every `calicoctl get node -o yaml`, so it is accepted silently.

import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let nodeSilentFields: Set<String> = [
        "addresses", "ipv6VXLANTunnelAddr", "vxlanTunnelMACAddrV6", "orchRefs", "wireguard", "interfaceName",
    ]
    static let nodeBGPFields = ["ipv4Address", "ipv6Address", "asNumber", "routeReflectorClusterID", "ipv4IPIPTunnelAddr"]

    mutating func nodeSpec(_ spec: YAMLField?) -> (NodeResource.BGP?, NodeResource.VXLAN) {
        var vxlan = NodeResource.VXLAN()
        guard let spec,
            let fields = mapping(
                spec, known: ["bgp", "ipv4VXLANTunnelAddr", "vxlanTunnelMACAddr"], silent: Self.nodeSilentFields)
        else { return (nil, vxlan) }
        if let f = fields["ipv4VXLANTunnelAddr"] { vxlan.ipv4TunnelAddress = address(f, family: .ipv4) }
        if let f = fields["vxlanTunnelMACAddr"] { vxlan.macAddress = macAddress(f) }
        return (nodeBGP(fields["bgp"]), vxlan)
    }

    /// `aa:bb:cc:dd:ee:ff` (a unicast Ethernet address: the low bit of the first octet clear).
    mutating func macAddress(_ field: YAMLField) -> [UInt8]? {
        if let text = field.scalarText {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            let octets = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
            if parts.count == 6, octets.count == 6, octets[0] & 1 == 0 { return octets }
        }
        fail(field, "expected a unicast MAC address such as \"66:d5:a0:0b:1c:3e\", got \(field.shownValue)")
        return nil
    }

    mutating func nodeBGP(_ bgpField: YAMLField?) -> NodeResource.BGP? {
        guard let bgpField, let bgp = mapping(bgpField, known: Self.nodeBGPFields) else { return nil }
        var result = NodeResource.BGP()
        if let f = bgp["ipv4Address"] { result.ipv4Address = interfaceAddress(f, family: .ipv4) }
        if let f = bgp["ipv6Address"] { result.ipv6Address = interfaceAddress(f, family: .ipv6) }
        if let f = bgp["asNumber"] { result.asNumber = asNumber(f) }
        // Calico validates the cluster ID as IPv4 text (RFC 4456 §7: a 4-octet CLUSTER_ID).
        if let f = bgp["routeReflectorClusterID"] { result.routeReflectorClusterID = address(f, family: .ipv4) }
        if let f = bgp["ipv4IPIPTunnelAddr"] { result.ipv4IPIPTunnelAddress = address(f, family: .ipv4) }
        return result
    }
}
