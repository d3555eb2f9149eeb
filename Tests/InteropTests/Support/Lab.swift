// SPDX-License-Identifier: Apache-2.0
// A lab is one scenario's namespaces, veth links, processes and files. `withLab` always tears it down.
import BGPTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` with a fresh lab and tears the lab down afterwards (processes stopped by PID, FRR pathspaces and
/// namespaces removed), also when `body` throws. When it throws (use `try #require` for steps later ones depend
/// on), the lab directory with configs and every daemon's log is kept and the log tails are recorded.
/// `BGP_INTEROP_KEEP=1` keeps the directory of passing scenarios too. `prefix` names the lab's namespaces
/// ("swi-<pid>-" by default; "swr-<pid>-" for the graceful restart suites, `Lab.restartPrefix`).
func withLab(_ name: String, prefix: String = Lab.prefix, _ body: (Lab) async throws -> Void) async throws {
    Lab.removeLeftovers()
    let lab = try Lab(name: name, prefix: prefix)
    do {
        try await body(lab)
    } catch {
        let tails = lab.logTails()
        lab.teardown(keepFiles: true)
        Issue.record("lab \(lab.id) (\(name)) failed; files in \(lab.directory.path)\n\(tails)")
        throw error
    }
    lab.teardown(keepFiles: ProcessInfo.processInfo.environment["BGP_INTEROP_KEEP"] == "1")
}

final class Lab: @unchecked Sendable {
    /// Every namespace, FRR pathspace and lab directory of this process starts with "swi-<pid>-".
    static let prefix = "swi-\(getpid())-"
    /// The graceful restart suites' namespaces start with "swr-<pid>-" (told apart from the others in `ip netns`).
    static let restartPrefix = "swr-\(getpid())-"
    static let root = URL(fileURLWithPath: "/tmp/swiftlet-interop")
    private static let counter = Atomic<Int>(0)

    /// "swi-<pid>-<n>": short, because namespace names are reused as FRR pathspaces and socket paths.
    let id: String
    let name: String
    let directory: URL
    private let lock = NSLock()
    private var namespaces: [Namespace] = []
    private var processes: [BackgroundProcess] = []
    private var cleanups: [() -> Void] = []

    init(name: String, prefix: String = Lab.prefix) throws {
        let n = Lab.counter.add(1, ordering: .relaxed).newValue
        id = "\(prefix)\(n)"
        self.name = name
        directory = Lab.root.appendingPathComponent(id)
        try? FileManager.default.removeItem(at: directory)
        // 0755 all the way: FRR drops privileges to user frr and must read its config here.
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        chmod(Lab.root.path, 0o755)
        try "\(name)\n".write(to: directory.appendingPathComponent("SCENARIO"), atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> URL {
        let url = file(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, mode_t(mode))
        return url
    }

    // MARK: topology

    /// A new namespace "<lab id>-<tag>" with loopback up.
    func namespace(_ tag: String) throws -> Namespace {
        let ns = Namespace(name: "\(id)-\(tag)", lab: self)
        try Shell.helper("ns_add", [ns.name])
        lock.withLock { namespaces.append(ns) }
        return ns
    }

    /// A veth pair between `a` and `b` with the given CIDRs on each end.
    @discardableResult
    func link(
        _ a: Namespace, _ aAddresses: [String], _ b: Namespace, _ bAddresses: [String], device: String = "veth0"
    ) throws -> VethLink {
        let link = VethLink(a: a, b: b, device: device, aAddresses: aAddresses, bAddresses: bAddresses)
        try Shell.helper(
            "ns_veth",
            [a.name, device, aAddresses.joined(separator: ","), b.name, device, bAddresses.joined(separator: ",")])
        return link
    }

    // MARK: processes

    /// Starts `arguments` in the background with stdout and stderr appended to `<lab>/<name>.log`.
    func spawn(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> BackgroundProcess
    {
        let process = try BackgroundProcess(
            name: name, arguments: arguments, environment: environment.merging(["RUN": directory.path]) { $1 },
            log: file("\(name).log"))
        lock.withLock { processes.append(process) }
        return process
    }

    /// Starts a foreground helper of scripts/vectors/daemons.sh (`bird_exec`, `bgpd_exec`, …).
    func spawnHelper(_ name: String, _ function: String, _ arguments: [String]) throws -> BackgroundProcess {
        try spawn(name, Shell.helperCommand(function, arguments))
    }

    /// Runs a non-foreground helper of scripts/vectors/{lib,daemons}.sh with RUN set to the lab directory.
    @discardableResult
    func helper(_ function: String, _ arguments: [String]) throws -> Shell.Result {
        try Shell.helper(function, arguments, run: directory)
    }

    /// Registers extra cleanup, run (in reverse order) after processes are stopped and before namespaces go.
    func onTeardown(_ cleanup: @escaping () -> Void) {
        lock.withLock { cleanups.append(cleanup) }
    }

    /// The last lines of every log, for failure messages.
    func logTails(lines: Int = 25) -> String {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
            .filter { $0.hasSuffix(".log") }.sorted() ?? []
        return logs.map { log in
            let text = (try? String(contentsOf: file(log), encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            return "--- \(log)\n" + tail.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func teardown(keepFiles: Bool) {
        let (procs, hooks, spaces) = lock.withLock {
            defer { processes = []; cleanups = []; namespaces = [] }
            return (processes, cleanups, namespaces)
        }
        for process in procs.reversed() { process.stop() }
        for hook in hooks.reversed() { hook() }
        for ns in spaces.reversed() { ns.delete() }
        if !keepFiles { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: leftovers

    /// Removes namespaces, FRR pathspaces and lab directories named "swi-<pid>-…" or "swr-<pid>-…" whose process
    /// is gone (a crashed or killed earlier run). Live runs, including parallel ones, are left alone.
    static func removeLeftovers() {
        let stale = { (name: String) -> Bool in
            guard name.hasPrefix("swi-") || name.hasPrefix("swr-"), let pid = Int32(name.dropFirst(4).prefix { $0.isNumber }) else {
                return false
            }
            return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
        }
        let netns = (try? Shell.run(["ip", "netns", "list"]))?.stdout ?? ""
        for line in netns.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            if stale(name) { _ = try? Shell.helper("ns_del", [name]) }
        }
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: "/var/run/frr")) ?? [] where stale(name) {
            _ = try? Shell.helper("frr_unprepare", [name])
        }
        for name in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where stale(name) {
            try? fm.removeItem(at: root.appendingPathComponent(name))
        }
    }
}

/// A network namespace owned by a lab.
final class Namespace: Sendable {
    let name: String
    unowned let lab: Lab

    init(name: String, lab: Lab) {
        self.name = name
        self.lab = lab
    }

    /// Runs a short command inside the namespace.
    @discardableResult
    func run(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> Shell.Result {
        try Shell.run(["ip", "netns", "exec", name] + arguments, timeout: timeout)
    }

    /// Starts a background process inside the namespace (its log is `<lab>/<logName>.log`).
    func spawn(_ logName: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> BackgroundProcess
    {
        try lab.spawn(logName, ["ip", "netns", "exec", name] + arguments, environment: environment)
    }

    /// A TcpExt/Tcp/Ip counter of this namespace, from `nstat -asz` (absolute, zeros included, history untouched).
    func counter(_ name: String) throws -> Int {
        let result = try run(["nstat", "-asz", name])
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, fields[0] == name, let value = Int(fields[1]) { return value }
        }
        return 0
    }

    /// Kills whatever still runs in the namespace (only processes of this lab can) and deletes it.
    func delete() {
        _ = try? Shell.helper("ns_del", [name])
    }
}

/// A veth pair between two namespaces.
struct VethLink: Sendable {
    var a: Namespace
    var b: Namespace
    var device: String
    var aAddresses: [String]
    var bAddresses: [String]

    /// Takes the link down on `a`'s side (and `b`'s carrier with it), or brings it back.
    func setUp(_ up: Bool) throws {
        try Shell.check(["ip", "-n", a.name, "link", "set", device, up ? "up" : "down"])
    }
}

/// A daemon or capture started by a lab: PID, log file, signals.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process`: children of the test runner would otherwise
/// inherit its blocked signal mask (SIGTERM blocked, so daemons ignore `stop()`), and Foundation reaps exited
/// children only seconds later. Here the child gets an empty mask and default handlers, and `waitpid` reaps it.
final class BackgroundProcess: @unchecked Sendable {
    let name: String
    let log: URL
    let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    init(name: String, arguments: [String], environment: [String: String], log: URL) throws {
        self.name = name
        self.log = log
        do {
            pid = try ChildProcess.spawn(["/usr/bin/env"] + arguments, log: log, environment: environment)
        } catch {
            throw HarnessError("\(error) (\(arguments))")
        }
    }

    var isRunning: Bool {
        lock.withLock {
            if status != nil { return false }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == 0 { return true }
            status = result == pid ? raw : -1
            return false
        }
    }

    /// The raw `waitpid` status once the process has exited (-1 if someone else reaped it).
    var exitStatus: Int32? {
        _ = isRunning
        return lock.withLock { status }
    }

    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// SIGSTOP: the process keeps its sockets but sends nothing (a frozen peer).
    func freeze() { signal(SIGSTOP) }
    func thaw() { signal(SIGCONT) }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)  // a frozen process handles SIGTERM only once it runs again
        let deadline = ContinuousClock.now.advanced(by: grace)
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if isRunning { kill(pid, SIGKILL) }
        if ProcessInfo.processInfo.environment["BGP_INTEROP_DEBUG"] == "1" {
            print("stop \(name): \(ContinuousClock.now - deadline + grace)")
        }
        // Not waitUntilExit(): Foundation reaps the zombie on its own schedule (seconds later on Linux).
    }

    /// Waits (bounded) for the process to exit by itself; true if it did.
    func waitExit(timeout: Duration = .seconds(10)) async -> Bool {
        await Poll.until(timeout: timeout, every: .milliseconds(50)) { !isRunning }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

// MARK: - addressing

/// Lab addressing: link N is 10.200.N.0/24 and fd00:200:N::/64; host H on it is 10.200.N.H / fd00:200:N::H.
enum Addr {
    static func v4(_ link: Int, _ host: Int) -> String { "10.200.\(link).\(host)" }
    static func v6(_ link: Int, _ host: Int) -> String { "fd00:200:\(link)::\(host)" }
}

extension Lab {
    /// Two new namespaces "<id>-<a>" and "<id>-<b>" joined by veth0: `a` is host 1 and `b` host 2 of link `link`
    /// (both address families).
    func pair(_ a: String, _ b: String, link: Int = 1) throws -> (Namespace, Namespace) {
        let nsA = try namespace(a)
        let nsB = try namespace(b)
        try self.link(
            nsA, ["\(Addr.v4(link, 1))/24", "\(Addr.v6(link, 1))/64"],
            nsB, ["\(Addr.v4(link, 2))/24", "\(Addr.v6(link, 2))/64"])
        return (nsA, nsB)
    }
}
