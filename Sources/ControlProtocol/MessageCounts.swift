// SPDX-License-Identifier: Apache-2.0
// BGP messages counted per type (RFC 4271 §4.1 types 1-4 and RFC 2918 ROUTE-REFRESH), one value for each direction
// of a session.

/// Messages of each type, in one direction.
public struct MessageCounts: Hashable, Sendable, Codable {
    public var open: Int
    public var update: Int
    public var notification: Int
    public var keepalive: Int
    public var routeRefresh: Int

    public init(open: Int = 0, update: Int = 0, notification: Int = 0, keepalive: Int = 0, routeRefresh: Int = 0) {
        self.open = open
        self.update = update
        self.notification = notification
        self.keepalive = keepalive
        self.routeRefresh = routeRefresh
    }

    /// All messages.
    public var total: Int { open + update + notification + keepalive + routeRefresh }
}
