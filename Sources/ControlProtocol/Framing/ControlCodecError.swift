// SPDX-License-Identifier: Apache-2.0
// Why a control-socket line could not be read: bad JSON, an unknown command, a missing field, or a line longer than
// the limit. The reason is one line of text, safe to send back to the client and to print.

/// A line that is not a valid request or response.
public struct ControlCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { reason }
}
