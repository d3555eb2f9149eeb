// SPDX-License-Identifier: Apache-2.0
// AS_PATH and AS4_PATH (RFC 4271 §4.3 type 2, §5.1.2; RFC 6793; RFC 5065 confederation segments) and the
// RFC 6793 §4.2.3 rule that rebuilds the 4-octet path from an AS_PATH + AS4_PATH pair.

/// An AS path: a list of segments, each a set or sequence of AS numbers.
///
///     | segment type (1) | segment length in ASes (1) | AS numbers (2 or 4 octets each) | ...
public struct ASPath: Hashable, Sendable {
    public var segments: [ASPathSegment]

    public init(segments: [ASPathSegment] = []) { self.segments = segments }

    /// A path made of one AS_SEQUENCE; empty for no ASes.
    public init(sequence asns: [UInt32]) {
        self.segments = asns.isEmpty ? [] : [ASPathSegment(kind: .sequence, asns: asns)]
    }

    /// Path length for the decision process (RFC 4271 §9.1.2.2 a): a set counts as 1, confederation segments
    /// count 0 (RFC 5065 §5.3).
    public var length: Int {
        segments.reduce(0) { total, segment in
            switch segment.kind {
            case .sequence: total + segment.asns.count
            case .set: total + 1
            case .confedSequence, .confedSet: total
            }
        }
    }

    /// The first AS of the first AS_SEQUENCE, the neighbor AS for eBGP checks (RFC 4271 §6.3).
    public var firstAS: UInt32? {
        guard let first = segments.first, first.kind == .sequence else { return nil }
        return first.asns.first
    }

    /// True when any AS needs four octets (then a 2-octet session needs AS_TRANS and AS4_PATH, RFC 6793 §4.2.2).
    public var needsFourOctets: Bool { segments.contains { $0.asns.contains { $0 > 0xFFFF } } }

    /// Every AS number in path order, segments flattened.
    public var allASNs: [UInt32] { segments.flatMap(\.asns) }

    /// A copy for a 2-octet peer: every 4-octet AS replaced by AS_TRANS (RFC 6793 §4.2.2).
    public func mappedToTwoOctets() -> ASPath {
        ASPath(segments: segments.map { segment in
            ASPathSegment(kind: segment.kind, asns: segment.asns.map { $0 > 0xFFFF ? ASPath.asTrans : $0 })
        })
    }

    /// AS_TRANS (RFC 6793 §9).
    public static let asTrans: UInt32 = 23456

    /// RFC 6793 §4.2.3: rebuild the real path from the 2-octet AS_PATH and the AS4_PATH that travelled beside it.
    ///
    /// "If the number of AS numbers in the AS_PATH attribute is less than the number of AS numbers in the AS4_PATH
    /// attribute, then the AS4_PATH attribute SHALL be ignored." Otherwise the leading ASes of AS_PATH that AS4_PATH
    /// lacks are prepended to it. Confederation segments in AS4_PATH are discarded before counting (§6).
    public func merged(withAS4Path as4Path: ASPath) -> ASPath {
        let as4 = ASPath(segments: as4Path.segments.filter { $0.kind == .sequence || $0.kind == .set })
        let count = length
        let count4 = as4.length
        if count < count4 { return self }
        // Take leading ASes from AS_PATH until (count - count4) have been taken, in §4.2.3 units (set = 1).
        var needed = count - count4
        var head: [ASPathSegment] = []
        for segment in segments where needed > 0 || segment.kind == .confedSequence || segment.kind == .confedSet {
            switch segment.kind {
            case .confedSequence, .confedSet:
                // Confederation segments lead the path and are not counted; keep them in place.
                if needed > 0 || head.isEmpty { head.append(segment) }
            case .set:
                head.append(segment)
                needed -= 1
            case .sequence:
                let take = min(needed, segment.asns.count)
                head.append(ASPathSegment(kind: .sequence, asns: Array(segment.asns.prefix(take))))
                needed -= take
            }
        }
        var merged = head
        // Join a trailing head sequence with a leading AS4 sequence, as one segment, like the sender had it.
        var tail = as4.segments
        if let last = merged.last, last.kind == .sequence, let first = tail.first, first.kind == .sequence,
            last.asns.count + first.asns.count <= 255
        {
            merged[merged.count - 1].asns += first.asns
            tail.removeFirst()
        }
        return ASPath(segments: merged + tail)
    }
}

/// One AS path segment (RFC 4271 §4.3; RFC 5065 §3 for the confederation kinds).
public struct ASPathSegment: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable {
        case set = 1
        case sequence = 2
        case confedSequence = 3
        case confedSet = 4
    }

    public var kind: Kind
    public var asns: [UInt32]

    public init(kind: Kind, asns: [UInt32]) {
        self.kind = kind
        self.asns = asns
    }
}

extension ASPath: CustomStringConvertible {
    /// BIRD/FRR style text: sequences space-separated, `{a b}` for sets, `(a b)` / `[a b]` for confederation.
    public var description: String {
        segments.map { segment in
            let list = segment.asns.map(String.init).joined(separator: " ")
            switch segment.kind {
            case .sequence: return list
            case .set: return "{\(list)}"
            case .confedSequence: return "(\(list))"
            case .confedSet: return "[\(list)]"
            }
        }.joined(separator: " ")
    }
}
