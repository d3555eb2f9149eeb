// SPDX-License-Identifier: Apache-2.0
// One row of `show protocols`: a BGP session's name, state and the last thing that went wrong. These types carry no
// secrets (no TCP-MD5 password, no key material) and must not grow any: everything here is printed and logged.

/// One BGP session, summarised (a row of `birdc show protocols`).
public struct ProtocolSummary: Hashable, Sendable, Codable {
    /// The session's name, unique in the daemon (for Calico peers, such as "Mesh_10_0_0_2" or "Node_192_0_2_1").
    public var name: String
    /// The protocol kind; always "BGP" for now.
    public var kind: String
    public var state: ProtocolState
    /// When `state` last changed, Unix seconds.
    public var since: Double
    /// Free text: "Established", or the last error such as `Received: Cease: Administrative Shutdown: "maintenance"`
    /// or "Socket: Connection refused". Empty when there is nothing to add to `state`.
    public var info: String
    public var peerAddress: String
    public var peerAS: UInt32
    public var localAS: UInt32
    public var routesReceived: Int
    public var routesAccepted: Int
    public var routesAdvertised: Int
    /// BIRD's route counters (`show protocols all`: "Routes: 3 imported, 0 filtered, 2 exported, 1 preferred"), nil
    /// when the daemon does not count them. Imported: paths from this peer accepted by import policy (its Adj-RIB-In
    /// after policy). Filtered: paths from it rejected by import policy or a loop check. Exported: prefixes in its
    /// Adj-RIB-Out. Preferred: prefixes whose best path came from it.
    public var routesImported: Int?
    public var routesFiltered: Int?
    public var routesExported: Int?
    public var routesPreferred: Int?

    public init(
        name: String, kind: String = "BGP", state: ProtocolState, since: Double, info: String = "",
        peerAddress: String, peerAS: UInt32, localAS: UInt32,
        routesReceived: Int = 0, routesAccepted: Int = 0, routesAdvertised: Int = 0,
        routesImported: Int? = nil, routesFiltered: Int? = nil, routesExported: Int? = nil,
        routesPreferred: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.state = state
        self.since = since
        self.info = info
        self.peerAddress = peerAddress
        self.peerAS = peerAS
        self.localAS = localAS
        self.routesReceived = routesReceived
        self.routesAccepted = routesAccepted
        self.routesAdvertised = routesAdvertised
        self.routesImported = routesImported
        self.routesFiltered = routesFiltered
        self.routesExported = routesExported
        self.routesPreferred = routesPreferred
    }
}
