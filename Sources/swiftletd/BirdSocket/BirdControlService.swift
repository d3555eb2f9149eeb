// SPDX-License-Identifier: Apache-2.0
// The BIRD-compatible control socket (issue #7): the subset of BIRD's text protocol calico/node's probes,
// `calicoctl node status` and `birdcl` speak. Placeholder until it is built: no socket is opened.

import BGPTransport
import ClusterModel
import KernelSync
import Logging
import ServiceLifecycle

enum BirdControlService {
    /// The service answering on `path` (IPv4 sessions, or IPv6 for `family == .ipv6` when sessions are split), or
    /// nil when there is none to run.
    static func make(
        path: String, family: BirdSocketFamily, speaker: BGPSpeaker,
        configuration: @escaping @Sendable () async -> DaemonConfiguration, kernel: KernelSync?, startedAt: Double,
        logger: Logger
    ) -> (any Service)? {
        logger.warning("--bird-socket is not implemented yet", metadata: ["path": "\(path)"])
        return nil
    }
}

/// Which sessions a BIRD socket reports: calico/node runs `bird` (IPv4) and `bird6` (IPv6) with one socket each.
enum BirdSocketFamily: Sendable {
    case ipv4, ipv6
}
