// SPDX-License-Identifier: Apache-2.0
// The one call `swiftletd` makes at startup and on every reload: read the config file (or take the etcd datastore's
// resources), resolve secrets, and plan this node's sessions.
// Every failure comes back as `ConfigErrors` with file:line:column positions; nothing throws past `Datastore`.

import ClusterModel

/// Config file + secrets + planner.
public enum ConfigLoader {
    /// Loads `path` and plans the configuration of node `nodeName`. `secretsDirectory` holds mounted secrets
    /// (`<dir>/<secret>/<key>`); without it any `secretKeyRef` is an error.
    public static func load(
        path: String, nodeName: String, secretsDirectory: String?
    ) -> Result<DaemonConfiguration, ConfigErrors> {
        switch ConfigFile.load(path: path) {
        case .success(let resources): plan(resources: resources, nodeName: nodeName, secretsDirectory: secretsDirectory)
        case .failure(let errors): .failure(errors)
        }
    }

    /// Plans node `nodeName` from resources already read (a config file, or the etcd datastore's snapshot).
    public static func plan(
        resources: [Resource], nodeName: String, secretsDirectory: String?,
        blockSource: PeerPlanner.BlockSource = .affinitiesOrRule
    ) -> Result<DaemonConfiguration, ConfigErrors> {
        let store = secretsDirectory.map(SecretStore.init(directory:))
        let result = PeerPlanner.plan(resources: resources, nodeName: nodeName, blockSource: blockSource) {
            store?.resolve($0)
        }
        return result.mapError { errors in
            // Say where the secret was looked for: the planner only knows the reference.
            ConfigErrors(
                errors.map { error in
                    guard error.field.hasSuffix(".secretKeyRef") else { return error }
                    var error = error
                    if let store {
                        error.message += "; secrets are read from \(store.directory)/<name>/<key>"
                    } else {
                        error.message += "; no secrets directory was given (--secrets-dir)"
                    }
                    return error
                })
        }
    }
}
