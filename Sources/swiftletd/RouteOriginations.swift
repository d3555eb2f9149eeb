// SPDX-License-Identifier: Apache-2.0
// The one owner of what this node originates into BGP. Two sources feed it: the configuration (own blocks and
// service ranges, `DaemonConfiguration.originated`, on start and on every reload) and the kernel (other programs'
// routes chosen by `LearnedRouteSelector`: calico/node's BIRD `protocol kernel { learn; }`, which is how a pod whose
// address is borrowed from another node's block becomes reachable). Whenever either changes, the merged set goes to
// the speaker, and only when it differs from what the speaker has. A configured prefix wins over a learned one.

import BGPCore
import BGPTransport
import BGPWire
import ClusterModel
import KernelNetlink
import KernelSync
import Logging

actor RouteOriginations {
    private let speaker: BGPSpeaker
    private let logger: Logger
    private var configured: [RouteEngine.Origination] = []
    private var selector: LearnedRouteSelector?
    /// The last read of the kernel: routes not ours (the table can hold a million of ours) and interface names.
    private var kernelRoutes: [KernelRoute] = []
    private var interfaceNames: [UInt32: String] = [:]
    /// The table `kernelRoutes` came from.
    private var readTable: RouteTable?
    /// Opened by `startLearning`; nil: nothing is learned (`--no-kernel`, or no netlink).
    private var reader: NetlinkRouteReader?
    /// The kernel routes advertised now, sorted by prefix.
    private(set) var learned: [LearnedRoute] = []
    /// What the speaker was given last.
    private var published: [RouteEngine.Origination]?
    private var publishing = false
    /// Reads of the kernel so far, and the ones that failed (for tests and the log).
    private(set) var reads = 0
    private(set) var failedReads = 0

    init(speaker: BGPSpeaker, logger: Logger) {
        self.speaker = speaker
        self.logger = logger
    }

    /// A new configuration: its originations, and the rules for learned routes (pools, blocks, priorities).
    func configure(_ configuration: DaemonConfiguration) async {
        let reasons = Dictionary(
            configuration.originated.map { ($0.prefix, $0.reason) }, uniquingKeysWith: { a, _ in a })
        configured = configuration.originations.map { origination in
            var origination = origination
            if origination.reason == nil { origination.reason = reasons[origination.prefix] }
            return origination
        }
        selector = LearnedRouteSelector(configuration)
        // A first configuration after learning started, or another table: the last read does not fit.
        if reader != nil, readTable != selector?.table {
            await relearn()
            return
        }
        reselect()
        await publish()
    }

    /// Opens the netlink socket routes are learned through (in the daemon's network namespace). False, logged,
    /// when it cannot be opened: then only configured prefixes are originated.
    func startLearning() -> Bool {
        if reader != nil { return true }
        do throws(KernelCallError) {
            reader = try NetlinkRouteReader()
            return true
        } catch {
            logger.error(
                "cannot open a netlink socket to learn kernel routes; only configured prefixes are advertised",
                metadata: ["error": "\(error.operation): \(error.error)"])
            return false
        }
    }

    /// Reads the kernel's table again (start, route and link notifications, the periodic scan) and advertises
    /// what changed. A failed read keeps the routes learned before. Before the first `configure` there is nothing
    /// to select with; `configure` reads then.
    func relearn() async {
        guard let reader, let selector else { return }
        reads += 1
        do throws(KernelCallError) {
            let names = try reader.interfaceNames()
            let routes = try reader.routes(table: selector.table)
            interfaceNames = names
            kernelRoutes = routes.filter { $0.routeProtocol != selector.ourProtocol }
            readTable = selector.table
        } catch {
            failedReads += 1
            logger.warning(
                "cannot read the kernel's routes; keeping the learned ones",
                metadata: ["error": "\(error.operation): \(error.error)"])
            return
        }
        reselect()
        await publish()
    }

    /// Learned routes from explicit values (tests; the daemon uses `relearn`).
    func kernelRead(routes: [KernelRoute], interfaceNames names: [UInt32: String]) async {
        kernelRoutes = routes
        interfaceNames = names
        reselect()
        await publish()
    }

    /// Configured first; a learned route adds its prefix unless the configuration has it.
    var merged: [RouteEngine.Origination] { LearnedRoute.merged(configured: configured, learned: learned) }

    private func reselect() {
        guard let selector else { return }
        let now = selector.select(kernelRoutes, interfaceNames: interfaceNames)
        guard now != learned else { return }
        let before = Dictionary(learned.map { ($0.prefix, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(now.map { ($0.prefix, $0) }, uniquingKeysWith: { a, _ in a })
        for route in now where before[route.prefix] != route {
            logger.info(
                "advertising a kernel route",
                metadata: [
                    "prefix": "\(route.prefix)", "reason": "\(route.reason)",
                    "local_pref": "\(route.localPreference.map(String.init) ?? "default")",
                ])
        }
        for route in learned where after[route.prefix] == nil {
            logger.info("no longer advertising a kernel route", metadata: ["prefix": "\(route.prefix)"])
        }
        learned = now
    }

    /// One publisher at a time (the actor is re-entered while the speaker works): it loops until the speaker has the
    /// newest merged set, so a later change never lands before an earlier one.
    private func publish() async {
        guard !publishing else { return }
        publishing = true
        defer { publishing = false }
        while case let wanted = merged, wanted != published {
            published = wanted
            await speaker.setOriginated(wanted)
        }
    }
}
