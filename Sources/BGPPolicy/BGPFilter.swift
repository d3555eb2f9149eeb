// SPDX-License-Identifier: Apache-2.0
// Calico's `BGPFilter` resource as a value: four ordered rule lists (import/export × IPv4/IPv6), each rule a set of
// match conditions, an action and, for Accept, route operations. Field names and limits follow projectcalico/api
// `pkg/apis/projectcalico/v3/bgpfilter.go` (BGPFilterSpec, BGPFilterRuleV4/V6, BGPFilterOperation).

import BGPWire

/// One `BGPFilter` resource, by name.
public struct BGPFilter: Hashable, Sendable {
    public var name: String
    public var exportV4: [FilterRule]
    public var importV4: [FilterRule]
    public var exportV6: [FilterRule]
    public var importV6: [FilterRule]

    public init(
        name: String, exportV4: [FilterRule] = [], importV4: [FilterRule] = [], exportV6: [FilterRule] = [],
        importV6: [FilterRule] = []
    ) {
        self.name = name
        self.exportV4 = exportV4
        self.importV4 = importV4
        self.exportV6 = exportV6
        self.importV6 = importV6
    }

    /// The rules for one direction and family, in evaluation order.
    public func rules(_ direction: PolicyDirection, _ family: IPAddress.Family) -> [FilterRule] {
        switch (direction, family) {
        case (.import, .ipv4): importV4
        case (.import, .ipv6): importV6
        case (.export, .ipv4): exportV4
        case (.export, .ipv6): exportV6
        }
    }

    /// The Calico field name of a rule list: `importV4`, `exportV6`, …
    public static func fieldName(_ direction: PolicyDirection, _ family: IPAddress.Family) -> String {
        "\(direction.rawValue)\(family == .ipv4 ? "V4" : "V6")"
    }
}

/// Whether a route is entering (import) or leaving (export) over a session.
public enum PolicyDirection: String, Hashable, Sendable, CaseIterable {
    case `import`, export
}
