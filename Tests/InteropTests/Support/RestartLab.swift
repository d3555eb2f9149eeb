// SPDX-License-Identifier: Apache-2.0
// Support for the graceful restart suites (GracefulRestartRecoveryTests, GracefulRestartHelperInteropTests): a 10 ms
// ping between pods with its summary read back, a recorder that samples a namespace's kernel routes in the background
// (so a check can say a route was there in every sample across a restart, and when a stale one went), and the
// measurements a test prints for the record ("GR-MEASURE …" lines on stdout).
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `ping -i 0.01` from a pod, run in the background; `finish` reads "N packets transmitted, M received".
struct PodPing: Sendable {
    let process: BackgroundProcess
    let count: Int

    /// `count` pings at 10 ms from `pod` to `address` (1 s reply timeout each).
    static func start(_ pod: Namespace, to address: String, count: Int = 1200, name: String) throws -> PodPing {
        let process = try pod.spawn(name, ["ping", "-n", "-q", "-i", "0.01", "-W", "1", "-c", "\(count)", address])
        return PodPing(process: process, count: count)
    }

    /// Waits (bounded) for ping to end; returns (transmitted, received).
    func finish(timeout: Duration = .seconds(40)) async throws -> (sent: Int, received: Int) {
        guard await process.waitExit(timeout: timeout) else {
            process.stop()
            throw HarnessError("ping did not finish within \(timeout)")
        }
        // "1200 packets transmitted, 1200 received, 0% packet loss, time 12345ms"
        let text = process.logText
        guard let line = text.split(separator: "\n").first(where: { $0.contains("packets transmitted") }) else {
            throw HarnessError("no ping summary:\n\(text)")
        }
        let numbers = line.split(separator: ",").compactMap { Int($0.split(separator: " ").first ?? "") }
        guard numbers.count >= 2 else { throw HarnessError("unreadable ping summary: \(line)") }
        return (numbers[0], numbers[1])
    }
}

/// Samples the IPv4 routes of protocol `proto` in `ns` (canonical lines, `Kernel.routes`) every `interval` until
/// `stop()`: each sample is the time since the recorder started and the set of routes. Sampling runs on a thread of
/// its own: `ip` is a blocking call, and on the cooperative pool (as many threads as cores) two recorders would
/// starve the test's own polls.
final class RouteRecorder: Sendable {
    struct Sample: Sendable {
        var at: Duration
        var routes: Set<String>
    }

    let ns: Namespace
    let proto: String
    let started = ContinuousClock.now
    /// The wall clock at `started`, to place swiftletd's log lines (`ts=`) on the samples' time line.
    let startedDate = Date()
    private let samples = Mutex<[Sample]>([])
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)

    init(_ ns: Namespace, proto: String, interval: Duration = .milliseconds(100)) {
        self.ns = ns
        self.proto = proto
        let micros = useconds_t(interval.seconds * 1_000_000)
        Thread.detachNewThread { [self] in
            while running.load(ordering: .relaxed) {
                if let routes = try? Kernel.routes(ns, proto: proto) {
                    let sample = Sample(at: ContinuousClock.now - started, routes: Set(routes))
                    samples.withLock { $0.append(sample) }
                }
                usleep(micros)
            }
            finished.store(true, ordering: .relaxed)
        }
    }

    /// Time since the recorder started (the time base of the samples).
    var now: Duration { ContinuousClock.now - started }

    /// `date` on the samples' time line.
    func at(_ date: Date) -> Duration { .milliseconds(Int((date.timeIntervalSince(startedDate) * 1000).rounded())) }

    /// Stops sampling (waits for the sampling task) and returns every sample.
    func stop() async -> [Sample] {
        running.store(false, ordering: .relaxed)
        _ = await Poll.until(timeout: .seconds(15), every: .milliseconds(20)) { finished.load(ordering: .relaxed) }
        return samples.withLock { $0 }
    }

    var snapshot: [Sample] { samples.withLock { $0 } }

    /// Whether a canonical route line is for destination `prefix` ("P via …" or "blackhole P …").
    static func isRoute(_ line: String, for prefix: String) -> Bool {
        ["", "blackhole ", "unreachable "].contains { line.hasPrefix("\($0)\(prefix) ") }
    }

    /// The samples in `window` (times since start) without a route for `prefix`.
    static func gaps(_ samples: [Sample], prefix: String, in window: ClosedRange<Duration>? = nil) -> [Duration] {
        samples.filter { window?.contains($0.at) ?? true }
            .filter { !$0.routes.contains { isRoute($0, for: prefix) } }.map(\.at)
    }

    /// The longest time between two consecutive samples (a check that the recorder kept up: a route missing for
    /// less than this can go unseen).
    static func maxSpacing(_ samples: [Sample]) -> Duration {
        zip(samples, samples.dropFirst()).map { $1.at - $0.at }.max() ?? .seconds(3600)
    }

    /// When the route for `prefix` changed, as text: "missing 0.139 (via …→none), back 0.452 (…)"; "unchanged" if
    /// it never did.
    static func transitions(_ samples: [Sample], prefix: String) -> String {
        var text: [String] = []
        var previous: String?? = .none
        for sample in samples {
            let line = sample.routes.filter { isRoute($0, for: prefix) }.sorted().first
            if case .some(let last) = previous, last != line {
                text.append("\(Measure.s(sample.at)): \(line ?? "none")")
            }
            previous = .some(line)
        }
        return text.isEmpty ? "unchanged" : text.joined(separator: "; ")
    }

    /// The first sample at or after `after` without a route for `prefix`.
    static func firstAbsence(_ samples: [Sample], prefix: String, after: Duration) -> Duration? {
        samples.first { $0.at >= after && !$0.routes.contains { isRoute($0, for: prefix) } }?.at
    }

    /// The last sample with a route for `prefix`.
    static func lastPresence(_ samples: [Sample], prefix: String) -> Duration? {
        samples.last { $0.routes.contains { isRoute($0, for: prefix) } }?.at
    }
}

enum Measure {
    /// Seconds with millisecond precision, for the record.
    static func s(_ duration: Duration?) -> String {
        guard let duration else { return "-" }
        return String(format: "%.3f", duration.seconds)
    }

    /// Prints one "GR-MEASURE case key=value …" line (collected from the test output into docs/operations.md).
    static func record(_ scenario: String, _ fields: KeyValuePairs<String, String>) {
        print("GR-MEASURE \(scenario) " + fields.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }

    /// The `ts=` time of the first line of swiftletd's log at or after `after` that contains every one of `needles`.
    static func logTime(_ text: String, _ needles: [String], after: Date = .distantPast) -> Date? {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for line in text.split(separator: "\n") where needles.allSatisfy({ line.contains($0) }) {
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("ts=") }),
                let date = format.date(from: String(field.dropFirst(3)))
            else { continue }
            if date >= after { return date }
        }
        return nil
    }

    /// The lines of a log containing any of `needles` (graceful restart events in swiftletd's log), for the record.
    static func logLines(_ text: String, containing needles: [String]) -> [String] {
        text.split(separator: "\n").filter { line in needles.contains { line.contains($0) } }.map(String.init)
    }
}
