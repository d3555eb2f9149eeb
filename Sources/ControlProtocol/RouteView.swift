// SPDX-License-Identifier: Apache-2.0
// Which routing table `show route` reads: the Loc-RIB (what the decision process selected, birdc's `show route`), or
// one peer's Adj-RIB-In before import policy or Adj-RIB-Out after export policy (RFC 4271 §3.2).

/// The table a route query reads.
public enum RouteView: String, Hashable, Sendable, Codable, CaseIterable {
    /// The Loc-RIB: every prefix with its best path (or, with `all`, every candidate path).
    case selected
    /// One peer's Adj-RIB-In, as received, before import policy: filtered paths are included and say why.
    case received
    /// One peer's Adj-RIB-Out: what was last advertised to it, after export policy.
    case advertised
}
