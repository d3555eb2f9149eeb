// SPDX-License-Identifier: Apache-2.0
// Where Calico keeps its resources in etcd v3, so Swiftlet reads the same keys `calicoctl` (with
// DATASTORE_TYPE=etcdv3) writes and calico/node reads: libcalico-go `backend/etcdv3` stores a v3 resource at
// `/calico/resources/v3/projectcalico.org/<plural kind>/<name>` as the resource's JSON document. IPAM keys live under
// `/calico/ipam/v2/` (ClusterModel's `CalicoIPAMKey`).

import ClusterModel

/// Calico's etcd v3 key layout for the resources Swiftlet reads.
public enum CalicoEtcdLayout {
    /// Every v3 resource lies under this prefix.
    public static let resourcesPrefix = "/calico/resources/v3/projectcalico.org/"
    /// Every IPAM key (blocks, host affinities, handles) lies under this prefix.
    public static let ipamPrefix = "/calico/ipam/v2/"

    /// The kinds Swiftlet reads from etcd, by the plural name libcalico-go uses in keys.
    public static let kindsByPlural: [String: String] = [
        "nodes": NodeResource.kind,
        "bgppeers": BGPPeerResource.kind,
        "bgpconfigurations": BGPConfigurationResource.kind,
        "bgpfilters": BGPFilterResource.kind,
        "ippools": IPPoolResource.kind,
    ]

    /// The key of a resource of `kind` (`Node`) called `name`.
    public static func key(kind: String, name: String) -> String? {
        guard let plural = kindsByPlural.first(where: { $0.value == kind })?.key else { return nil }
        return resourcesPrefix + plural + "/" + name
    }

    /// The key of the Node resource `name`.
    public static func nodeKey(_ name: String) -> String { resourcesPrefix + "nodes/" + name }

    /// `(kind, name)` of a resource key Swiftlet reads; `nil` for any other key (workload endpoints, profiles, …,
    /// which share the prefix and are skipped).
    public static func parse(_ key: String) -> (kind: String, name: String)? {
        guard key.hasPrefix(resourcesPrefix) else { return nil }
        let rest = key.dropFirst(resourcesPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let name = rest[rest.index(after: slash)...]
        guard let kind = kindsByPlural[String(rest[..<slash])], !name.isEmpty, !name.contains("/") else { return nil }
        return (kind, String(name))
    }
}
