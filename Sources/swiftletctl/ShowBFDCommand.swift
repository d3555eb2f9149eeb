// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show bfd`: every BFD session (birdc `show bfd sessions`): peer and local address, the BGP session it
// protects, single hop or multihop, state and since when, the transmit interval and Detection Time in force, both
// sides' intervals and multipliers, and the last diagnostic. `--json` prints the daemon's answer as is.

import ArgumentParser
import ControlProtocol

struct ShowBFDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfd", abstract: "Show BFD sessions: state, intervals, detection time, diagnostic.",
        aliases: ["bfd-sessions"])

    @OptionGroup var options: ControlOptions

    func run() throws {
        try options.exchange(.showBFD) { response in
            guard case .bfd(let report) = response else { throw options.unexpected(response, for: .showBFD) }
            print(BFDReportText.render(report), terminator: "")
        }
    }
}
