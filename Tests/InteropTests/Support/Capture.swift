// SPDX-License-Identifier: Apache-2.0
// tcpdump inside a lab namespace, and the BGP NOTIFICATIONs found in what it captured.
import Foundation

final class PacketCapture: @unchecked Sendable {
    struct Notification: Sendable, Equatable, CustomStringConvertible {
        var source: String
        var code: UInt8
        var subcode: UInt8
        var description: String { "\(source): NOTIFICATION \(code)/\(subcode)" }
    }

    let pcap: URL
    private let process: BackgroundProcess

    /// Starts `tcpdump -U` on `device` of `namespace` (TCP port 179) and waits until it listens.
    init(_ namespace: Namespace, device: String = "any", name: String = "capture") async throws {
        pcap = namespace.lab.file("\(name).pcap")
        process = try namespace.spawn(
            name, ["tcpdump", "-i", device, "-U", "-s", "0", "-w", pcap.path, "tcp", "port", "179"])
        let process = process
        let listening = await Poll.until(timeout: .seconds(10), every: .milliseconds(50)) {
            process.logText.contains("listening on")
        }
        if !listening { throw HarnessError("tcpdump did not start:\n\(process.logText)") }
    }

    func stop() { process.stop() }

    /// BGP NOTIFICATIONs in the capture so far, found in each TCP segment's payload
    /// (marker, length, type 3, code, subcode). Segments carrying several messages are searched whole.
    func notifications() throws -> [Notification] {
        let dump = try Shell.run(["tcpdump", "-r", pcap.path, "-nn", "-x"]).stdout
        var result: [Notification] = []
        var source = ""
        var hex = ""
        func flush() {
            let marker = String(repeating: "f", count: 32)
            var rest = Substring(hex)
            while let range = rest.range(of: marker) {
                let after = rest[range.upperBound...]
                if after.count >= 10 {
                    let bytes = Array(after.prefix(10))
                    let type = UInt8(String(bytes[4...5]), radix: 16)
                    if type == 3, let code = UInt8(String(bytes[6...7]), radix: 16),
                        let subcode = UInt8(String(bytes[8...9]), radix: 16)
                    {
                        result.append(Notification(source: source, code: code, subcode: subcode))
                    }
                }
                rest = rest[range.upperBound...]
            }
            hex = ""
        }
        for line in dump.split(separator: "\n") {
            if line.hasPrefix("\t") || line.hasPrefix(" ") {
                // "\t0x0010:  4500 0034 …": drop the offset, keep hex digits
                let body = line.split(separator: ":", maxSplits: 1).last ?? ""
                hex += body.filter { $0.isHexDigit }.lowercased()
            } else {
                flush()
                // "12:00:00.000 IP 10.200.1.1.179 > 10.200.1.2.40000: Flags …" (IP6 for IPv6)
                let fields = line.split(separator: " ")
                if let index = fields.firstIndex(where: { $0 == "IP" || $0 == "IP6" }), index + 1 < fields.count {
                    let endpoint = fields[index + 1]
                    source = String(endpoint[..<(endpoint.lastIndex(of: ".") ?? endpoint.endIndex)])
                }
            }
        }
        flush()
        return result
    }
}
