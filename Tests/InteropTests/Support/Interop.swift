// SPDX-License-Identifier: Apache-2.0
// Gates, paths, commands and bounded polls shared by every interop scenario.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

enum Interop {
    /// `BGP_INTEROP=1` and root: the harness creates namespaces and starts real daemons.
    static let enabled: Bool =
        ProcessInfo.processInfo.environment["BGP_INTEROP"] == "1" && getuid() == 0

    /// The repository root (…/Tests/InteropTests/Support/Interop.swift → …).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Shell helpers shared with the golden-vector captures (`ns_add`, `ns_veth`, `bird_exec`, …).
    static let scriptsDirectory = packageRoot.appendingPathComponent("scripts/vectors")
    static let exabgpRelay = scriptsDirectory.appendingPathComponent("conf/gobgp-exabgp/api-relay.sh")

    /// Executables built by SwiftPM sit next to the test bundle: .build/<config>/SwiftletPackageTests.xctest.
    static func builtExecutable(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name)
    }

    /// True once the built `swiftletd` is a real daemon rather than the "not yet" stub: it must exist and answer
    /// `--version` with status 0 and without "not yet".
    static let swiftletReady: Bool = {
        let binary = builtExecutable("swiftletd")
        guard FileManager.default.isExecutableFile(atPath: binary.path),
            let result = try? Shell.run([binary.path, "--version"], timeout: .seconds(10))
        else { return false }
        return result.status == 0 && !(result.stdout + result.stderr).contains("not yet")
    }()

    /// Interop scenarios that need only third-party daemons.
    static let harnessEnabled = enabled
    /// Scenarios against `swiftletd`.
    static let swiftletEnabled = enabled && swiftletReady
}

/// Runs short commands to completion.
enum Shell {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var ok: Bool { status == 0 }
        var output: String { stdout + stderr }
    }

    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var result: Result
        var description: String {
            "`\(command.joined(separator: " "))` exited \(result.status): \(result.stderr)\(result.stdout)"
        }
    }

    /// Runs `arguments` (argv[0] looked up in PATH), waits at most `timeout`, kills it after that.
    @discardableResult
    static func run(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
        timeout: Duration = .seconds(30)
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read stderr on another thread so neither pipe can fill up and block the child.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds, execute: watchdog)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        watchdog.cancel()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Like `run`, but throws unless the command exits 0.
    @discardableResult
    static func check(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws
        -> Result
    {
        let result = try run(arguments, environment: environment, input: input)
        guard result.ok else { throw Failure(command: arguments, result: result) }
        return result
    }

    /// Calls a function of scripts/vectors/{lib,daemons}.sh: `bash -c '. lib.sh; . daemons.sh; "$@"' fn args…`.
    static func helperCommand(_ function: String, _ arguments: [String]) -> [String] {
        let lib = Interop.scriptsDirectory.appendingPathComponent("lib.sh").path
        let daemons = Interop.scriptsDirectory.appendingPathComponent("daemons.sh").path
        return ["bash", "-c", ". '\(lib)' && . '\(daemons)' && \"$@\"", "bash", function] + arguments
    }

    @discardableResult
    static func helper(_ function: String, _ arguments: [String], run directory: URL? = nil) throws -> Result {
        let environment = directory.map { ["RUN": $0.path] } ?? [:]
        return try check(helperCommand(function, arguments), environment: environment)
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

/// Bounded polls: every wait in the harness goes through these (no fixed sleeps).
enum Poll {
    /// Evaluates `condition` every `interval` until it is true (returns true) or `timeout` passes (returns false).
    static func until(
        timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(200),
        _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if try await condition() { return true }
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: interval)
        }
    }

    /// Evaluates `condition` for the whole of `duration`; returns false as soon as it is false once.
    static func holds(
        for duration: Duration, every interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let failed = try await until(timeout: duration, every: interval) { try await !condition() }
        return !failed
    }
}
