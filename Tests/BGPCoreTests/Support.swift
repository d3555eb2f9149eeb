// SPDX-License-Identifier: Apache-2.0
// Shared fixtures for the session-layer tests: configurations, the peer's OPEN, and small action filters.

import BGPCore
import BGPWire

/// Our side: AS 64512, identifier 10.0.0.1; the peer: AS 64513 at 192.0.2.2.
func configuration(
    localAS: UInt32 = 64512, peerAS: UInt32 = 64513, localIdentifier: String = "10.0.0.1",
    peerAddress: String = "192.0.2.2", holdTime: UInt16 = 90, keepaliveTime: UInt16? = nil,
    delayOpenTime: Duration? = nil, passive: Bool = false, connectRetryTime: Duration = .seconds(5),
    idleHoldTime: Duration = .seconds(1), maximumIdleHoldTime: Duration = .seconds(120),
    stableTime: Duration = .seconds(60), families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast],
    addPath: [AddPathEntry] = [], extendedMessage: Bool = true, routeRefresh: Bool = true,
    enhancedRouteRefresh: Bool = true
) -> SessionConfiguration {
    SessionConfiguration(
        localAS: localAS, peerAS: peerAS, localIdentifier: IPAddress(localIdentifier)!,
        peerAddress: IPAddress(peerAddress)!, holdTime: holdTime, keepaliveTime: keepaliveTime,
        connectRetryTime: connectRetryTime, delayOpenTime: delayOpenTime, passive: passive,
        idleHoldTime: idleHoldTime, maximumIdleHoldTime: maximumIdleHoldTime, stableTime: stableTime,
        families: families, addPath: addPath, extendedMessage: extendedMessage, routeRefresh: routeRefresh,
        enhancedRouteRefresh: enhancedRouteRefresh)
}

/// The OPEN the peer (AS 64513, 10.0.0.2) would send with its own defaults, capabilities included.
func peerOpen(
    asNumber: UInt32 = 64513, holdTime: UInt16 = 90, identifier: String = "10.0.0.2",
    capabilities: [Capability]? = nil
) -> OpenMessage {
    let theirs = configuration(localAS: asNumber, peerAS: 64512, localIdentifier: identifier, holdTime: holdTime)
    return OpenMessage(
        asNumber: asNumber, holdTime: holdTime, bgpIdentifier: IPAddress(identifier)!,
        capabilities: capabilities ?? theirs.localOpen.capabilities)
}

func decoded(_ message: BGPMessage, errors: [UpdateError] = []) -> DecodedMessage {
    DecodedMessage(message: message, updateErrors: errors)
}

extension Duration {
    /// Seconds as a Double, for jitter bounds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

extension Array where Element == SessionStateMachine.Action {
    /// Every message the machine asked to send, in order.
    var sent: [BGPMessage] {
        compactMap { if case .send(let message) = $0 { message } else { nil } }
    }
}

extension Array where Element == PeerStateMachine.Action {
    var sent: [BGPMessage] {
        compactMap { if case .send(_, let message) = $0 { message } else { nil } }
    }

    func sent(on id: ConnectionID) -> [BGPMessage] {
        compactMap { if case .send(id, let message) = $0 { message } else { nil } }
    }

    func deadline(of timer: PeerTimer) -> Duration? {
        for case .armTimer(timer, let deadline) in self { return deadline }
        return nil
    }

    var closed: [ConnectionID] {
        compactMap { if case .close(let id) = $0 { id } else { nil } }
    }

    var connects: [ConnectionID] {
        compactMap { if case .connect(let id) = $0 { id } else { nil } }
    }

    var downs: [DownReason] {
        compactMap { if case .down(let reason) = $0 { reason } else { nil } }
    }

    var establishedIDs: [ConnectionID] {
        compactMap { if case .established(let id, _) = $0 { id } else { nil } }
    }
}

extension ConnectionID: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt64) { self.init(rawValue: value) }
}
