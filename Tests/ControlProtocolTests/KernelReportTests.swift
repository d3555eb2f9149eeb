// SPDX-License-Identifier: Apache-2.0
// `show kernel` over the control protocol: the request and response codec, and the text an operator reads.

import ControlProtocol
import Foundation
import Testing

@Suite struct KernelReportTests {
    static let counters = KernelCounters(
        programming: true, routeProtocol: 12, table: 254, installed: 2, pending: 1, failed: 1, foreign: 1, adds: 3,
        replaces: 1, deletes: 1, failures: 2, batches: 4, swept: true, lastError: "add 10.244.1.0/26: EINVAL (Invalid gateway)",
        devices: ["vxlan.calico (VXLAN, index 7, vni 4096, mtu 1450)", "tunl0: the kernel has no ipip support; IPIP routes use plain routes"])

    static let report = KernelReport(counters: counters, routes: [
        KernelRouteEntry(
            prefix: "10.244.0.0/26", state: .installed, desired: "blackhole 10.244.0.0/26 proto bird metric 1024",
            installed: ["blackhole 10.244.0.0/26 proto bird metric 1024"], encapsulation: "none"),
        KernelRouteEntry(
            prefix: "10.244.0.128/26", state: .installed,
            desired: "10.244.0.128/26 via 10.244.0.129 dev vxlan.calico onlink proto bird metric 1024",
            installed: ["10.244.0.128/26 via 10.244.0.129 dev vxlan.calico onlink proto bird metric 1024"],
            encapsulation: "VXLAN"),
        KernelRouteEntry(prefix: "10.244.1.0/26", state: .pending, reason: "next hop 10.0.9.9 is unreachable in the kernel's table"),
        KernelRouteEntry(
            prefix: "10.244.0.64/26", state: .foreign, reason: "a route of another protocol holds this prefix",
            desired: "10.244.0.64/26 via 10.0.1.3 dev eth0 proto bird metric 1024"),
    ])

    @Test func requestAndResponseRoundTrip() throws {
        for request in [ControlRequest.showKernel(prefix: nil), .showKernel(prefix: "10.244.0.64/26")] {
            let line = ControlCodec.encode(request)
            #expect(try ControlCodec.decodeRequest(line) == request)
        }
        #expect(try ControlCodec.decodeRequest(Array(#"{"command":"showKernel","prefix":"10.0.0.0/8"}"#.utf8))
            == .showKernel(prefix: "10.0.0.0/8"))
        let response = ControlResponse.kernel(Self.report)
        #expect(try ControlCodec.decodeResponse(ControlCodec.encode(response)) == response)
    }

    @Test func textShowsStateReasonAndRoutes() {
        let text = KernelReportText.render(Self.report)
        #expect(text.hasPrefix("Kernel routes (protocol 12, table 254)\n"))
        #expect(text.contains("Routes: 2 installed, 1 pending, 1 failed, 1 foreign; changes: 3 add, 1 replace, 1 delete, 2 refused in 4 batches; stale routes swept"))
        #expect(text.contains("Device tunl0: the kernel has no ipip support"))
        #expect(text.contains("Last error: add 10.244.1.0/26: EINVAL (Invalid gateway)"))
        #expect(text.contains("10.244.0.128/26      installed  [VXLAN]\n    have: 10.244.0.128/26 via 10.244.0.129 dev vxlan.calico onlink"))
        #expect(text.contains("10.244.1.0/26        pending    next hop 10.0.9.9 is unreachable"))
        #expect(text.contains("10.244.0.64/26       foreign    a route of another protocol holds this prefix\n    want: 10.244.0.64/26 via 10.0.1.3"))
    }

    @Test func statusHasAKernelLineOnlyWhenTheDaemonProgramsTheKernel() {
        var status = DaemonStatus(
            version: "swiftletd 0.1.0", routerID: "10.0.1.2", localAS: 64512, nodeName: "node-1", startedAt: 0,
            sessionsEstablished: 1, sessionsTotal: 1)
        #expect(!StatusReport.render(status, now: 10, timeZone: TimeZone(identifier: "UTC")!).contains("Kernel"))
        status.kernel = Self.counters
        let text = StatusReport.render(status, now: 10, timeZone: TimeZone(identifier: "UTC")!)
        #expect(text.contains("Kernel: protocol 12, table 254; Routes: 2 installed"))
        #expect(text.hasSuffix("Daemon is up and running\n\n") || text.hasSuffix("Daemon is up and running\n"))
    }
}
