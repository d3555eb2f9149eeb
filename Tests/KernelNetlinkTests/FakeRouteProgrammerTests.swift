// SPDX-License-Identifier: Apache-2.0
// The fake keeps the kernel's identity rule and Swiftlet's ownership rule, answering as the kernel did in
// NetlinkBatchTests (EEXIST for an add on any existing route, ESRCH for a delete of a foreign one).

import BGPWire
import KernelNetlink
import Testing

@Suite("Fake route programmer")
struct FakeRouteProgrammerTests {
    static let staticProtocol = RouteProtocol(rawValue: 4)  // RTPROT_STATIC
    static let foreign = KernelRoute(prefix: prefix("192.168.24.0/26"),
                                     kind: .unicast([NextHop(gateway: ip("10.0.0.2"))]), routeProtocol: staticProtocol)
    static let ours = KernelRoute(prefix: prefix("192.168.24.0/26"), kind: .blackhole)

    @Test("add, replace and delete our own routes; dump shows only ours, in installed form")
    func ownRoutes() throws {
        var programmer = FakeRouteProgrammer()
        let v6 = KernelRoute(prefix: prefix("2001:db8::/122"), kind: .blackhole)
        #expect(programmer.apply([.add(Self.ours), .add(v6)]).isEmpty)
        #expect(try programmer.dump(protocol: .bird) == [Self.ours, v6.installedForm])
        #expect(try programmer.dump(protocol: .bird)[1].priority == 1024)
        let replaced = KernelRoute(prefix: prefix("192.168.24.0/26"),
                                   kind: .unicast([NextHop(gateway: ip("10.0.0.9"))]))
        #expect(programmer.apply([.replace(replaced), .delete(v6)]).isEmpty)
        #expect(try programmer.dump(protocol: .bird) == [replaced])
        #expect(programmer.appliedBatches.count == 2)
        // As the netlink programmer: replace is for a route that is ours already; a new one needs add.
        let fresh = KernelRoute(prefix: prefix("192.168.25.0/26"), kind: .blackhole)
        #expect(programmer.apply([.replace(fresh)]).map(\.error) == [.fileExists])
        #expect(try programmer.dump(protocol: .bird) == [replaced])
    }

    @Test("never touches another protocol's route: add EEXIST, replace EEXIST, delete ESRCH")
    func ownership() throws {
        var programmer = FakeRouteProgrammer(installed: [Self.foreign])
        let failures = programmer.apply([.add(Self.ours), .replace(Self.ours), .delete(Self.ours)])
        #expect(failures.map(\.error) == [.fileExists, .fileExists, .noSuchProcess])
        #expect(failures[1].message == "route owned by protocol 4")
        #expect(programmer.installed.values.map { $0 } == [Self.foreign])
        #expect(try programmer.dump(protocol: .bird).isEmpty)
        #expect(try programmer.dump(protocol: Self.staticProtocol) == [Self.foreign])
    }

    @Test("the same prefix at another priority or table is another route")
    func identity() throws {
        var programmer = FakeRouteProgrammer(installed: [Self.foreign])
        var atPriority = Self.ours
        atPriority.priority = 10
        var inTable = Self.ours
        inTable.table = RouteTable(rawValue: 1000)
        #expect(programmer.apply([.add(atPriority), .add(inTable)]).isEmpty)
        #expect(try programmer.dump(protocol: .bird).count == 2)
        // IPv6: priority 0 is stored as 1024, so these collide.
        let v6 = KernelRoute(prefix: prefix("2001:db8::/122"), kind: .blackhole)
        var v6At1024 = v6
        v6At1024.priority = 1024
        #expect(programmer.apply([.add(v6), .add(v6At1024)]).map(\.error) == [.fileExists])
    }

    @Test("duplicate add, absent delete, empty unicast, injected failure, dump failure")
    func failures() {
        var programmer = FakeRouteProgrammer()
        programmer.injectedFailures[prefix("10.1.0.0/16")] = .networkUnreachable
        let failures = programmer.apply([
            .add(Self.ours), .add(Self.ours), .delete(KernelRoute(prefix: prefix("10.0.0.0/8"), kind: .blackhole)),
            .add(KernelRoute(prefix: prefix("10.2.0.0/16"), kind: .unicast([]))),
            .add(KernelRoute(prefix: prefix("10.1.0.0/16"), kind: .blackhole)),
            .add(KernelRoute(prefix: prefix("10.1.0.0/16"), kind: .blackhole)),  // the injection is used up
        ])
        #expect(failures.map(\.error) == [.fileExists, .noSuchProcess, .invalidArgument, .networkUnreachable])
        #expect(failures.map(\.prefix) == ["192.168.24.0/26", "10.0.0.0/8", "10.2.0.0/16", "10.1.0.0/16"].map(prefix))
        programmer.dumpError = KernelCallError(operation: "recvmsg", error: .noBufferSpace)
        #expect(throws: KernelCallError(operation: "recvmsg", error: .noBufferSpace)) {
            try programmer.dump(protocol: .bird)
        }
    }

    @Test("the fake answers the captured kernel batch as the kernel did (NetlinkBatchTests, Captures.batchReply*)")
    func sameAsKernel() throws {
        var programmer = FakeRouteProgrammer(installed: [Self.foreign])
        // The one refusal the fake cannot know: the kernel found no route to 172.16.9.9.
        programmer.injectedFailures[prefix("192.168.21.0/26")] = .networkUnreachable
        let fake = programmer.apply(NetlinkBatchTests.operations)
        var batch = NetlinkBatchTests.batch()
        for reply in NetlinkBatchTests.replies { try batch.receive(NetlinkMessage.parseStream(reply)) }
        // One deliberate difference: the batch replaces 2001:db8:20::/122, which nobody had. The kernel creates it;
        // a programmer refuses it, since only a route known to be ours is replaced.
        let newReplace = NetlinkBatchTests.operations[5]
        let asKernel = fake.filter { $0.operation != newReplace }
        #expect(asKernel.map(\.operation) == batch.failures.map(\.operation))
        #expect(asKernel.map(\.error) == batch.failures.map(\.error))
        #expect(fake.filter { $0.operation == newReplace }.map(\.error) == [.fileExists])
        #expect(try programmer.dump(protocol: .bird).count == 2)
        #expect(try programmer.dump(protocol: Self.staticProtocol) == [Self.foreign])
    }
}
