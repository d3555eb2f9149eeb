// SPDX-License-Identifier: Apache-2.0
// The one-shot client swiftletctl uses: connect, send one request, read one response, close. Blocking and small on
// purpose (a CLI needs no event loop); `ControlConnection` is there for several requests on one connection.

/// Sends single requests to swiftletd.
public struct ControlClient: Sendable {
    /// The default control socket, where swiftletd listens unless configured otherwise.
    public static let defaultSocketPath = "/var/run/swiftlet/swiftlet.ctl"

    public var socketPath: String
    public var timeout: Duration

    public init(socketPath: String = ControlClient.defaultSocketPath, timeout: Duration = .seconds(10)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// One request, one decoded response, on a fresh connection.
    public func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        var connection = try ControlConnection(socketPath: socketPath, timeout: timeout)
        return try connection.send(request)
    }
}
