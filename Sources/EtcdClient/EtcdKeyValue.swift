// SPDX-License-Identifier: Apache-2.0
// One stored key and a consistent listing of keys, as etcd v3 returns them (mvccpb.KeyValue,
// etcdserverpb.RangeResponse).
// Calico's etcd v3 backend reads resources as these: the value is one JSON document, modRevision is the resource
// version an update must compare against.

/// A key with its value and MVCC revisions (etcd `mvccpb.KeyValue`).
public struct EtcdKeyValue: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    /// Revision of the last creation of this key (0 after a delete).
    public var createRevision: Int64
    /// Revision of the last change to this key.
    public var modRevision: Int64
    /// Number of changes since creation (1 for a new key).
    public var version: Int64
    /// Lease the key is attached to, 0 for none.
    public var lease: Int64

    public init(
        key: String, value: [UInt8], createRevision: Int64 = 0, modRevision: Int64 = 0, version: Int64 = 0,
        lease: Int64 = 0
    ) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// All keys under a prefix as of one store revision.
public struct EtcdRangeResult: Sendable {
    public var kvs: [EtcdKeyValue]
    /// The store revision the listing reflects; a watch from `revision + 1` misses nothing.
    public var revision: Int64

    public init(kvs: [EtcdKeyValue], revision: Int64) {
        self.kvs = kvs
        self.revision = revision
    }
}
