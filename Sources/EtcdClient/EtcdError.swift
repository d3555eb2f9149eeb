// SPDX-License-Identifier: Apache-2.0
// What an etcd call can fail with. Callers decide by case: `unavailable` means retry later (the daemon keeps its BGP
// sessions and routes), `compacted` means re-list and re-watch, the rest are reported.

public enum EtcdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No endpoint answered, a call timed out, or the connection was lost (retry later). gRPC UNAVAILABLE (14) from
    /// the gateway (e.g. no leader) lands here too.
    case unavailable(String)
    /// The watch start revision was compacted: re-list, then watch from the listing's revision + 1.
    case compacted(compactRevision: Int64)
    case leaseNotFound(Int64)
    /// A gRPC status from the gateway (`code` as in google.golang.org/grpc/codes), or an HTTP status when the body
    /// carried none.
    case server(code: Int, message: String)
    case malformedResponse(String)
    /// Bad endpoints or TLS files given to `EtcdClient.init`.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unavailable(let why): "etcd unavailable: \(why)"
        case .compacted(let revision): "etcd revision compacted (compact revision \(revision))"
        case .leaseNotFound(let id): "etcd lease \(id) not found"
        case .server(let code, let message): "etcd error \(code): \(message)"
        case .malformedResponse(let why): "malformed etcd response: \(why)"
        case .invalidConfiguration(let why): "invalid etcd configuration: \(why)"
        }
    }

    /// gRPC status codes the client tells apart (grpc/codes/codes.go).
    enum GRPCCode {
        static let notFound = 5
        static let outOfRange = 11
        static let unavailable = 14
    }
}
