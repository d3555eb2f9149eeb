// SPDX-License-Identifier: Apache-2.0
// What a node says about itself when it registers in etcd: its BGP addresses, AS number and labels, as calico/node
// writes them into its Node resource at startup (the `IP`, `IP6`, `AS` environment variables). Fields not given stay as
// an operator wrote them (a route reflector's `routeReflectorClusterID` and labels, `orchRefs`, …): the existing JSON
// document is edited, not replaced, so fields Swiftlet does not know survive.

import Foundation

/// The fields a node overlays on its Node resource when it registers.
public struct NodeRegistration: Sendable, Hashable {
    /// `spec.bgp.ipv4Address`, CIDR text (`10.0.0.11/24`).
    public var ipv4Address: String?
    /// `spec.bgp.ipv6Address`, CIDR text.
    public var ipv6Address: String?
    /// `spec.bgp.asNumber`.
    public var asNumber: UInt32?
    /// Merged into `metadata.labels` (a given label replaces the one of the same name).
    public var labels: [String: String]

    public init(ipv4Address: String? = nil, ipv6Address: String? = nil, asNumber: UInt32? = nil, labels: [String: String] = [:]) {
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
        self.asNumber = asNumber
        self.labels = labels
    }

    /// Why a node cannot register.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// No Node resource exists and no address was given: other nodes could not reach this one.
        case noAddress(node: String)
        /// The stored document is not a JSON object (someone wrote YAML or garbage by hand).
        case unreadable(key: String, reason: String)

        public var description: String {
            switch self {
            case .noAddress(let node):
                "node \(node) has no Node resource in etcd and neither --node-ip nor --node-ipv6 was given"
            case .unreadable(let key, let reason):
                "\(key): the stored Node resource is not a JSON object (\(reason)); fix or delete it"
            }
        }
    }

    /// The Node document to store for node `name`: `existing` (the stored JSON, if any) with these fields overlaid.
    public func document(name: String, existing: [UInt8]?) -> Result<[UInt8], Failure> {
        var root: [String: Any]
        if let existing, !existing.isEmpty {
            do {
                guard let object = try JSONSerialization.jsonObject(with: Data(existing)) as? [String: Any] else {
                    return .failure(.unreadable(key: CalicoEtcdLayout.nodeKey(name), reason: "not an object"))
                }
                root = object
            } catch {
                return .failure(.unreadable(key: CalicoEtcdLayout.nodeKey(name), reason: "\(error.localizedDescription)"))
            }
        } else {
            guard ipv4Address != nil || ipv6Address != nil else { return .failure(.noAddress(node: name)) }
            root = [:]
        }
        root["apiVersion"] = ConfigFile.apiVersion
        root["kind"] = "Node"
        var metadata = root["metadata"] as? [String: Any] ?? [:]
        metadata["name"] = name
        // Written by the API server in a Kubernetes datastore; meaningless in etcd and it would only go stale here.
        metadata.removeValue(forKey: "resourceVersion")
        if !labels.isEmpty {
            var merged = metadata["labels"] as? [String: Any] ?? [:]
            for (key, value) in labels { merged[key] = value }
            metadata["labels"] = merged
        }
        root["metadata"] = metadata
        var spec = root["spec"] as? [String: Any] ?? [:]
        var bgp = spec["bgp"] as? [String: Any] ?? [:]
        if let ipv4Address { bgp["ipv4Address"] = ipv4Address }
        if let ipv6Address { bgp["ipv6Address"] = ipv6Address }
        if let asNumber { bgp["asNumber"] = Int(asNumber) }
        spec["bgp"] = bgp
        root["spec"] = spec
        // Sorted keys: the same registration writes the same bytes, so a restart that changes nothing decodes to the
        // same Node on every other node and plans to the same configuration (no session is touched).
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return .success([UInt8](data))
    }
}
