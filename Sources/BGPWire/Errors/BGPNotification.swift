// SPDX-License-Identifier: Apache-2.0
// The NOTIFICATION message (RFC 4271 §4.5) as one value: decoders throw it, the FSM sends it, the CLI prints it.
// Factories named after the RFC clause live in BGPNotification+Factories.swift; call sites never spell numbers.

/// A NOTIFICATION (RFC 4271 §4.5).
///
///     | Error code (1) | Error subcode (1) | Data (variable) |
public struct BGPNotification: Error, Hashable, Sendable {
    public var code: ErrorCode
    public var subcode: UInt8
    public var data: [UInt8]

    public init(code: ErrorCode, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }
}

extension BGPNotification {
    /// The RFC 8203/9003 shutdown communication in a Cease 2 or 4, if the Data holds a well-formed one.
    ///
    ///     | Length (1) | Shutdown Communication (UTF-8, up to 255 octets) ... |
    public var shutdownCommunication: String? {
        guard code == .cease, subcode == CeaseSubcode.administrativeShutdown || subcode == CeaseSubcode.administrativeReset,
            let length = data.first, data.count >= 1 + Int(length)
        else { return nil }
        // RFC 9003 §2: bytes after the communication are permitted and ignored.
        return String(validating: data[1..<(1 + Int(length))], as: UTF8.self)
    }

    /// RFC 8538 §4: the NOTIFICATION a Cease/Hard Reset carries in its Data (code, subcode, then its data).
    public var hardResetInner: BGPNotification? {
        guard code == .cease, subcode == CeaseSubcode.hardReset, data.count >= 2 else { return nil }
        return BGPNotification(code: ErrorCode(rawValue: data[0]), subcode: data[1], data: Array(data.dropFirst(2)))
    }

    /// The registry name, with a Hard Reset's inner NOTIFICATION in parentheses ("Cease: Hard Reset (Cease: BFD
    /// Down)"): with the N bit most Ceases travel wrapped, and the inner one says why.
    public var name: String {
        let outer = BGPNotification.describe(code: code, subcode: subcode)
        guard let inner = hardResetInner else { return outer }
        return "\(outer) (\(BGPNotification.describe(code: inner.code, subcode: inner.subcode)))"
    }

    /// "code/subcode (name)" plus the decoded shutdown communication, for logs and the CLI.
    public var summary: String {
        var text = "\(code.rawValue)/\(subcode) \(name)"
        if let message = shutdownCommunication ?? hardResetInner?.shutdownCommunication { text += ": \"\(message)\"" }
        return text
    }
}

/// Cease subcodes (RFC 4486 §4, RFC 8538 §3, RFC 9384).
public enum CeaseSubcode {
    public static let maximumPrefixesReached: UInt8 = 1
    public static let administrativeShutdown: UInt8 = 2
    public static let peerDeconfigured: UInt8 = 3
    public static let administrativeReset: UInt8 = 4
    public static let connectionRejected: UInt8 = 5
    public static let otherConfigurationChange: UInt8 = 6
    public static let connectionCollisionResolution: UInt8 = 7
    public static let outOfResources: UInt8 = 8
    public static let hardReset: UInt8 = 9
    public static let bfdDown: UInt8 = 10
}
