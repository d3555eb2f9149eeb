// SPDX-License-Identifier: Apache-2.0
// Everything `show protocol NAME` prints about one session: the summary row plus what the OPEN exchange negotiated,
// the configured timers, message counters and the last NOTIFICATION each way. Values the session does not have yet
// (no TCP connection, no OPEN received) are nil.

/// One BGP session in detail (`birdc show protocols all NAME`).
public struct ProtocolDetail: Hashable, Sendable, Codable {
    public var summary: ProtocolSummary
    /// The peer's BGP identifier from its OPEN, dotted quad.
    public var peerRouterID: String?
    public var localPort: Int?
    public var remotePort: Int?
    /// Seconds; the smaller of both OPENs' hold times (RFC 4271 §4.2), 0 meaning no keepalives.
    public var negotiatedHoldTime: Int?
    public var negotiatedKeepalive: Int?
    public var configuredHoldTime: Int
    public var configuredKeepalive: Int
    public var configuredConnectRetry: Int
    /// The daemon only accepts connections and never connects out.
    public var passive: Bool
    /// Capability names such as "multiprotocol ipv4-unicast", "4-octet-as", "add-path ipv4-unicast receive",
    /// "graceful-restart".
    public var capabilitiesAdvertised: [String]
    public var capabilitiesReceived: [String]
    public var capabilitiesNegotiated: [String]
    public var messagesReceived: MessageCounts
    public var messagesSent: MessageCounts
    public var lastNotificationSent: NotificationRecord?
    public var lastNotificationReceived: NotificationRecord?
    /// How many times the session left Established.
    public var flapCount: Int
    /// Why the state last changed, such as "Hold timer expired" or "Disabled by operator".
    public var lastStateChangeReason: String?

    public init(
        summary: ProtocolSummary, peerRouterID: String? = nil, localPort: Int? = nil, remotePort: Int? = nil,
        negotiatedHoldTime: Int? = nil, negotiatedKeepalive: Int? = nil,
        configuredHoldTime: Int = 90, configuredKeepalive: Int = 30, configuredConnectRetry: Int = 120,
        passive: Bool = false,
        capabilitiesAdvertised: [String] = [], capabilitiesReceived: [String] = [], capabilitiesNegotiated: [String] = [],
        messagesReceived: MessageCounts = MessageCounts(), messagesSent: MessageCounts = MessageCounts(),
        lastNotificationSent: NotificationRecord? = nil, lastNotificationReceived: NotificationRecord? = nil,
        flapCount: Int = 0, lastStateChangeReason: String? = nil
    ) {
        self.summary = summary
        self.peerRouterID = peerRouterID
        self.localPort = localPort
        self.remotePort = remotePort
        self.negotiatedHoldTime = negotiatedHoldTime
        self.negotiatedKeepalive = negotiatedKeepalive
        self.configuredHoldTime = configuredHoldTime
        self.configuredKeepalive = configuredKeepalive
        self.configuredConnectRetry = configuredConnectRetry
        self.passive = passive
        self.capabilitiesAdvertised = capabilitiesAdvertised
        self.capabilitiesReceived = capabilitiesReceived
        self.capabilitiesNegotiated = capabilitiesNegotiated
        self.messagesReceived = messagesReceived
        self.messagesSent = messagesSent
        self.lastNotificationSent = lastNotificationSent
        self.lastNotificationReceived = lastNotificationReceived
        self.flapCount = flapCount
        self.lastStateChangeReason = lastStateChangeReason
    }
}
