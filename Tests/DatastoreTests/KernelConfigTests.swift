// SPDX-License-Identifier: Apache-2.0
// The kernel part of the configuration: Calico's `programClusterRoutes` and normal route priorities, Swiftlet's
// `spec.kernel`, the node override, the Node's VXLAN tunnel data, and the errors a mistake gets.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite struct KernelConfigTests {
    static func yaml(_ defaultSpec: String, nodeSpec: String? = nil) -> String {
        var text = """
            apiVersion: projectcalico.org/v3
            kind: BGPConfiguration
            metadata: {name: default}
            spec: {\(defaultSpec)}
            ---
            apiVersion: projectcalico.org/v3
            kind: Node
            metadata: {name: node-1}
            spec:
              bgp: {ipv4Address: 10.0.1.2/24, ipv4IPIPTunnelAddr: 10.244.0.2}
              ipv4VXLANTunnelAddr: 10.244.0.1
              vxlanTunnelMACAddr: "66:AA:00:00:00:01"
            ---
            apiVersion: projectcalico.org/v3
            kind: Node
            metadata: {name: node-2}
            spec: {bgp: {ipv4Address: 10.0.2.2/24}}

            """
        if let nodeSpec {
            text += """
                ---
                apiVersion: projectcalico.org/v3
                kind: BGPConfiguration
                metadata: {name: node.node-1}
                spec: {\(nodeSpec)}

                """
        }
        return text
    }

    static func settings(_ yaml: String) throws -> DaemonConfiguration {
        try ConfigFixtures.plan(yaml, node: "node-1").get()
    }

    @Test func defaultsAreCalicosBIRDSettings() throws {
        let configuration = try Self.settings(Self.yaml(""))
        #expect(configuration.kernel == KernelSettings())
        #expect(configuration.kernel.routeProtocol == 12 && configuration.kernel.table == 254)
        #expect(configuration.kernel.ipv4NormalRoutePriority == 1024 && configuration.kernel.programRoutes)
        #expect(configuration.nodeSubnets == [IPPrefix("10.0.1.0/24")!])
    }

    @Test func everyFieldIsReadAndTheNodeOverridesFieldByField() throws {
        let configuration = try Self.settings(Self.yaml(
            """
            programClusterRoutes: EnabledNoEncapOnly, ipv4NormalRoutePriority: 300, ipv6NormalRoutePriority: 400,
            kernel: {programRoutes: false, routeProtocol: 200, table: 100, ipipDevice: tun9, manageIPIPDevice: true,
                     ipipFallback: VXLAN, ipipMTU: 1400, vxlanDevice: vx0, vxlanVNI: 42, vxlanPort: 8472,
                     manageVXLANDevice: false, vxlanMTU: 1350, staleRouteSweepTime: 30s}
            """, nodeSpec: "kernel: {table: 101}"))
        let expected = KernelSettings(
            programRoutes: false, routeProtocol: 200, table: 101, ipv4NormalRoutePriority: 300,
            ipv6NormalRoutePriority: 400, programClusterRoutes: .enabledNoEncapOnly, ipipDevice: "tun9",
            manageIPIPDevice: true, ipipFallback: .vxlan, vxlanDevice: "vx0", vxlanVNI: 42, vxlanPort: 8472,
            manageVXLANDevice: false, ipipMTU: 1400, vxlanMTU: 1350, staleRouteSweepTime: 30)
        #expect(configuration.kernel == expected)
    }

    @Test func nodesTunnelDataBecomesTunnelEndpoints() throws {
        let configuration = try Self.settings(Self.yaml(""))
        #expect(configuration.tunnelEndpoints == [
            TunnelEndpoint(nodeName: "node-1", nodeAddress: IPAddress("10.0.1.2")!, vxlanAddress: IPAddress("10.244.0.1")!,
                           vxlanMAC: [0x66, 0xaa, 0, 0, 0, 1], ipipAddress: IPAddress("10.244.0.2")!),
            TunnelEndpoint(nodeName: "node-2", nodeAddress: IPAddress("10.0.2.2")!),
        ])
        #expect(configuration.localTunnelEndpoint?.nodeName == "node-1")
    }

    @Test(arguments: [
        ("kernel: {routeProtocol: 4}", "spec.kernel.routeProtocol", "5-255"),
        ("kernel: {table: 255}", "spec.kernel.table", "local table"),
        ("kernel: {vxlanVNI: 16777216}", "spec.kernel.vxlanVNI", "1-16777215"),
        ("kernel: {vxlanDevice: this-name-is-too-long}", "spec.kernel.vxlanDevice", "1-15 characters"),
        ("kernel: {ipipFallback: Tunnel}", "spec.kernel.ipipFallback", "\"Plain\""),
        ("kernel: {metric: 5}", "spec.kernel.metric", "unknown field"),
        ("programClusterRoutes: Yes", "spec.programClusterRoutes", "\"EnabledIPIPOnly\""),
        ("ipv4NormalRoutePriority: 0", "spec.ipv4NormalRoutePriority", "1-2147483646"),
    ])
    func mistakesNameFileLineAndField(spec: String, field: String, message: String) {
        let errors = ConfigFixtures.errors(Self.yaml(spec))
        #expect(errors.count == 1, "\(errors)")
        let error = errors.first ?? ""
        #expect(error.hasPrefix("t.yaml:4:"), "\(error)")
        #expect(error.contains(field), "\(error)")
        #expect(error.contains(message), "\(error)")
    }

    @Test func aMulticastOrMalformedMACIsRefused() {
        for mac in ["\"01:00:5e:00:00:01\"", "\"66:aa:00:00:01\"", "\"zz:aa:00:00:00:01\""] {
            let text = Self.yaml("").replacingOccurrences(of: "\"66:AA:00:00:00:01\"", with: mac)
            let errors = ConfigFixtures.errors(text)
            #expect(errors.count == 1 && errors[0].contains("spec.vxlanTunnelMACAddr"), "\(mac): \(errors)")
        }
    }
}
