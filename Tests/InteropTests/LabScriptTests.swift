// SPDX-License-Identifier: Apache-2.0
// scripts/lab, the newcomer's lab (docs/getting-started.md), run as a user runs it: `scripts/lab up` from the package
// root, pods ping across nodes, every swiftletd's sessions are Established, `scripts/lab status` answers, and
// `scripts/lab down` leaves nothing behind (namespaces, processes, FRR pathspace, state directory). Skipped unless
// BGP_INTEROP=1 and root, like the other interop scenarios; the FRR top-of-rack is included when FRR is installed.
//
// The lab runs with a namespace prefix and state directory of this process ("swl-<pid>", under
// /tmp/swiftlet-interop) so it never meets a lab someone started by hand, and with SWIFTLET_BIN pointing at the
// binaries built with the tests (no build inside the test). Two runs, ~10 s each: 3 nodes on one L2 segment with the
// node-to-node mesh, and 3 nodes on their own subnets (VXLAN CrossSubnet) with a route reflector.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension InteropScenarios {
    @Suite(
        "scripts/lab", .serialized, .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet (`swiftletd --version` says \"not yet\")"))
    struct LabScriptTests {
        static let prefix = "swl-\(getpid())"
        static let stateDirectory = "/tmp/swiftlet-interop/swl-\(getpid())-lab"
        static let script = Interop.packageRoot.appendingPathComponent("scripts/lab").path
        static var frr: Bool { FileManager.default.isExecutableFile(atPath: "/usr/lib/frr/bgpd") }

        struct Setup: Sendable, CustomTestStringConvertible {
            var mode: String
            var peering: String
            var nodes = 3
            var testDescription: String { "\(nodes) nodes, \(mode), \(peering)" }
        }

        static var environment: [String: String] {
            [
                "SWIFTLET_LAB_PREFIX": prefix, "SWIFTLET_LAB_DIR": stateDirectory,
                "SWIFTLET_BIN": Interop.builtExecutable("swiftletd").deletingLastPathComponent().path,
            ]
        }

        @discardableResult
        static func lab(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> Shell.Result {
            try Shell.run(["bash", script] + arguments, environment: environment, timeout: timeout)
        }

        /// Namespaces and FRR pathspaces "swl-<pid>-…" of earlier test processes that are gone (a killed run):
        /// deleted, with whatever still runs inside them. Labs of live processes are left alone.
        static func removeLeftovers() {
            let stale = { (name: String) -> Bool in
                guard name.hasPrefix("swl-"), let pid = Int32(name.dropFirst(4).prefix { $0.isNumber }) else {
                    return false
                }
                return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
            }
            let list = (try? Shell.run(["ip", "netns", "list"]))?.stdout ?? ""
            for line in list.split(separator: "\n") {
                let name = String(line.split(separator: " ").first ?? "")
                if stale(name) { _ = try? Shell.helper("ns_del", [name]) }
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/var/run/frr")) ?? [] where stale(name) {
                _ = try? Shell.helper("frr_unprepare", [name])
            }
        }

        static func namespaces() -> [String] {
            let list = (try? Shell.run(["ip", "netns", "list"]))?.stdout ?? ""
            return list.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
                .filter { $0.hasPrefix("\(prefix)-") }
        }

        /// A process that exists and is not a zombie (lab daemons are reparented to init when `up` exits).
        static func alive(_ pid: Int32) -> Bool {
            guard kill(pid, 0) == 0 else { return false }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            guard let close = stat.lastIndex(of: ")") else { return false }
            return !stat[close...].hasPrefix(") Z")
        }

        static func pids() -> [String: Int32] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
            var result: [String: Int32] = [:]
            for file in files where file.hasSuffix(".pid") {
                let text = (try? String(contentsOfFile: "\(stateDirectory)/\(file)", encoding: .utf8)) ?? ""
                if let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    result[String(file.dropLast(4))] = pid
                }
            }
            return result
        }

        /// `swiftletctl show protocols` of lab node `name` ("n1", "rr"): the session lines (after the header).
        static func sessions(_ name: String) -> (lines: [String], output: String) {
            let ctl = Interop.builtExecutable("swiftletctl").path
            let result = try? Shell.run(
                [ctl, "--socket", "\(stateDirectory)/\(name).ctl", "show", "protocols"], timeout: .seconds(10))
            let output = result?.output ?? "swiftletctl did not run"
            guard result?.ok == true else { return ([], output) }
            let lines = output.split(separator: "\n").map(String.init).filter {
                !$0.hasPrefix("Name ") && !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
            return (lines, output)
        }

        /// Pod of node i (1-based): the i-th /26 of 10.244.0.0/16, + 2 (scripts/lab's addressing).
        static func podAddress(_ i: Int) -> String {
            let n = i - 1
            return "10.244.\(n / 4).\((n % 4) * 64 + 2)"
        }

        static func pings(from i: Int, to j: Int) -> (ok: Bool, output: String) {
            let result = try? Shell.run(
                ["ip", "netns", "exec", "\(prefix)-pod\(i)", "ping", "-n", "-c", "1", "-W", "1", podAddress(j)],
                timeout: .seconds(5))
            return (result?.ok ?? false, result?.output ?? "ping did not run")
        }

        static func logTails() -> String {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? [])
                .filter { $0.hasSuffix(".log") }.sorted()
            return files.map { file in
                let text = (try? String(contentsOfFile: "\(stateDirectory)/\(file)", encoding: .utf8)) ?? ""
                return "--- \(file)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
            }.joined(separator: "\n")
        }

        @Test(
            "up, pods ping, sessions Established, down leaves nothing",
            arguments: [Setup(mode: "plain", peering: "mesh"), Setup(mode: "vxlan", peering: "rr")])
        func upPingDown(_ setup: Setup) async throws {
            guard Kernel.pingAvailable else {
                Issue.record("ping is not installed (iputils-ping)")
                return
            }
            Self.removeLeftovers()
            _ = try? Self.lab(["down"])
            let start = ContinuousClock.now
            var daemonPIDs: [String: Int32] = [:]
            do {
                let up = try Self.lab([
                    "up", "--nodes", "\(setup.nodes)", "--mode", setup.mode, "--peering", setup.peering,
                ])
                try #require(up.ok, "scripts/lab up failed (\(up.status)):\n\(up.output)")
                #expect(up.stdout.contains("ip netns exec \(Self.prefix)-pod1 ping"), "no next steps:\n\(up.stdout)")
                daemonPIDs = Self.pids()
                let expectedDaemons = setup.nodes + (setup.peering == "rr" ? 1 : 0) + (Self.frr ? 2 : 0)
                try #require(daemonPIDs.count == expectedDaemons, "PID files: \(daemonPIDs)")
                for (name, pid) in daemonPIDs { #expect(Self.alive(pid), "\(name) (pid \(pid)) is not running") }

                // Every swiftletd: all its sessions Established (mesh: N-1, client: 1 reflector; +1 ToR).
                let tor = Self.frr ? 1 : 0
                var expected: [String: Int] = [:]
                for i in 1...setup.nodes { expected["n\(i)"] = (setup.peering == "rr" ? 1 : setup.nodes - 1) + tor }
                if setup.peering == "rr" { expected["rr"] = setup.nodes }
                var last: [String: String] = [:]
                let established = await Poll.until(timeout: .seconds(30), every: .milliseconds(250)) {
                    var all = true
                    for (name, count) in expected {
                        let (lines, output) = Self.sessions(name)
                        last[name] = output
                        if lines.count != count || !lines.allSatisfy({ $0.contains("Established") }) { all = false }
                    }
                    return all
                }
                let sessionText: String = last.sorted { $0.key < $1.key }.map { "--- \($0.key)\n\($0.value)" }
                    .joined(separator: "\n")
                try #require(established, "sessions not all Established:\n\(sessionText)\n\(Self.logTails())")

                // Every pod reaches the next node's pod (bounded: routes follow the sessions within a second).
                for i in 1...setup.nodes {
                    let j = i % setup.nodes + 1
                    guard j != i else { continue }
                    var result = (ok: false, output: "")
                    _ = await Poll.until(timeout: .seconds(20), every: .milliseconds(300)) {
                        result = Self.pings(from: i, to: j)
                        return result.ok
                    }
                    let routes = (try? Shell.run(["ip", "-n", "\(Self.prefix)-n\(i)", "route"]))?.output ?? ""
                    try #require(
                        result.ok,
                        "pod \(i) does not reach pod \(j) (\(Self.podAddress(j))):\n\(result.output)\n\(routes)")
                }

                let status = try Self.lab(["status"])
                #expect(status.ok && status.stdout.contains("n1: running"), "status:\n\(status.output)")
            } catch {
                Issue.record("lab state: \(Self.stateDirectory)\n\(Self.logTails())")
                _ = try? Self.lab(["down"])
                throw error
            }

            let down = try Self.lab(["down"])
            #expect(down.ok, "scripts/lab down failed:\n\(down.output)")
            #expect(Self.namespaces().isEmpty, "namespaces left: \(Self.namespaces())")
            for (name, pid) in daemonPIDs { #expect(!Self.alive(pid), "\(name) (pid \(pid)) still runs") }
            #expect(!FileManager.default.fileExists(atPath: Self.stateDirectory), "state directory left")
            #expect(!FileManager.default.fileExists(atPath: "/var/run/frr/\(Self.prefix)-tor"), "FRR pathspace left")
            // Idempotent.
            let again = try Self.lab(["down"])
            #expect(again.ok, "second scripts/lab down failed:\n\(again.output)")
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(45), "took \(elapsed)")
        }
    }
}
