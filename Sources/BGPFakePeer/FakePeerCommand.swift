// SPDX-License-Identifier: Apache-2.0
// bgp-fakepeer: a small BGP speaker for scale and misbehaviour tests of a device under test (DUT), on loopback
// (127.0.0.0/8) or inside network namespaces a test creates.

import ArgumentParser

@main
struct FakePeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgp-fakepeer",
        abstract: "A small BGP speaker for scale and misbehaviour tests.",
        subcommands: [SessionsCommand.self, MisbehaveCommand.self])
}
