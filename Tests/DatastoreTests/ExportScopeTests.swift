// SPDX-License-Identifier: Apache-2.0
// `ExportScope` against calico/node's `calico_export_to_bgp_peers` (bird_ipam.cfg.template, bird_aggr.cfg.template):
// disableBGPExport pools first, then the node's own blocks (exactly: accept; beneath: reject), service ranges,
// then any pool (disabled ones included); everything else is rejected.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("ExportScope")
struct ExportScopeTests {
    /// node-a owns 10.244.0.0/26 (block 0 of `pods`); node-b owns 10.244.0.64/26.
    static let yaml = PeerPlannerTests.yaml(
        PeerPlannerTests.config(
            "serviceClusterIPs:\n- cidr: 10.96.0.0/12\nserviceExternalIPs:\n- cidr: 203.0.113.0/24\n- cidr: 198.51.100.7"),
        PeerPlannerTests.node("node-a", "10.0.0.1/24", v6: "fd00::1/64"),
        PeerPlannerTests.node("node-b", "10.0.0.2/24", v6: "fd00::2/64"),
        IPPoolConfigTests.document("IPPool", "pods", "cidr: 10.244.0.0/16"),
        IPPoolConfigTests.document("IPPool", "pods-v6", "cidr: fd00:10::/64"),
        IPPoolConfigTests.document("IPPool", "private", "cidr: 10.250.0.0/16\ndisableBGPExport: true"),
        IPPoolConfigTests.document("IPPool", "retired", "cidr: 10.251.0.0/16\ndisabled: true"))

    struct Row: CustomTestStringConvertible, Sendable {
        var what: String
        var prefix: String
        var accepted: Bool
        var reason: String
        var testDescription: String { "\(what): \(prefix)" }
    }

    static let rows: [Row] = [
        Row(what: "own block exactly (calico_aggr `net = block`)", prefix: "10.244.0.0/26", accepted: true, reason: "own block"),
        Row(what: "own IPv6 block", prefix: "fd00:10::/122", accepted: true, reason: "own block"),
        Row(what: "workload route inside own block (calico_aggr `net ~ block` reject)", prefix: "10.244.0.5/32",
            accepted: false, reason: "inside own block 10.244.0.0/26"),
        Row(what: "more specific inside own block", prefix: "10.244.0.32/27", accepted: false,
            reason: "inside own block 10.244.0.0/26"),
        Row(what: "another node's block (learned, reflected)", prefix: "10.244.0.64/26", accepted: true, reason: "in IP pool pods"),
        Row(what: "/32 borrowed from another node's block", prefix: "10.244.0.70/32", accepted: true, reason: "in IP pool pods"),
        Row(what: "the whole pool", prefix: "10.244.0.0/16", accepted: true, reason: "in IP pool pods"),
        Row(what: "inside a disableBGPExport pool", prefix: "10.250.3.0/26", accepted: false,
            reason: "IP pool private has disableBGPExport"),
        Row(what: "a disabled pool is still exported (confd processIPPool ignores disabled)", prefix: "10.251.0.0/26",
            accepted: true, reason: "in IP pool retired"),
        Row(what: "cluster IP range", prefix: "10.96.0.0/12", accepted: true, reason: "serviceClusterIPs range 10.96.0.0/12"),
        Row(what: "a service IP inside it", prefix: "10.96.0.10/32", accepted: true, reason: "serviceClusterIPs range 10.96.0.0/12"),
        Row(what: "external IP range", prefix: "203.0.113.0/24", accepted: true, reason: "serviceExternalIPs range 203.0.113.0/24"),
        Row(what: "a single external IP is advertised per service, not from the range", prefix: "198.51.100.7/32",
            accepted: false, reason: "not in any IP pool or service range"),
        Row(what: "outside every pool", prefix: "192.0.2.0/24", accepted: false, reason: "not in any IP pool or service range"),
        Row(what: "a default route", prefix: "0.0.0.0/0", accepted: false, reason: "not in any IP pool or service range"),
        Row(what: "a prefix covering a pool is not inside it", prefix: "10.244.0.0/15", accepted: false,
            reason: "not in any IP pool or service range"),
    ]

    @Test("node-a's scope decides each prefix with Calico's reason", arguments: rows)
    func row(_ row: Row) throws {
        let config = try PeerPlannerTests().plan(Self.yaml, node: "node-a")
        let verdict = config.exportScope.evaluate(try #require(IPPrefix(row.prefix)))
        #expect(verdict.accepted == row.accepted)
        #expect(verdict.reason == row.reason)
    }

    @Test("disableBGPExport is checked before the own-block rule, as BGPExportFilterForDisabledIPPools comes first")
    func disabledExportBeatsOwnBlock() {
        let scope = ExportScope(
            ownBlocks: [IPPrefix("10.250.0.0/26")!],
            pools: [.init(name: "private", cidr: IPPrefix("10.250.0.0/16")!, disableBGPExport: true)])
        #expect(scope.evaluate(IPPrefix("10.250.0.0/26")!) == (false, "IP pool private has disableBGPExport"))
    }

    @Test("An empty scope rejects everything")
    func empty() {
        #expect(ExportScope().evaluate(IPPrefix("10.0.0.0/8")!).accepted == false)
    }

    @Test("A block pending deletion is blackholed but not an own block: it and its workloads go out as pool routes")
    func pendingDeletion() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.node("node-a", "10.0.0.1/24"),
            IPPoolConfigTests.document("IPPool", "pods", "cidr: 10.244.0.0/16"),
            IPPoolConfigTests.document("BlockAffinity", "a0", "node: node-a\ncidr: 10.244.0.0/26"),
            IPPoolConfigTests.document("BlockAffinity", "a1", "node: node-a\ncidr: 10.244.0.64/26\nstate: pendingDeletion"))
        let config = try PeerPlannerTests().plan(yaml, node: "node-a")
        #expect(config.exportScope.ownBlocks == [IPPrefix("10.244.0.0/26")!])
        #expect(config.exportScope.evaluate(IPPrefix("10.244.0.70/32")!) == (true, "in IP pool pods"))
        #expect(config.originated.map(\.prefix.description) == ["10.244.0.0/26", "10.244.0.64/26"])
    }

    @Test("A route reflector also accepts anything inside the external and load balancer ranges (bird_ipam RR rule)")
    func routeReflectorServiceRanges() throws {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.config(
                "nodeToNodeMeshEnabled: false\nserviceExternalIPs:\n- cidr: 198.51.100.7\nserviceLoadBalancerIPs:\n- cidr: 192.0.2.0/24\nserviceLoadBalancerAggregation: Disabled"),
            PeerPlannerTests.node("rr", "10.0.0.100/24", clusterID: "244.0.0.1"),
            PeerPlannerTests.node("client", "10.0.0.1/24"))
        let rr = try PeerPlannerTests().plan(yaml, node: "rr")
        #expect(rr.exportScope.evaluate(IPPrefix("198.51.100.7/32")!) == (true, "serviceExternalIPs range 198.51.100.7/32"))
        #expect(rr.exportScope.evaluate(IPPrefix("192.0.2.9/32")!) == (true, "serviceLoadBalancerIPs range 192.0.2.0/24"))
        #expect(rr.originated.isEmpty)  // single IPs and disabled aggregation: advertised per service only
        let client = try PeerPlannerTests().plan(yaml, node: "client")
        #expect(client.exportScope.evaluate(IPPrefix("192.0.2.9/32")!).accepted == false)
    }
}
