// SPDX-License-Identifier: Apache-2.0
// The Calico v3 resources of the etcd cluster scenarios (EtcdClusterScenarioTests) as JSON documents, and where each
// one lives: its key in Calico's etcd v3 layout (`/calico/resources/v3/projectcalico.org/<plural>/<name>`, the
// layout libcalico-go's etcdv3 backend uses) or its file in the file datastore's directory. One value serves both
// datastores, so a scenario says what the cluster is once and runs against either.
import Foundation

/// One Calico v3 resource: kind, name and the whole document as JSON.
struct EtcdClusterResource: Sendable, Hashable {
    var kind: String
    var name: String
    /// `{"apiVersion":"projectcalico.org/v3","kind":…,"metadata":{…},"spec":{…}}`, keys sorted.
    var json: String

    static let apiVersion = "projectcalico.org/v3"
    static let keyPrefix = "/calico/resources/v3/projectcalico.org/"

    /// Builds the document from `metadata` fields besides the name (labels) and `spec`.
    init(kind: String, name: String, labels: [String: String] = [:], spec: [String: Any]) {
        self.kind = kind
        self.name = name
        var metadata: [String: Any] = ["name": name]
        if !labels.isEmpty { metadata["labels"] = labels }
        let document: [String: Any] = ["apiVersion": Self.apiVersion, "kind": kind, "metadata": metadata, "spec": spec]
        // The dictionaries hold only strings, numbers, booleans, arrays and dictionaries: serialisation cannot fail.
        let data = try! JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        json = String(decoding: data, as: UTF8.self)
    }

    /// The lower-case plural Calico's etcd layout names the kind's directory with ("ippools", "bgppeers", …).
    static func plural(_ kind: String) -> String {
        switch kind {
        case "BGPConfiguration": "bgpconfigurations"
        case "BGPPeer": "bgppeers"
        case "BGPFilter": "bgpfilters"
        case "IPPool": "ippools"
        case "Node": "nodes"
        case "BlockAffinity": "blockaffinities"
        default: kind.lowercased() + "s"
        }
    }

    static func key(kind: String, name: String) -> String { keyPrefix + plural(kind) + "/" + name }

    var key: String { Self.key(kind: kind, name: name) }

    /// The file of the file datastore's directory ("node-node-1.json"): swiftletd reads every `*.json` of it.
    var fileName: String { "\(Self.plural(kind))-\(name).json" }

    // MARK: the scenarios' resources

    /// BGPConfiguration "default": AS 64512, the node-to-node mesh on or off, hold time 9 s and connect retry 1 s so
    /// a session that is refused (a node not listening yet) is retried at once.
    static func bgpConfiguration(asNumber: UInt32, mesh: Bool) -> Self {
        Self(
            kind: "BGPConfiguration", name: "default",
            spec: [
                "asNumber": asNumber, "nodeToNodeMeshEnabled": mesh, "holdTime": "9s", "connectRetryTime": "1s",
            ])
    }

    /// A pool (either family), no encapsulation (the nodes share one L2 segment: plain routes via the node).
    static func ipPool(_ name: String, cidr: String, blockSize: Int) -> Self {
        Self(
            kind: "IPPool", name: name,
            spec: [
                "cidr": cidr, "blockSize": blockSize, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": false,
                "nodeSelector": "all()",
            ])
    }

    /// A Node with `spec.bgp.ipv4Address` (address/length), optionally `ipv6Address`, a route reflector cluster ID
    /// and labels.
    static func node(
        _ name: String, ipv4: String, ipv6: String? = nil, clusterID: String? = nil, labels: [String: String] = [:]
    ) -> Self {
        var bgp: [String: Any] = ["ipv4Address": ipv4]
        if let ipv6 { bgp["ipv6Address"] = ipv6 }
        if let clusterID { bgp["routeReflectorClusterID"] = clusterID }
        return Self(kind: "Node", name: name, labels: labels, spec: ["bgp": bgp])
    }

    /// A BGPPeer from the nodes `nodeSelector` selects to the nodes `peerSelector` selects (Calico names these
    /// sessions after the peer node's address).
    static func bgpPeer(_ name: String, nodeSelector: String, peerSelector: String) -> Self {
        Self(kind: "BGPPeer", name: name, spec: ["nodeSelector": nodeSelector, "peerSelector": peerSelector])
    }

    /// A confirmed BlockAffinity (the file datastore's stand-in for a block claimed in etcd), named as Calico IPAM
    /// names them ("node-1-10-244-0-0-26").
    static func blockAffinity(node: String, cidr: String) -> Self {
        let name = "\(node)-" + String(cidr.map { $0 == "." || $0 == "/" ? "-" : $0 })
        return Self(
            kind: "BlockAffinity", name: name,
            spec: ["node": node, "cidr": cidr, "state": "confirmed", "deleted": "false"])
    }
}
