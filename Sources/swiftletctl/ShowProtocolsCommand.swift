// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show protocols [all] [NAME]`, as in birdc: the table of all sessions, one session's row, or with `all`
// the detailed report of one session or of every session.

import ArgumentParser
import ControlProtocol

struct ShowProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "Show BGP sessions as a table; 'all' shows them in detail.",
        discussion: """
            show protocols            one row per session (Name Proto Table State Since Info)
            show protocols NAME       the row of one session
            show protocols all NAME   everything about one session (same as 'show protocol NAME')
            show protocols all        everything about every session
            """
    )

    @Argument(help: ArgumentHelp("Optional 'all', then an optional session name.", valueName: "all|name"))
    var words: [String] = []

    @OptionGroup var options: ControlOptions

    func validate() throws {
        let rest = words.first == "all" ? words.dropFirst() : words[...]
        guard rest.count <= 1 else { throw ValidationError("expected at most one session name, got \(rest.count)") }
    }

    func run() throws {
        let all = words.first == "all"
        let name = (all ? words.dropFirst() : words[...]).first
        switch (all, name) {
        case (false, nil):
            try options.exchange(.showProtocols) { response in
                guard case .protocols(let summaries) = response else {
                    throw options.unexpected(response, for: .showProtocols)
                }
                print(ProtocolTable.render(summaries), terminator: "")
            }
        case (false, let name?):
            try options.exchange(.showProtocol(name: name)) { response in
                guard case .protocol(let detail) = response else {
                    throw options.unexpected(response, for: .showProtocol(name: name))
                }
                print(ProtocolTable.render([detail.summary]), terminator: "")
            }
        case (true, let name?):
            try ShowProtocolCommand.showDetail(of: name, options: options)
        case (true, nil):
            try showEveryDetail()
        }
    }

    /// The list first, then each session's detail; the same connection carries every request.
    func showEveryDetail() throws {
        var names: [String] = []
        var json = options
        json.json = false  // the list is only a means to the names; --json prints the details alone
        try json.exchange(.showProtocols) { response in
            guard case .protocols(let summaries) = response else {
                throw options.unexpected(response, for: .showProtocols)
            }
            names = summaries.map(\.name)
        }
        var first = true
        try options.exchange(names.map { .showProtocol(name: $0) }) { request, response in
            guard case .protocol(let detail) = response else { throw options.unexpected(response, for: request) }
            if !first { print() }
            first = false
            print(ProtocolReport.render(detail), terminator: "")
        }
    }
}
