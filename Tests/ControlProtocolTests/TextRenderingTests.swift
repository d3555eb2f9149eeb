// SPDX-License-Identifier: Apache-2.0
// The CLI's text output, byte for byte: birdc's `show protocols` columns and state words, the detail report, the
// status report, time formats, escaping of peer-supplied text, and that no type here can carry a password.

import ControlProtocol
import Foundation
import Testing

@Suite("Text rendering")
struct TextRenderingTests {
    let now = ControlSamples.now
    let utc = ControlSamples.utc

    @Test("show protocols: BIRD's columns, widened for long names, Info = state then last error")
    func table() {
        let expected = """
            Name           Proto      Table      State  Since         Info
            Mesh_10_0_0_2  BGP        ---        up     23:00:00.123  Established
            Node_192_0_2_1 BGP        ---        start  2025-12-29    Active        Socket: Connection refused
            peer3          BGP        ---        down   23:59:00.000  Received: Cease: Administrative Shutdown: "maintenance"

            """
        #expect(ProtocolTable.render(ControlSamples.summaries, now: now, timeZone: utc) == expected)
    }

    @Test("Short names keep BIRD's exact %-10s widths")
    func birdWidths() {
        let row = ProtocolSummary(
            name: "bgp1", state: .openSent, since: now - 1.5, peerAddress: "192.0.2.9", peerAS: 1, localAS: 2)
        let expected = """
            Name       Proto      Table      State  Since         Info
            bgp1       BGP        ---        start  23:59:58.500  OpenSent

            """
        #expect(ProtocolTable.render([row], now: now, timeZone: utc) == expected)
    }

    @Test("An empty list prints the header only")
    func emptyTable() {
        #expect(ProtocolTable.render([], now: now, timeZone: utc) == "Name       Proto      Table      State  Since         Info\n")
    }

    @Test(
        "State column maps like BIRD: up when Established, down when disabled, start otherwise",
        arguments: [
            (ProtocolState.idle, "start"), (.connect, "start"), (.active, "start"), (.openSent, "start"),
            (.openConfirm, "start"), (.established, "up"), (.disabled, "down"),
        ])
    func stateMapping(_ state: ProtocolState, _ bird: String) {
        #expect(state.birdState == bird)
        let row = ProtocolSummary(name: "p", state: state, since: now, peerAddress: "a", peerAS: 1, localAS: 1)
        let line = ProtocolTable.render([row], now: now, timeZone: utc).split(separator: "\n")[1]
        #expect(line.split(separator: " ", omittingEmptySubsequences: true)[3] == Substring(bird))
    }

    @Test("Info: state alone, state padded to 14 then the error, or only the error when down")
    func infoColumn() {
        var summary = ControlSamples.active
        summary.info = ""
        #expect(ProtocolTable.info(for: summary) == "Active")
        summary.info = "Active"
        #expect(ProtocolTable.info(for: summary) == "Active")
        summary.info = "Error: Hold timer expired"
        #expect(ProtocolTable.info(for: summary) == "Active        Error: Hold timer expired")
        summary.state = .disabled
        #expect(ProtocolTable.info(for: summary) == "Error: Hold timer expired")
        summary.info = ""
        #expect(ProtocolTable.info(for: summary) == "")
    }

    @Test("show protocol NAME: the row, then the session in detail")
    func detail() {
        let expected = """
            Name          Proto      Table      State  Since         Info
            Mesh_10_0_0_2 BGP        ---        up     23:00:00.123  Established
              BGP state:                Established
                Neighbor address:       10.0.0.2
                Neighbor AS:            64512
                Local AS:               64512
                Neighbor ID:            10.0.0.2
                Passive:                no
                Local port:             43512
                Neighbor port:          179
                Hold time:              90 (configured 240)
                Keepalive time:         30 (configured 80)
                Connect retry time:     120
                Last state change:      OPEN and KEEPALIVE exchanged
                Flaps:                  2
                Local capabilities
                  multiprotocol ipv4-unicast
                  4-octet-as
                  add-path ipv4-unicast receive
                Neighbor capabilities
                  multiprotocol ipv4-unicast
                  4-octet-as
                  graceful-restart
                Negotiated capabilities
                  multiprotocol ipv4-unicast
                  4-octet-as
                Messages            received        sent
                  OPEN                     1           1
                  UPDATE                   4           2
                  NOTIFICATION             1           0
                  KEEPALIVE              120         121
                  ROUTE-REFRESH            0           1
                Notification sent:      none
                Notification received:  Cease: Administrative Shutdown: "maintenance" (6/2, data 0b6d61696e74656e616e6365) at 22:00:00.000
              Routes:                   3 received, 2 accepted, 5 advertised

            """
        #expect(ProtocolReport.render(ControlSamples.detail, now: now, timeZone: utc) == expected)
    }

    @Test("A session that never connected: dashes for what it does not have, the last error shown")
    func detailNeverConnected() {
        let detail = ProtocolDetail(summary: ControlSamples.active, passive: true)
        let expected = """
            Name           Proto      Table      State  Since         Info
            Node_192_0_2_1 BGP        ---        start  2025-12-29    Active        Socket: Connection refused
              BGP state:                Active
                Neighbor address:       192.0.2.1
                Neighbor AS:            65001
                Local AS:               64512
                Neighbor ID:            -
                Passive:                yes
                Local port:             -
                Neighbor port:          -
                Hold time:              - (configured 90)
                Keepalive time:         - (configured 30)
                Connect retry time:     120
                Last error:             Socket: Connection refused
                Flaps:                  0
                Local capabilities
                Messages            received        sent
                  OPEN                     0           0
                  UPDATE                   0           0
                  NOTIFICATION             0           0
                  KEEPALIVE                0           0
                  ROUTE-REFRESH            0           0
                Notification sent:      none
                Notification received:  none
              Routes:                   0 received, 0 accepted, 0 advertised

            """
        #expect(ProtocolReport.render(detail, now: now, timeZone: utc) == expected)
    }

    @Test("Route counters as BIRD prints them, leaving out counters the daemon did not send")
    func routeCounters() {
        var detail = ControlSamples.detail
        func routesLine() -> String? {
            ProtocolReport.render(detail, now: now, timeZone: utc).split(separator: "\n").last.map(String.init)
        }
        #expect(routesLine() == "  Routes:                   3 received, 2 accepted, 5 advertised")
        detail.summary.routesImported = 3
        detail.summary.routesFiltered = 0
        detail.summary.routesExported = 2
        detail.summary.routesPreferred = 1
        #expect(routesLine() == "  Routes:                   3 imported, 0 filtered, 2 exported, 1 preferred")
        detail.summary.routesFiltered = nil
        #expect(routesLine() == "  Routes:                   3 imported, 2 exported, 1 preferred")
        // The show protocols table keeps birdc's six columns: scripts split it on them.
        #expect(ProtocolTable.render([detail.summary], now: now, timeZone: utc) == ProtocolTable.render(
            [ControlSamples.detail.summary], now: now, timeZone: utc))
    }

    @Test("show status")
    func status() {
        let expected = """
            Swiftlet 0.1.0
            Router ID is 10.0.0.1
            Local AS is 64512
            Node name is node-a
            Current server time is 2026-01-01 00:00:00.000
            Last reboot on 2025-12-30 22:58:58.500 (up 1d 01:01:01)
            Sessions: 1 of 3 established
            Daemon is up and running

            """
        #expect(StatusReport.render(ControlSamples.status, now: now, timeZone: utc) == expected)
    }

    @Test("Since follows the time zone; 20 hours is where time of day turns into a date")
    func timeFormats() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let row = ProtocolSummary(name: "p", state: .idle, since: now - 3600, peerAddress: "a", peerAS: 1, localAS: 1)
        #expect(ProtocolTable.render([row], now: now, timeZone: berlin).contains(" 00:00:00.000  Idle"))
        var old = row
        old.since = now - 20 * 3600
        #expect(ProtocolTable.render([old], now: now, timeZone: utc).contains(" 2025-12-31    Idle"))
        old.since = now - 20 * 3600 + 0.001
        #expect(ProtocolTable.render([old], now: now, timeZone: utc).contains(" 04:00:00.001  Idle"))
        old.since = 0
        #expect(ProtocolTable.render([old], now: now, timeZone: utc).contains(" -             Idle"))
    }

    @Test("Peer-supplied text cannot drive the terminal: control characters are escaped")
    func terminalEscapes() {
        var summary = ControlSamples.disabled
        summary.info = "Received: Cease: Administrative Shutdown: \"\u{1B}[2J\u{7}bye\nnow\u{9B}\""
        let table = ProtocolTable.render([summary], now: now, timeZone: utc)
        #expect(table.contains(#""\x1b[2J\x07bye\x0anow\x9b""#))
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(table.split(separator: "\n").count == 2)

        var detail = ControlSamples.detail
        detail.lastNotificationReceived?.shutdownCommunication = "evil\r\u{1B}]0;title\u{7}"
        let report = ProtocolReport.render(detail, now: now, timeZone: utc)
        #expect(report.contains(#""evil\x0d\x1b]0;title\x07""#))
        #expect(!report.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test("No control type has a field that could hold a password or key")
    func noSecrets() throws {
        let values: [Any] = [
            ControlSamples.detail, ControlSamples.status, ControlSamples.summaries,
            ControlRequest.disable(name: "p", message: "m"), ControlRequest.restart(name: "p", message: "m"),
        ]
        var labels = Set<String>()
        func collect(_ value: Any) {
            for child in Mirror(reflecting: value).children {
                if let label = child.label { labels.insert(label.lowercased()) }
                collect(child.value)
            }
        }
        values.forEach(collect)
        for response in ControlCodecTests.responses {
            let json = try JSONSerialization.jsonObject(with: Data(ControlCodec.encode(response)))
            func keys(_ object: Any) {
                if let dictionary = object as? [String: Any] {
                    for (key, value) in dictionary {
                        labels.insert(key.lowercased())
                        keys(value)
                    }
                } else if let array = object as? [Any] {
                    array.forEach(keys)
                }
            }
            keys(json)
        }
        #expect(labels.contains("peeraddress"))  // the walk did reach the fields
        for forbidden in ["password", "passwd", "secret", "md5", "key", "token", "auth"] {
            #expect(!labels.contains { $0.contains(forbidden) }, "a field named like '\(forbidden)'")
        }
    }
}
