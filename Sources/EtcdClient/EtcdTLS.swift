// SPDX-License-Identifier: Apache-2.0
// Files for TLS to etcd (https endpoints): the CA that signed the server, and an optional client certificate and key
// for client-cert authentication (etcd `--client-cert-auth`, Calico's `etcdCACertFile`/`etcdCertFile`/`etcdKeyFile`).

public struct EtcdTLS: Sendable, Hashable {
    /// PEM CA bundle; `nil` uses the system trust roots.
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String?, certFile: String?, keyFile: String?) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}
