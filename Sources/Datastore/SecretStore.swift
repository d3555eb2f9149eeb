// SPDX-License-Identifier: Apache-2.0
// BGP passwords from Kubernetes secrets in their volume-mount layout: secret `<name>` mounted under a directory
// holds one file per key, so `secretKeyRef {name, key}` is the file `<directory>/<name>/<key>`. One trailing
// newline is dropped (what `echo` and most editors add); anything else in the file is the password.

import ClusterModel
import Foundation

/// Reads secrets from a directory of mounted Kubernetes secrets.
public struct SecretStore: Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The file that holds `reference`.
    public func path(for reference: SecretReference) -> String {
        (directory as NSString).appendingPathComponent("\(reference.name)/\(reference.key)")
    }

    /// The secret's value, or `nil` when the file does not exist, cannot be read, or the reference is not a plain
    /// name (a `/` or `..` would leave the directory).
    public func resolve(_ reference: SecretReference) -> String? {
        for component in [reference.name, reference.key] {
            guard !component.isEmpty, component != ".", component != "..", !component.contains("/") else { return nil }
        }
        guard var value = try? String(contentsOfFile: path(for: reference), encoding: .utf8) else { return nil }
        if value.hasSuffix("\n") { value.removeLast() }
        return value
    }
}
