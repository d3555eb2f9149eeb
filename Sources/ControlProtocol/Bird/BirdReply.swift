// SPDX-License-Identifier: Apache-2.0
// BIRD's control-socket reply framing (BIRD 2 `sysdep/unix/main.c`, `nest/cli.c`, `doc/reply_codes`): every line
// starts with a four-digit code; `NNNN-text` is a line of a reply that goes on, `NNNN text` its last line, and a line
// that continues the previous line's code is written ` text` (one space, no code). A reply that ends without a final
// message of its own ends with `0000 ` (code 0, empty text: the trailing space is BIRD's). Clients (birdcl,
// calicoctl, calico/node's probes) read until a line whose fifth byte is a space.

/// Builds one BIRD reply line by line.
public struct BirdReply: Sendable {
    /// The bytes so far, as text.
    public private(set) var text = ""
    private var lastCode: Int?

    public init() {}

    /// A line of the reply that more lines follow (BIRD's `cli_msg(-code, ...)`).
    public mutating func line(_ code: Int, _ text: String) {
        if lastCode == code {
            self.text += " " + text + "\n"
        } else {
            self.text += Self.code(code) + "-" + text + "\n"
        }
        lastCode = code
    }

    /// The last line (BIRD's `cli_msg(code, ...)` with a positive code); the reply is complete.
    public mutating func finish(_ code: Int, _ text: String) -> String {
        self.text += Self.code(code) + " " + text + "\n"
        lastCode = nil
        return self.text
    }

    /// Ends a reply that has no final message of its own: `0000 `.
    public mutating func end() -> String { finish(0, "") }

    /// A one-line reply.
    public static func single(_ code: Int, _ text: String) -> String {
        var reply = BirdReply()
        return reply.finish(code, text)
    }

    static func code(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// BIRD's reply codes that the socket uses (`doc/reply_codes`).
public enum BirdReplyCode {
    public static let ok = 0
    public static let welcome = 1
    /// "0013 Daemon is up and running" (or shutdown/reconfiguration in progress).
    public static let status = 13
    public static let gracefulRestartStatus = 24
    public static let version = 1000
    public static let protocolList = 1002
    public static let protocolDetails = 1006
    public static let routeList = 1007
    public static let routeDetails = 1008
    public static let routeAttributes = 1012
    public static let uptime = 1011
    public static let tableHeading = 2002
    public static let noProtocolsMatch = 8003
    public static let routeNotFound = 8001
    public static let commandTooLong = 9000
    public static let syntaxError = 9001
}
