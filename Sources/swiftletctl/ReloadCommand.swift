// SPDX-License-Identifier: Apache-2.0
// `swiftletctl reload`: swiftletd reads its configuration file again, exactly as on SIGHUP (birdc `configure`).
// Only sessions whose definition changed are restarted; the answer lists peers added, removed, changed and
// unchanged and the other changes. A file that does not load changes nothing: exit status 1 and every error on
// stderr as file:line:column: field: message.

import ArgumentParser
import ControlProtocol

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the configuration file (as SIGHUP); only changed sessions restart.",
        discussion: """
            Exit status 0: applied (the summary lists what changed). Exit status 1: the configuration has errors, \
            printed one per line as file:line:column: field: message; the running configuration stays in force.
            """)

    @OptionGroup var options: ControlOptions

    func run() throws {
        try options.exchange(.reload) { response in
            guard case .reload(let report) = response else { throw options.unexpected(response, for: .reload) }
            print(ReloadReportText.render(report), terminator: "")
        }
    }
}
