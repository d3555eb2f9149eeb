// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the Datastore tests: the package root (found from #filePath, so tests run from any directory),
// the example files in config/, and one-line parse/plan shorthands.

import BGPWire
import ClusterModel
import Datastore
import Foundation
import Testing

enum ConfigFixtures {
    /// The pools, block affinities and nodes among `resources`, in their order: what block assignment reads.
    static func ipamInputs(_ resources: [Resource]) -> (pools: [IPPoolResource], affinities: [BlockAffinityResource], nodes: [NodeResource]) {
        var pools: [IPPoolResource] = []
        var affinities: [BlockAffinityResource] = []
        var nodes: [NodeResource] = []
        for resource in resources {
            switch resource {
            case .ipPool(let pool): pools.append(pool)
            case .blockAffinity(let affinity): affinities.append(affinity)
            case .node(let node): nodes.append(node)
            default: break
            }
        }
        return (pools, affinities, nodes)
    }

    /// The package root: this file is Tests/DatastoreTests/ConfigFixtures.swift.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func example(_ name: String) -> String { packageRoot.appendingPathComponent("config/\(name)").path }

    static let secretsDirectory = packageRoot.appendingPathComponent("config/secrets").path

    /// Every YAML file in config/.
    static var exampleFiles: [String] {
        let directory = packageRoot.appendingPathComponent("config")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    /// Plans `node` from an example file, failing the test on errors.
    static func planExample(_ file: String, node: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
        -> DaemonConfiguration
    {
        switch ConfigLoader.load(path: example(file), nodeName: node, secretsDirectory: secretsDirectory) {
        case .success(let configuration): return configuration
        case .failure(let errors):
            Issue.record("unexpected errors:\n\(errors)", sourceLocation: sourceLocation)
            throw errors
        }
    }

    /// The error lines of YAML text that must not decode (file name `t.yaml`).
    static func errors(_ yaml: String) -> [String] {
        switch ConfigFile.parse(yaml: yaml, file: "t.yaml") {
        case .success: return []
        case .failure(let errors): return errors.map(\.description)
        }
    }

    static func resources(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Resource] {
        switch ConfigFile.parse(yaml: yaml, file: "t.yaml") {
        case .success(let resources): return resources
        case .failure(let errors):
            Issue.record("unexpected errors:\n\(errors)", sourceLocation: sourceLocation)
            return []
        }
    }

    static func plan(
        _ yaml: String, node: String, secrets: [SecretReference: String] = [:]
    ) -> Result<DaemonConfiguration, ConfigErrors> {
        switch ConfigFile.parse(yaml: yaml, file: "t.yaml") {
        case .success(let resources): PeerPlanner.plan(resources: resources, nodeName: node) { secrets[$0] }
        case .failure(let errors): .failure(errors)
        }
    }

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }
}
