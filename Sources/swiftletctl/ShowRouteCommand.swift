// SPDX-License-Identifier: Apache-2.0
// `swiftletctl show route [PREFIX] [all|detail] [--peer NAME] [--received|--advertised] [--family ipv4|ipv6]`:
// routes as birdc's `show route` prints them. A PREFIX that is an address is looked up by longest match (birdc's
// `show route for ADDRESS`). The words are checked here, so a typo is a usage error (exit 64) rather than a daemon
// error.

import ArgumentParser
import BGPWire
import ControlProtocol

struct ShowRouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show routes: best paths, or every path with 'all' or 'detail'.",
        discussion: """
            show route                      best path of every prefix (Loc-RIB)
            show route PREFIX|ADDRESS       that prefix, or the longest covering ADDRESS
            show route all                  every path of every prefix, with attributes
            show route detail               as 'all', plus decision steps and policy
            show route --peer NAME          paths learned from session NAME
              --received                    what NAME sent, before import policy
              --advertised                  what was sent to NAME (Adj-RIB-Out)
            """
    )

    enum Family: String, CaseIterable, ExpressibleByArgument {
        case ipv4, ipv6

        var queryFamily: RouteQuery.Family {
            switch self {
            case .ipv4: .ipv4
            case .ipv6: .ipv6
            }
        }
    }

    @Argument(
        help: ArgumentHelp(
            "An optional prefix or address, then an optional 'all' or 'detail'.", valueName: "prefix|all|detail"))
    var words: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only paths of this session; the session --received and --advertised read.", valueName: "name"))
    var peer: String?

    @Flag(help: "Routes as received from --peer, before import policy (Adj-RIB-In).")
    var received = false

    @Flag(help: "Routes as advertised to --peer, after export policy (Adj-RIB-Out).")
    var advertised = false

    @Option(help: "Only this address family.")
    var family: Family?

    @OptionGroup var options: ControlOptions

    func validate() throws {
        _ = try query()
    }

    func run() throws {
        let query = try query()
        let request = ControlRequest.showRoute(query)
        try options.exchange(request) { response in
            guard case .route(let report) = response else { throw options.unexpected(response, for: request) }
            print(RouteReportText.render(report, query: query), terminator: "")
        }
    }

    /// The query the words and options ask for, or the usage error they make.
    func query() throws -> RouteQuery {
        var query = RouteQuery(peer: peer, family: family?.queryFamily)
        var level: String?
        var prefixFamily: IPAddress.Family?
        for word in words {
            switch word {
            case "all", "detail":
                if let level { throw ValidationError("'\(word)' after '\(level)': give one of all or detail") }
                level = word
            default:
                if let prefix = query.prefix {
                    throw ValidationError("expected one prefix or address, got '\(prefix)' and '\(word)'")
                }
                if let prefix = IPPrefix(word) {
                    query.prefix = prefix.description
                    prefixFamily = prefix.family
                } else if let address = IPAddress(word) {
                    query.prefix = address.description
                    prefixFamily = address.family
                } else if word.contains("/") {
                    throw ValidationError("'\(word)' is not a prefix (host bits must be zero, as in 10.0.1.0/26)")
                } else {
                    throw ValidationError("'\(word)' is not a prefix, an address, 'all' or 'detail'")
                }
            }
        }
        query.all = level != nil
        query.detail = level == "detail"
        if let prefixFamily, let family, (prefixFamily == .ipv4) != (family == .ipv4) {
            throw ValidationError("\(query.prefix ?? "") is not an \(family.rawValue) prefix")
        }
        switch (received, advertised) {
        case (true, true): throw ValidationError("give one of --received and --advertised")
        case (true, false): query.view = .received
        case (false, true): query.view = .advertised
        case (false, false): query.view = .selected
        }
        if query.view != .selected, peer == nil {
            throw ValidationError("--\(query.view.rawValue) needs --peer NAME")
        }
        return query
    }
}
