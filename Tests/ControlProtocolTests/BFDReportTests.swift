// SPDX-License-Identifier: Apache-2.0
// `show bfd`: the request and response on the wire, and the text table (birdc `show bfd sessions` with the BGP
// session, mode, both sides' intervals and the diagnostic).

import ControlProtocol
import Foundation
import Testing

@Suite("show bfd")
struct BFDReportTests {
    static let row = BFDSessionRow(
        name: "Node_10_200_1_2", peerAddress: "10.200.1.2", localAddress: "10.200.1.1", sourcePort: 58407,
        mode: "single-hop", state: "Up", remoteState: "Up", diagnostic: "No Diagnostic", since: 1_763_737_000.25,
        localDiscriminator: 7, remoteDiscriminator: 9, desiredMinTxMilliseconds: 300, requiredMinRxMilliseconds: 300,
        multiplier: 3, remoteDesiredMinTxMilliseconds: 300, remoteRequiredMinRxMilliseconds: 300, remoteMultiplier: 3,
        transmitMilliseconds: 300, detectionMilliseconds: 900, packetsSent: 10, packetsReceived: 9,
        packetsDiscarded: 0, stateChanges: 2, error: nil)

    @Test("showBFD and its answer round-trip as JSON lines")
    func wire() throws {
        let request = try ControlCodec.decodeRequest(ControlCodec.encode(ControlRequest.showBFD))
        #expect(request == .showBFD)
        let response = ControlResponse.bfd(BFDReport(sessions: [Self.row], packetsUnmatched: 4))
        #expect(try ControlCodec.decodeResponse(ControlCodec.encode(response)) == response)
        let text = String(decoding: ControlCodec.encode(response), as: UTF8.self)
        #expect(text.hasPrefix("{\"bfd\":"))
    }

    @Test("The table: addresses, session, mode, state, interval and timeout in seconds, both sides' tx/rx/mult")
    func table() {
        let text = BFDReportText.render(
            BFDReport(sessions: [Self.row]), now: 1_763_737_000.25, timeZone: TimeZone(identifier: "UTC")!)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("Peer"))
        for cell in [
            "10.200.1.2", "10.200.1.1:58407", "Node_10_200_1_2", "single-hop", "Up", "0.300", "0.900", "300ms/300ms/3",
            "No Diagnostic",
        ] {
            #expect(lines[1].contains(cell), "\(cell) in \(lines[1])")
        }
    }

    @Test("A session not yet heard shows '-' for the remote side and the timeout; an error gets its own line")
    func notHeard() {
        var row = Self.row
        row.state = "Down"
        row.remoteMultiplier = 0
        row.detectionMilliseconds = nil
        row.localAddress = nil
        row.error = "bind 10.0.0.9 port 49152: Cannot assign requested address"
        let text = BFDReportText.render(BFDReport(sessions: [row]), now: 0, timeZone: TimeZone(identifier: "UTC")!)
        #expect(text.contains("*:58407"))
        #expect(text.contains("Node_10_200_1_2: bind 10.0.0.9"))
        #expect(BFDReportText.render(BFDReport(sessions: [])) == "No BFD sessions\n")
    }
}
