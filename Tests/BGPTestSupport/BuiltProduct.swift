// SPDX-License-Identifier: Apache-2.0
// The package's built executables (swiftletd, swiftletctl, bgp-fakepeer), found next to the running test binary, and
// a runner that reads stdout and stderr concurrently so a chatty child can never block on a full pipe.

import Foundation

public enum BuiltProduct {
    /// `.build/<configuration>/`, where the test bundle and the executables are built.
    public static var directory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `name` to completion with `arguments`, optional standard input and extra environment.
    public static func run(
        _ name: String, _ arguments: [String], input: [UInt8]? = nil, environment: [String: String] = [:],
        removingEnvironment removed: Set<String> = []
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !removed.contains($0.key) }
            .merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        let errorData = Box()
        let reader = Thread { errorData.value = err.fileHandleForReading.readDataToEndOfFile(); errorData.done.signal() }
        reader.start()
        if let input { stdin.fileHandleForWriting.write(Data(input)) }
        try? stdin.fileHandleForWriting.close()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        errorData.done.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    private final class Box: @unchecked Sendable {
        // Written once by the reader thread before `done` is signalled, read after waiting on it.
        var value = Data()
        let done = DispatchSemaphore(value: 0)
    }
}
