// SPDX-License-Identifier: Apache-2.0
// `swiftletctl enable NAME`: bring a session that `disable` (or the configuration) took down back up (birdc
// `enable`).

import ArgumentParser
import ControlProtocol

struct EnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Bring an administratively disabled BGP session back up.")

    @Argument(help: "The session's name.") var name: String
    @OptionGroup var options: ControlOptions

    func run() throws { try SessionAction.run(.enable(name: name), options: options) }
}
