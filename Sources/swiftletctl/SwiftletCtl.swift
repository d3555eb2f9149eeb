// SPDX-License-Identifier: Apache-2.0
// swiftletctl: the operator's command-line tool, birdc's counterpart. `show`, `enable`, `disable` and `restart` talk
// to a running swiftletd over its control socket (ControlProtocol); `decode` works offline on captured bytes.

import ArgumentParser

@main
struct SwiftletCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftletctl",
        abstract: "Control and inspect Swiftlet, a BGP route-distribution daemon.",
        discussion: """
            Exit status: 0 done; 1 swiftletd answered with an error (such as an unknown session name); \
            2 no answer from swiftletd (cannot connect to the control socket, timeout); 64 bad usage.
            """,
        subcommands: [
            ShowCommand.self, EnableCommand.self, DisableCommand.self, RestartCommand.self, DecodeCommand.self,
        ]
    )

    @OptionGroup(visibility: .hidden) var options: ControlOptions
}
