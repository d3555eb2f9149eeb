// SPDX-License-Identifier: Apache-2.0
// A granted etcd lease (etcdserverpb.LeaseGrantResponse). Calico-style nodes attach their Node key to one, so the
// key vanishes when the node stops refreshing it.

public struct EtcdLease: Sendable, Hashable {
    public var id: Int64
    /// Seconds the server granted (it may round the request up to its minimum TTL).
    public var ttl: Int64

    public init(id: Int64, ttl: Int64) {
        self.id = id
        self.ttl = ttl
    }
}
