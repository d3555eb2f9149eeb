// SPDX-License-Identifier: Apache-2.0
// What enable, disable and restart share: the RFC 9003 length check on `--message` and sending the request, printing
// the daemon's one-line confirmation.

import ArgumentParser
import ControlProtocol

/// The shared part of enable, disable and restart.
enum SessionAction {
    /// RFC 9003 §2: the shutdown communication is at most 255 octets of UTF-8.
    static func validate(_ message: String?) throws {
        if let message, message.utf8.count > 255 {
            throw ValidationError("--message is \(message.utf8.count) octets of UTF-8; RFC 9003 allows at most 255")
        }
    }

    static func run(_ request: ControlRequest, options: ControlOptions) throws {
        try options.exchange(request) { response in
            guard case .ok(let text) = response else { throw options.unexpected(response, for: request) }
            print(text)
        }
    }
}
