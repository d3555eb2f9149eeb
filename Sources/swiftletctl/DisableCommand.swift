// SPDX-License-Identifier: Apache-2.0
// `swiftletctl disable NAME [--message TEXT]`: take a session administratively down (birdc `disable`). The daemon
// sends Cease/Administrative Shutdown with TEXT as the RFC 8203 / RFC 9003 shutdown communication and keeps the
// session in Idle until `enable`.

import ArgumentParser
import ControlProtocol

struct DisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Take a BGP session administratively down (Cease/Administrative Shutdown).")

    @Argument(help: "The session's name.") var name: String
    @Option(help: "Shutdown communication sent to the peer (RFC 8203), such as \"maintenance\".") var message: String?
    @OptionGroup var options: ControlOptions

    func validate() throws { try SessionAction.validate(message) }
    func run() throws { try SessionAction.run(.disable(name: name, message: message), options: options) }
}
