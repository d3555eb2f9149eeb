// SPDX-License-Identifier: Apache-2.0
// The seam between the control socket and the daemon: swiftletd's server decodes a request line, asks a handler, and
// writes back whatever the handler answers. The handler never throws; a failure is a `.error` response. Tests use
// fakes; the daemon's implementation talks to the Speaker.

/// Answers control requests.
public protocol ControlRequestHandler: Sendable {
    /// The response to one request; called once per request line, in order for each connection.
    func handle(_ request: ControlRequest) async -> ControlResponse
}
