// SPDX-License-Identifier: Apache-2.0
// The five BGP message types (RFC 4271 §4.1, RFC 2918 §3) and their header.
//
//     | Marker (16 octets of 0xFF) | Length (2) | Type (1) |

/// A BGP message.
public enum BGPMessage: Hashable, Sendable {
    case open(OpenMessage)
    case update(UpdateMessage)
    case notification(BGPNotification)
    case keepalive
    case routeRefresh(RouteRefreshMessage)

    /// Header size (RFC 4271 §4.1).
    public static let headerLength = 19
    /// RFC 4271 §4.1: "The value of the Length field MUST always be at least 19 and no greater than 4096".
    public static let maximumLength = 4096
    /// RFC 8654 §4: with Extended Message negotiated, up to 65535 (OPEN and KEEPALIVE stay within 4096).
    public static let extendedMaximumLength = 65535

    /// The Type field value.
    public var type: MessageType {
        switch self {
        case .open: .open
        case .update: .update
        case .notification: .notification
        case .keepalive: .keepalive
        case .routeRefresh: .routeRefresh
        }
    }
}

/// Message Type codes (RFC 4271 §4.1; ROUTE-REFRESH from RFC 2918).
public enum MessageType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case open = 1
    case update = 2
    case notification = 3
    case keepalive = 4
    case routeRefresh = 5

    public var description: String {
        switch self {
        case .open: "OPEN"
        case .update: "UPDATE"
        case .notification: "NOTIFICATION"
        case .keepalive: "KEEPALIVE"
        case .routeRefresh: "ROUTE-REFRESH"
        }
    }

    /// The smallest legal total length of this type (RFC 4271 §6.1 per-type checks).
    var minimumLength: Int {
        switch self {
        case .open: 29
        case .update: 23
        case .notification: 21
        case .keepalive: 19
        case .routeRefresh: 23
        }
    }
}

/// A decoded message plus what RFC 7606 found wrong with it (UPDATE only; empty for the others).
public struct DecodedMessage: Hashable, Sendable {
    public var message: BGPMessage
    public var updateErrors: [UpdateError]

    public init(message: BGPMessage, updateErrors: [UpdateError] = []) {
        self.message = message
        self.updateErrors = updateErrors
    }

    /// The strongest RFC 7606 action among the errors (RFC 7606 §3 (b)), `nil` when the UPDATE was clean.
    public var updateAction: UpdateErrorAction? { updateErrors.map(\.action).max() }
}
