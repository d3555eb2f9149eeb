// SPDX-License-Identifier: Apache-2.0
// A configured peer as the speaker needs it: the session configuration plus where and how to connect.

import BGPCore
import BGPWire

/// One configured BGP neighbor.
public struct PeerDefinition: Hashable, Sendable {
    /// The protocol name operators see (Calico's `Node_10_0_0_2`, `Global_…`, `Mesh_…`).
    public var name: String
    public var session: SessionConfiguration
    public var port: Int
    public var sourceAddress: IPAddress?
    public var socketOptions: PeerSocketOptions
    /// Policies, reflection role, next-hop mode and limits for the routing engine.
    public var routing: RoutingPeer

    public init(
        name: String, session: SessionConfiguration, port: Int = 179, sourceAddress: IPAddress? = nil,
        socketOptions: PeerSocketOptions = PeerSocketOptions(), routing: RoutingPeer? = nil
    ) {
        self.name = name
        self.session = session
        self.port = port
        self.sourceAddress = sourceAddress
        self.socketOptions = socketOptions
        self.routing = routing ?? RoutingPeer(name: name)
    }

    public var address: IPAddress { session.peerAddress }
}

/// Sessions accepted from an address range (dynamic neighbors): each connecting address gets a passive peer made
/// from `template` (its address, name and `passive` are replaced).
public struct DynamicNeighborDefinition: Hashable, Sendable {
    public var name: String
    public var range: IPPrefix
    public var template: PeerDefinition

    public init(name: String, range: IPPrefix, template: PeerDefinition) {
        self.name = name
        self.range = range
        self.template = template
    }
}

/// A peer's status for `show protocols` and `show protocol NAME`.
public struct PeerStatus: Sendable {
    public var name: String
    public var address: IPAddress
    public var port: Int
    public var localAS: UInt32
    public var peerAS: UInt32
    public var passive: Bool
    public var enabled: Bool
    public var state: PeerState
    /// Unix time of the last state change.
    public var since: Double
    /// "Established", or what ended the last attempt.
    public var info: String
    public var negotiated: NegotiatedSession?
    public var configuredHoldTime: UInt16
    public var configuredKeepaliveTime: UInt16
    public var configuredConnectRetry: Duration
    public var messagesIn: [MessageType: Int]
    public var messagesOut: [MessageType: Int]
    public var prefixesReceived: Int
    /// Route counts from the routing engine while Established.
    public var routes: RouteEngine.PeerCounts?
    public var lastNotificationSent: (BGPNotification, Double)?
    public var lastNotificationReceived: (BGPNotification, Double)?
    public var flaps: Int
    public var advertisedCapabilities: [Capability]
}
