// SPDX-License-Identifier: Apache-2.0
// `show bfd` from the BFD service's session snapshots.

import BFD
import BFDTransport
import ControlProtocol

enum BFDReportBuilder {
    static func report(_ bfd: BFDService) async -> BFDReport {
        let counters = await bfd.serviceCounters()
        return BFDReport(sessions: await bfd.status().map(row), packetsUnmatched: counters.packetsUnmatched)
    }

    static func row(_ status: BFDSessionStatus) -> BFDSessionRow {
        BFDSessionRow(
            name: status.name, peerAddress: status.remote.description, localAddress: status.local?.description,
            sourcePort: status.sourcePort, mode: status.multihop ? "multihop" : "single-hop",
            state: status.state.description, remoteState: status.remoteState.description,
            diagnostic: status.diagnostic.description, since: status.since,
            localDiscriminator: status.localDiscriminator, remoteDiscriminator: status.remoteDiscriminator,
            desiredMinTxMilliseconds: milliseconds(status.desiredMinTXInterval),
            requiredMinRxMilliseconds: milliseconds(status.requiredMinRXInterval),
            multiplier: Int(status.detectMultiplier),
            remoteDesiredMinTxMilliseconds: milliseconds(status.remoteDesiredMinTXInterval),
            remoteRequiredMinRxMilliseconds: milliseconds(status.remoteMinRXInterval),
            remoteMultiplier: Int(status.remoteDetectMultiplier),
            transmitMilliseconds: status.transmitInterval.map(milliseconds),
            detectionMilliseconds: status.detectionTime.map(milliseconds), packetsSent: status.packetsSent,
            packetsReceived: status.packetsReceived, packetsDiscarded: status.packetsDiscarded,
            stateChanges: status.stateChanges, error: status.error)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
