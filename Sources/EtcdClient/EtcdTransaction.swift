// SPDX-License-Identifier: Apache-2.0
// The parts of an etcd v3 transaction (etcdserverpb.TxnRequest): compares that all must hold, then the success or
// the failure operations. Calico's IPAM claims blocks this way (create-if-absent on the block key, compare-and-swap
// on modRevision for updates).

/// A condition of a transaction; each one compares with equality.
public enum EtcdCompare: Sendable, Hashable {
    /// `equals: 0` means "the key does not exist".
    case createRevision(key: String, equals: Int64)
    case modRevision(key: String, equals: Int64)
    case value(key: String, equals: [UInt8])

    var key: String {
        switch self {
        case .createRevision(let key, _), .modRevision(let key, _), .value(let key, _): key
        }
    }
}

/// A write inside a transaction.
public enum EtcdOperation: Sendable, Hashable {
    case put(key: String, value: [UInt8], lease: Int64? = nil)
    case delete(key: String)
    /// Deletes every key that starts with the prefix.
    case deletePrefix(String)
}

/// Which branch ran, and the store revision after the transaction.
public struct EtcdTxnResult: Sendable {
    public var succeeded: Bool
    public var revision: Int64

    public init(succeeded: Bool, revision: Int64) {
        self.succeeded = succeeded
        self.revision = revision
    }
}
