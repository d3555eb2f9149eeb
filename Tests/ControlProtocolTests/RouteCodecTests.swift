// SPDX-License-Identifier: Apache-2.0
// `showRoute` on the wire: the query sits flat in the request object and leaves out its defaults, the report is one
// "route" key, fields a daemon leaves out take their defaults (so older or hand-written JSON decodes), and the
// route counters added to ProtocolSummary stay out of the JSON until a daemon sets them.

import ControlProtocol
import Foundation
import Testing

@Suite("Route codec")
struct RouteCodecTests {
    @Test("showRoute is flat: the query's keys beside \"command\", defaults left out")
    func requestWireShape() {
        #expect(text(.showRoute(RouteQuery())) == #"{"command":"showRoute"}"#)
        #expect(
            text(.showRoute(RouteQuery(prefix: "10.0.1.7", all: true)))
                == #"{"all":true,"command":"showRoute","prefix":"10.0.1.7"}"#)
        #expect(
            text(
                .showRoute(
                    RouteQuery(
                        prefix: "2001:db8::/32", view: .received, peer: "p", all: true, detail: true, family: .ipv6,
                        limit: 10)))
                == #"{"all":true,"command":"showRoute","detail":true,"family":"ipv6","limit":10,"peer":"p","prefix":"2001:db8::/32","view":"received"}"#
        )
        #expect(
            text(.showRoute(RouteQuery(view: .advertised, peer: "p")))
                == #"{"command":"showRoute","peer":"p","view":"advertised"}"#)
    }

    @Test("Hand-typed showRoute requests decode, missing fields take their defaults")
    func handTyped() throws {
        #expect(try request(#"{"command":"showRoute"}"#) == .showRoute(RouteQuery()))
        #expect(
            try request(#"{ "prefix": "10.0.1.7", "command": "showRoute", "all": true, "detail": false }"#)
                == .showRoute(RouteQuery(prefix: "10.0.1.7", all: true)))
        #expect(
            try request(#"{"command":"showRoute","view":"selected","peer":"p","family":"ipv4"}"#)
                == .showRoute(RouteQuery(peer: "p", family: .ipv4)))
    }

    @Test(
        "Malformed showRoute requests fail with a one-line reason",
        arguments: [
            (#"{"command":"showRoute","view":"everything"}"#, "at view"),
            (#"{"command":"showRoute","family":"ipx"}"#, "at family"),
            (#"{"command":"showRoute","all":"yes"}"#, "wrong type at all"),
            (#"{"command":"showRoute","limit":"ten"}"#, "wrong type at limit"),
            (#"{"command":"showRoute","prefix":4}"#, "wrong type at prefix"),
        ])
    func malformed(_ line: String, _ reason: String) {
        do {
            let decoded = try request(line)
            Issue.record("decoded \(decoded) from \(line)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(!error.reason.contains("\n"))
        }
    }

    @Test("The request names the peer it is about; everyPath is all or detail")
    func queryAccessors() {
        #expect(ControlRequest.showRoute(RouteQuery(peer: "p")).protocolName == "p")
        #expect(ControlRequest.showRoute(RouteQuery()).protocolName == nil)
        #expect(ControlRequest.showRoute(RouteQuery()).command == "showRoute")
        #expect(!RouteQuery().everyPath)
        #expect(RouteQuery(all: true).everyPath)
        #expect(RouteQuery(detail: true).everyPath)
    }

    @Test("A route report is one \"route\" key; every field of a path is present, nil ones left out")
    func responseWireShape() {
        let report = RouteReport(routes: [RouteEntry(prefix: "10.0.2.0/26", paths: [RouteSamples.local])])
        #expect(
            text(.route(report))
                == #"{"route":{"routes":[{"paths":[{"asPath":"","atomicAggregate":false,"best":true,"clusterList":[],"communities":[],"ecmp":false,"extendedCommunities":[],"from":"local","largeCommunities":[],"nextHop":"","origin":"IGP","since":1767218400,"sourceKind":"local","stale":false,"unknownAttributes":[]}],"prefix":"10.0.2.0/26"}],"totalPrefixes":1,"truncated":false}}"#
        )
        #expect(text(.route(RouteReport(routes: []))) == #"{"route":{"routes":[],"totalPrefixes":0,"truncated":false}}"#)
    }

    @Test("A minimal hand-written report decodes: optional path fields default, totalPrefixes counts the routes")
    func minimalReport() throws {
        let line = #"{"route":{"routes":[{"prefix":"10.0.0.0/8","paths":[{"best":true,"from":"p","sourceKind":"ebgp","nextHop":"192.0.2.1","asPath":"65001","origin":"IGP"}]}]}}"#
        let expected = RouteReport(routes: [
            RouteEntry(
                prefix: "10.0.0.0/8",
                paths: [
                    RoutePath(
                        best: true, from: "p", sourceKind: .external, nextHop: "192.0.2.1", asPath: "65001",
                        origin: "IGP")
                ])
        ])
        #expect(try ControlCodec.decodeResponse(Array(line.utf8)) == .route(expected))
        #expect(expected.totalPrefixes == 1)
        #expect(!expected.truncated)
    }

    @Test("A path without its required fields is refused, naming the field")
    func missingRequired() throws {
        for field in ["best", "from", "sourceKind", "nextHop", "asPath", "origin"] {
            var path: [String: Any] = [
                "best": true, "from": "p", "sourceKind": "ebgp", "nextHop": "192.0.2.1", "asPath": "", "origin": "IGP",
            ]
            path.removeValue(forKey: field)
            let object: [String: Any] = ["route": ["routes": [["prefix": "10.0.0.0/8", "paths": [path]]]]]
            let data = try JSONSerialization.data(withJSONObject: object)
            #expect {
                try ControlCodec.decodeResponse(Array(data))
            } throws: { error in
                (error as? ControlCodecError)?.reason.contains("missing field '\(field)'") == true
            }
        }
    }

    @Test("Source kinds this build does not know survive a round trip")
    func unknownSourceKind() throws {
        var path = RouteSamples.meshBest
        path.sourceKind = RoutePath.SourceKind(rawValue: "confederation")
        let report = RouteReport(routes: [RouteEntry(prefix: "10.0.1.0/26", paths: [path])])
        #expect(try ControlCodec.decodeResponse(ControlCodec.encode(.route(report))) == .route(report))
        #expect(RoutePath.SourceKind.internal.rawValue == "ibgp")
        #expect(RoutePath.SourceKind.external.rawValue == "ebgp")
        #expect(RoutePath.SourceKind.local.description == "local")
    }

    @Test("Route counters in ProtocolSummary: left out while nil, carried when set, absent in older JSON")
    func routeCounters() throws {
        var summary = ControlSamples.active
        #expect(!text(.protocols([summary])).contains("routesImported"))
        summary.routesImported = 3
        summary.routesFiltered = 0
        summary.routesExported = 2
        summary.routesPreferred = 1
        let line = text(.protocols([summary]))
        #expect(line.contains(#""routesExported":2,"routesFiltered":0,"routesImported":3,"routesPreferred":1"#))
        #expect(try ControlCodec.decodeResponse(Array(line.utf8)) == .protocols([summary]))
        let older = #"{"protocols":[{"info":"","kind":"BGP","localAS":1,"name":"p","peerAS":2,"peerAddress":"192.0.2.1","routesAccepted":0,"routesAdvertised":0,"routesReceived":0,"since":1,"state":"Idle"}]}"#
        guard case .protocols(let decoded) = try ControlCodec.decodeResponse(Array(older.utf8)) else {
            Issue.record("expected protocols")
            return
        }
        #expect(decoded.first?.routesImported == nil)
        #expect(decoded.first?.routesPreferred == nil)
    }

    func text(_ request: ControlRequest) -> String { ControlCodec.text(ofLine: ControlCodec.encode(request)) }
    func text(_ response: ControlResponse) -> String { ControlCodec.text(ofLine: ControlCodec.encode(response)) }
    func request(_ line: String) throws(ControlCodecError) -> ControlRequest {
        try ControlCodec.decodeRequest(Array(line.utf8))
    }
}
