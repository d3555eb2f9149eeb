// SPDX-License-Identifier: Apache-2.0
// Everything that changes the bytes sent to a peer: the export-relevant facts of the session (`ExportTarget` without
// its name and, normally, its address) and the negotiated encoding (RFC 6793 4-octet AS, RFC 7911 ADD-PATH send per
// family, RFC 8654 extended messages, the negotiated families). Peers with equal keys form one update group and
// share one encoded UPDATE stream (issue #4 item 7; FRR update-groups, Cisco "update groups").
//
// Split horizon: `ExportRules` does not send a path back to the peer it came from. A stream shared by several peers
// cannot leave one prefix out for one of them, so by default the key drops the peer address and the group sends such
// paths to their source as well, as FRR does for update groups with more than one peer; the source rejects them (its
// own AS in AS_PATH, RFC 4271 §9.1.2; its own ORIGINATOR_ID, RFC 4456 §8). `isolated: true` keeps the address in the
// key: the peer gets a group of its own with split horizon applied (use it when the peer may accept its own routes
// back, e.g. with allowas-in).

import BGPPolicy
import BGPWire

/// The identity of an update group.
public struct UpdateGroupKey: Hashable, Sendable, CustomStringConvertible {
    /// The target the export rules run against for the whole group: name cleared, peer address the unspecified
    /// address unless isolated, `fourOctetAS` as negotiated, `allowASInCount` (import only) cleared.
    public var target: ExportTarget
    /// The negotiated families; routes of other families are not sent (RFC 4760 §8).
    public var families: Set<AddressFamily>
    /// 4-octet AS, ADD-PATH send families and message size.
    public var encode: EncodeContext
    /// The session's BGPFilters (export rules run per group; `ExportPolicy`).
    public var exportFilters: [BGPFilter]

    public init(
        target: ExportTarget, families: Set<AddressFamily>, encode: EncodeContext, isolated: Bool = false,
        exportFilters: [BGPFilter] = []
    ) {
        var target = target
        target.name = ""
        target.allowASInCount = 0
        target.fourOctetAS = encode.fourOctetAS
        if !isolated {
            target.peerAddress = target.peerAddress.family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0)
        }
        // Sort so that configuration order does not split groups.
        target.sharedSubnets.sort()
        self.target = target
        self.families = families
        self.encode = encode
        self.exportFilters = exportFilters.filter { !$0.exportV4.isEmpty || !$0.exportV6.isEmpty }
    }

    /// The key of a session from its export facts and what the OPENs negotiated.
    public init(
        target: ExportTarget, session: NegotiatedSession, isolated: Bool = false, exportFilters: [BGPFilter] = []
    ) {
        self.init(
            target: target, families: session.families, encode: session.encodeContext, isolated: isolated,
            exportFilters: exportFilters)
    }

    /// BGPFilter `peerType` of the group's sessions.
    public var peerType: FilterRule.PeerType { target.kind == .internal ? .iBGP : .eBGP }

    /// Whether ADD-PATH send is on for `family` (RFC 7911 §4).
    public func sendsPathIDs(_ family: AddressFamily) -> Bool { encode.addPath.contains(family) }

    public var description: String {
        let families = families.sorted().map(\.description).joined(separator: ",")
        return "\(target.kind) AS\(target.peerAS) [\(families)]" + (encode.fourOctetAS ? "" : " 2-octet-AS")
            + (encode.addPath.isEmpty ? "" : " add-path") + (encode.extendedMessage ? " extended-message" : "")
            + (exportFilters.isEmpty ? "" : " filters " + exportFilters.map(\.name).joined(separator: ","))
            + (target.longLivedGracefulRestart ? " llgr" : "")
    }
}
