// SPDX-License-Identifier: Apache-2.0
// `BlockAffinity.spec` (projectcalico/api `blockaffinity.go`): the node, the block's CIDR, the state and `deleted`.
// The state may be empty (the CRD's enum allows ""), which `bird_aggr.cfg.template` treats as confirmed.

import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let blockAffinityFields = ["node", "cidr", "state", "deleted", "type"]

    mutating func blockAffinitySpec(_ spec: YAMLField?, document: YAMLField) -> BlockAffinityResource.Spec? {
        guard let spec else {
            missing("spec", in: document)
            return nil
        }
        guard let fields = mapping(spec, known: Self.blockAffinityFields) else { return nil }
        var node: String?
        var cidr: IPPrefix?
        if let f = fields["node"] { node = name(f) } else { missing("node", in: spec) }
        if let f = fields["cidr"] { cidr = prefix(f) } else { missing("cidr", in: spec) }
        var state = BlockAffinityResource.State.confirmed
        if let f = fields["state"], f.scalarText != "", !f.isNull {
            state = enumeration(f, as: BlockAffinityResource.State.self) ?? .confirmed
        }
        var deleted = false
        if let f = fields["deleted"] {
            // The Kubernetes backend's CRD stores `deleted` as the string "true"/"false"; accept both spellings.
            if case .scalar(let scalar) = f.node, scalar.style != .plain, ["true", "false"].contains(scalar.string) {
                deleted = scalar.string == "true"
            } else {
                deleted = bool(f) ?? false
            }
        }
        if let f = fields["type"] { _ = string(f) }  // "host" or "virtual"; both give the node the block
        guard let node, let cidr else { return nil }
        return BlockAffinityResource.Spec(node: node, cidr: cidr, state: state, deleted: deleted)
    }
}
