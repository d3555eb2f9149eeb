// SPDX-License-Identifier: Apache-2.0
// The question `swiftletctl show route` asks: which table (`view`), which prefixes (one prefix, or an address to be
// looked up by longest match like birdc's `show route for`), which peer and address family, and how much to say
// about each path. On the wire it is flat, inside the request object (`{"command":"showRoute","prefix":"10.0.1.0/26",
// "all":true}`); every field is optional there, so `{"command":"showRoute"}` is the whole Loc-RIB, best paths only.

/// What `show route` asks for.
public struct RouteQuery: Hashable, Sendable {
    /// An address family a query can be limited to.
    public enum Family: String, Hashable, Sendable, Codable, CaseIterable {
        case ipv4, ipv6
    }

    /// A prefix (`10.0.1.0/26`: that prefix only) or an address (`10.0.1.7`: the longest prefix that covers it);
    /// nil for every prefix.
    public var prefix: String?
    public var view: RouteView
    /// The session whose Adj-RIB-In (`.received`) or Adj-RIB-Out (`.advertised`) is read; with `.selected`, only
    /// paths learned from it. Required by `.received` and `.advertised`.
    public var peer: String?
    /// Every candidate path of each prefix, not only the best one, with its attributes.
    public var all: Bool
    /// Like `all`, plus the best-path step that decided between paths and what policy did to each path.
    public var detail: Bool
    public var family: Family?
    /// At most this many prefixes; the report says when more matched.
    public var limit: Int?

    public init(
        prefix: String? = nil, view: RouteView = .selected, peer: String? = nil, all: Bool = false,
        detail: Bool = false, family: Family? = nil, limit: Int? = nil
    ) {
        self.prefix = prefix
        self.view = view
        self.peer = peer
        self.all = all
        self.detail = detail
        self.family = family
        self.limit = limit
    }

    /// Every candidate path is wanted (`all` or `detail`), not only the best one.
    public var everyPath: Bool { all || detail }
}

extension RouteQuery: Codable {
    private enum CodingKeys: String, CodingKey {
        case prefix, view, peer, all, detail, family, limit
    }

    /// Missing fields take their defaults, and other keys (such as the request's "command") are ignored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            prefix: try container.decodeIfPresent(String.self, forKey: .prefix),
            view: try container.decodeIfPresent(RouteView.self, forKey: .view) ?? .selected,
            peer: try container.decodeIfPresent(String.self, forKey: .peer),
            all: try container.decodeIfPresent(Bool.self, forKey: .all) ?? false,
            detail: try container.decodeIfPresent(Bool.self, forKey: .detail) ?? false,
            family: try container.decodeIfPresent(Family.self, forKey: .family),
            limit: try container.decodeIfPresent(Int.self, forKey: .limit))
    }

    /// Only what differs from the defaults, so the line stays short and hand-typable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(prefix, forKey: .prefix)
        if view != .selected { try container.encode(view, forKey: .view) }
        try container.encodeIfPresent(peer, forKey: .peer)
        if all { try container.encode(all, forKey: .all) }
        if detail { try container.encode(detail, forKey: .detail) }
        try container.encodeIfPresent(family, forKey: .family)
        try container.encodeIfPresent(limit, forKey: .limit)
    }
}
