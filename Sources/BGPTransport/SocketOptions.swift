// SPDX-License-Identifier: Apache-2.0
// Per-peer socket options: TCP-MD5 signatures (RFC 2385, Linux TCP_MD5SIG), GTSM (RFC 5082: send with TTL 255,
// accept only TTL >= 256 - hops via IP_MINTTL / IPV6_MINHOPCOUNT) and the multihop TTL. Set through NIO's
// SocketOptionProvider so they are on the socket before the SYN leaves (outgoing) or on the listener before the
// peer's SYN arrives (incoming; Linux looks the key up on the listening socket).

import BGPWire
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Socket-level security and TTL settings for one peer.
public struct PeerSocketOptions: Hashable, Sendable {
    public var password: String?
    /// GTSM: the peer is at most this many hops away (RFC 5082 §3).
    public var ttlSecurityHops: UInt8?
    /// TTL for outgoing packets when not using GTSM (eBGP multihop).
    public var multihopTTL: UInt8?

    public init(password: String? = nil, ttlSecurityHops: UInt8? = nil, multihopTTL: UInt8? = nil) {
        self.password = password
        self.ttlSecurityHops = ttlSecurityHops
        self.multihopTTL = multihopTTL
    }
}

extension PeerSocketOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never shows the password: logs, `dump` and string interpolation see only whether one is set.
    public var description: String {
        var parts: [String] = []
        if password != nil { parts.append("password: <redacted>") }
        if let ttlSecurityHops { parts.append("ttlSecurityHops: \(ttlSecurityHops)") }
        if let multihopTTL { parts.append("multihopTTL: \(multihopTTL)") }
        return "PeerSocketOptions(\(parts.joined(separator: ", ")))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["password": password == nil ? "nil" : "<redacted>", "ttlSecurityHops": ttlSecurityHops as Any, "multihopTTL": multihopTTL as Any])
    }
}

enum SocketOptions {
    /// The Linux `tcp_md5sig` for `peer`; an empty key deletes the peer's key.
    static func md5Signature(peer: IPAddress, key: String) -> tcp_md5sig {
        var sig = tcp_md5sig()
        withUnsafeMutableBytes(of: &sig.tcpm_addr) { destination in
            destination.initializeMemory(as: UInt8.self, repeating: 0)
            switch peer.family {
            case .ipv4:
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_addr.s_addr = peer.ipv4Value.bigEndian
                withUnsafeBytes(of: sin) { destination.copyMemory(from: $0) }
            case .ipv6:
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                let bytes = peer.bytes
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
                withUnsafeBytes(of: sin6) { destination.copyMemory(from: $0) }
            }
        }
        let keyBytes = Array(key.utf8.prefix(Int(TCP_MD5SIG_MAXKEYLEN)))
        sig.tcpm_keylen = UInt16(keyBytes.count)
        withUnsafeMutableBytes(of: &sig.tcpm_key) { $0.copyBytes(from: keyBytes) }
        return sig
    }

    /// Installs (or, with an empty key, removes) the MD5 key for `peer` on `channel`.
    static func setMD5(on channel: Channel, peer: IPAddress, key: String) -> EventLoopFuture<Void> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        return provider.unsafeSetSocketOption(
            level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_MD5SIG),
            value: md5Signature(peer: peer, key: key))
    }

    /// Outgoing TTL: 255 for GTSM, else the multihop TTL if configured.
    static func setOutgoingTTL(on channel: Channel, family: IPAddress.Family, options: PeerSocketOptions) -> EventLoopFuture<Void> {
        guard let ttl = outgoingTTL(options) else { return channel.eventLoop.makeSucceededVoidFuture() }
        return setTTL(on: channel, family: family, ttl: ttl)
    }

    static func outgoingTTL(_ options: PeerSocketOptions) -> CInt? {
        options.ttlSecurityHops != nil ? 255 : options.multihopTTL.map(CInt.init)
    }

    /// IP_TTL / IPV6_UNICAST_HOPS; -1 restores the system default.
    static func setTTL(on channel: Channel, family: IPAddress.Family, ttl: CInt) -> EventLoopFuture<Void> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededVoidFuture() }
        switch family {
        case .ipv4:
            return provider.unsafeSetSocketOption(level: SocketOptionLevel(IPPROTO_IP), name: SocketOptionName(IP_TTL), value: ttl)
        case .ipv6:
            return provider.unsafeSetSocketOption(
                level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(IPV6_UNICAST_HOPS), value: ttl)
        }
    }

    /// GTSM receive side (RFC 5082 §3): drop packets whose TTL is below 256 - hops.
    static func setMinimumTTL(on channel: Channel, family: IPAddress.Family, hops: UInt8) -> EventLoopFuture<Void> {
        setMinimumTTL(on: channel, family: family, minimum: CInt(256 - Int(hops)))
    }

    /// IP_MINTTL / IPV6_MINHOPCOUNT; 0 accepts every TTL.
    static func setMinimumTTL(on channel: Channel, family: IPAddress.Family, minimum: CInt) -> EventLoopFuture<Void> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededVoidFuture() }
        switch family {
        case .ipv4:
            return provider.unsafeSetSocketOption(level: SocketOptionLevel(IPPROTO_IP), name: SocketOptionName(IP_MINTTL), value: minimum)
        case .ipv6:
            // IPV6_MINHOPCOUNT (73) is not exported by Glibc's headers.
            return provider.unsafeSetSocketOption(level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(73), value: minimum)
        }
    }
}

extension IPAddress {
    /// NIO's socket address for this address and a port.
    func socketAddress(port: Int) throws -> SocketAddress {
        try SocketAddress(ipAddress: description, port: port)
    }
}

extension SocketAddress {
    /// The address part as an `IPAddress`.
    var bgpAddress: IPAddress? {
        guard let text = ipAddress else { return nil }
        // IPv4-mapped IPv6 (a dual-stack listener) is the IPv4 peer.
        if text.hasPrefix("::ffff:"), let v4 = IPAddress(text.dropFirst(7)), v4.family == .ipv4 { return v4 }
        return IPAddress(text)
    }
}
