// SPDX-License-Identifier: Apache-2.0
// ORIGIN (RFC 4271 §4.3 type 1, §5.1.1).

/// ORIGIN: how the route entered BGP. Lower is preferred in the decision process (RFC 4271 §9.1.2.2 c).
public enum Origin: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible {
    case igp = 0
    case egp = 1
    case incomplete = 2

    public static func < (a: Origin, b: Origin) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .igp: "IGP"
        case .egp: "EGP"
        case .incomplete: "INCOMPLETE"
        }
    }
}
