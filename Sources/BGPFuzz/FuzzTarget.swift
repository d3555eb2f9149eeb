// SPDX-License-Identifier: Apache-2.0
// The decoder's fuzz entry point. Built with `-sanitize=fuzzer -DFUZZING` it is a libFuzzer binary; built plainly
// it replays files (the corpus, the golden vectors, every FuzzRegressions input) through the same function, which
// is what CI runs.
//
// Oracle: decoding never crashes, whatever the bytes and the session context; and a message that decodes cleanly
// re-encodes to bytes that decode to the same value.

import BGPWire
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

enum FuzzTarget {
    /// Session contexts that change how bytes decode.
    static let contexts: [(DecodeContext, EncodeContext)] = [
        (.beforeOpen, .beforeOpen),
        (
            DecodeContext(fourOctetAS: true, addPath: [.ipv4Unicast, .ipv6Unicast], extendedMessage: true, enhancedRouteRefresh: true, peerType: .internal),
            EncodeContext(fourOctetAS: true, addPath: [.ipv4Unicast, .ipv6Unicast], extendedMessage: true)
        ),
        (
            DecodeContext(fourOctetAS: true, peerType: .external),
            EncodeContext(fourOctetAS: true)
        ),
    ]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        for (decodeContext, encodeContext) in contexts {
            var buffer = ByteBuffer(bytes: bytes)
            while true {
                let before = buffer.readerIndex
                let decoded: DecodedMessage?
                do {
                    decoded = try buffer.readBGPMessage(context: decodeContext)
                } catch {
                    // A NOTIFICATION is the right answer to bad input. Framing errors leave the index where it was
                    // (the stream is lost); a bad message that framed is consumed and the next one is tried.
                    if buffer.readerIndex == before { break }
                    continue
                }
                guard let decoded else { break }
                guard decoded.updateErrors.isEmpty else { continue }
                var encoded = ByteBuffer()
                encoded.writeBGPMessage(decoded.message, context: encodeContext)
                let again: DecodedMessage?
                do {
                    again = try encoded.readBGPMessage(context: decodeContext)
                } catch {
                    preconditionFailure("re-encoded \(decoded.message.type) no longer decodes: \(error.summary)")
                }
                precondition(again?.message == decoded.message, "re-encoded \(decoded.message.type) decodes differently")
                precondition(encoded.readableBytes == 0, "re-encoded \(decoded.message.type) has trailing octets")
            }
        }
    }
}

#if FUZZING
/// libFuzzer's documented driver entry point. SwiftPM links executables with `main` aliased to the module's own
/// entry function, so libFuzzer's `main` never runs; ours hands control to the driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
    }
}
#endif
