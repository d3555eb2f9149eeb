// SPDX-License-Identifier: Apache-2.0
// The answer to `show route`: the matching prefixes in the daemon's order (sorted by prefix), each with its paths,
// plus how many prefixes matched in total, so a report cut short by the query's limit (or the daemon's own cap)
// says so.

/// The routes that matched a `RouteQuery`.
public struct RouteReport: Hashable, Sendable {
    public var routes: [RouteEntry]
    /// Prefixes that matched, including any left out of `routes`.
    public var totalPrefixes: Int
    /// `routes` holds fewer prefixes than matched.
    public var truncated: Bool

    public init(routes: [RouteEntry], totalPrefixes: Int? = nil, truncated: Bool = false) {
        self.routes = routes
        self.totalPrefixes = totalPrefixes ?? routes.count
        self.truncated = truncated
    }
}

extension RouteReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case routes, totalPrefixes, truncated
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            routes: try container.decode([RouteEntry].self, forKey: .routes),
            totalPrefixes: try container.decodeIfPresent(Int.self, forKey: .totalPrefixes),
            truncated: try container.decodeIfPresent(Bool.self, forKey: .truncated) ?? false)
    }
}
