// SPDX-License-Identifier: Apache-2.0
// swiftletctl: the operator's command-line tool. Subcommands that talk to a running swiftletd arrive with the
// daemon; `decode` works offline on captured bytes.

import ArgumentParser

@main
struct SwiftletCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftletctl",
        abstract: "Control and inspect Swiftlet, a BGP route-distribution daemon.",
        subcommands: [DecodeCommand.self]
    )
}
