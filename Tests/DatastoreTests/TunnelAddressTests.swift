// SPDX-License-Identifier: Apache-2.0
// Tunnel addresses taken from the node's block (issue #6): a Node without `ipv4IPIPTunnelAddr` /
// `ipv4VXLANTunnelAddr` gets the first address of its first block in a pool whose ipipMode / vxlanMode is not Never
// (calico/node `allocateip.go` auto-assigns it from the node's block); an explicit Node value wins.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("Tunnel addresses")
struct TunnelAddressTests {
    static func node(_ name: String, _ v4: String, extra: String = "", bgpExtra: String = "", labels: String = "")
        -> String
    {
        """
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: \(name)\(labels.isEmpty ? "" : ", labels: {\(labels)}")}
        spec:
          bgp: {ipv4Address: \(v4)\(bgpExtra)}
        \(extra.isEmpty ? "" : "  " + extra)
        """
    }

    static func pool(_ name: String, _ spec: String) -> String {
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: \(name)}\nspec: {\(spec)}"
    }

    static func endpoints(_ documents: String..., node: String = "a") throws -> [String: TunnelEndpoint] {
        let configuration = try ConfigFixtures.plan(documents.joined(separator: "\n---\n"), node: node).get()
        return Dictionary(uniqueKeysWithValues: configuration.tunnelEndpoints.map { ($0.nodeName, $0) })
    }

    @Test("IPIP pool: every node's tunl0 address is the first address of its block; VXLAN stays unset")
    func ipipFromBlock() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"),
            Self.pool("ipip", "cidr: 10.244.0.0/16, ipipMode: Always"))
        #expect(endpoints["a"]?.ipipAddress == IPAddress("10.244.0.0"))
        #expect(endpoints["b"]?.ipipAddress == IPAddress("10.244.0.64"))
        #expect(endpoints["a"]?.vxlanAddress == nil && endpoints["b"]?.vxlanAddress == nil)
    }

    @Test("VXLAN CrossSubnet pool: the VXLAN address comes from the block; IPIP stays unset")
    func vxlanFromBlock() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.1.1/24"),
            Self.pool("vx", "cidr: 10.244.0.0/16, vxlanMode: CrossSubnet"))
        #expect(endpoints["a"]?.vxlanAddress == IPAddress("10.244.0.0"))
        #expect(endpoints["b"]?.vxlanAddress == IPAddress("10.244.0.64"))
        #expect(endpoints["a"]?.ipipAddress == nil)
        // A derived VTEP gets a derived, locally administered unicast MAC, so peers can program ARP and FDB entries.
        #expect(endpoints["a"]?.vxlanMAC == [0x66, 0x73, 10, 244, 0, 0])
        #expect(endpoints["b"]?.vxlanMAC == [0x66, 0x73, 10, 244, 0, 64])
    }

    @Test("A Node's own VXLAN MAC wins; an explicit VXLAN address without a MAC gets none derived")
    func vxlanMAC() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24", extra: "vxlanTunnelMACAddr: \"66:aa:00:00:00:01\""),
            Self.node("b", "10.0.0.2/24", extra: "ipv4VXLANTunnelAddr: 10.244.9.9"),
            Self.pool("vx", "cidr: 10.244.0.0/16, vxlanMode: Always"))
        #expect(endpoints["a"]?.vxlanAddress == IPAddress("10.244.0.0"))
        #expect(endpoints["a"]?.vxlanMAC == [0x66, 0xAA, 0, 0, 0, 1])
        #expect(endpoints["b"]?.vxlanAddress == IPAddress("10.244.9.9"))
        #expect(endpoints["b"]?.vxlanMAC == nil)
    }

    @Test("Explicit Node addresses win over the block")
    func explicitWins() throws {
        let endpoints = try Self.endpoints(
            Self.node(
                "a", "10.0.0.1/24", extra: "ipv4VXLANTunnelAddr: 10.244.9.9",
                bgpExtra: ", ipv4IPIPTunnelAddr: 10.244.8.8"),
            Self.pool("ipip", "cidr: 10.244.0.0/16, ipipMode: Always"),
            Self.pool("vxlan", "cidr: 10.245.0.0/16, vxlanMode: Always"))
        #expect(endpoints["a"]?.ipipAddress == IPAddress("10.244.8.8"))
        #expect(endpoints["a"]?.vxlanAddress == IPAddress("10.244.9.9"))
    }

    @Test("Only pools with the mode count: the first block in such a pool, not the node's first block overall")
    func firstMatchingBlock() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24"),
            Self.pool("a-plain", "cidr: 10.1.0.0/16"),
            Self.pool("b-ipip", "cidr: 10.2.0.0/16, ipipMode: CrossSubnet"),
            Self.pool("c-v6", "cidr: 'fd00:10::/64', vxlanMode: Always"))
        #expect(endpoints["a"]?.ipipAddress == IPAddress("10.2.0.0"))
        // IPv6 pools give no IPv4 VXLAN address.
        #expect(endpoints["a"]?.vxlanAddress == nil)
    }

    @Test("A pool whose allowedUses exclude Tunnel gives no tunnel address; no block, no address")
    func allowedUsesAndNoBlock() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24", labels: "rack: r1"), Self.node("b", "10.0.0.2/24"),
            Self.pool("workload", "cidr: 10.1.0.0/16, ipipMode: Always, allowedUses: [Workload]"),
            Self.pool("rack1", "cidr: 10.2.0.0/16, ipipMode: Always, nodeSelector: rack == 'r1'"))
        #expect(endpoints["a"]?.ipipAddress == IPAddress("10.2.0.0"))
        #expect(endpoints["b"]?.ipipAddress == nil)
    }

    @Test("Blocks from BlockAffinity resources (etcd-claimed) give the address too, pending ones do not")
    func fromAffinity() throws {
        let endpoints = try Self.endpoints(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"),
            Self.pool("ipip", "cidr: 10.244.0.0/16, ipipMode: Always"),
            "apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: a1}\n"
                + "spec: {node: a, cidr: 10.244.3.0/26}",
            "apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: b1}\n"
                + "spec: {node: b, cidr: 10.244.5.0/26, state: pending}")
        #expect(endpoints["a"]?.ipipAddress == IPAddress("10.244.3.0"))
        #expect(endpoints["b"]?.ipipAddress == nil)
    }

    @Test("tunnelAddress: explicit first, then the lowest matching block")
    func pureRule() {
        let pool = IPPoolResource(
            metadata: ResourceMetadata(name: "p", location: .file("t")),
            spec: .init(cidr: IPPrefix("10.244.0.0/16")!, vxlanMode: .always))
        let blocks = [IPPrefix("10.244.1.0/26")!, IPPrefix("10.244.0.192/26")!, IPPrefix("10.9.0.0/26")!]
        func address(_ explicit: IPAddress?, _ mode: (IPPoolResource.Spec) -> IPPoolResource.EncapsulationMode)
            -> IPAddress?
        {
            TunnelEndpoint.tunnelAddress(explicit: explicit, blocks: blocks, pools: [pool], mode: mode)
        }
        #expect(address(nil, \.vxlanMode) == IPAddress("10.244.0.192"))
        #expect(address(nil, \.ipipMode) == nil)
        #expect(address(IPAddress("1.2.3.4"), \.vxlanMode) == IPAddress("1.2.3.4"))
    }
}
