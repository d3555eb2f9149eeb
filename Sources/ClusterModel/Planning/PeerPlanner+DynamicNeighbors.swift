// SPDX-License-Identifier: Apache-2.0
// Dynamic neighbor ranges (a Swiftlet extension): a BGPPeer with `peerIPRange` applies to the nodes its `node` /
// `nodeSelector` names, like any BGPPeer, and gives each of them a `DynamicNeighborRange` whose template session is
// built by the same `makePeer` as an explicit peer, then made passive (the node cannot know whom to dial). A range
// names no Calico node, so it implies no reverse peering.

import BGPPolicy
import BGPWire

extension Planning {
    mutating func dynamicNeighborRanges(
        _ local: Local, secrets: (SecretReference) -> String?
    ) -> [DynamicNeighborRange] {
        var ranges: [String: (DynamicNeighborRange, origin: BGPPeerResource)] = [:]
        for resource in bgpPeers where localSideMatches(resource, local.node) {
            guard let range = resource.spec.peerIPRange,
                let asNumbers = resource.spec.asNumberRange ?? resource.spec.asNumber.map({ $0...$0 })
            else { continue }
            let name = DynamicNeighborRange.name(for: range)
            let localAS = resource.spec.localASNumber ?? local.localAS
            // iBGP when the range allows our own AS: then `rr client` is decided as for an explicit iBGP peer.
            let remoteAS = asNumbers.contains(localAS) ? localAS : asNumbers.lowerBound
            var template = makePeer(
                name: name, to: PeerAddress(address: range.address), remoteAS: remoteAS, remote: nil,
                resource: resource, local: local, password: password(resource, secrets: secrets),
                filters: filters(resource))
            template.passive = true
            let dynamic = DynamicNeighborRange(name: name, range: range, asNumbers: asNumbers, template: template)
            if let (existing, origin) = ranges[name] {
                if existing != dynamic {
                    errors.append(
                        resource.metadata.error(
                            kind: BGPPeerResource.kind, field: "spec.peerIPRange",
                            "range \(name) conflicts with the one from "
                                + origin.metadata.fieldPath(kind: BGPPeerResource.kind, "")))
                }
                continue
            }
            ranges[name] = (dynamic, resource)
        }
        return ranges.values.map(\.0).sorted { $0.name < $1.name }
    }
}
