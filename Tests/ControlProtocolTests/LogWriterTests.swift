// SPDX-License-Identifier: Apache-2.0
// swiftletd's log handler minus swift-log: `--log-level` per subsystem, repeat limiting with a fake clock (the same
// message about the same peer more than N times in T seconds is suppressed, then summarized as "repeated K times"),
// and logfmt/JSON escaping (one event is always one line).

import ControlProtocol
import Foundation
import Synchronization
import Testing

@Suite("Log writer: levels, repeat limiting, escaping")
struct LogWriterTests {
    // MARK: Levels

    @Test("--log-level LEVEL alone still works; SUBSYSTEM=LEVEL items override it per logger label")
    func levels() throws {
        #expect(try LogLevels.parse([]) == LogLevels(defaultLevel: .info))
        #expect(try LogLevels.parse(["debug"]).level(for: "session") == .debug)
        let levels = try LogLevels.parse(["info", "kernel=debug,session=warning"])
        #expect(levels.level(for: "kernel") == .debug)
        #expect(levels.level(for: "session") == .warning)
        #expect(levels.level(for: "control") == .info)
        #expect(levels.level(for: "swiftletd") == .info)
        // A later item wins; order of default and subsystem items does not matter; spaces and case are forgiven.
        let later = try LogLevels.parse(["kernel=debug, warning", "kernel = Error"])
        #expect(later.level(for: "kernel") == .error)
        #expect(later.level(for: "rib") == .warning)
    }

    @Test("Bad --log-level values are errors that name the problem", arguments: [
        ("loud", "unknown log level 'loud'"), ("kernel=loud", "unknown log level 'loud'"),
        ("kernal=debug", "unknown subsystem 'kernal'"), ("info,", "empty item"), ("=debug", "unknown subsystem ''"),
    ])
    func badLevels(_ spec: String, _ expected: String) {
        do {
            _ = try LogLevels.parse([spec])
            Issue.record("\(spec) parsed")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("Severity order follows swift-log")
    func severityOrder() {
        #expect(LogSeverity.allCases.map(\.rawValue) == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        #expect(LogSeverity.debug < .info && LogSeverity.warning > .notice)
    }

    // MARK: Repeat limiting

    /// A writer over a fake clock that collects its lines.
    final class Harness: Sendable {
        final class State: Sendable {
            let time = Mutex(0.0)
            let lines = Mutex<[String]>([])
        }
        let state = State()
        let writer: LogWriter

        init(limit: Int, window: Double, format: LogLineFormat = .logfmt) {
            let state = self.state
            writer = LogWriter(
                format: format, limiter: LogRepeatLimiter(limit: limit, window: window),
                clock: { state.time.withLock { $0 } }, timestamp: { "T" },
                sink: { line in state.lines.withLock { $0.append(line) } })
        }

        func advance(_ seconds: Double) { state.time.withLock { $0 += seconds } }
        var written: [String] { state.lines.withLock { $0 } }

        func log(
            _ message: String, peer: String?, label: String = "session", reason: String = "x", level: LogSeverity = .warning
        ) {
            var metadata = [LogField("reason", reason)]
            if let peer { metadata = [LogField("address", "10.0.0.\(peer.count)"), LogField("peer", peer)] + metadata }
            writer.write(LogRecord(label: label, level: level, message: message, metadata: metadata))
        }
    }

    @Test("N lines per window pass; the rest are counted and summarized as 'repeated K times' when the window ends")
    func repeatsSummarized() {
        let log = Harness(limit: 3, window: 10)
        for i in 0..<8 {
            log.log("session down", peer: "peer1", reason: "r\(i)")
            log.advance(1)
        }
        #expect(log.written.count == 3)
        #expect(log.written[0] == "ts=T level=warning logger=session msg=\"session down\" address=10.0.0.5 peer=peer1 reason=r0\n")
        // t = 8: the window (opened at 0) is still open.
        log.writer.flushExpired()
        #expect(log.written.count == 3)
        log.advance(2)  // t = 10
        log.writer.flushExpired()
        #expect(log.written.count == 4)
        #expect(
            log.written[3]
                == "ts=T level=warning logger=session msg=\"repeated 5 times\" address=10.0.0.5 peer=peer1 reason=r7 repeated=5 repeated_msg=\"session down\" window=10s\n")
        // Nothing left to report; a new window starts fresh.
        log.writer.flushExpired()
        #expect(log.written.count == 4)
        log.log("session down", peer: "peer1")
        #expect(log.written.count == 5)
    }

    @Test("The summary comes before the first line of the next window when that line ends it")
    func summaryBeforeNextWindow() {
        let log = Harness(limit: 1, window: 5)
        log.log("connect failed", peer: "p")
        log.log("connect failed", peer: "p")
        log.log("connect failed", peer: "p")
        log.advance(0.5)
        #expect(log.written.count == 1)
        log.advance(5)
        log.log("connect failed", peer: "p", reason: "again")
        #expect(log.written.count == 3)
        #expect(log.written[1].contains("msg=\"repeated 2 times\""))
        #expect(log.written[2].contains("msg=\"connect failed\"") && log.written[2].contains("reason=again"))
    }

    @Test("Repeats are counted per message and peer (and logger): other peers and messages are not suppressed")
    func keyedByMessageAndPeer() {
        let log = Harness(limit: 2, window: 60)
        for _ in 0..<5 {
            log.log("session down", peer: "a")
            log.log("session down", peer: "b")
            log.log("NOTIFICATION sent", peer: "a")
            log.log("session down", peer: "a", label: "kernel")
            log.log("listening", peer: nil)
        }
        let written = log.written
        #expect(written.count == 10)
        #expect(written.filter { $0.contains("peer=a ") && $0.contains("session down") && $0.contains("logger=session") }.count == 2)
        #expect(written.filter { $0.contains("peer=b ") }.count == 2)
        #expect(written.filter { $0.contains("msg=listening") }.count == 2)
        log.advance(60)
        log.writer.flushExpired()
        let summaries = log.written.dropFirst(10)
        #expect(summaries.count == 5)
        #expect(summaries.allSatisfy { $0.contains("repeated=3 ") })
    }

    @Test("Debug and trace lines are never limited; info and above are")
    func debugUnlimited() {
        let log = Harness(limit: 1, window: 60)
        for _ in 0..<10 {
            log.log("kernel batch", peer: nil, label: "kernel", level: .debug)
            log.log("connect failed", peer: "p", level: .trace)
            log.log("session down", peer: "p", level: .info)
        }
        #expect(log.written.filter { $0.contains("kernel batch") }.count == 10)
        #expect(log.written.filter { $0.contains("connect failed") }.count == 10)
        #expect(log.written.filter { $0.contains("session down") }.count == 1)
    }

    @Test("A window of 0 turns limiting off")
    func unlimited() {
        let log = Harness(limit: 1, window: 0)
        for _ in 0..<50 { log.log("session down", peer: "a") }
        #expect(log.written.count == 50)
    }

    @Test("A flapping peer: at most N lines plus one summary per window, however many events")
    func flood() {
        let log = Harness(limit: 5, window: 10)
        for _ in 0..<10_000 {
            log.log("malformed UPDATE handled per RFC 7606", peer: "flappy")
            log.advance(0.01)  // 100 s in all
        }
        log.writer.flushExpired()
        // 10 windows of 10 s: 5 lines and one summary each.
        #expect(log.written.count <= 10 * 6 + 6)
        #expect(log.written.count >= 10 * 6 - 1)
        #expect(log.written.filter { $0.contains("repeated_msg=") }.count >= 9)
    }

    // MARK: Escaping

    @Test("logfmt: plain values bare; spaces, quotes, '=', backslashes and control characters quoted and escaped")
    func logfmtEscaping() {
        #expect(LogLine.logfmt([("msg", "listening"), ("port", "179")]) == "msg=listening port=179")
        #expect(LogLine.logfmt([("msg", "")]) == #"msg="""#)
        #expect(LogLine.logfmt([("msg", "a b")]) == #"msg="a b""#)
        #expect(LogLine.logfmt([("k", "a=b")]) == #"k="a=b""#)
        #expect(LogLine.logfmt([("k", #"say "hi""#)]) == #"k="say \"hi\"""#)
        #expect(LogLine.logfmt([("k", #"C:\path"#)]) == #"k="C:\\path""#)
        #expect(LogLine.logfmt([("k", "line1\nline2\r\tend")]) == #"k="line1\nline2\r\tend""#)
        #expect(LogLine.logfmt([("k", "bell\u{07}del\u{7F}")]) == #"k="bell\u0007del\u007f""#)
        #expect(LogLine.logfmt([("k", "café 🙂")]) == #"k="café 🙂""#)
        #expect(LogLine.logfmt([("bad key=x", "v")]) == "bad_key_x=v")
        // Whatever the value, the line is one line.
        #expect(!LogLine.logfmt([("k", "a\nb\u{2028}c")]).contains("\n"))
    }

    @Test("JSON: every value a string; quotes, backslashes and control characters escaped; the line parses")
    func jsonEscaping() throws {
        let fields = [("msg", #"shutdown "maint" \ now"#), ("data", "a\nb\t\u{01}"), ("peer", "café")]
        let line = LogLine.json(fields)
        #expect(line == #"{"msg":"shutdown \"maint\" \\ now","data":"a\nb\t\u0001","peer":"café"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(parsed == ["msg": #"shutdown "maint" \ now"#, "data": "a\nb\t\u{01}", "peer": "café"])
    }

    @Test("The writer's JSON lines carry ts, level, logger, msg, then metadata, and the summary too")
    func jsonWriter() throws {
        let log = Harness(limit: 1, window: 5, format: .json)
        log.log("session down", peer: "p")
        log.log("session down", peer: "p")
        log.advance(5)
        log.writer.flushExpired()
        #expect(log.written.count == 2)
        #expect(log.written[0] == #"{"ts":"T","level":"warning","logger":"session","msg":"session down","address":"10.0.0.1","peer":"p","reason":"x"}"# + "\n")
        let summary = try JSONSerialization.jsonObject(with: Data(log.written[1].utf8)) as? [String: String]
        #expect(summary?["msg"] == "repeated 1 times")
        #expect(summary?["repeated_msg"] == "session down")
        #expect(summary?["peer"] == "p")
    }
}
