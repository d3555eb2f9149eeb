// SPDX-License-Identifier: Apache-2.0
// One NLRI entry: a prefix and, when ADD-PATH is negotiated for its family, the Path Identifier in front of it.
//
//     RFC 4271 §4.3:  | Length (1) | Prefix (ceil(Length/8) octets) |
//     RFC 7911 §3:    | Path Identifier (4) | Length (1) | Prefix (variable) |

/// A prefix as carried in an UPDATE, with its ADD-PATH Path Identifier if the session uses one.
public struct NLRI: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var pathID: UInt32?

    @inlinable
    public init(_ prefix: IPPrefix, pathID: UInt32? = nil) {
        self.prefix = prefix
        self.pathID = pathID
    }

    public static func < (a: NLRI, b: NLRI) -> Bool {
        (a.prefix, a.pathID ?? 0) < (b.prefix, b.pathID ?? 0)
    }

    public var description: String {
        guard let pathID else { return prefix.description }
        return "\(prefix) path-id \(pathID)"
    }
}
