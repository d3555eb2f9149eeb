// SPDX-License-Identifier: Apache-2.0
// A Kubernetes `SecretKeySelector` as Calico uses it for BGP passwords (`password.secretKeyRef`,
// `nodeMeshPassword.secretKeyRef`): a secret's name and a key inside it. Resolution is the caller's business
// (Datastore reads the secret-mount layout); this type only names the secret.

/// `secretKeyRef: {name, key}`.
public struct SecretReference: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var key: String
    /// `optional: true` in Kubernetes: a missing secret means "no password" rather than an error.
    public var isOptional: Bool

    public init(name: String, key: String, isOptional: Bool = false) {
        self.name = name
        self.key = key
        self.isOptional = isOptional
    }

    public var description: String { "secret \(name)/\(key)" }
}
