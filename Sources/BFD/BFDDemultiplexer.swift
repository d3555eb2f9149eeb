// SPDX-License-Identifier: Apache-2.0
// Choosing the session a received Control packet belongs to (RFC 5880 §6.3, §6.8.6), and handing out local
// discriminators that are nonzero and unique (§6.8.1 bfd.LocalDiscr). Generic over how the transport names a peer
// (RFC 5881 §3: source and destination address and interface for single hop), so it stays free of sockets.

/// A table from local discriminators and peers to sessions' local discriminators.
public struct BFDDemultiplexer<Peer: Hashable & Sendable>: Sendable {
    /// Why no session takes a packet; the packet is discarded.
    public enum Miss: Error, Hashable, Sendable {
        /// §6.8.6: "If the Your Discriminator field is nonzero ... If no session is found, the packet MUST be
        /// discarded."
        case unknownYourDiscriminator(UInt32)
        /// Your Discriminator is zero and no session is configured for the sending peer.
        case unknownPeer
    }

    private var byDiscriminator: [UInt32: Peer] = [:]
    private var byPeer: [Peer: UInt32] = [:]
    private var nextDiscriminator: UInt32

    /// `firstDiscriminator` lets a restarted daemon start elsewhere than where it left off, so that a peer does not
    /// take its new sessions for the old ones (§6.8.1: "unique ... across all BFD sessions on this system").
    public init(firstDiscriminator: UInt32 = 1) {
        self.nextDiscriminator = max(firstDiscriminator, 1)
    }

    /// The local discriminator of `peer`'s session, if it has one.
    public func localDiscriminator(for peer: Peer) -> UInt32? { byPeer[peer] }

    /// Registers a session for `peer` and returns its new local discriminator (never 0, never one in use).
    public mutating func add(_ peer: Peer) -> UInt32 {
        precondition(byPeer[peer] == nil, "BFD peer registered twice")
        while nextDiscriminator == 0 || byDiscriminator[nextDiscriminator] != nil { nextDiscriminator &+= 1 }
        let discriminator = nextDiscriminator
        nextDiscriminator &+= 1
        byDiscriminator[discriminator] = peer
        byPeer[peer] = discriminator
        return discriminator
    }

    /// Forgets `peer`'s session; its discriminator is not reused until the counter wraps.
    public mutating func remove(_ peer: Peer) {
        guard let discriminator = byPeer.removeValue(forKey: peer) else { return }
        byDiscriminator[discriminator] = nil
    }

    /// The local discriminator of the session that must process `packet` from `peer` (§6.8.6): by Your
    /// Discriminator when it is nonzero, else by the peer. The decoder already refused a zero Your Discriminator
    /// outside Down and AdminDown.
    public func session(for packet: BFDControlPacket, from peer: Peer) -> Result<UInt32, Miss> {
        if packet.yourDiscriminator != 0 {
            guard byDiscriminator[packet.yourDiscriminator] != nil else {
                return .failure(.unknownYourDiscriminator(packet.yourDiscriminator))
            }
            return .success(packet.yourDiscriminator)
        }
        guard let discriminator = byPeer[peer] else { return .failure(.unknownPeer) }
        return .success(discriminator)
    }
}
