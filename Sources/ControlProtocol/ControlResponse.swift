// SPDX-License-Identifier: Apache-2.0
// What swiftletd answers, one response per request line. On the wire it is a JSON object with exactly one key naming
// the case (`{"protocols":[…]}`, `{"route":{"routes":[…],…}}`, `{"ok":"…"}`,
// `{"error":{"code":"unknownProtocol","message":"…"}}`), which is also what `swiftletctl … --json` prints, so
// `jq '.protocols[].state'` works in scripts.

/// One control response.
public enum ControlResponse: Hashable, Sendable {
    case status(DaemonStatus)
    case protocols([ProtocolSummary])
    case `protocol`(ProtocolDetail)
    /// The answer to `showRoute`.
    case route(RouteReport)
    case kernel(KernelReport)
    /// The answer to a `reload` that was applied: what changed.
    case reload(ReloadReport)
    /// The answer to `showConfig`.
    case config(ConfigReport)
    /// The answer to `showBFD`.
    case bfd(BFDReport)
    /// The request was carried out; the text says what happened.
    case ok(String)
    /// The request was not carried out.
    case error(code: ErrorKind, message: String)

    /// Why a request failed. Kinds this build does not know decode as `internal`, so an older CLI still reports
    /// the message of a newer daemon.
    public enum ErrorKind: String, Hashable, Sendable, Codable, CaseIterable {
        /// No session has that name.
        case unknownProtocol
        /// The request line was not a request (bad JSON, unknown command, missing field, too long).
        case invalidRequest
        /// The daemon could not carry out a well-formed request.
        case `internal`
        /// A reload found errors in the configuration; the message has a first line saying so, then one line per
        /// error (`file:line:column: field: message`). The running configuration stays in force.
        case configInvalid

        public init(from decoder: any Decoder) throws {
            let raw = try decoder.singleValueContainer().decode(String.self)
            self = ErrorKind(rawValue: raw) ?? .internal
        }
    }
}

extension ControlResponse: Codable {
    private enum CodingKeys: String, CodingKey {
        case status, protocols, `protocol`, route, kernel, reload, config, bfd, ok, error
    }

    private struct ErrorBody: Codable {
        var code: ErrorKind
        var message: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "a response has exactly one of status, protocols, protocol, route, kernel, reload, config, bfd, ok, error"))
        }
        switch key {
        case .status: self = .status(try container.decode(DaemonStatus.self, forKey: key))
        case .protocols: self = .protocols(try container.decode([ProtocolSummary].self, forKey: key))
        case .protocol: self = .protocol(try container.decode(ProtocolDetail.self, forKey: key))
        case .route: self = .route(try container.decode(RouteReport.self, forKey: key))
        case .kernel: self = .kernel(try container.decode(KernelReport.self, forKey: key))
        case .reload: self = .reload(try container.decode(ReloadReport.self, forKey: key))
        case .config: self = .config(try container.decode(ConfigReport.self, forKey: key))
        case .bfd: self = .bfd(try container.decode(BFDReport.self, forKey: key))
        case .ok: self = .ok(try container.decode(String.self, forKey: key))
        case .error:
            let body = try container.decode(ErrorBody.self, forKey: key)
            self = .error(code: body.code, message: body.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .status(let status): try container.encode(status, forKey: .status)
        case .protocols(let summaries): try container.encode(summaries, forKey: .protocols)
        case .protocol(let detail): try container.encode(detail, forKey: .protocol)
        case .route(let report): try container.encode(report, forKey: .route)
        case .kernel(let report): try container.encode(report, forKey: .kernel)
        case .reload(let report): try container.encode(report, forKey: .reload)
        case .config(let report): try container.encode(report, forKey: .config)
        case .bfd(let report): try container.encode(report, forKey: .bfd)
        case .ok(let text): try container.encode(text, forKey: .ok)
        case .error(let code, let message): try container.encode(ErrorBody(code: code, message: message), forKey: .error)
        }
    }
}
