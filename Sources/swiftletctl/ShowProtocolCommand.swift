// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show protocol NAME`: one session in detail (birdc `show protocols all NAME`), exit status 1 when no
// session has that name.

import ArgumentParser
import ControlProtocol

struct ShowProtocolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol", abstract: "Show one BGP session in detail (same as 'show protocols all NAME').")

    @Argument(help: "The session's name, as 'show protocols' lists it.")
    var name: String

    @OptionGroup var options: ControlOptions

    func run() throws {
        try Self.showDetail(of: name, options: options)
    }

    static func showDetail(of name: String, options: ControlOptions) throws {
        let request = ControlRequest.showProtocol(name: name)
        try options.exchange(request) { response in
            guard case .protocol(let detail) = response else { throw options.unexpected(response, for: request) }
            print(ProtocolReport.render(detail), terminator: "")
        }
    }
}
