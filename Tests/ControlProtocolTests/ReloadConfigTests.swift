// SPDX-License-Identifier: Apache-2.0
// `reload` and `show config` in the control protocol: wire shape and round trip, the text renderers, and the built
// swiftletctl against a fake daemon (exit 0 with the summary, exit 1 with one file:line:column: field: message line
// per error on stderr, `--json` printing the response as received).

import BGPTestSupport
import ControlProtocol
import Foundation
import Testing

@Suite("reload and show config")
struct ReloadConfigTests {
    static let reload = ReloadReport(
        configFile: "/etc/swiftlet/swiftlet.yaml", peersAdded: ["Node_10_0_0_9"], peersRemoved: ["Node_10_0_0_8"],
        peersChanged: ["Node_10_0_0_7"], peersUnchanged: ["Mesh_10_0_0_2", "Mesh_10_0_0_3"],
        otherChanges: ["export policy", "originated routes"], notes: ["BGPConfiguration.spec.logSeverityScreen is ignored"])

    static let peer = ConfigReport.Peer(
        name: "Node_10_0_0_9", address: "10.0.0.9", port: 179, remoteAS: 65001, localAS: 64512, passive: false,
        holdTime: 240, keepaliveTime: 80, connectRetryTime: 5, password: true, families: ["ipv4-unicast"],
        filters: ["no-default"], bfd: "300ms/300ms x3 single-hop",
        longLivedStaleTimes: ["ipv6-unicast": 600, "ipv4-unicast": 3600])

    static let config = ConfigReport(
        configFile: "/etc/swiftlet/swiftlet.yaml", nodeName: "node-a", routerID: "10.0.0.1", localAS: 64512,
        listenAddress: nil, listenPort: 179, peers: [peer],
        dynamicNeighbors: [
            ConfigReport.DynamicNeighbor(name: "Dynamic_10_1_0_0_24", range: "10.1.0.0/24", asNumbers: "65010-65020", template: peer)
        ],
        originated: [ConfigReport.OriginatedRoute(prefix: "10.244.0.0/26", blackhole: true, reason: "block of IPPool default")],
        pools: [
            ConfigReport.Pool(
                name: "default", cidr: "10.244.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "CrossSubnet",
                natOutgoing: true, disabled: false, disableBGPExport: false, nodeSelector: "all()", allowedUses: ["Workload"])
        ],
        kernel: ConfigReport.Kernel(
            programRoutes: true, routeProtocol: 12, table: 254, ipv4NormalRoutePriority: 1024,
            ipv6NormalRoutePriority: 1024, programClusterRoutes: "Enabled", ipipDevice: "tunl0", manageIPIPDevice: false,
            ipipFallback: "Plain", vxlanDevice: "vxlan.calico", vxlanVNI: 4096, vxlanPort: 4789, manageVXLANDevice: true,
            staleRouteSweepTime: 120, nodeSubnets: ["10.0.0.0/24"]))

    static let rejection = """
        reload rejected (2 error(s)); the running configuration stays in force
        /etc/swiftlet/swiftlet.yaml:14:48: BGPPeer(tor).spec.asNumber: expected an integer 1-4294967295, got "sixty"
        /etc/swiftlet/swiftlet.yaml:20:1: mapping values are not allowed in this context
        """

    @Test("Requests and responses round-trip; the wire shape is the documented one")
    func codec() throws {
        #expect(String(decoding: ControlCodec.encode(ControlRequest.reload), as: UTF8.self) == #"{"command":"reload"}"# + "\n")
        #expect(String(decoding: ControlCodec.encode(ControlRequest.showConfig), as: UTF8.self) == #"{"command":"showConfig"}"# + "\n")
        for request in [ControlRequest.reload, .showConfig] {
            #expect(try ControlCodec.decodeRequest(ControlCodec.encode(request)) == request)
            #expect(request.protocolName == nil)
        }
        for response in [
            ControlResponse.reload(Self.reload), .config(Self.config), .error(code: .configInvalid, message: Self.rejection),
        ] {
            #expect(try ControlCodec.decodeResponse(ControlCodec.encode(response)) == response)
        }
        let line = String(decoding: ControlCodec.encode(ControlResponse.reload(Self.reload)), as: UTF8.self)
        #expect(line.hasPrefix(#"{"reload":{"#))
        #expect(line.contains(#""peersChanged":["Node_10_0_0_7"]"#))
        let config = String(decoding: ControlCodec.encode(ControlResponse.config(Self.config)), as: UTF8.self)
        #expect(config.contains(#""password":true"#))
        #expect(config.contains(#""holdTime":240"#))
        #expect(config.hasPrefix(#"{"config":{"#))
    }

    @Test("reload text: the summary line, then one line per touched peer and per other change")
    func reloadText() {
        #expect(ReloadReportText.render(Self.reload) == """
            reloaded /etc/swiftlet/swiftlet.yaml: peers 1 added, 1 removed, 1 changed, 2 unchanged; other changes: export policy, originated routes
              added      Node_10_0_0_9
              removed    Node_10_0_0_8
              restarted  Node_10_0_0_7 (definition changed)
              changed    export policy
              changed    originated routes
              note       BGPConfiguration.spec.logSeverityScreen is ignored

            """)
        let nothing = ReloadReport(configFile: "c.yaml", peersUnchanged: ["a"])
        #expect(nothing.isNoOp)
        #expect(ReloadReportText.render(nothing) == "reloaded c.yaml: peers 0 added, 0 removed, 0 changed, 1 unchanged; no other changes\n")
    }

    @Test("show config text: daemon, peers with resolved settings, pools, kernel; the password is never shown")
    func configText() {
        let text = ConfigReportText.render(Self.config)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Configuration file:         /etc/swiftlet/swiftlet.yaml")
        #expect(lines.contains("Listen:                     any (0.0.0.0 and ::) port 179"))
        #expect(lines.contains("Peers (1):"))
        #expect(lines.contains("  Node_10_0_0_9"))
        #expect(lines.contains("    Hold time:              240s"))
        #expect(lines.contains("    Keepalive time:         80s"))
        #expect(lines.contains("    Password:               set (not shown)"))
        #expect(lines.contains("    Filters:                no-default"))
        #expect(lines.contains("    BFD:                    300ms/300ms x3 single-hop"))
        #expect(lines.contains("    Long-lived stale time:  ipv4-unicast 3600s, ipv6-unicast 600s"))
        #expect(lines.contains("  Dynamic_10_1_0_0_24"))
        #expect(lines.contains("    AS numbers:             65010-65020"))
        #expect(lines.contains("  10.244.0.0/26 blackhole (block of IPPool default)"))
        #expect(lines.contains("    VXLAN mode:             CrossSubnet"))
        #expect(lines.contains("Kernel:"))
        #expect(lines.contains("  Table:                    254"))
        #expect(text.hasSuffix("\n"))
        #expect(!lines.contains { $0.hasSuffix(" ") })
    }

    @Test("swiftletctl reload: exit 0 with the summary; --json prints the response")
    func reloadApplied() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let text = try BuiltProduct.run("swiftletctl", ["reload", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == ReloadReportText.render(Self.reload))
        let json = try BuiltProduct.run("swiftletctl", ["reload", "--json", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(json.status == 0)
        #expect(try ControlCodec.decodeResponse(Array(json.stdout.utf8)) == .reload(Self.reload))
    }

    @Test("swiftletctl reload: a rejected configuration exits 1 with every error on stderr, one per line")
    func reloadRejected() throws {
        let server = try FakeControlServer { request in
            request == .reload ? .respond(.error(code: .configInvalid, message: Self.rejection)) : .hangUp
        }
        defer { server.stop() }
        let result = try BuiltProduct.run("swiftletctl", ["reload", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            swiftletctl: reload rejected (2 error(s)); the running configuration stays in force (configInvalid)
            /etc/swiftlet/swiftlet.yaml:14:48: BGPPeer(tor).spec.asNumber: expected an integer 1-4294967295, got "sixty"
            /etc/swiftlet/swiftlet.yaml:20:1: mapping values are not allowed in this context

            """)
        let json = try BuiltProduct.run("swiftletctl", ["reload", "--json", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(json.status == 1)
        #expect(try ControlCodec.decodeResponse(Array(json.stdout.utf8)) == .error(code: .configInvalid, message: Self.rejection))
    }

    @Test("swiftletctl show config: text and --json")
    func showConfig() throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let text = try BuiltProduct.run("swiftletctl", ["show", "config", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == ConfigReportText.render(Self.config))
        let json = try BuiltProduct.run("swiftletctl", ["show", "config", "--json", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(try ControlCodec.decodeResponse(Array(json.stdout.utf8)) == .config(Self.config))
    }

    @Test("Every control command takes --json and --socket", arguments: [
        ["show", "status"], ["show", "protocols"], ["show", "protocol", "Mesh_10_0_0_2"], ["show", "route"],
        ["show", "kernel"], ["show", "config"], ["enable", "peer3"], ["disable", "peer3"], ["restart", "peer3"],
        ["reload"],
    ])
    func jsonEverywhere(_ arguments: [String]) throws {
        let server = try FakeControlServer(ControlConnectionTests.answering)
        defer { server.stop() }
        let result = try BuiltProduct.run("swiftletctl", arguments + ["--json", "--socket", server.path], removingEnvironment: ["SWIFTLET_SOCKET"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        #expect((try? ControlCodec.decodeResponse(Array(result.stdout.utf8))) != nil, "\(arguments): \(result.stdout)")
    }
}
