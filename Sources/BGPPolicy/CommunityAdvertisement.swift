// SPDX-License-Identifier: Apache-2.0
// BGPConfiguration `communities` (named values) and `prefixAdvertisements` (a CIDR and the communities to attach to
// it on export). confd `getPrefixAdvertisementsKVPair` resolves each entry that is not itself a community value
// through `communities` by name, and `processCommunityRules` renders one rule per CIDR whose body is
// `bgp_community.add((a, b));` / `bgp_large_community.add((a, b, c));` per value, applied on export to a route
// inside the CIDR (`net ~ cidr`). Every matching advertisement adds its communities, not only the first.

import BGPWire

/// One resolved `prefixAdvertisements` entry.
public struct CommunityAdvertisement: Hashable, Sendable {
    public var cidr: IPPrefix
    public var communities: [CommunityValue]

    public init(cidr: IPPrefix, communities: [CommunityValue]) {
        self.cidr = cidr
        self.communities = communities
    }

    /// The communities to add to `prefix` on export, in configuration order without repeats.
    public static func communities(for prefix: IPPrefix, in advertisements: [CommunityAdvertisement]) -> [CommunityValue] {
        var result: [CommunityValue] = []
        for advertisement in advertisements where advertisement.cidr.contains(prefix) {
            for value in advertisement.communities where !result.contains(value) { result.append(value) }
        }
        return result
    }

    /// `attributes` with the advertised communities of `prefix` added.
    public static func apply(
        _ advertisements: [CommunityAdvertisement], prefix: IPPrefix, to attributes: PathAttributes
    ) -> PathAttributes {
        let values = communities(for: prefix, in: advertisements)
        return PolicyEvaluator.apply(values.map { .addCommunity($0) }, to: attributes)
    }
}
