// SPDX-License-Identifier: Apache-2.0
// Where a path came from: the facts about the advertising peer that the decision process (RFC 4271 §9.1.2.2,
// RFC 4456 §9) and the export rules (RFC 4271 §9.1.3, RFC 4456 §6-8) depend on.

import BGPWire

/// The peer (or local origination) a path was learned from.
///
/// Every path from one peer carries the same source, so the fields live in one shared, immutable box: a `Path`
/// copies 8 bytes and a retain instead of ~80 bytes with a String, and comparing two paths' sources is usually a
/// pointer comparison. Setting a field replaces the box (value semantics as before).
public struct PathSource: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Originated by this speaker (own blocks, configured networks).
        case local
        case `internal`
        case external
    }

    private final class Storage: Sendable {
        let name: String
        let kind: Kind
        let peerAddress: IPAddress
        let routerID: IPAddress
        let peerAS: UInt32
        let localAS: UInt32
        let isReflectorClient: Bool

        init(
            name: String, kind: Kind, peerAddress: IPAddress, routerID: IPAddress, peerAS: UInt32, localAS: UInt32,
            isReflectorClient: Bool
        ) {
            self.name = name
            self.kind = kind
            self.peerAddress = peerAddress
            self.routerID = routerID
            self.peerAS = peerAS
            self.localAS = localAS
            self.isReflectorClient = isReflectorClient
        }

        func with(_ change: (inout Fields) -> Void) -> Storage {
            var fields = Fields(
                name: name, kind: kind, peerAddress: peerAddress, routerID: routerID, peerAS: peerAS, localAS: localAS,
                isReflectorClient: isReflectorClient)
            change(&fields)
            return Storage(
                name: fields.name, kind: fields.kind, peerAddress: fields.peerAddress, routerID: fields.routerID,
                peerAS: fields.peerAS, localAS: fields.localAS, isReflectorClient: fields.isReflectorClient)
        }
    }

    private struct Fields {
        var name: String
        var kind: Kind
        var peerAddress: IPAddress
        var routerID: IPAddress
        var peerAS: UInt32
        var localAS: UInt32
        var isReflectorClient: Bool
    }

    private var storage: Storage

    /// The protocol name (`Node_10_0_0_2`), or "local".
    public var name: String {
        get { storage.name }
        set { storage = storage.with { $0.name = newValue } }
    }
    public var kind: Kind {
        get { storage.kind }
        set { storage = storage.with { $0.kind = newValue } }
    }
    public var peerAddress: IPAddress {
        get { storage.peerAddress }
        set { storage = storage.with { $0.peerAddress = newValue } }
    }
    /// The peer's BGP Identifier (RFC 4271 §9.1.2.2 f), or ORIGINATOR_ID when reflected (RFC 4456 §9).
    public var routerID: IPAddress {
        get { storage.routerID }
        set { storage = storage.with { $0.routerID = newValue } }
    }
    public var peerAS: UInt32 {
        get { storage.peerAS }
        set { storage = storage.with { $0.peerAS = newValue } }
    }
    public var localAS: UInt32 {
        get { storage.localAS }
        set { storage = storage.with { $0.localAS = newValue } }
    }
    /// The peer is a route-reflector client of ours (RFC 4456 §6).
    public var isReflectorClient: Bool {
        get { storage.isReflectorClient }
        set { storage = storage.with { $0.isReflectorClient = newValue } }
    }

    public init(
        name: String, kind: Kind, peerAddress: IPAddress, routerID: IPAddress, peerAS: UInt32, localAS: UInt32,
        isReflectorClient: Bool = false
    ) {
        storage = Storage(
            name: name, kind: kind, peerAddress: peerAddress, routerID: routerID, peerAS: peerAS, localAS: localAS,
            isReflectorClient: isReflectorClient)
    }

    /// A path originated here.
    public static func local(routerID: IPAddress, asn: UInt32) -> PathSource {
        PathSource(name: "local", kind: .local, peerAddress: routerID, routerID: routerID, peerAS: asn, localAS: asn)
    }

    public static func == (a: Self, b: Self) -> Bool {
        let x = a.storage
        let y = b.storage
        return x === y
            || (x.peerAddress == y.peerAddress && x.name == y.name && x.kind == y.kind && x.routerID == y.routerID
                && x.peerAS == y.peerAS && x.localAS == y.localAS && x.isReflectorClient == y.isReflectorClient)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.name)
        hasher.combine(storage.kind)
        hasher.combine(storage.peerAddress)
        hasher.combine(storage.routerID)
        hasher.combine(storage.peerAS)
        hasher.combine(storage.localAS)
        hasher.combine(storage.isReflectorClient)
    }

    public var description: String { name }
}
