// SPDX-License-Identifier: Apache-2.0
// Capability TLVs to and from bytes (RFC 5492 §4). A known capability with an impossible length is malformed OPEN
// (subcode 0, as BIRD and FRR send); a text capability that is not UTF-8 is kept as unknown so it re-encodes.

extension Capability {
    /// Decodes one capability value.
    static func decode(code: UInt8, value: ArraySlice<UInt8>) throws(BGPNotification) -> Capability {
        let v = Array(value)
        func u16(_ i: Int) -> UInt16 { UInt16(v[i]) << 8 | UInt16(v[i + 1]) }
        func family(_ i: Int) -> AddressFamily { AddressFamily(afi: AFI(rawValue: u16(i)), safi: SAFI(rawValue: v[i + 2])) }
        switch code {
        case 1:
            // RFC 4760 §8: AFI (2), Reserved (1), SAFI (1).
            guard v.count == 4 else { throw .malformedOpen }
            return .multiprotocol(AddressFamily(afi: AFI(rawValue: u16(0)), safi: SAFI(rawValue: v[3])))
        case 2:
            guard v.isEmpty else { throw .malformedOpen }
            return .routeRefresh
        case 5:
            guard v.count % 6 == 0 else { throw .malformedOpen }
            return .extendedNextHop(stride(from: 0, to: v.count, by: 6).map {
                ExtendedNextHopEntry(nlriAFI: AFI(rawValue: u16($0)), nlriSAFI: u16($0 + 2), nextHopAFI: AFI(rawValue: u16($0 + 4)))
            })
        case 6:
            guard v.isEmpty else { throw .malformedOpen }
            return .extendedMessage
        case 64:
            guard v.count >= 2, (v.count - 2) % 4 == 0 else { throw .malformedOpen }
            let head = u16(0)
            let families = stride(from: 2, to: v.count, by: 4).map {
                GracefulRestartCapability.Family(family: family($0), flags: v[$0 + 3])
            }
            return .gracefulRestart(GracefulRestartCapability(flags: UInt8(head >> 12), restartTime: head & 0x0FFF, families: families))
        case 65:
            guard v.count == 4 else { throw .malformedOpen }
            return .fourOctetAS(UInt32(u16(0)) << 16 | UInt32(u16(2)))
        case 69:
            guard v.count % 4 == 0 else { throw .malformedOpen }
            return .addPath(stride(from: 0, to: v.count, by: 4).map { AddPathEntry(family: family($0), mode: v[$0 + 3]) })
        case 70:
            guard v.isEmpty else { throw .malformedOpen }
            return .enhancedRouteRefresh
        case 71:
            // RFC 9494 §3.1: seven octets per tuple, zero tuples allowed. RFC 9494 names no error for a broken
            // length, so it is a malformed OPEN like every other known capability here (BIRD's `cl % 7`, 2/0).
            guard v.count % 7 == 0 else { throw .malformedOpen }
            return .longLivedGracefulRestart(stride(from: 0, to: v.count, by: 7).map {
                LongLivedGracefulRestartEntry(
                    family: family($0), flags: v[$0 + 3],
                    staleTime: UInt32(v[$0 + 4]) << 16 | UInt32(v[$0 + 5]) << 8 | UInt32(v[$0 + 6]))
            })
        case 73:
            // Host name length (1), host name, domain length (1), domain name.
            guard let hostLength = v.first.map(Int.init), v.count >= 2 + hostLength,
                v.count == 2 + hostLength + Int(v[1 + hostLength]),
                let host = String(validating: v[1..<(1 + hostLength)], as: UTF8.self),
                let domain = String(validating: v[(2 + hostLength)...], as: UTF8.self)
            else { return .unknown(code: code, value: v) }
            return .fqdn(hostname: host, domain: domain)
        default:
            return .unknown(code: code, value: v)
        }
    }

    /// The capability value octets.
    public var valueBytes: [UInt8] {
        func u16(_ x: UInt16) -> [UInt8] { [UInt8(x >> 8), UInt8(x & 0xFF)] }
        func family(_ f: AddressFamily) -> [UInt8] { u16(f.afi.rawValue) + [f.safi.rawValue] }
        switch self {
        case .multiprotocol(let f): return u16(f.afi.rawValue) + [0, f.safi.rawValue]
        case .routeRefresh, .extendedMessage, .enhancedRouteRefresh: return []
        case .extendedNextHop(let entries):
            return entries.flatMap { u16($0.nlriAFI.rawValue) + u16($0.nlriSAFI) + u16($0.nextHopAFI.rawValue) }
        case .gracefulRestart(let gr):
            return u16(UInt16(gr.flags & 0x0F) << 12 | gr.restartTime & 0x0FFF)
                + gr.families.flatMap { family($0.family) + [$0.flags] }
        case .fourOctetAS(let asn): return u16(UInt16(asn >> 16)) + u16(UInt16(asn & 0xFFFF))
        case .addPath(let entries): return entries.flatMap { family($0.family) + [$0.mode] }
        case .longLivedGracefulRestart(let entries):
            return entries.flatMap {
                family($0.family) + [$0.flags, UInt8($0.staleTime >> 16), UInt8(($0.staleTime >> 8) & 0xFF), UInt8($0.staleTime & 0xFF)]
            }
        case .fqdn(let host, let domain):
            let h = Array(host.utf8.prefix(255))
            let d = Array(domain.utf8.prefix(255))
            return [UInt8(h.count)] + h + [UInt8(d.count)] + d
        case .unknown(_, let value): return value
        }
    }

    /// Appends code, length and value.
    func appendTLV(to bytes: inout [UInt8]) {
        let value = valueBytes
        precondition(value.count <= 255, "capability \(code) value exceeds 255 octets")
        bytes.append(code)
        bytes.append(UInt8(value.count))
        bytes += value
    }
}
