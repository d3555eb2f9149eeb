// SPDX-License-Identifier: Apache-2.0
// What swiftletctl asks swiftletd over the control socket, one request per line. On the wire it is a flat JSON
// object with a "command" key (`{"command":"disable","name":"peer1","message":"maintenance"}`), so an operator can
// type it by hand into `socat - UNIX-CONNECT:/var/run/swiftlet/swiftlet.ctl`; unknown commands are decode errors the
// server answers with `invalidRequest`.

/// One control request (the `birdc` verbs Swiftlet supports).
public enum ControlRequest: Hashable, Sendable {
    /// Daemon identity and session totals (`birdc show status`).
    case showStatus
    /// One summary row per BGP session (`birdc show protocols`).
    case showProtocols
    /// Everything known about one session (`birdc show protocols all NAME`).
    case showProtocol(name: String)
    /// Take a session administratively down. `message` is sent to the peer as the RFC 8203 / RFC 9003 shutdown
    /// communication in the Cease/Administrative Shutdown NOTIFICATION.
    case disable(name: String, message: String?)
    /// Bring an administratively disabled session back.
    case enable(name: String)
    /// Drop and re-establish a session (Cease/Administrative Reset, with an optional shutdown communication).
    case restart(name: String, message: String?)
    /// Routes of the Loc-RIB or of one peer's Adj-RIB-In/Out (`birdc show route [for ADDRESS] [all]`). The query's
    /// fields sit in the request object itself: `{"command":"showRoute","prefix":"10.0.1.0/26","all":true}`.
    case showRoute(RouteQuery)
    /// Swiftlet's kernel routes: every prefix, or one (`{"command":"showKernel","prefix":"10.244.0.64/26"}`).
    case showKernel(prefix: String?)
    /// Re-read the configuration file, as SIGHUP does; the answer says what changed (`reload`) or lists every error
    /// (`error` with code `configInvalid`, the running configuration unchanged).
    case reload
    /// The configuration in force, as resolved (`config`).
    case showConfig
    /// Every BFD session (`birdc show bfd sessions`), answered with `bfd`.
    case showBFD

    /// The wire name of the command.
    public var command: String {
        switch self {
        case .showStatus: "showStatus"
        case .showProtocols: "showProtocols"
        case .showProtocol: "showProtocol"
        case .disable: "disable"
        case .enable: "enable"
        case .restart: "restart"
        case .showRoute: "showRoute"
        case .showKernel: "showKernel"
        case .reload: "reload"
        case .showConfig: "showConfig"
        case .showBFD: "showBFD"
        }
    }

    /// The protocol (session) the request is about, if any.
    public var protocolName: String? {
        switch self {
        case .showStatus, .showProtocols, .showKernel, .reload, .showConfig, .showBFD: nil
        case .showProtocol(let name), .enable(let name): name
        case .disable(let name, _), .restart(let name, _): name
        case .showRoute(let query): query.peer
        }
    }
}

extension ControlRequest: Codable {
    private enum CodingKeys: String, CodingKey {
        case command, name, message, prefix
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let command = try container.decode(String.self, forKey: .command)
        func name() throws -> String { try container.decode(String.self, forKey: .name) }
        func message() throws -> String? { try container.decodeIfPresent(String.self, forKey: .message) }
        switch command {
        case "showStatus": self = .showStatus
        case "showProtocols": self = .showProtocols
        case "showProtocol": self = .showProtocol(name: try name())
        case "disable": self = .disable(name: try name(), message: try message())
        case "enable": self = .enable(name: try name())
        case "restart": self = .restart(name: try name(), message: try message())
        case "showRoute": self = .showRoute(try RouteQuery(from: decoder))
        case "showKernel": self = .showKernel(prefix: try container.decodeIfPresent(String.self, forKey: .prefix))
        case "reload": self = .reload
        case "showConfig": self = .showConfig
        case "showBFD": self = .showBFD
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .command, in: container, debugDescription: "unknown command '\(command)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        switch self {
        case .showStatus, .showProtocols, .reload, .showConfig, .showBFD:
            break
        case .showProtocol(let name), .enable(let name):
            try container.encode(name, forKey: .name)
        case .disable(let name, let message), .restart(let name, let message):
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(message, forKey: .message)
        case .showKernel(let prefix):
            try container.encodeIfPresent(prefix, forKey: .prefix)
        case .showRoute(let query):
            // The same encoder: the query's keys land in this object, beside "command".
            try query.encode(to: encoder)
        }
    }
}
