// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show kernel [PREFIX]`: Swiftlet's routes in the kernel (what is installed, what is pending and why,
// the kernel's last error per prefix, prefixes held by another protocol), with the totals `show status` prints.

import ArgumentParser
import BGPWire
import ControlProtocol

struct ShowKernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel", abstract: "Show kernel routes: installed, pending, failed, foreign, left to Felix.")

    @Argument(help: ArgumentHelp("Only this prefix (exact match).", valueName: "prefix"))
    var prefix: String?

    @OptionGroup var options: ControlOptions

    func validate() throws {
        if let prefix, IPPrefix(prefix) == nil {
            throw ValidationError("'\(prefix)' is not a prefix (such as 10.244.0.64/26; host bits must be zero)")
        }
    }

    func run() throws {
        let request = ControlRequest.showKernel(prefix: prefix.flatMap(IPPrefix.init)?.description)
        try options.exchange(request) { response in
            guard case .kernel(let report) = response else { throw options.unexpected(response, for: request) }
            print(KernelReportText.render(report), terminator: "")
        }
    }
}
