// SPDX-License-Identifier: Apache-2.0
// A throwaway network namespace for the real-kernel tests, and a NETLINK_ROUTE socket inside it.
//
// How the programmer gets into the namespace: a socket belongs to the network namespace of the thread that created
// it, for its whole life, whichever thread uses it later. So a dedicated thread (a fresh pthread, never one of the
// test runner's) joins the namespace with setns(CLONE_NEWNET), which affects that thread only, creates the socket,
// and exits; the namespace goes with it. The descriptor comes back to the test, which hands it to
// `NetlinkRouteProgrammer(adoptingSocket:)` and runs everything else on its own thread, in its own namespace. No
// thread of the test process ever leaves or returns to a namespace, so no other test can be affected.

import Foundation
import Glibc
import Synchronization

/// Gate for the real-kernel tests: root, and BGP_KERNEL_TESTS=1 or BGP_INTEROP=1 (scripts/test runs them in its
/// interop step).
enum KernelTests {
    static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return (environment["BGP_KERNEL_TESTS"] == "1" || environment["BGP_INTEROP"] == "1") && getuid() == 0
    }
}

/// setns(2); Glibc's module map does not export it (it is behind _GNU_SOURCE).
@_silgen_name("setns") private func setns(_ descriptor: Int32, _ type: Int32) -> Int32
private let cloneNewNet: Int32 = 0x4000_0000  // CLONE_NEWNET
private let netlinkRoute: Int32 = 0  // NETLINK_ROUTE
private let namespaceCounter = Atomic<Int>(0)

/// Where the socket thread leaves its result (a Mutex cannot be captured by an escaping closure itself).
private final class Slot: Sendable {
    let value = Mutex<Result<Int32, CommandError>?>(nil)
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
}

/// A network namespace `swk-<pid>-<n>` with a veth pair, both ends up: veth0 with 10.0.0.1/24 and 2001:db8::1/64,
/// and its peer veth1 without addresses (an address of this namespace could not be a gateway: "Gateway can not be
/// a local address"). Gateways 10.0.0.2... and 2001:db8::2... are on veth0's link.
final class KernelTestNamespace {
    let name: String
    private(set) var veth0Index: UInt32 = 0

    init() throws {
        name = "swk-\(getpid())-\(namespaceCounter.add(1, ordering: .relaxed).newValue)"
        try Self.run(["ip", "netns", "add", name])
        do {
            try ip("link", "set", "lo", "up")
            try ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
            try ip("address", "add", "10.0.0.1/24", "dev", "veth0")
            try ip("address", "add", "2001:db8::1/64", "dev", "veth0", "nodad")
            try ip("link", "set", "veth0", "up")
            try ip("link", "set", "veth1", "up")
            let links = try json(ip("-j", "link", "show", "veth0"))
            veth0Index = UInt32((links.first?["ifindex"] as? Int) ?? 0)
        } catch {
            destroy()
            throw error
        }
    }

    /// Deletes the namespace (and with it the veth pair and every route in it).
    func destroy() {
        _ = try? Self.run(["ip", "netns", "delete", name])
    }

    /// `ip -n NAME args...`; returns standard output.
    @discardableResult
    func ip(_ arguments: String...) throws -> String {
        try Self.run(["ip", "-n", name] + arguments)
    }

    /// `ip -n NAME -j [-6] route show ARGS` as JSON objects.
    func routes(ipv6: Bool = false, _ arguments: String...) throws -> [[String: Any]] {
        try json(Self.run(["ip", "-n", name, "-j"] + (ipv6 ? ["-6"] : []) + ["route", "show"] + arguments))
    }

    /// A NETLINK_ROUTE socket created inside the namespace, by a dedicated thread (see the top of this file).
    func routeSocket() throws -> Int32 {
        let path = "/var/run/netns/\(name)"
        let result = Slot()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let outcome: Result<Int32, CommandError>
            let namespace = open(path, O_RDONLY | O_CLOEXEC)
            if namespace < 0 {
                outcome = .failure(CommandError(description: "open \(path): errno \(errno)"))
            } else if setns(namespace, cloneNewNet) != 0 {
                outcome = .failure(CommandError(description: "setns \(path): errno \(errno)"))
            } else {
                let socket = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue | SOCK_CLOEXEC.rawValue), netlinkRoute)
                outcome = socket < 0 ? .failure(CommandError(description: "socket: errno \(errno)")) : .success(socket)
            }
            if namespace >= 0 { close(namespace) }
            result.value.withLock { $0 = outcome }
            done.signal()
            // The thread ends here, still in the namespace; nothing else ever runs on it.
        }
        thread.start()
        done.wait()
        return try result.value.withLock { $0! }.get()
    }

    private func json(_ text: String) throws -> [[String: Any]] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        guard let array = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw CommandError(description: "not a JSON array: \(text)")
        }
        return array
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: a large `ip -j route show` would otherwise fill the pipe and block.
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandError(description: "\(arguments.joined(separator: " ")): exit \(process.terminationStatus): "
                + String(decoding: stderr, as: UTF8.self))
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}
