// SPDX-License-Identifier: Apache-2.0
// The seam between BGPCore's desired routes and the kernel: `KernelSync` talks to a RouteProgrammer, the netlink
// one in production (NetlinkRouteProgrammer, over CMnl) and FakeRouteProgrammer in tests.
//
// Synchronous on purpose. rtnetlink processes a request inside the sendmsg that carries it, under the RTNL lock,
// and queues the ack before sendmsg returns; the following recvmsg never waits for the network. A batch of
// thousands of routes takes milliseconds. An async API would add suspension points that buy nothing, and would let
// the owning actor interleave other work between a dump and the changes computed from it, which reconciliation
// must not allow. `mutating` lets the fake be a plain struct owned by its caller; the netlink programmer owns a
// socket. If RTNL contention ever matters, KernelSync can run on its own serial executor.

/// Installs and reads Swiftlet's kernel routes.
public protocol RouteProgrammer {
    /// Applies the changes in order, continuing past failures; returns the ones refused (empty: all applied).
    /// Ownership rule: a route whose installed copy has another protocol number is never replaced or deleted;
    /// such a change fails (`replace`: EEXIST, `delete`: ESRCH) and the foreign route is left as it is. A replace is
    /// only for a route known to be ours (NetlinkRouteProgrammer: in its last dump, or added or replaced since);
    /// any other replace fails with EEXIST without reaching the kernel, so a new route needs `add`.
    mutating func apply(_ changes: [RouteOperation]) -> [RouteFailure]

    /// Every installed IPv4 and IPv6 route with protocol number `routeProtocol`, in every table.
    mutating func dump(protocol routeProtocol: RouteProtocol) throws(KernelCallError) -> [KernelRoute]
}
