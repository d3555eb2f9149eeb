// SPDX-License-Identifier: Apache-2.0
// The seam between KernelSync and the kernel's devices, addresses, neighbour entries and route lookups: the tunnel
// devices Calico's encapsulation needs (vxlan.calico, tunl0), the ARP and FDB entries per remote VTEP (RFC 7348
// §4), and next-hop resolution (RFC 4271 §9.1.2.1). NetlinkDeviceProgrammer is the real one, FakeDeviceProgrammer
// the in-memory one. Synchronous for the reason RouteProgrammer.swift gives: rtnetlink has answered before sendmsg
// returns.

import BGPWire

/// Reads and programs devices, addresses and neighbour entries, and resolves next hops.
public protocol DeviceProgrammer {
    /// Every device (RTM_GETLINK dump), in index order.
    mutating func links() throws(KernelCallError) -> [LinkInfo]

    /// The device with this name, or nil when there is none (the kernel's ENODEV).
    mutating func link(named name: String) throws(KernelCallError) -> LinkInfo?

    /// Every IPv4 and IPv6 address on every device (RTM_GETADDR dump), host bits kept.
    mutating func addresses() throws(KernelCallError) -> [InterfaceAddressEntry]

    /// Makes the VXLAN device exist as described and returns it as the kernel then reports it. Creates it when
    /// missing (with `linkLayerAddress` and `mtu` in the creating request); when a device of that name exists, its
    /// kind, VNI, port and local address must match `device`, else this throws EEXIST with a message saying what
    /// differs and leaves the device alone (it may be someone else's). Then sets the MAC and MTU (when given and
    /// different), sets the device up, and adds or replaces `address` on it (other addresses stay). Changes only
    /// what differs, so a second call with the same arguments sends nothing but reads.
    mutating func ensureVXLAN(
        _ device: VXLANDevice,
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo

    /// Uses the IPIP device named `device.name` (Calico uses the ipip module's fallback device `tunl0`), creating it
    /// only when it is missing and `create` is true; a missing device otherwise throws ENODEV. A device of that
    /// name with another kind throws EEXIST. Then sets the MTU (when given and different), sets it up, and adds or
    /// replaces `address`. A kernel without the ipip module refuses the creation with EOPNOTSUPP ("Unknown device
    /// type"); that is thrown with the message "the kernel has no ipip support".
    mutating func ensureIPIP(
        _ device: IPIPDevice,
        create: Bool,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo

    /// Adds or replaces permanent ARP and FDB entries, batched like routes; returns the refused ones in order.
    mutating func replaceNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure]

    /// Deletes ARP and FDB entries, batched; returns the refused ones in order. An entry that is already absent
    /// (ENOENT) counts as deleted, not as a failure.
    mutating func deleteNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure]

    /// Where the kernel would send a packet to `address` now (RTM_GETROUTE, `ip route get`), or nil when it would
    /// not: no route (ENETUNREACH), or a blackhole (EINVAL), unreachable (EHOSTUNREACH) or prohibit (EACCES) route.
    mutating func resolve(_ address: IPAddress) throws(KernelCallError) -> ResolvedNextHop?
}
