// SPDX-License-Identifier: Apache-2.0
// `swiftletctl restart NAME [--message TEXT]`: drop a session with Cease/Administrative Reset (TEXT as the shutdown
// communication) and let it come back up (birdc `restart`).

import ArgumentParser
import ControlProtocol

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Reset a BGP session (Cease/Administrative Reset) and let it come back.")

    @Argument(help: "The session's name.") var name: String
    @Option(help: "Shutdown communication sent to the peer (RFC 8203).") var message: String?
    @OptionGroup var options: ControlOptions

    func validate() throws { try SessionAction.validate(message) }
    func run() throws { try SessionAction.run(.restart(name: name, message: message), options: options) }
}
