// SPDX-License-Identifier: Apache-2.0
// Requests and responses survive a trip through a line, the wire shape is the documented one (`{"command":…}` for
// requests, one key per response), and lines that are not requests fail with a one-line reason, never a crash.

import ControlProtocol
import Foundation
import Testing

@Suite("ControlCodec")
struct ControlCodecTests {
    static let requests: [ControlRequest] = [
        .showStatus, .showProtocols, .showProtocol(name: "Mesh_10_0_0_2"),
        .disable(name: "peer1", message: "maintenance until 18:00 — ticket #42"), .disable(name: "peer1", message: nil),
        .enable(name: "peer1"), .restart(name: "peer1", message: nil), .restart(name: "peer1", message: "new policy"),
        .showRoute(RouteQuery()), .showRoute(RouteQuery(prefix: "10.0.1.7", all: true)),
        .showRoute(
            RouteQuery(
                prefix: "2001:db8::/32", view: .received, peer: "peer1", all: true, detail: true, family: .ipv6,
                limit: 10)),
        .showRoute(RouteQuery(view: .advertised, peer: "peer1", family: .ipv4)),
    ]

    static let responses: [ControlResponse] = [
        .status(ControlSamples.status), .protocols(ControlSamples.summaries), .protocols([]),
        .protocol(ControlSamples.detail), .protocol(ProtocolDetail(summary: ControlSamples.disabled)),
        .route(RouteSamples.selected), .route(RouteSamples.allPaths), .route(RouteSamples.detailed),
        .route(RouteSamples.mixed), .route(RouteReport(routes: [])),
        .route(RouteReport(routes: [RouteEntry(prefix: "10.0.2.0/26", paths: [RouteSamples.local])], totalPrefixes: 9, truncated: true)),
        .ok("peer1: disabled"), .error(code: .unknownProtocol, message: "no protocol named 'x'"),
        .error(code: .invalidRequest, message: "bad"), .error(code: .internal, message: "speaker gone"),
    ]

    @Test("Every request survives encode → decode", arguments: requests)
    func requestRoundTrip(_ request: ControlRequest) throws {
        let line = ControlCodec.encode(request)
        #expect(line.last == 0x0A)
        #expect(line.dropLast().contains(0x0A) == false)
        #expect(try ControlCodec.decodeRequest(line) == request)
    }

    @Test("Every response survives encode → decode", arguments: responses)
    func responseRoundTrip(_ response: ControlResponse) throws {
        let line = ControlCodec.encode(response)
        #expect(line.last == 0x0A)
        #expect(line.dropLast().contains(0x0A) == false)
        #expect(try ControlCodec.decodeResponse(line) == response)
    }

    @Test("Requests are flat objects with a command key")
    func requestWireShape() {
        #expect(text(.showStatus) == #"{"command":"showStatus"}"#)
        #expect(text(.showProtocol(name: "p")) == #"{"command":"showProtocol","name":"p"}"#)
        #expect(text(.disable(name: "p", message: "a/b \"q\"\n")) == #"{"command":"disable","message":"a/b \"q\"\n","name":"p"}"#)
        #expect(text(.disable(name: "p", message: nil)) == #"{"command":"disable","name":"p"}"#)
        #expect(text(.restart(name: "p", message: nil)) == #"{"command":"restart","name":"p"}"#)
        #expect(text(.enable(name: "p")) == #"{"command":"enable","name":"p"}"#)
    }

    @Test("Responses are objects with exactly one key naming the case")
    func responseWireShape() {
        #expect(text(.ok("done")) == #"{"ok":"done"}"#)
        #expect(text(.error(code: .unknownProtocol, message: "no")) == #"{"error":{"code":"unknownProtocol","message":"no"}}"#)
        #expect(text(.protocols([])) == #"{"protocols":[]}"#)
        #expect(
            text(.protocols([ControlSamples.active]))
                == #"{"protocols":[{"info":"Socket: Connection refused","kind":"BGP","localAS":64512,"name":"Node_192_0_2_1","peerAS":65001,"peerAddress":"192.0.2.1","routesAccepted":0,"routesAdvertised":0,"routesReceived":0,"since":1766966400,"state":"Active"}]}"#)
        #expect(
            text(.status(ControlSamples.status))
                == #"{"status":{"localAS":64512,"nodeName":"node-a","routerID":"10.0.0.1","sessionsEstablished":1,"sessionsTotal":3,"startedAt":1767135538.5,"version":"0.1.0"}}"#)
    }

    @Test("Hand-typed requests decode: CRLF, spacing, key order")
    func handTyped() throws {
        #expect(try ControlCodec.decodeRequest(Array(#"{ "name" : "p", "command" : "enable" }"#.utf8) + [0x0D, 0x0A]) == .enable(name: "p"))
        #expect(try ControlCodec.decodeRequest(Array(#"{"command":"showProtocols"}"#.utf8)) == .showProtocols)
    }

    @Test(
        "Malformed request lines fail with a one-line reason",
        arguments: [
            ("", "empty line"),
            ("not json", "not valid JSON"),
            (#"{"command":"showStatus""#, "not valid JSON"),
            (#"[1,2]"#, "wrong type"),
            (#"{"command":"reboot"}"#, "unknown command 'reboot'"),
            (#"{"command":"disable"}"#, "missing field 'name'"),
            (#"{"command":"enable","name":7}"#, "wrong type at name"),
            (#"{"name":"p"}"#, "missing field 'command'"),
            ("\u{FF}\u{FE}", "not valid JSON"),
        ])
    func malformedRequests(_ line: String, _ reason: String) {
        do {
            let request = try ControlCodec.decodeRequest(Array(line.utf8))
            Issue.record("decoded \(request) from \(line)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(!error.reason.contains("\n"))
        }
    }

    @Test("A response must have exactly one known key")
    func malformedResponses() {
        #expect(throws: ControlCodecError.self) { try ControlCodec.decodeResponse(Array(#"{}"#.utf8)) }
        #expect(throws: ControlCodecError.self) { try ControlCodec.decodeResponse(Array(#"{"ok":"a","error":{"code":"internal","message":"b"}}"#.utf8)) }
        #expect(throws: ControlCodecError.self) { try ControlCodec.decodeResponse(Array(#"{"reboot":true}"#.utf8)) }
    }

    @Test("Newer daemons: unknown error kinds read as internal, unknown states survive")
    func forwardCompatible() throws {
        let error = try ControlCodec.decodeResponse(Array(#"{"error":{"code":"rateLimited","message":"slow down"}}"#.utf8))
        #expect(error == .error(code: .internal, message: "slow down"))
        var summary = ControlSamples.active
        summary.state = ProtocolState(rawValue: "Draining")
        let decoded = try ControlCodec.decodeResponse(ControlCodec.encode(.protocols([summary])))
        #expect(decoded == .protocols([summary]))
        #expect(summary.state.birdState == "start")
    }

    @Test("A response that cannot be encoded becomes an internal error line, not a crash")
    func unencodable() throws {
        var summary = ControlSamples.active
        summary.since = .nan
        let line = ControlCodec.encode(.protocols([summary]))
        guard case .error(let code, let message) = try ControlCodec.decodeResponse(line) else {
            Issue.record("expected an error response")
            return
        }
        #expect(code == .internal)
        #expect(message.hasPrefix("cannot encode the response"))
    }

    @Test("text(ofLine:) drops the line ending")
    func textOfLine() {
        #expect(ControlCodec.text(ofLine: Array("{\"ok\":\"x\"}\r\n".utf8)) == #"{"ok":"x"}"#)
    }

    func text(_ request: ControlRequest) -> String { ControlCodec.text(ofLine: ControlCodec.encode(request)) }
    func text(_ response: ControlResponse) -> String { ControlCodec.text(ofLine: ControlCodec.encode(response)) }
}
