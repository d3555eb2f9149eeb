// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show status`: the daemon's identity and how many sessions are up (birdc `show status`).

import ArgumentParser
import ControlProtocol

struct ShowStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show version, router ID, node name and session totals.")

    @OptionGroup var options: ControlOptions

    func run() throws {
        try options.exchange(.showStatus) { response in
            guard case .status(let status) = response else { throw options.unexpected(response, for: .showStatus) }
            print(StatusReport.render(status), terminator: "")
        }
    }
}
