// SPDX-License-Identifier: Apache-2.0
// One BFD session as the transport runs it: whom it watches, single hop (RFC 5881) or multihop (RFC 5883), where
// packets leave from, and the RFC 5880 timing. Built by swiftletd from the BGP peer configuration.

import BFD
import BGPWire

/// A configured BFD session to one remote system.
public struct BFDPeerConfiguration: Hashable, Sendable {
    /// The client's name for the peer (the BGP protocol name, `Node_10_0_0_2`); state changes carry it back.
    public var name: String
    public var remote: IPAddress
    /// Source address of our packets; nil lets the kernel choose (the address of the route towards `remote`).
    public var local: IPAddress?
    /// RFC 5883 (port 4784, any received TTL) instead of RFC 5881 (port 3784, TTL 255 both ways).
    public var multihop: Bool
    public var timing: BFDSession.Configuration

    public init(
        name: String, remote: IPAddress, local: IPAddress? = nil, multihop: Bool, timing: BFDSession.Configuration
    ) {
        self.name = name
        self.remote = remote
        self.local = local
        self.multihop = multihop
        self.timing = timing
    }

    /// What identifies the session to the demultiplexer (RFC 5881 §3 / RFC 5883 §3: the source address, and which
    /// port the packet came in on). The interface is not part of it: one session per peer address.
    public var key: BFDSessionKey { BFDSessionKey(remote: remote, multihop: multihop) }

    /// RFC 5881 §4: "Control packets MUST be transmitted in UDP packets with destination port 3784".
    public static let singleHopPort = 3784
    /// RFC 5883 §5: "... destination port 4784".
    public static let multihopPort = 4784
    /// RFC 5881 §4: "The source port MUST be in the range 49152 through 65535."
    public static let sourcePorts = 49152...65535
}

/// A session's identity in the demultiplexer.
public struct BFDSessionKey: Hashable, Sendable, CustomStringConvertible {
    public var remote: IPAddress
    public var multihop: Bool

    public init(remote: IPAddress, multihop: Bool) {
        self.remote = remote
        self.multihop = multihop
    }

    public var description: String { "\(remote)\(multihop ? " multihop" : "")" }
}

/// The UDP ports the service listens on and sends to; only tests change them (two services on one host).
public struct BFDPorts: Hashable, Sendable {
    public var listenSingleHop: Int
    public var listenMultihop: Int
    public var destinationSingleHop: Int
    public var destinationMultihop: Int

    public init(
        listenSingleHop: Int = BFDPeerConfiguration.singleHopPort,
        listenMultihop: Int = BFDPeerConfiguration.multihopPort,
        destinationSingleHop: Int = BFDPeerConfiguration.singleHopPort,
        destinationMultihop: Int = BFDPeerConfiguration.multihopPort
    ) {
        self.listenSingleHop = listenSingleHop
        self.listenMultihop = listenMultihop
        self.destinationSingleHop = destinationSingleHop
        self.destinationMultihop = destinationMultihop
    }
}
