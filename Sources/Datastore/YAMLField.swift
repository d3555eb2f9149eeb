// SPDX-License-Identifier: Apache-2.0
// A YAML node together with its dotted path inside the resource (`spec.password.secretKeyRef`) and where it was
// written, so every value read from the config can be blamed precisely. Only `Datastore` sees Yams types; the
// resources it builds are plain `ClusterModel` values.

import ClusterModel
import Yams

/// A node of a resource document, with its path and position.
struct YAMLField {
    var node: Node
    /// Path inside the resource, without the `Kind(name)` prefix; empty for the document itself.
    var path: String
    var location: SourceLocation

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        let mark = node.mark
        self.location = SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    /// `path.key`.
    func child(_ key: String, node: Node) -> YAMLField {
        YAMLField(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: location.file)
    }

    /// The scalar's text, or `nil` for mappings, sequences and aliases.
    var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    /// True for an explicit YAML null (`~`, `null`, or nothing after the colon).
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the value reads in a message: `"abc"`, `a mapping`, `a list`.
    var shownValue: String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
