// SPDX-License-Identifier: Apache-2.0
// `IPPool.spec` (projectcalico/api `ippool.go`) with the CRD's validation rules: a masked CIDR outside the link-local
// ranges, `blockSize` 20-32 (IPv4) or 116-128 (IPv6) and no longer than the pool unless it is disabled, IPIP only on
// IPv4, and IPIP and VXLAN not both on.

import BGPWire
import ClusterModel

extension ResourceDecoder {
    static let ipPoolFields = [
        "cidr", "blockSize", "ipipMode", "vxlanMode", "natOutgoing", "disabled", "disableBGPExport", "nodeSelector",
        "allowedUses",
    ]
    /// Calico fields accepted but not acted on: they steer IPAM allocations per namespace or on request only.
    static let ipPoolIgnored: Set<String> = ["namespaceSelector", "assignmentMode"]

    mutating func ipPoolSpec(_ spec: YAMLField?, document: YAMLField) -> IPPoolResource.Spec? {
        guard let spec else {
            missing("spec", in: document)
            return nil
        }
        guard let fields = mapping(spec, known: Self.ipPoolFields, ignored: Self.ipPoolIgnored) else { return nil }
        guard let cidrField = fields["cidr"] else {
            missing("cidr", in: spec)
            return nil
        }
        guard let cidr = prefix(cidrField) else { return nil }
        var result = IPPoolResource.Spec(cidr: cidr)
        let family = cidr.family
        if let f = fields["blockSize"] {
            let sizes = IPPoolResource.blockSizes(family)
            let familyName = family == .ipv4 ? "IPv4" : "IPv6"
            if let value = integer(f, in: 0...128, what: "a prefix length") {
                if value == 0 {
                    // Go's zero value: the CRD rule treats 0 as "unset".
                } else if sizes.contains(UInt8(value)) {
                    result.blockSize = UInt8(value)
                } else {
                    fail(f, "expected \(sizes.lowerBound)-\(sizes.upperBound) for an \(familyName) pool, got \(f.shownValue)")
                }
            }
        }
        if let f = fields["ipipMode"] { result.ipipMode = enumeration(f, as: IPPoolResource.EncapsulationMode.self) ?? .never }
        if let f = fields["vxlanMode"] { result.vxlanMode = enumeration(f, as: IPPoolResource.EncapsulationMode.self) ?? .never }
        if let f = fields["natOutgoing"] { result.natOutgoing = bool(f) ?? false }
        if let f = fields["disabled"] { result.disabled = bool(f) ?? false }
        if let f = fields["disableBGPExport"] { result.disableBGPExport = bool(f) ?? false }
        if let f = fields["nodeSelector"], let selector = selector(f) { result.nodeSelector = selector }
        if let f = fields["allowedUses"] {
            result.allowedUses = list(f).compactMap { enumeration($0, as: IPPoolResource.AllowedUse.self) }
        }

        // CRD: "IPPool CIDR overlaps with IPv4 link local range 169.254.0.0/16" (and fe80::/10 for IPv6).
        let linkLocal = family == .ipv4 ? IPPrefix("169.254.0.0/16")! : IPPrefix("fe80::/10")!
        if linkLocal.contains(cidr) || cidr.contains(linkLocal) {
            fail(cidrField, "\(cidr) overlaps the link-local range \(linkLocal)")
        }
        // CRD: "IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size."
        if !result.disabled, cidr.length > result.blockSize {
            fail(cidrField, "\(cidr) is smaller than one /\(result.blockSize) block; use a larger pool or a larger blockSize")
        }
        // CRD: "IPIP is not supported on IPv6 pools".
        if family == .ipv6, result.ipipMode != .never, let f = fields["ipipMode"] {
            fail(f, "IPIP is not supported on IPv6 pools")
        }
        // CRD: "ipipMode and vxlanMode cannot both be enabled".
        if result.ipipMode != .never, result.vxlanMode != .never, let f = fields["vxlanMode"] {
            fail(f, "cannot be enabled together with ipipMode (\(result.ipipMode.rawValue)); set one of them to Never")
        }
        return result
    }
}
