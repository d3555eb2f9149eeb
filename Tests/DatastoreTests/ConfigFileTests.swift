// SPDX-License-Identifier: Apache-2.0
// What ConfigFile accepts: multi-document YAML, calicoctl's List form, calicoctl's bookkeeping fields, Calico fields
// Swiftlet does not act on yet (listed, not refused), and kinds it ignores (listed).

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("ConfigFile")
struct ConfigFileTests {
    @Test("calicoctl get -o yaml output reads unchanged: List with items, metadata bookkeeping, Node extras")
    func calicoctlOutput() throws {
        let yaml = """
            apiVersion: projectcalico.org/v3
            items:
            - apiVersion: projectcalico.org/v3
              kind: Node
              metadata:
                annotations:
                  projectcalico.org/kube-labels: '{}'
                creationTimestamp: "2024-01-01T00:00:00Z"
                labels:
                  kubernetes.io/hostname: node-1
                name: node-1
                resourceVersion: "1234"
                uid: 0f1e2d3c-0000-0000-0000-000000000000
              spec:
                addresses:
                - address: 10.0.0.1/24
                  type: CalicoNodeIP
                bgp:
                  ipv4Address: 10.0.0.1/24
                  ipv4IPIPTunnelAddr: 192.168.0.1
                orchRefs:
                - nodeName: node-1
                  orchestrator: k8s
              status: {}
            - apiVersion: projectcalico.org/v3
              kind: BGPPeer
              metadata:
                name: tor
              spec:
                asNumber: "65000"
                peerIP: 10.0.0.254
                filters: [export-only-pods]
            kind: List
            metadata:
              resourceVersion: ""
            """
        let resources = ConfigFixtures.resources(yaml)
        #expect(resources.map(\.kind) == ["Node", "BGPPeer"])
        guard case .node(let node) = resources.first, case .bgpPeer(let peer) = resources.last else { return }
        #expect(node.metadata.labels == ["kubernetes.io/hostname": "node-1"])
        #expect(node.bgp?.ipv4Address?.description == "10.0.0.1/24")
        #expect(peer.spec.asNumber == 65000)
        #expect(peer.spec.filters == ["export-only-pods"])
        #expect(peer.metadata.ignoredFields.isEmpty)
        // The filter it names is not in the list: planning refuses it, naming the field.
        let result = PeerPlanner.plan(resources: resources, nodeName: "node-1") { _ in nil }
        guard case .failure(let errors) = result else {
            Issue.record("expected the missing BGPFilter to be an error")
            return
        }
        #expect(errors.map(\.field) == ["BGPPeer(tor).spec.filters[0]"])
    }

    @Test("Unknown-to-Swiftlet Calico kinds are listed as ignored, not refused")
    func ignoredKinds() {
        let yaml = """
            apiVersion: projectcalico.org/v3
            kind: IPReservation
            metadata:
              name: reserved
            spec:
              reservedCIDRs: [192.168.0.0/24]
            """
        let resources = ConfigFixtures.resources(yaml)
        #expect(resources == [.ignored(IgnoredResource(kind: "IPReservation", metadata: resources.first!.metadata))])
    }

    @Test("Empty documents (a leading or trailing ---) are skipped")
    func emptyDocuments() {
        let yaml = "---\n# comment only\n---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: n\n---\n"
        #expect(ConfigFixtures.resources(yaml).map(\.metadata.name) == ["n"])
    }

    @Test("Field locations are recorded for later errors")
    func locations() throws {
        let yaml = "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: p\nspec:\n  peerIP: 10.0.0.1\n  asNumber: 1.10\n"
        let resource = try #require(ConfigFixtures.resources(yaml).first)
        #expect(resource.metadata.location(of: "spec.asNumber") == SourceLocation(file: "t.yaml", line: 7, column: 13))
        #expect(resource.metadata.location(of: "spec.password.secretKeyRef") == SourceLocation(file: "t.yaml", line: 5, column: 1))
        guard case .bgpPeer(let peer) = resource else { return }
        #expect(peer.spec.asNumber == 65546)
    }
}
