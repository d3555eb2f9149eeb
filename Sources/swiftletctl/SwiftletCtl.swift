// SPDX-License-Identifier: Apache-2.0
// swiftletctl: the operator's command-line tool, birdc's counterpart. `show`, `enable`, `disable`, `restart` and
// `reload` talk to a running swiftletd over its control socket (ControlProtocol); `decode` works offline on captured
// bytes.

import ArgumentParser

@main
struct SwiftletCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftletctl",
        abstract: "Control and inspect Swiftlet, a BGP route-distribution daemon.",
        discussion: """
            Commands: show status | protocols [all] [NAME] | protocol NAME | route ... | kernel [PREFIX] | config; \
            enable|disable|restart NAME; reload; decode. Every command that talks to swiftletd takes --json \
            (the daemon's response object, one per line) and --socket PATH (default $SWIFTLET_SOCKET, else \
            /var/run/swiftlet/swiftlet.ctl).

            Exit status: 0 done; 1 swiftletd answered with an error (unknown session name, a reload whose \
            configuration has errors: one file:line:column: field: message line each on stderr); 2 no answer from \
            swiftletd (cannot connect to the control socket, timeout, malformed answer); 64 bad usage.
            """,
        subcommands: [
            ShowCommand.self, EnableCommand.self, DisableCommand.self, RestartCommand.self, ReloadCommand.self,
            DecodeCommand.self,
        ]
    )

    @OptionGroup(visibility: .hidden) var options: ControlOptions
}
