// SPDX-License-Identifier: Apache-2.0
// ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3.2 message subtypes.
//
//     | AFI (2) | Message Subtype (1) | SAFI (1) |

/// A ROUTE-REFRESH request, or a Beginning/End of Route Refresh marker (RFC 7313).
public struct RouteRefreshMessage: Hashable, Sendable {
    public var family: AddressFamily
    /// 0 = normal request, 1 = BoRR, 2 = EoRR (RFC 7313 §3.2). Kept raw: RFC 7313 §5 says a message with any
    /// other subtype MUST be ignored, which is the session's decision, not the decoder's.
    public var subtype: UInt8

    public static let request: UInt8 = 0
    public static let beginningOfRouteRefresh: UInt8 = 1
    public static let endOfRouteRefresh: UInt8 = 2

    public init(family: AddressFamily, subtype: UInt8 = RouteRefreshMessage.request) {
        self.family = family
        self.subtype = subtype
    }
}
