// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show …`: the read-only questions birdc answers (`show status`, `show protocols [all] [NAME]`,
// `show route [PREFIX] [all]`), plus `show protocol NAME` for one session in detail, `show kernel` and
// `show config`.

import ArgumentParser

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show daemon status, BGP sessions, routes, kernel routes and the configuration.",
        subcommands: [
            ShowStatusCommand.self, ShowProtocolsCommand.self, ShowProtocolCommand.self, ShowRouteCommand.self,
            ShowKernelCommand.self, ShowConfigCommand.self, ShowBFDCommand.self,
        ]
    )

    /// `show` alone is incomplete, as in birdc: a usage error (exit 64), not help with exit 0.
    func run() throws {
        throw ValidationError("show what? status, protocols [all] [NAME], protocol NAME, route [PREFIX] [all|detail], kernel [PREFIX], config, or bfd")
    }
}
