// SPDX-License-Identifier: Apache-2.0
// `kind: IPPool` (Calico v3, projectcalico/api `ippool.go`): a CIDR that workload addresses come from, cut into
// `blockSize` blocks that IPAM gives to nodes. For BGP it decides what may be exported: confd turns every pool into
// `if (net ~ cidr) then { accept; }` at the end of `calico_export_to_bgp_peers`, or a `reject` at its start when
// `disableBGPExport` is set. `disabled` only stops new allocations; the pool is still exported (confd
// `processIPPool` does not look at it). The encapsulation modes are kept for the kernel side.

import BGPWire

/// An `IPPool` resource.
public struct IPPoolResource: Hashable, Sendable {
    public static let kind = "IPPool"
    /// Calico's default block sizes (`IPPoolSpec.BlockSize`).
    public static let defaultIPv4BlockSize: UInt8 = 26
    public static let defaultIPv6BlockSize: UInt8 = 122
    /// Calico's allowed block sizes per family (the CRD's `blockSize` rule).
    public static func blockSizes(_ family: IPAddress.Family) -> ClosedRange<UInt8> {
        family == .ipv4 ? 20...32 : 116...128
    }

    /// `ipipMode` / `vxlanMode`.
    public enum EncapsulationMode: String, Hashable, Sendable, CaseIterable {
        case never = "Never", always = "Always", crossSubnet = "CrossSubnet"
    }

    /// `allowedUses`; an empty list means Workload and Tunnel.
    public enum AllowedUse: String, Hashable, Sendable, CaseIterable {
        case workload = "Workload", tunnel = "Tunnel", loadBalancer = "LoadBalancer"
    }

    public struct Spec: Hashable, Sendable {
        public var cidr: IPPrefix
        /// Prefix length of the blocks the pool is cut into.
        public var blockSize: UInt8
        public var ipipMode: EncapsulationMode
        public var vxlanMode: EncapsulationMode
        public var natOutgoing: Bool
        /// IPAM assigns no new addresses (and Swiftlet no new blocks) from the pool; it is still exported.
        public var disabled: Bool
        /// Routes inside the pool are never exported (confd: `if (net ~ cidr) then { reject; }`, checked first).
        public var disableBGPExport: Bool
        /// The nodes that get blocks from the pool; Calico's default is `all()`.
        public var nodeSelector: NodeSelector
        public var allowedUses: [AllowedUse]

        public init(
            cidr: IPPrefix, blockSize: UInt8? = nil, ipipMode: EncapsulationMode = .never,
            vxlanMode: EncapsulationMode = .never, natOutgoing: Bool = false, disabled: Bool = false,
            disableBGPExport: Bool = false, nodeSelector: NodeSelector = NodeSelector("all()"),
            allowedUses: [AllowedUse] = []
        ) {
            self.cidr = cidr
            self.blockSize = blockSize ?? IPPoolResource.defaultBlockSize(cidr.family)
            self.ipipMode = ipipMode
            self.vxlanMode = vxlanMode
            self.natOutgoing = natOutgoing
            self.disabled = disabled
            self.disableBGPExport = disableBGPExport
            self.nodeSelector = nodeSelector
            self.allowedUses = allowedUses
        }
    }

    public var metadata: ResourceMetadata
    public var spec: Spec

    public init(metadata: ResourceMetadata, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public static func defaultBlockSize(_ family: IPAddress.Family) -> UInt8 {
        family == .ipv4 ? defaultIPv4BlockSize : defaultIPv6BlockSize
    }

    /// Whether node blocks come from this pool: not disabled, and used for workloads or tunnels (a LoadBalancer
    /// pool is allocated from by kube-controllers, not per node).
    public var assignsNodeBlocks: Bool {
        !spec.disabled
            && (spec.allowedUses.isEmpty || spec.allowedUses.contains(.workload) || spec.allowedUses.contains(.tunnel))
    }

    /// How many blocks the pool holds, saturating at `UInt64.max` (an IPv6 /64 of /122 blocks holds 2^58).
    public var blockCount: UInt64 {
        guard spec.blockSize >= spec.cidr.length else { return 0 }
        let exponent = Int(spec.blockSize - spec.cidr.length)
        return exponent >= 64 ? .max : UInt64(1) << exponent
    }

    /// Block `index` of the pool: the `index`-th `blockSize` subnet of the CIDR, counting from its start.
    public func block(_ index: UInt64) -> IPPrefix? {
        guard index < blockCount else { return nil }
        let base = spec.cidr.address
        let shift = UInt64(base.family.bitWidth) - UInt64(spec.blockSize)
        switch base.family {
        case .ipv4:
            // blockCount ≤ 2^32 here, so the offset fits in 32 bits once shifted.
            let offset = UInt32(truncatingIfNeeded: index << shift)
            return IPPrefix(address: IPAddress(ipv4: base.ipv4Value &+ offset), length: spec.blockSize)
        case .ipv6:
            // A 128-bit `index << shift` as two words, added to the base with carry.
            let (high, low): (UInt64, UInt64)
            if shift >= 64 {
                (high, low) = (index << (shift - 64), 0)
            } else if shift == 0 {
                (high, low) = (0, index)
            } else {
                (high, low) = (index >> (64 - shift), index << shift)
            }
            let (sumLow, carry) = base.low.addingReportingOverflow(low)
            let sumHigh = base.high &+ high &+ (carry ? 1 : 0)
            return IPPrefix(address: IPAddress(ipv6High: sumHigh, low: sumLow), length: spec.blockSize)
        }
    }
}
