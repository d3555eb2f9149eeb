// SPDX-License-Identifier: Apache-2.0
// Static neighbour entries Calico's VXLAN mode programs per remote node (RTM_NEWNEIGH, NetlinkRequest+Neighbour):
// an ARP entry mapping the remote VTEP's tunnel address to its VTEP MAC, and a bridge FDB entry on the VXLAN
// device mapping that MAC to the remote node's underlay address (RFC 7348 §4).

import BGPWire

/// A permanent neighbour entry.
public enum NeighbourEntry: Hashable, Sendable {
    /// `ip neigh replace ADDRESS lladdr MAC dev INDEX nud permanent`.
    case arp(address: IPAddress, linkLayerAddress: LinkLayerAddress, interfaceIndex: UInt32)
    /// `bridge fdb replace MAC dev INDEX dst DESTINATION self permanent`.
    case bridgeForwarding(linkLayerAddress: LinkLayerAddress, destination: IPAddress, interfaceIndex: UInt32)
}
