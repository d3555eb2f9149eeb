// SPDX-License-Identifier: Apache-2.0
// `--metrics-address`: `HOST:PORT` with an IPv4 literal, `[IPV6]:PORT`, or `localhost:PORT` (127.0.0.1). Names are
// not resolved: the metrics endpoint binds exactly what the operator wrote, and a mistake fails at start.

import NIOCore

struct MetricsAddress: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `HOST:PORT`; the error names what is wrong.
    static func parse(_ text: String) -> Result<MetricsAddress, MetricsAddressError> {
        func fail(_ reason: String) -> Result<MetricsAddress, MetricsAddressError> {
            .failure(MetricsAddressError(text: text, reason: reason))
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return fail("missing ']' after the IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return fail("expected ':PORT' after ']'") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return fail("expected HOST:PORT, e.g. 127.0.0.1:9180 or [::1]:9180") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return fail("an IPv6 address needs brackets: [ADDRESS]:PORT") }
        }
        guard !host.isEmpty else { return fail("missing host (use 0.0.0.0 or [::] for every address)") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return fail("port must be a number from 1 to 65535, not '\(portText)'")
        }
        let literal = host == "localhost" ? "127.0.0.1" : String(host)
        guard (try? SocketAddress(ipAddress: literal, port: port)) != nil else {
            return fail("'\(host)' is not an IP address (names are not resolved)")
        }
        return .success(MetricsAddress(host: literal, port: port))
    }

    func socketAddress() throws -> SocketAddress { try SocketAddress(ipAddress: host, port: port) }
}

struct MetricsAddressError: Error, CustomStringConvertible {
    var text: String
    var reason: String
    var description: String { "invalid --metrics-address '\(text)': \(reason)" }
}

/// The metrics listener could not be opened (address in use, not local, no permission).
struct MetricsBindError: Error, CustomStringConvertible {
    var address: MetricsAddress
    var underlying: String
    var description: String { "cannot serve metrics on \(address): \(underlying)" }
}
