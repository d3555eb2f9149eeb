// SPDX-License-Identifier: Apache-2.0
// Our routes of one prefix in the kernel. Almost always exactly one; more only while a metric changes (make before
// break) or when an earlier run left others. The first is stored inline so a 100k-route table does not pay a heap
// block per prefix for an array of one.

import KernelNetlink

/// Our kernel routes for one prefix.
struct InstalledRoutes: Sequence, ExpressibleByArrayLiteral {
    private var head: KernelRoute?
    /// Empty (no allocation) unless a prefix has more than one of our routes.
    private var tail: [KernelRoute] = []

    init(arrayLiteral routes: KernelRoute...) {
        for route in routes { append(route) }
    }

    var isEmpty: Bool { head == nil }
    var count: Int { head == nil ? 0 : 1 + tail.count }
    var all: [KernelRoute] { head.map { [$0] + tail } ?? [] }

    func makeIterator() -> IndexingIterator<[KernelRoute]> { all.makeIterator() }

    mutating func append(_ route: KernelRoute) {
        if head == nil { head = route } else { tail.append(route) }
    }

    /// The route with this key, if any.
    func route(withKey key: KernelRoute.Key) -> KernelRoute? {
        if let head, head.key == key { return head }
        return tail.first { $0.key == key }
    }

    /// Replaces the route with the same key as `route`, or appends it.
    mutating func set(_ route: KernelRoute) {
        if let head, head.key == route.key {
            self.head = route
        } else if let index = tail.firstIndex(where: { $0.key == route.key }) {
            tail[index] = route
        } else {
            append(route)
        }
    }

    mutating func removeAll(where shouldRemove: (KernelRoute) -> Bool) {
        guard head != nil else { return }
        let kept = all.filter { !shouldRemove($0) }
        head = kept.first
        tail = Array(kept.dropFirst())
    }

    func contains(where predicate: (KernelRoute) -> Bool) -> Bool {
        guard let head else { return false }
        return predicate(head) || tail.contains(where: predicate)
    }
}
