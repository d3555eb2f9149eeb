// SPDX-License-Identifier: Apache-2.0
// One Calico v3 resource (`apiVersion: projectcalico.org/v3`) as read from a config file or datastore. The kinds
// that decide BGP sessions, their filters and the routes a node originates are typed; every other kind
// (FelixConfiguration, IPReservation, …) is kept as `IgnoredResource` so it is listed, not silently dropped.

/// A Calico v3 resource.
public enum Resource: Hashable, Sendable {
    case bgpConfiguration(BGPConfigurationResource)
    case bgpPeer(BGPPeerResource)
    case node(NodeResource)
    case bgpFilter(BGPFilterResource)
    case ipPool(IPPoolResource)
    case blockAffinity(BlockAffinityResource)
    /// A known or unknown kind Swiftlet does not act on yet (FelixConfiguration, IPReservation, …).
    case ignored(IgnoredResource)

    /// The resource's `kind`, as spelled in YAML.
    public var kind: String {
        switch self {
        case .bgpConfiguration: BGPConfigurationResource.kind
        case .bgpPeer: BGPPeerResource.kind
        case .node: NodeResource.kind
        case .bgpFilter: BGPFilterResource.kind
        case .ipPool: IPPoolResource.kind
        case .blockAffinity: BlockAffinityResource.kind
        case .ignored(let resource): resource.kind
        }
    }

    public var metadata: ResourceMetadata {
        switch self {
        case .bgpConfiguration(let resource): resource.metadata
        case .bgpPeer(let resource): resource.metadata
        case .node(let resource): resource.metadata
        case .bgpFilter(let resource): resource.metadata
        case .ipPool(let resource): resource.metadata
        case .blockAffinity(let resource): resource.metadata
        case .ignored(let resource): resource.metadata
        }
    }
}

/// `metadata` of a resource, plus where each field came from so later checks can point at it.
public struct ResourceMetadata: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]
    /// Where the resource's document (its top-level mapping) starts.
    public var location: SourceLocation
    /// Where each field was written, keyed by its path inside the resource (`spec.password.secretKeyRef`).
    public var fieldLocations: [String: SourceLocation]
    /// Calico fields that were accepted but that Swiftlet does not act on (`spec.serviceClusterIPs`); the daemon
    /// logs them once at startup.
    public var ignoredFields: [String]

    public init(
        name: String, labels: [String: String] = [:], location: SourceLocation,
        fieldLocations: [String: SourceLocation] = [:], ignoredFields: [String] = []
    ) {
        self.name = name
        self.labels = labels
        self.location = location
        self.fieldLocations = fieldLocations
        self.ignoredFields = ignoredFields
    }

    /// The location of `field`, else of its closest recorded parent, else of the document.
    public func location(of field: String) -> SourceLocation {
        var path = Substring(field)
        while !path.isEmpty {
            if let location = fieldLocations[String(path)] { return location }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = path[..<dot]
        }
        return location
    }

    /// `Kind(name).field`, the path printed in errors.
    public func fieldPath(kind: String, _ field: String) -> String {
        field.isEmpty ? "\(kind)(\(name))" : "\(kind)(\(name)).\(field)"
    }

    /// An error about `field` of this resource, placed where the field was written.
    public func error(kind: String, field: String, _ message: String) -> ConfigError {
        ConfigError(at: location(of: field), field: fieldPath(kind: kind, field), message: message)
    }
}

/// A resource whose kind Swiftlet does not interpret.
public struct IgnoredResource: Hashable, Sendable {
    public var kind: String
    public var metadata: ResourceMetadata

    public init(kind: String, metadata: ResourceMetadata) {
        self.kind = kind
        self.metadata = metadata
    }
}
