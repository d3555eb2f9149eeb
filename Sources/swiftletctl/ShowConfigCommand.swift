// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show config`: the configuration swiftletd runs with, as resolved from the Calico resources (node,
// router ID, AS, listen address, every peer with its resolved settings, originated routes, pools, kernel settings).
// Passwords are never shown.

import ArgumentParser
import ControlProtocol

struct ShowConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the effective configuration: node, peers, routes, pools, kernel.")

    @OptionGroup var options: ControlOptions

    func run() throws {
        try options.exchange(.showConfig) { response in
            guard case .config(let config) = response else { throw options.unexpected(response, for: .showConfig) }
            print(ConfigReportText.render(config), terminator: "")
        }
    }
}
