// SPDX-License-Identifier: Apache-2.0
// The rtnetlink protocol number Swiftlet tags its routes with (`rtm_protocol`, RFC 3549 §3.1.1 and
// linux/rtnetlink.h). Calico's tooling and Felix expect BIRD's number, 12 (`proto bird`), so that is the default;
// only routes with this number are ever changed or deleted.

/// The `rtm_protocol` value that marks a route as Swiftlet's.
public struct RouteProtocol: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `RTPROT_BIRD` (12): what calico/node's BIRD installs and Felix recognises.
    public static let bird = RouteProtocol(rawValue: 12)
}
