// SPDX-License-Identifier: Apache-2.0
// Reads a config file of Calico v3 resources: YAML documents separated by `---`, each a resource with
// `apiVersion: projectcalico.org/v3`, or a list (`kind: List` / `kind: BGPPeerList` with `items:`) as
// `calicoctl get -o yaml` prints it. Uses Yams' node API so each error keeps its line and column, reports every
// error in the file rather than the first, and never throws.

import ClusterModel
import Foundation
import Yams

/// Loading of YAML resource files.
public enum ConfigFile {
    public static let apiVersion = "projectcalico.org/v3"

    /// Calico kinds Swiftlet reads but does not act on; any other unknown kind is an error.
    public static let ignoredKinds: Set<String> = [
        "IPReservation", "FelixConfiguration", "ClusterInformation", "KubeControllersConfiguration",
        "GlobalNetworkPolicy", "NetworkPolicy", "StagedGlobalNetworkPolicy", "StagedNetworkPolicy",
        "StagedKubernetesNetworkPolicy", "GlobalNetworkSet", "NetworkSet", "HostEndpoint", "WorkloadEndpoint", "Profile",
        "Tier", "IPAMConfiguration", "IPAMBlock", "CalicoNodeStatus",
    ]

    /// Reads and decodes the file at `path`, or every `*.yaml`, `*.yml` and `*.json` file of the directory at `path`
    /// (in name order, as one set: a name defined twice across files is an error). Positions in errors are
    /// `file:line:column`.
    public static func load(path: String) -> Result<[Resource], ConfigErrors> {
        let files: [String]
        switch self.files(at: path) {
        case .success(let list): files = list
        case .failure(let error): return .failure([error])
        }
        var resources: [Resource] = []
        var errors: [ConfigError] = []
        for file in files {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                errors.append(ConfigError(at: .file(file), field: "", message: "cannot read the file: \(error.localizedDescription)"))
                continue
            }
            let (documentResources, documentErrors) = decode(yaml: text, file: file)
            resources += documentResources
            errors += documentErrors
        }
        errors += duplicateNames(resources)
        return errors.isEmpty ? .success(resources) : .failure(ConfigErrors(errors))
    }

    /// The files `load(path:)` reads: `path` itself, or the resource files of the directory at `path` sorted by name
    /// (hidden files left out, like Kubernetes' `..data` links of a mounted ConfigMap).
    public static func files(at path: String) -> Result<[String], ConfigError> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ConfigError(at: .file(path), field: "", message: "cannot read the file: no such file or directory"))
        }
        guard isDirectory.boolValue else { return .success([path]) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            return .failure(ConfigError(at: .file(path), field: "", message: "cannot list the directory: \(error.localizedDescription)"))
        }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        let files = names.filter { name in
            !name.hasPrefix(".") && [".yaml", ".yml", ".json"].contains { name.hasSuffix($0) }
        }.sorted().map { "\(base)/\($0)" }
        guard !files.isEmpty else {
            return .failure(ConfigError(at: .file(path), field: "", message: "the directory holds no *.yaml, *.yml or *.json file"))
        }
        return .success(files)
    }

    /// Decodes YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String) -> Result<[Resource], ConfigErrors> {
        let (resources, errors) = decode(yaml: yaml, file: file)
        let all = (errors + duplicateNames(resources)).enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
        return all.isEmpty ? .success(resources) : .failure(ConfigErrors(all))
    }

    /// The resources and errors of one file, in file order, before the checks across files.
    static func decode(yaml: String, file: String) -> ([Resource], [ConfigError]) {
        var errors: [ConfigError] = []
        var documents: [Node] = []
        do {
            let parser = try Parser(yaml: yaml)
            while let root = try parser.nextRoot() { documents.append(root) }
        } catch {
            errors.append(syntaxError(error, file: file))
        }
        var resources: [Resource] = []
        var index = 0
        for document in documents {
            let root = YAMLField(node: document, path: "", file: file)
            if root.isNull { continue }  // an empty document, e.g. a trailing `---`
            decodeDocument(root, file: file, index: &index, into: &resources, errors: &errors)
        }
        // File order, as an editor would walk them (the sort is stable for errors at one position).
        errors = errors.enumerated().sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
        return (resources, errors)
    }

    // MARK: Documents

    static func decodeDocument(
        _ root: YAMLField, file: String, index: inout Int, into resources: inout [Resource], errors: inout [ConfigError]
    ) {
        index += 1
        var decoder = ResourceDecoder(file: file, resourcePath: "document \(index)")
        defer { errors.append(contentsOf: decoder.errors) }
        guard case .mapping = root.node else {
            decoder.fail(root, "expected a resource (a mapping with apiVersion, kind, metadata and spec), got \(root.shownValue)")
            return
        }
        // Peek at kind first so a List gets its own set of fields.
        let kind = root.node["kind"]?.string
        if let kind, kind == "List" || (kind.hasSuffix("List") && root.node["items"] != nil) {
            guard let fields = decoder.mapping(root, known: ["apiVersion", "kind", "items"], silent: ["metadata"]) else { return }
            if let f = fields["apiVersion"], let version = decoder.string(f), version != "v1", version != apiVersion {
                decoder.fail(f, "expected \"v1\" or \"\(apiVersion)\" for a \(kind), got \(f.shownValue)")
            }
            guard let items = fields["items"] else { return }
            guard case .sequence(let sequence) = items.node else {
                if !items.isNull { decoder.fail(items, "expected a list of resources, got \(items.shownValue)") }
                return
            }
            for (i, item) in sequence.enumerated() {
                let field = items.child("\(i)", node: item)
                decodeDocument(field, file: file, index: &index, into: &resources, errors: &errors)
            }
            return
        }
        if let resource = decodeResource(root, decoder: &decoder) { resources.append(resource) }
    }

    static func decodeResource(_ root: YAMLField, decoder: inout ResourceDecoder) -> Resource? {
        // Resources inside a List are addressed by kind and name, not by their position in `items`.
        var root = root
        root.path = ""
        guard let fields = decoder.mapping(root, known: ["apiVersion", "kind", "metadata", "spec"], silent: ["status"])
        else { return nil }
        guard let kindField = fields["kind"], let kind = decoder.name(kindField) else {
            if fields["kind"] == nil { decoder.missing("kind", in: root) }
            return nil
        }
        let known = [
            BGPConfigurationResource.kind, BGPPeerResource.kind, NodeResource.kind, BGPFilterResource.kind,
            IPPoolResource.kind, BlockAffinityResource.kind,
        ]
        guard known.contains(kind) || ignoredKinds.contains(kind) else {
            var message = "unknown kind \"\(kind)\" (Swiftlet reads \(known.joined(separator: ", ")) and lists other Calico kinds)"
            if let guess = ResourceDecoder.closest(to: kind, in: known + ignoredKinds.sorted()) {
                message += "; did you mean \"\(guess)\"?"
            }
            decoder.fail(kindField, message)
            return nil
        }
        decoder.resourcePath = "\(kind)(\(decoder.resourcePath))"
        if let f = fields["apiVersion"] {
            if let version = decoder.string(f), version != apiVersion {
                decoder.fail(f, "expected \"\(apiVersion)\", got \(f.shownValue)")
            }
        } else {
            decoder.missing("apiVersion", in: root, " (\(apiVersion))")
        }

        // metadata
        var name: String?
        var labels: [String: String] = [:]
        if let metadataField = fields["metadata"],
            let metadata = decoder.mapping(
                metadataField, known: ["name", "labels"],
                silent: [
                    "annotations", "creationTimestamp", "resourceVersion", "uid", "generation", "managedFields",
                    "finalizers", "ownerReferences", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds",
                    "generateName",
                ])
        {
            if let f = metadata["name"] { name = decoder.name(f) } else { decoder.missing("name", in: metadataField) }
            if let f = metadata["labels"], case .mapping(let mapping) = f.node {
                for (key, value) in mapping {
                    let valueField = f.child(key.string ?? "?", node: value)
                    if let k = key.string, let v = decoder.string(valueField) { labels[k] = v }
                }
            } else if let f = metadata["labels"], !f.isNull {
                decoder.fail(f, "expected a mapping of label names to values, got \(f.shownValue)")
            }
        } else if fields["metadata"] == nil {
            decoder.missing("metadata", in: root)
        }
        guard let name else { return nil }
        decoder.resourcePath = "\(kind)(\(name))"

        let spec = fields["spec"]
        switch kind {
        case BGPConfigurationResource.kind:
            let scope = BGPConfigurationResource.scope(ofName: name)
            if scope == nil, let f = root.node["metadata"]?["name"] {
                decoder.fail(YAMLField(node: f, path: "metadata.name", file: decoder.file),
                    "expected \"default\" or \"node.<nodeName>\", got \"\(name)\"")
            }
            let value = decoder.bgpConfigurationSpec(spec, scope: scope)
            return .bgpConfiguration(.init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), spec: value))
        case BGPPeerResource.kind:
            let value = decoder.bgpPeerSpec(spec, document: root)
            return .bgpPeer(.init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), spec: value))
        case NodeResource.kind:
            let (bgp, vxlan) = decoder.nodeSpec(spec)
            return .node(
                .init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), bgp: bgp, vxlan: vxlan))
        case BGPFilterResource.kind:
            var filter = decoder.bgpFilterSpec(spec, name: name)
            filter.name = name
            return .bgpFilter(.init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), filter: filter))
        case IPPoolResource.kind:
            guard let value = decoder.ipPoolSpec(spec, document: root) else { return nil }
            return .ipPool(.init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), spec: value))
        case BlockAffinityResource.kind:
            guard let value = decoder.blockAffinitySpec(spec, document: root) else { return nil }
            return .blockAffinity(.init(metadata: decoder.metadata(name: name, labels: labels, at: root.location), spec: value))
        default:
            return .ignored(.init(kind: kind, metadata: decoder.metadata(name: name, labels: labels, at: root.location)))
        }
    }

    // MARK: Checks across documents

    /// Calico names are unique per kind.
    static func duplicateNames(_ resources: [Resource]) -> [ConfigError] {
        var seen: [String: ResourceMetadata] = [:]
        var errors: [ConfigError] = []
        for resource in resources {
            let key = "\(resource.kind)/\(resource.metadata.name)"
            if let first = seen[key] {
                errors.append(
                    resource.metadata.error(
                        kind: resource.kind, field: "metadata.name",
                        "duplicate \(resource.kind) name \"\(resource.metadata.name)\" (first defined at \(first.location(of: "metadata.name")))"))
            } else {
                seen[key] = resource.metadata
            }
        }
        return errors
    }

    /// A Yams error with its position.
    static func syntaxError(_ error: any Error, file: String) -> ConfigError {
        func at(_ mark: Mark, _ message: String) -> ConfigError {
            ConfigError(file: file, line: mark.line, column: mark.column, field: "", message: "YAML: \(message)")
        }
        guard let yamlError = error as? YamlError else {
            return ConfigError(at: .file(file), field: "", message: "YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return at(mark, context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return at(context.mark, "duplicate key \(keys) in one mapping")
        case .reader(let problem, _, _, _):
            return ConfigError(at: .file(file), field: "", message: "YAML: \(problem)")
        default:
            return ConfigError(at: .file(file), field: "", message: "YAML: \(yamlError)")
        }
    }
}
