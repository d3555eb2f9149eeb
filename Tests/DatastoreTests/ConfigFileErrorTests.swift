// SPDX-License-Identifier: Apache-2.0
// Mistakes an operator can make, each mapped to the exact `file:line:column: Kind(name).field: message` line it must
// produce. Positions are 1-based and point at the offending value (or key, for unknown fields; or the enclosing
// mapping, for missing fields).

import ClusterModel
import Datastore
import Testing

@Suite("ConfigFile errors")
struct ConfigFileErrorTests {
    /// A BGPPeer document whose spec lines start at line 6, column 3.
    static func peer(_ spec: String) -> String {
        """
        apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata:
          name: rack1-tor
        spec:
        \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var yaml: String
        var expected: String
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "AS number must be an integer (Calico numorstring.ASNumber)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: abc"),
            expected: #"t.yaml:7:13: BGPPeer(rack1-tor).spec.asNumber: expected an integer 1-4294967295, got "abc""#),
        Case(
            rule: "AS 0 is reserved (RFC 7607 §2)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 0"),
            expected: #"t.yaml:7:13: BGPPeer(rack1-tor).spec.asNumber: expected an integer 1-4294967295, got "0""#),
        Case(
            rule: "AS number above 32 bits (RFC 6793)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 4294967296"),
            expected: #"t.yaml:7:13: BGPPeer(rack1-tor).spec.asNumber: expected an integer 1-4294967295, got "4294967296""#),
        Case(
            rule: "peerIP must be an address",
            yaml: peer("peerIP: 10.0.0.300\nasNumber: 65000"),
            expected: #"t.yaml:6:11: BGPPeer(rack1-tor).spec.peerIP: expected an IP address with an optional port ("10.0.0.1", "10.0.0.1:1790", "[fd00::1]:1790"), got "10.0.0.300""#),
        Case(
            rule: "peerIP port must be 1-65535",
            yaml: peer("peerIP: \"[fd00::1]:0\"\nasNumber: 65000"),
            expected: #"t.yaml:6:11: BGPPeer(rack1-tor).spec.peerIP: expected an IP address with an optional port ("10.0.0.1", "10.0.0.1:1790", "[fd00::1]:1790"), got "[fd00::1]:0""#),
        Case(
            rule: "peerIP is required without peerSelector",
            yaml: peer("asNumber: 65000"),
            expected: #"t.yaml:5:1: BGPPeer(rack1-tor).spec.peerIP: required field "peerIP" is missing (or give spec.peerSelector or spec.peerIPRange)"#),
        Case(
            rule: "asNumber is required without peerSelector",
            yaml: peer("peerIP: 10.0.0.1"),
            expected: #"t.yaml:5:1: BGPPeer(rack1-tor).spec.asNumber: required field "asNumber" is missing (the peer's AS)"#),
        Case(
            rule: "Unknown spec fields are errors, with a suggestion (typos must be loud)",
            yaml: peer("peerIP: 10.0.0.1\nasnumber: 65000\nasNumber: 65000"),
            expected: #"t.yaml:7:3: BGPPeer(rack1-tor).spec.asnumber: unknown field "asnumber" (did you mean "asNumber"?)"#),
        Case(
            rule: "Hold time 1 or 2 is refused (RFC 4271 §4.2)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\nholdTime: 2s"),
            expected: #"t.yaml:8:13: BGPPeer(rack1-tor).spec.holdTime: expected 0 or 3-65535 seconds (RFC 4271 §4.2), got "2s""#),
        Case(
            rule: "Durations use Go's syntax (metav1.Duration)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\nmaxRestartTime: 90 seconds"),
            expected: #"t.yaml:8:19: BGPPeer(rack1-tor).spec.maxRestartTime: expected a duration in whole seconds such as "90s", "2m" or "1h30m", got "90 seconds""#),
        Case(
            rule: "Restart Time is 12 bits (RFC 4724 §3)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\nmaxRestartTime: 2h"),
            expected: #"t.yaml:8:19: BGPPeer(rack1-tor).spec.maxRestartTime: expected 0-4095 seconds (RFC 4724 §3: 12 bits), got "2h""#),
        Case(
            rule: "sourceAddress is UseNodeIP or None",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\nsourceAddress: NodeIP"),
            expected: #"t.yaml:8:18: BGPPeer(rack1-tor).spec.sourceAddress: expected one of "UseNodeIP", "None", got "NodeIP""#),
        Case(
            rule: "ttlSecurity is 1-255 hops (RFC 5082)",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\nttlSecurity: 0"),
            expected: #"t.yaml:8:16: BGPPeer(rack1-tor).spec.ttlSecurity: expected a hop count 1-255, got "0""#),
        Case(
            rule: "node and nodeSelector exclude each other (Calico BGPPeerSpec)",
            yaml: peer("node: n1\nnodeSelector: all()\npeerIP: 10.0.0.1\nasNumber: 65000"),
            expected: #"t.yaml:7:17: BGPPeer(rack1-tor).spec.nodeSelector: cannot be combined with spec.node; use one of them"#),
        Case(
            rule: "peerSelector excludes peerIP (Calico BGPPeerSpec)",
            yaml: peer("peerSelector: all()\npeerIP: 10.0.0.1"),
            expected: #"t.yaml:7:11: BGPPeer(rack1-tor).spec.peerIP: cannot be combined with spec.peerSelector"#),
        Case(
            rule: "secretKeyRef needs a key",
            yaml: peer("peerIP: 10.0.0.1\nasNumber: 65000\npassword:\n  secretKeyRef:\n    name: bgp"),
            expected: #"t.yaml:9:5: BGPPeer(rack1-tor).spec.password.secretKeyRef.key: required field "key" is missing"#),
        Case(
            rule: "listenPort is 1-65535",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPConfiguration
                metadata:
                  name: default
                spec:
                  listenPort: 70000
                """,
            expected: #"t.yaml:6:15: BGPConfiguration(default).spec.listenPort: expected a port 1-65535, got "70000""#),
        Case(
            rule: "BGPConfiguration is named default or node.<name>",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPConfiguration
                metadata:
                  name: global
                """,
            expected: #"t.yaml:4:9: BGPConfiguration(global).metadata.name: expected "default" or "node.<nodeName>", got "global""#),
        Case(
            rule: "nodeMeshPassword only on default (Calico BGPConfigurationSpec)",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPConfiguration
                metadata:
                  name: node.n1
                spec:
                  nodeMeshPassword:
                    secretKeyRef: {name: a, key: b}
                """,
            expected: #"t.yaml:6:3: BGPConfiguration(node.n1).spec.nodeMeshPassword: can only be set on the BGPConfiguration named "default""#),
        Case(
            rule: "Node ipv4Address must be IPv4 CIDR text",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  name: n1
                spec:
                  bgp:
                    ipv4Address: fd00::1/64
                """,
            expected: #"t.yaml:7:18: Node(n1).spec.bgp.ipv4Address: expected an IPv4 address with prefix length such as "10.0.0.1/24", got "fd00::1/64""#),
        Case(
            rule: "apiVersion must be projectcalico.org/v3",
            yaml: """
                apiVersion: projectcalico.org/v2
                kind: Node
                metadata:
                  name: n1
                """,
            expected: #"t.yaml:1:13: Node(document 1).apiVersion: expected "projectcalico.org/v3", got "projectcalico.org/v2""#),
        Case(
            rule: "Unknown kinds are errors, with a suggestion",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPPear
                metadata:
                  name: p
                """,
            expected: #"t.yaml:2:7: document 1.kind: unknown kind "BGPPear" (Swiftlet reads BGPConfiguration, BGPPeer, Node, BGPFilter, IPPool, BlockAffinity and lists other Calico kinds); did you mean "BGPPeer"?"#),
        Case(
            rule: "metadata.name is required",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  labels: {a: b}
                """,
            expected: #"t.yaml:3:1: Node(document 1).metadata.name: required field "name" is missing"#),
        Case(
            rule: "Names are unique per kind",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  name: n1
                ---
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  name: n1
                """,
            expected: #"t.yaml:9:9: Node(n1).metadata.name: duplicate Node name "n1" (first defined at t.yaml:4:9)"#),
        Case(
            rule: "Errors inside a calicoctl List name the item's kind and name",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPPeerList
                items:
                - apiVersion: projectcalico.org/v3
                  kind: BGPPeer
                  metadata:
                    name: tor
                  spec:
                    peerIP: 10.0.0.1
                    asNumber: 65000
                    keepOriginalNextHop: yes-please
                """,
            expected: #"t.yaml:11:26: BGPPeer(tor).spec.keepOriginalNextHop: expected true or false, got "yes-please""#),
        Case(
            rule: "nextHopMode is one of Calico's three values",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPPeer
                metadata:
                  name: tor
                spec:
                  peerIP: 10.0.0.1
                  asNumber: 65000
                  nextHopMode: Sometimes
                """,
            expected: #"t.yaml:8:16: BGPPeer(tor).spec.nextHopMode: expected one of "Auto", "Self", "Keep", got "Sometimes""#),
        Case(
            rule: "maxPrefixes is a positive count",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: BGPPeer
                metadata:
                  name: tor
                spec:
                  peerIP: 10.0.0.1
                  asNumber: 65000
                  maxPrefixes: 0
                """,
            expected: #"t.yaml:8:16: BGPPeer(tor).spec.maxPrefixes: expected a prefix count 1-100000000, got "0""#),
        Case(
            rule: "YAML syntax errors keep their position",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  name: n1
                 labels: {}
                """,
            expected: "t.yaml:5:2: YAML:"),
        Case(
            rule: "Duplicate keys in one mapping are errors",
            yaml: """
                apiVersion: projectcalico.org/v3
                kind: Node
                metadata:
                  name: n1
                  name: n2
                """,
            expected: #"t.yaml:4:3: YAML: duplicate key "name" in one mapping"#),
    ]

    @Test("Each mistake yields its exact file:line:column and field", arguments: cases)
    func mistake(_ testCase: Case) {
        let errors = ConfigFixtures.errors(testCase.yaml)
        #expect(errors.contains { $0 == testCase.expected || (testCase.expected.hasSuffix("YAML:") && $0.hasPrefix(testCase.expected)) },
            "got:\n\(errors.joined(separator: "\n"))")
    }

    @Test("All errors in a file are reported, not just the first")
    func allErrors() {
        let errors = ConfigFixtures.errors(Self.peer("peerIP: nope\nasNumber: abc\nholdTme: 90s"))
        #expect(errors.count == 3, "\(errors)")
    }

    @Test("ConfigError prints as file:line:column: field: message")
    func description() {
        let error = ConfigError(file: "config/node.yaml", line: 14, column: 7, field: "BGPPeer(rack1-tor).spec.asNumber",
            message: #"expected an integer 1-4294967295, got "abc""#)
        #expect(error.description == #"config/node.yaml:14:7: BGPPeer(rack1-tor).spec.asNumber: expected an integer 1-4294967295, got "abc""#)
        let whole = ConfigError(file: "c.yaml", line: 0, column: 0, field: "Node(n9)", message: "missing")
        #expect(whole.description == "c.yaml: Node(n9): missing")
    }

    @Test("A missing file is an error naming it, not a throw")
    func missingFile() {
        guard case .failure(let errors) = ConfigFile.load(path: "/nonexistent/swiftlet.yaml") else {
            Issue.record("expected a failure")
            return
        }
        #expect(errors.first?.file == "/nonexistent/swiftlet.yaml")
    }
}
