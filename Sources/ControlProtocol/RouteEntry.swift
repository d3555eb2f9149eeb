// SPDX-License-Identifier: Apache-2.0
// One prefix in a route report with the paths the query asked for: the best path alone, or every candidate path
// best first (several from one peer under ADD-PATH, RFC 7911).

/// A prefix and its paths.
public struct RouteEntry: Hashable, Sendable, Codable {
    /// Such as "10.0.1.0/26" or "2001:db8:1::/64".
    public var prefix: String
    public var paths: [RoutePath]

    public init(prefix: String, paths: [RoutePath]) {
        self.prefix = prefix
        self.paths = paths
    }
}
