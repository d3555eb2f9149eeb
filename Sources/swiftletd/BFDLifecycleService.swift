// SPDX-License-Identifier: Apache-2.0
// Runs the BFD service under swift-service-lifecycle and connects it to the BGP speaker: a forwarding failure
// (RFC 5882 §4.3, decided by `BFDClientSignal`) goes to `BGPSpeaker.forwardingFailed`; on shutdown every session
// sends AdminDown, which peers must not take for a failure (RFC 5882 §3.2), so a restart (graceful or not) does not
// look like a broken link to them.

import BFD
import BFDTransport
import BGPTransport
import Logging
import ServiceLifecycle

struct BFDLifecycleService: Service {
    let bfd: BFDService

    /// Wires `bfd` to `speaker` and starts the sessions of `sessions`.
    static func start(
        speaker: BGPSpeaker, sessions: [BFDPeerConfiguration], logger: Logger
    ) async -> BFDLifecycleService {
        let bfd = BFDService(logger: logger)
        await bfd.observe { change in
            guard change.signal == .forwardingFailed else { return }
            let reason = "BFD \(change.from) → \(change.to) (\(change.diagnostic))"
            Task { await speaker.forwardingFailed(change.name, reason: reason) }
        }
        await bfd.apply(sessions)
        return BFDLifecycleService(bfd: bfd)
    }

    func run() async throws {
        try? await gracefulShutdown()
        await bfd.shutdown()
    }
}
