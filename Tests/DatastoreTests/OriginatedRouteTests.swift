// SPDX-License-Identifier: Apache-2.0
// What a node originates, as calico/node's BIRD config does: a blackhole per own block (bird_aggr.cfg.template,
// skipping /32 and /128 blocks) and the service ranges of BGPConfiguration(default) (confd `updateGlobalRoutes`:
// every cluster IP range, external and aggregated load balancer ranges that are not single addresses, none on a
// node excluded from load balancers), sorted by prefix.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("OriginatedRoute planning")
struct OriginatedRouteTests {
    static let services = PeerPlannerTests.config(
        """
        serviceClusterIPs:
        - cidr: 10.96.0.0/12
        - cidr: fd00:96::/108
        serviceExternalIPs:
        - cidr: 203.0.113.0/24
        - cidr: 203.0.114.9/32
        serviceLoadBalancerIPs:
        - cidr: 192.0.2.0/24
        """)

    @Test("Own blocks are blackholes, service ranges are advertised only; sorted by prefix")
    func blocksAndServices() throws {
        let yaml = PeerPlannerTests.yaml(
            Self.services, PeerPlannerTests.node("n1", "10.0.0.1/24", v6: "fd00::1/64"),
            IPPoolConfigTests.document("IPPool", "v4", "cidr: 10.244.0.0/16"),
            IPPoolConfigTests.document("IPPool", "v6", "cidr: fd00:10::/64"),
            IPPoolConfigTests.document("BlockAffinity", "n1-v6", "node: n1\ncidr: fd00:10::1c0/122"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        // n1 has an affinity, so it is managed by IPAM: no assigned IPv4 block.
        #expect(config.originated == [
            OriginatedRoute(prefix: IPPrefix("10.96.0.0/12")!, blackhole: false, reason: "serviceClusterIPs"),
            OriginatedRoute(prefix: IPPrefix("192.0.2.0/24")!, blackhole: false, reason: "serviceLoadBalancerIPs"),
            OriginatedRoute(prefix: IPPrefix("203.0.113.0/24")!, blackhole: false, reason: "serviceExternalIPs"),
            OriginatedRoute(prefix: IPPrefix("fd00:10::1c0/122")!, blackhole: true, reason: "block affinity"),
            OriginatedRoute(prefix: IPPrefix("fd00:96::/108")!, blackhole: false, reason: "serviceClusterIPs"),
        ])
        #expect(config.notes.contains(
            "BGPConfiguration(default).spec.serviceExternalIPs: 203.0.114.9/32 is advertised by Calico per Kubernetes "
                + "service; Swiftlet does not watch services, so it is not advertised"))
        #expect(config.ipPools.map(\.metadata.name) == ["v4", "v6"])
    }

    @Test("Assigned blocks say so; /32 blocks get no blackhole (bird_aggr: `if not (hasSuffix $cidr \"/32\")`)")
    func assignedAndHostBlocks() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.node("n1", "10.0.0.1/24"),
            IPPoolConfigTests.document("IPPool", "pods", "cidr: 10.244.0.0/24"),
            IPPoolConfigTests.document("IPPool", "hosts", "cidr: 10.245.0.0/24\nblockSize: 32"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(config.originated.map(\.description) == ["10.244.0.0/26 blackhole (assigned block)"])
        // The /32 block is still the node's own for export.
        #expect(config.exportScope.ownBlocks.map(\.description) == ["10.244.0.0/26", "10.245.0.0/32"])
    }

    @Test("A node labelled exclude-from-external-load-balancers advertises no service range")
    func excludedNode() throws {
        let yaml = PeerPlannerTests.yaml(
            Self.services,
            PeerPlannerTests.node("n1", "10.0.0.1/24", labels: "node.kubernetes.io/exclude-from-external-load-balancers: 'true'"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(config.originated.isEmpty)
        #expect(config.exportScope.serviceRanges.isEmpty)
    }

    @Test("serviceLoadBalancerAggregation: Disabled advertises no load balancer range")
    func loadBalancerAggregation() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.config("serviceLoadBalancerIPs:\n- cidr: 192.0.2.0/24\nserviceLoadBalancerAggregation: Disabled"),
            PeerPlannerTests.node("n1", "10.0.0.1/24"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(config.originated.isEmpty)
        #expect(config.notes.contains { $0.hasPrefix("BGPConfiguration(default).spec.serviceLoadBalancerIPs: 192.0.2.0/24 is advertised by Calico per") })
    }

    @Test("Service ranges on node.<name> are accepted and not acted on (confd reads them from default only)")
    func serviceRangesOnNodeConfig() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.config("serviceClusterIPs:\n- cidr: 10.96.0.0/12", name: "node.n1"),
            PeerPlannerTests.node("n1", "10.0.0.1/24"))
        let config = try PeerPlannerTests().plan(yaml, node: "n1")
        #expect(config.originated.isEmpty)
        #expect(config.notes.contains("BGPConfiguration(node.n1).spec.serviceClusterIPs: accepted, not acted on yet"))
    }

    @Test("Service range mistakes name the list item")
    func serviceErrors() {
        let errors = ConfigFixtures.errors(PeerPlannerTests.config("serviceClusterIPs:\n- cidr: 10.96.0.1/12\n- 10.97.0.0/16"))
        #expect(errors == [
            #"t.yaml:7:11: BGPConfiguration(default).spec.serviceClusterIPs[0].cidr: expected a CIDR such as "10.0.0.0/16" or "fd00::/64" with no host bits set (10.96.0.0/12), got "10.96.0.1/12""#,
            #"t.yaml:8:5: BGPConfiguration(default).spec.serviceClusterIPs[1]: expected a mapping, got "10.97.0.0/16""#,
        ])
    }
}
