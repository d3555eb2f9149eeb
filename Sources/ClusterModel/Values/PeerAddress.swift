// SPDX-License-Identifier: Apache-2.0
// `BGPPeer.spec.peerIP`: an address with an optional port, in Calico's spelling (`10.0.0.1`, `10.0.0.1:1790`,
// `fd00::1`, `[fd00::1]:1790`). Calico validates it with its `IP:port` rule; a bracketed IPv6 address must carry a
// port, and a bare IPv6 address never does.

import BGPWire

/// A peer's address and, when given, its port.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16?

    public init(address: IPAddress, port: UInt16? = nil) {
        self.address = address
        self.port = port
    }

    /// Parses Calico's `peerIP` text; `nil` when it is not an address, or the port is not 1-65535.
    public init?(_ text: some StringProtocol) {
        let text = Substring(text)
        if text.hasPrefix("[") {
            // `[v6]:port`
            guard let close = text.firstIndex(of: "]"), let address = IPAddress(text[text.index(after: text.startIndex)..<close]),
                address.family == .ipv6
            else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), port > 0 else { return nil }
            self.init(address: address, port: port)
        } else if text.contains(":") {
            // A bare IPv6 address, or `v4:port`.
            if let address = IPAddress(text), address.family == .ipv6 {
                self.init(address: address)
                return
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let address = IPAddress(parts[0]), address.family == .ipv4,
                let port = UInt16(parts[1]), port > 0
            else { return nil }
            self.init(address: address, port: port)
        } else {
            guard let address = IPAddress(text) else { return nil }
            self.init(address: address)
        }
    }

    public var description: String {
        guard let port else { return address.description }
        return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
