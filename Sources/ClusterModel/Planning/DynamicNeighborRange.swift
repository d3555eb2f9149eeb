// SPDX-License-Identifier: Apache-2.0
// A Swiftlet extension with no Calico equivalent (BIRD 2 has it as `neighbor range`): a BGPPeer with `peerIPRange`
// makes the node accept a session from any address in the range whose AS is in `asNumbers`, so a route reflector
// takes new nodes without a reload. The daemon instantiates one session per connecting address from `template`.

import BGPWire

/// Incoming sessions accepted from a range of addresses.
public struct DynamicNeighborRange: Hashable, Sendable, CustomStringConvertible {
    /// `Dynamic_<network with '.' and ':' as '_'>_<length>`, e.g. `Dynamic_10_0_0_0_24`.
    public var name: String
    public var range: IPPrefix
    /// The AS numbers a connecting peer may announce in its OPEN.
    public var asNumbers: ClosedRange<UInt32>
    /// The session every accepted peer gets, built like an explicit BGPPeer's: `passive` is true, `address` is the
    /// range's network address and `remoteAS` is the local AS when the range allows it (iBGP; `routeReflectorClient`
    /// is computed for that case and applies only to peers in the local AS), else `asNumbers.lowerBound`.
    public var template: PeerSpec

    public init(name: String, range: IPPrefix, asNumbers: ClosedRange<UInt32>, template: PeerSpec) {
        self.name = name
        self.range = range
        self.asNumbers = asNumbers
        self.template = template
    }

    /// The protocol name for `range`.
    public static func name(for range: IPPrefix) -> String {
        "\(PeerSpec.protocolName(prefix: "Dynamic", address: range.address))_\(range.length)"
    }

    /// Whether a peer connecting from `address` and announcing `asNumber` belongs to this range.
    public func accepts(address: IPAddress, asNumber: UInt32) -> Bool {
        range.contains(address) && asNumbers.contains(asNumber)
    }

    public var description: String {
        let asText = asNumbers.lowerBound == asNumbers.upperBound ? "AS\(asNumbers.lowerBound)" : "AS\(asNumbers.lowerBound)-\(asNumbers.upperBound)"
        return "\(name) \(range) \(asText) (\(template))"
    }
}
