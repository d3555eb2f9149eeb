// SPDX-License-Identifier: Apache-2.0
// Reads an UPDATE body only as far as its IPv4 unicast prefixes: withdrawn routes and NLRI (RFC 4271 §4.3), and
// MP_REACH_NLRI / MP_UNREACH_NLRI for AFI 1 SAFI 1 (RFC 4760). No ADD-PATH (the tool never negotiates it). Every
// other attribute is skipped by its length.

protocol PrefixSink {
    mutating func announced(_ key: UInt64)
    mutating func withdrawn(_ key: UInt64)
}

enum UpdateScanner {
    /// Calls `sink` for every prefix in `body` (the octets after the 19-octet header). False if the body is malformed.
    @inline(__always)
    static func scan<Sink: PrefixSink>(_ body: UnsafeRawBufferPointer, into sink: inout Sink) -> Bool {
        let end = body.count
        guard end >= 4 else { return false }
        let withdrawnLength = Int(body[0]) << 8 | Int(body[1])
        let attributesStart = 2 + withdrawnLength + 2
        guard attributesStart <= end else { return false }
        guard prefixes(body, 2, 2 + withdrawnLength, { sink.withdrawn($0) }) else { return false }
        let attributesLength = Int(body[attributesStart - 2]) << 8 | Int(body[attributesStart - 1])
        let nlriStart = attributesStart + attributesLength
        guard nlriStart <= end else { return false }
        var i = attributesStart
        while i < nlriStart {
            guard i + 3 <= nlriStart else { return false }
            let flags = body[i]
            let code = body[i + 1]
            var length = Int(body[i + 2])
            var value = i + 3
            if flags & 0x10 != 0 {
                guard i + 4 <= nlriStart else { return false }
                length = length << 8 | Int(body[i + 3])
                value = i + 4
            }
            let next = value + length
            guard next <= nlriStart else { return false }
            if code == 14, length >= 5 {
                // MP_REACH_NLRI: AFI (2), SAFI (1), next hop length (1), next hop, reserved (1), NLRI.
                let afi = Int(body[value]) << 8 | Int(body[value + 1])
                let safi = body[value + 2]
                let nlri = value + 4 + Int(body[value + 3]) + 1
                if afi == 1, safi == 1 {
                    guard nlri <= next, prefixes(body, nlri, next, { sink.announced($0) }) else { return false }
                }
            } else if code == 15, length >= 3 {
                let afi = Int(body[value]) << 8 | Int(body[value + 1])
                if afi == 1, body[value + 2] == 1 {
                    guard prefixes(body, value + 3, next, { sink.withdrawn($0) }) else { return false }
                }
            }
            i = next
        }
        return prefixes(body, nlriStart, end, { sink.announced($0) })
    }

    @inline(__always)
    private static func prefixes(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (UInt64) -> Void
    ) -> Bool {
        var i = start
        while i < end {
            let length = Int(bytes[i])
            i += 1
            guard length <= 32 else { return false }
            let octets = (length + 7) >> 3
            guard i + octets <= end else { return false }
            var address: UInt32 = 0
            for b in 0..<octets { address |= UInt32(bytes[i + b]) << (24 - 8 * b) }
            if length < 32 { address &= length == 0 ? 0 : ~(UInt32.max >> length) }
            i += octets
            body(PrefixSet.key(address: address, length: length))
        }
        return true
    }
}
