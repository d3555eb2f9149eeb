// SPDX-License-Identifier: Apache-2.0
// Calico's encapsulation rule per route (`calico_kernel_programming` in bird_ipam.cfg.template): one row per pool
// mode and next-hop position.

import BGPWire
import ClusterModel
import Testing

@Suite("Encapsulation (CrossSubnet)")
struct EncapsulationTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var ipip: IPPoolResource.EncapsulationMode
        var vxlan: IPPoolResource.EncapsulationMode
        var nextHop: String
        var prefix: String = "10.244.1.0/26"
        var expected: Encapsulation
        var testDescription: String { rule }
    }

    static let nodeSubnets = [IPPrefix("192.168.1.0/24")!]

    static let rows: [Row] = [
        Row(rule: "no overlay: plain route", ipip: .never, vxlan: .never, nextHop: "192.168.2.9", expected: .none),
        Row(rule: "IPIP Always: tunnel even on the same subnet", ipip: .always, vxlan: .never, nextHop: "192.168.1.9", expected: .ipip),
        Row(rule: "IPIP CrossSubnet, next hop on our subnet: plain", ipip: .crossSubnet, vxlan: .never, nextHop: "192.168.1.9", expected: .none),
        Row(rule: "IPIP CrossSubnet, next hop elsewhere: tunnel", ipip: .crossSubnet, vxlan: .never, nextHop: "192.168.2.9", expected: .ipip),
        Row(rule: "VXLAN CrossSubnet, next hop elsewhere: VXLAN", ipip: .never, vxlan: .crossSubnet, nextHop: "192.168.2.9", expected: .vxlan),
        Row(rule: "VXLAN CrossSubnet, next hop on our subnet: plain", ipip: .never, vxlan: .crossSubnet, nextHop: "192.168.1.9", expected: .none),
        Row(rule: "VXLAN Always", ipip: .never, vxlan: .always, nextHop: "192.168.1.9", expected: .vxlan),
        Row(rule: "outside every pool: plain", ipip: .always, vxlan: .never, nextHop: "192.168.2.9", prefix: "198.51.100.0/24", expected: .none),
    ]

    @Test("One row per mode and next-hop position", arguments: rows)
    func decide(_ row: Row) {
        let pool = IPPoolResource(
            metadata: ResourceMetadata(name: "pool", location: SourceLocation(file: "t.yaml", line: 1, column: 1)),
            spec: .init(cidr: IPPrefix("10.244.0.0/16")!, ipipMode: row.ipip, vxlanMode: row.vxlan))
        #expect(Encapsulation.decide(
            prefix: IPPrefix(row.prefix)!, nextHop: IPAddress(row.nextHop)!, pools: [pool], nodeSubnets: Self.nodeSubnets)
            == row.expected)
    }

    @Test("The most specific pool decides")
    func mostSpecificPool() {
        let location = SourceLocation(file: "t.yaml", line: 1, column: 1)
        let wide = IPPoolResource(
            metadata: ResourceMetadata(name: "wide", location: location),
            spec: .init(cidr: IPPrefix("10.0.0.0/8")!, ipipMode: .always))
        let narrow = IPPoolResource(
            metadata: ResourceMetadata(name: "narrow", location: location),
            spec: .init(cidr: IPPrefix("10.244.0.0/16")!))
        #expect(Encapsulation.decide(
            prefix: IPPrefix("10.244.1.0/26")!, nextHop: IPAddress("192.168.2.9")!, pools: [wide, narrow],
            nodeSubnets: Self.nodeSubnets) == .none)
    }
}
