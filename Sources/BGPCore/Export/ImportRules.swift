// SPDX-License-Identifier: Apache-2.0
// The protocol checks a received path passes before import policy and the RIB see it: AS_PATH loop detection
// (RFC 4271 §9.1.2, with the allowas-in count Calico calls `numAllowedLocalASNumbers`, BIRD `allow local as N`), the
// eBGP first-AS check (RFC 4271 §6.3, whose outcome RFC 7606 §7.2 turns into treat-as-withdraw), and the route
// reflection loop checks on ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8). Every rejection means the same to the
// caller: the path does not enter the Adj-RIB-In, and an earlier path with the same (source, path ID) is withdrawn
// (RFC 7606 §2 "treat-as-withdraw"; RFC 4271 §9.1.2 excludes looped paths from the decision).

import BGPWire

/// Import-side protocol checks (pure).
public enum ImportRules {
    /// Why a received path was rejected.
    public enum Rejection: Hashable, Sendable, CustomStringConvertible {
        /// One of our ASes appears in AS_PATH more often than allowed (RFC 4271 §9.1.2).
        case asLoop(asn: UInt32, count: Int, allowed: Int)
        /// eBGP path whose leftmost AS is not the peer's (RFC 4271 §6.3, RFC 7606 §7.2).
        case firstASMismatch(peerAS: UInt32, firstAS: UInt32?)
        /// RFC 4456 §8 loop.
        case reflectionLoop(RouteReflection.Loop)

        public var description: String {
            switch self {
            case .asLoop(let asn, let count, let allowed):
                "AS \(asn) appears \(count) times in AS_PATH, \(allowed) allowed (RFC 4271 §9.1.2)"
            case .firstASMismatch(let peerAS, let firstAS):
                "first AS \(firstAS.map(String.init) ?? "none") is not peer AS \(peerAS) (RFC 4271 §6.3, RFC 7606 §7.2)"
            case .reflectionLoop(let loop): loop.description
            }
        }

        /// The RFC 7606 action: every rejection is handled as a withdrawal of the path's prefixes from this peer.
        public var action: UpdateErrorAction { .treatAsWithdraw }
    }

    /// The verdict on one received path.
    public enum Verdict: Hashable, Sendable {
        case accept
        case reject(Rejection)

        public var isAccepted: Bool { self == .accept }
    }

    /// The attributes as the RIB should keep them: LOCAL_PREF from an eBGP peer is dropped (RFC 4271 §5.1.5: "If it
    /// is contained in an UPDATE message that is received from an external peer, then this attribute MUST be ignored
    /// by the receiving speaker"), and so are ORIGINATOR_ID and CLUSTER_LIST, which describe another AS's reflectors
    /// (RFC 4456 §8; BIRD and FRR do the same). Run before import policy, which may set LOCAL_PREF again.
    public static func sanitized(_ attributes: PathAttributes, from source: PathSource) -> PathAttributes {
        guard source.kind == .external else { return attributes }
        var clean = attributes
        clean.localPreference = nil
        clean.originatorID = nil
        clean.clusterList = nil
        return clean
    }

    /// Checks `path` as received from `path.source`.
    ///
    /// - Parameters:
    ///   - localAS: our AS on the session (the `localASNumber` override when set). `otherLocalASes` adds more ASes
    ///     that count as ours for loop detection (BIRD checks both the session's and the global AS).
    ///   - allowASIn: how many times each of our ASes may appear (Calico `numAllowedLocalASNumbers`, default 0).
    ///   - enforceFirstAS: the RFC 4271 §6.3 first-AS check on eBGP paths ("MAY check"); turn off toward route
    ///     servers, which do not prepend their AS (RFC 7947 §2.2.2.1).
    ///   - reflection: our router ID and cluster ID for the RFC 4456 §8 checks; applied to iBGP-learned paths.
    public static func check(
        _ path: Path, localAS: UInt32, otherLocalASes: [UInt32] = [], allowASIn: Int = 0,
        enforceFirstAS: Bool = true, reflection: RouteReflection? = nil
    ) -> Verdict {
        check(
            path.attributes.attributes, from: path.source, localAS: localAS, otherLocalASes: otherLocalASes,
            allowASIn: allowASIn, enforceFirstAS: enforceFirstAS, reflection: reflection)
    }

    /// `check` on attributes before they are interned into a `Path`.
    public static func check(
        _ attributes: PathAttributes, from source: PathSource, localAS: UInt32, otherLocalASes: [UInt32] = [],
        allowASIn: Int = 0, enforceFirstAS: Bool = true, reflection: RouteReflection? = nil
    ) -> Verdict {
        let asPath = attributes.asPath ?? ASPath()
        if source.kind == .external, enforceFirstAS, asPath.firstAS != source.peerAS {
            // RFC 7606 §7.2: if the leftmost AS is not the peer's, "the 'treat-as-withdraw' approach MUST be used".
            return .reject(.firstASMismatch(peerAS: source.peerAS, firstAS: asPath.firstAS))
        }
        if source.kind != .local {
            let all = asPath.allASNs
            for asn in [localAS] + otherLocalASes {
                let count = all.reduce(0) { $0 + ($1 == asn ? 1 : 0) }
                if count > max(allowASIn, 0) { return .reject(.asLoop(asn: asn, count: count, allowed: allowASIn)) }
            }
        }
        if source.kind == .internal, let reflection, let loop = reflection.loop(in: attributes) {
            return .reject(.reflectionLoop(loop))
        }
        return .accept
    }
}
