// SPDX-License-Identifier: Apache-2.0
// Model golden tests (issue #6 "Must show"): each `Golden/<case>/snapshot.yaml` is a set of Calico resources,
// planned for every Node in it and rendered by `DesiredStateText`; the result must equal `Golden/<case>/desired.txt`.
// `# probes: PREFIX ...` comment lines in the snapshot name the prefixes whose export verdict is shown. After an
// intended change, `UPDATE_GOLDENS=1 swift test --filter DesiredStateGolden` rewrites the expected files; review
// the diff like code.

import BGPWire
import ClusterModel
import Datastore
import Foundation
import Testing

@Suite("DesiredState goldens")
struct DesiredStateGoldenTests {
    static let directory = ConfigFixtures.packageRoot.appendingPathComponent("Tests/DatastoreTests/Golden")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/snapshot.yaml").path)
        }.sorted()
    }

    /// Every node of the snapshot, planned and rendered, separated by blank lines.
    static func render(case name: String) throws -> String {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name)/snapshot.yaml"), encoding: .utf8)
        let probes = text.split(separator: "\n").filter { $0.hasPrefix("# probes:") }.flatMap {
            $0.dropFirst("# probes:".count).split(separator: " ").map { prefix in
                guard let parsed = IPPrefix(prefix) else { preconditionFailure("\(name): bad probe \(prefix)") }
                return parsed
            }
        }
        let resources: [Resource]
        switch ConfigFile.parse(yaml: text, file: "\(name)/snapshot.yaml") {
        case .success(let parsed): resources = parsed
        case .failure(let errors): return "snapshot does not parse:\n\(errors)"
        }
        var (pools, affinities, nodes) = ConfigFixtures.ipamInputs(resources)
        nodes.sort { $0.metadata.name < $1.metadata.name }
        let assignment = BlockAssignment.compute(pools: pools, affinities: affinities, nodes: nodes)
        var sections: [String] = []
        for node in nodes {
            let planned = PeerPlanner.plan(resources: resources, nodeName: node.metadata.name) { _ in "golden-secret" }
            switch planned {
            case .success(let configuration):
                let remote = nodes.filter { $0.metadata.name != node.metadata.name }.flatMap { other in
                    assignment.blocks(of: other.metadata.name).map { ($0.prefix, other) }
                }
                sections.append(DesiredStateText.render(configuration, probes: probes, remoteBlocks: remote))
            case .failure(let errors):
                let lines = errors.map { "  \($0)" }.joined(separator: "\n")
                sections.append("node \(node.metadata.name) fails:\n" + lines)
            }
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    @Test("There are golden cases, each with its expected text")
    func casesExist() {
        #expect(Self.cases.count >= 8)
        for name in Self.cases {
            let expected = Self.directory.appendingPathComponent("\(name)/desired.txt").path
            #expect(FileManager.default.fileExists(atPath: expected), "\(name) has no desired.txt")
        }
    }

    @Test("Resources → desired state matches the golden text", arguments: cases)
    func golden(name: String) throws {
        let actual = try Self.render(case: name)
        let file = Self.directory.appendingPathComponent("\(name)/desired.txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
            try actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        guard actual != expected else { return }
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let first = Array(zip(actualLines, expectedLines)).firstIndex { $0 != $1 }
            ?? min(actualLines.count, expectedLines.count)
        let got = first < actualLines.count ? String(actualLines[first]) : "<end>"
        let want = first < expectedLines.count ? String(expectedLines[first]) : "<end>"
        let message = "\(name)/desired.txt differs from line \(first + 1):\n  expected: \(want)\n  actual:   \(got)\n"
        Issue.record(Comment(rawValue: message + "(UPDATE_GOLDENS=1 rewrites it; review the diff)"))
    }

    @Test("Rendering is stable: the same resources in reverse document order give the same text")
    func orderIndependence() throws {
        for name in Self.cases {
            let file = Self.directory.appendingPathComponent("\(name)/snapshot.yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            let documents = text.components(separatedBy: "\n---\n")
            let reversed = documents.reversed().joined(separator: "\n---\n")
            guard case .success(let forward) = ConfigFile.parse(yaml: text, file: "f.yaml"),
                case .success(let backward) = ConfigFile.parse(yaml: reversed, file: "f.yaml")
            else {
                Issue.record("\(name): snapshot does not parse")
                continue
            }
            for case .node(let node) in forward {
                let a = PeerPlanner.plan(resources: forward, nodeName: node.metadata.name) { _ in "s" }
                let b = PeerPlanner.plan(resources: backward, nodeName: node.metadata.name) { _ in "s" }
                switch (a, b) {
                case (.success(let x), .success(let y)):
                    let remote: [(IPPrefix, NodeResource)] = []
                    let forwardText = DesiredStateText.render(x, probes: [], remoteBlocks: remote)
                    let backwardText = DesiredStateText.render(y, probes: [], remoteBlocks: remote)
                    #expect(forwardText == backwardText, "\(name) node \(node.metadata.name)")
                case (.failure, .failure): break
                default: Issue.record("\(name) node \(node.metadata.name): one order fails, the other does not")
                }
            }
        }
    }
}
