// SPDX-License-Identifier: Apache-2.0
// The outcome of running a peer's BGPFilters on one route: accepted or not, the operations to apply, the kernel
// priority they set, which rule decided, and a sentence saying why for `swiftletctl show route … detail`.

/// Which rule of which filter decided.
public struct RuleReference: Hashable, Sendable, CustomStringConvertible {
    public var filter: String
    /// `importV4`, `exportV6`, …
    public var list: String
    /// 1-based, as an operator counts rules in YAML.
    public var rule: Int

    public init(filter: String, list: String, rule: Int) {
        self.filter = filter
        self.list = list
        self.rule = rule
    }

    public var description: String { "BGPFilter \(filter) \(list) rule \(rule)" }
}

/// The result of `PolicyEvaluator.evaluate`.
public struct Verdict: Hashable, Sendable {
    public var accepted: Bool
    /// The matching rule's operations, to apply in order (`PolicyEvaluator.apply`).
    public var operations: [FilterOperation]
    /// The last `setPriority` among `operations`: the kernel route metric (BIRD `krt_metric`), not an attribute.
    public var priority: UInt32?
    /// `nil` when no rule matched and the default decided.
    public var decidedBy: RuleReference?
    /// E.g. `BGPFilter tor-in importV4 rule 2: cidr 10.0.0.0/8 In → Accept`.
    public var reason: String

    public init(
        accepted: Bool, operations: [FilterOperation] = [], priority: UInt32? = nil, decidedBy: RuleReference?,
        reason: String
    ) {
        self.accepted = accepted
        self.operations = operations
        self.priority = priority
        self.decidedBy = decidedBy
        self.reason = reason
    }

    /// True when no rule matched. On export the route then goes on to Calico's own export rules
    /// (`calico_export_to_bgp_peers`), which this target does not own; on import it is accepted.
    public var isDefault: Bool { decidedBy == nil }
}
