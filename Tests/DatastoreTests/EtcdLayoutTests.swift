// SPDX-License-Identifier: Apache-2.0
// The pure parts of the etcd datastore: Calico's resource key layout, and the Node document a node registers with
// (an operator's fields kept, the flags' fields overlaid). The datastore itself runs against a real etcd in EtcdTests.

import ClusterModel
import Datastore
import Foundation
import Testing

@Suite("etcd layout and node registration")
struct EtcdLayoutTests {
    @Test("resource keys: the five kinds Swiftlet reads, by Calico's plural names; other keys are skipped")
    func keys() throws {
        let prefix = CalicoEtcdLayout.resourcesPrefix
        #expect(CalicoEtcdLayout.parse(prefix + "nodes/node-1")! == ("Node", "node-1"))
        #expect(CalicoEtcdLayout.parse(prefix + "bgppeers/rack1-tor")! == ("BGPPeer", "rack1-tor"))
        #expect(CalicoEtcdLayout.parse(prefix + "bgpconfigurations/default")! == ("BGPConfiguration", "default"))
        #expect(CalicoEtcdLayout.parse(prefix + "bgpfilters/f")! == ("BGPFilter", "f"))
        #expect(CalicoEtcdLayout.parse(prefix + "ippools/default-ipv4-ippool")! == ("IPPool", "default-ipv4-ippool"))
        #expect(CalicoEtcdLayout.parse(prefix + "workloadendpoints/ns/pod") == nil)
        #expect(CalicoEtcdLayout.parse(prefix + "nodes/") == nil)
        #expect(CalicoEtcdLayout.parse(prefix + "nodes/a/b") == nil)
        #expect(CalicoEtcdLayout.parse("/calico/ipam/v2/host/n/ipv4/block/10.0.0.0-26") == nil)
        #expect(CalicoEtcdLayout.key(kind: "IPPool", name: "p") == prefix + "ippools/p")
        #expect(CalicoEtcdLayout.key(kind: "Profile", name: "p") == nil)
        #expect(CalicoEtcdLayout.nodeKey("n") == prefix + "nodes/n")
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("a new node's document: kind, name, address, AS and labels; it decodes as a Node")
    func newNode() throws {
        let registration = NodeRegistration(ipv4Address: "10.0.0.7/24", ipv6Address: "fd00::7/64", asNumber: 64513, labels: ["rack": "r1"])
        let bytes = try registration.document(name: "node-7", existing: nil).get()
        let resources = try ConfigFile.parse(yaml: String(decoding: bytes, as: UTF8.self), file: "etcd").get()
        guard case .node(let node) = try #require(resources.first) else {
            Issue.record("not a Node: \(resources)")
            return
        }
        #expect(node.metadata.name == "node-7" && node.metadata.labels == ["rack": "r1"])
        #expect(node.bgp?.ipv4Address?.description == "10.0.0.7/24")
        #expect(node.bgp?.ipv6Address?.description == "fd00::7/64")
        #expect(node.bgp?.asNumber == 64513)
    }

    @Test("an existing document keeps what the flags do not set, including fields Swiftlet does not know")
    func overlay() throws {
        let existing = Array(
            #"{"apiVersion":"projectcalico.org/v3","kind":"Node","metadata":{"name":"rr","labels":{"route-reflector":"true"},"resourceVersion":"42"},"spec":{"bgp":{"ipv4Address":"10.0.0.1/24","routeReflectorClusterID":"224.0.0.1"},"orchRefs":[{"nodeName":"rr"}]}}"#.utf8)
        let bytes = try NodeRegistration(ipv4Address: "10.0.0.2/24", labels: ["zone": "a"]).document(name: "rr", existing: existing).get()
        let root = try Self.object(bytes)
        let metadata = try #require(root["metadata"] as? [String: Any])
        #expect(metadata["resourceVersion"] == nil)
        #expect(metadata["labels"] as? [String: String] == ["route-reflector": "true", "zone": "a"])
        let spec = try #require(root["spec"] as? [String: Any])
        #expect(spec["orchRefs"] != nil)
        let bgp = try #require(spec["bgp"] as? [String: Any])
        #expect(bgp["ipv4Address"] as? String == "10.0.0.2/24")
        #expect(bgp["routeReflectorClusterID"] as? String == "224.0.0.1")
        // Registering twice with the same flags writes the same bytes.
        #expect(try NodeRegistration(ipv4Address: "10.0.0.2/24", labels: ["zone": "a"]).document(name: "rr", existing: bytes).get() == bytes)
    }

    @Test("no document and no address, or a document that is not JSON: the reasons")
    func failures() {
        #expect(NodeRegistration().document(name: "n", existing: nil) == .failure(.noAddress(node: "n")))
        guard case .failure(.unreadable(let key, _)) = NodeRegistration(ipv4Address: "10.0.0.1/24").document(name: "n", existing: Array("kind: Node".utf8)) else {
            Issue.record("YAML in the Node key should be unreadable for an overlay")
            return
        }
        #expect(key == CalicoEtcdLayout.nodeKey("n"))
    }

    @Test("a configuration directory: its resource files in name order as one set, hidden and other files skipped")
    func directory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-dir-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String) throws {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("b.yaml", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p2}\nspec: {cidr: 10.245.0.0/16}\n")
        try write("a.json", #"{"apiVersion":"projectcalico.org/v3","kind":"IPPool","metadata":{"name":"p1"},"spec":{"cidr":"10.244.0.0/16"}}"#)
        try write(".hidden.yaml", "not: [valid")
        try write("README", "not a resource")
        let files = try ConfigFile.files(at: directory.path).get()
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["a.json", "b.yaml"])
        let resources = try ConfigFile.load(path: directory.path).get()
        #expect(resources.map(\.metadata.name) == ["p1", "p2"])

        try write("c.yml", "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.246.0.0/16}\n")
        guard case .failure(let errors) = ConfigFile.load(path: directory.path) else {
            Issue.record("a name defined in two files must be an error")
            return
        }
        #expect(errors.count == 1)
        #expect(errors.first?.file.hasSuffix("/c.yml") == true && errors.first?.message.contains("duplicate IPPool name") == true)

        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        guard case .failure(let error) = ConfigFile.files(at: empty.path) else {
            Issue.record("an empty directory must be an error")
            return
        }
        #expect(error.message.contains("holds no"))
    }
}
