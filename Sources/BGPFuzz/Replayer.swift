// SPDX-License-Identifier: Apache-2.0
// Without libFuzzer, BGPFuzz replays files and directories (recursively) through `FuzzTarget.run`. `.hex` files
// are hex text (the golden vectors), everything else is raw bytes (corpus and regression inputs). A crash or
// precondition failure is the failure signal, exactly as under libFuzzer.

#if !FUZZING
import BGPWire
import Foundation

@main
struct Replayer {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: BGPFuzz FILE|DIR...\n".utf8))
            exit(64)
        }
        var count = 0
        for path in paths {
            for file in files(under: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("BGPFuzz: cannot read \(file)\n".utf8))
                    exit(1)
                }
                var bytes = Array(data)
                if file.hasSuffix(".hex") {
                    guard let parsed = [UInt8](hexText: bytes) else {
                        FileHandle.standardError.write(Data("BGPFuzz: \(file) is not hex text\n".utf8))
                        exit(1)
                    }
                    bytes = parsed
                }
                bytes.withUnsafeBytes { FuzzTarget.run($0) }
                count += 1
            }
        }
        print("BGPFuzz: replayed \(count) inputs without a crash")
    }

    static func files(under path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return names.sorted().map { "\(path)/\($0)" }.filter {
            var sub: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &sub) && !sub.boolValue
                && !$0.hasSuffix(".md") && !$0.hasSuffix(".json")
        }
    }
}
#endif
