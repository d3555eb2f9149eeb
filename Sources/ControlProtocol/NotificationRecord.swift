// SPDX-License-Identifier: Apache-2.0
// A NOTIFICATION as the control socket reports it: the numbers, the data in hex, the daemon's text for the pair (from
// `BGPNotification.describe`, which this dependency-free target cannot call) and, for Cease/Administrative Shutdown
// or Reset, the RFC 8203 / RFC 9003 shutdown communication decoded as UTF-8.

/// One NOTIFICATION sent or received.
public struct NotificationRecord: Hashable, Sendable, Codable {
    public var code: Int
    public var subcode: Int
    /// The Data field, lower-case hex without separators.
    public var dataHex: String
    /// Such as "Cease: Administrative Shutdown".
    public var text: String
    /// The shutdown communication, when there was one. Peer-supplied text: renderers escape control characters.
    public var shutdownCommunication: String?
    /// When it was sent or received, Unix seconds.
    public var at: Double

    public init(code: Int, subcode: Int, dataHex: String = "", text: String, shutdownCommunication: String? = nil, at: Double) {
        self.code = code
        self.subcode = subcode
        self.dataHex = dataHex
        self.text = text
        self.shutdownCommunication = shutdownCommunication
        self.at = at
    }

    /// `Cease: Administrative Shutdown: "maintenance"` (the text, then the quoted communication if any).
    public var summary: String {
        guard let communication = shutdownCommunication else { return text }
        return "\(text): \"\(communication)\""
    }
}
