// SPDX-License-Identifier: Apache-2.0
// Prometheus `/metrics` (issue #7). Placeholder until it is built: nothing is served.

import BGPTransport
import KernelSync
import Logging
import ServiceLifecycle

enum MetricsService {
    /// The HTTP service exposing `/metrics` on `address` (`HOST:PORT`), or nil when there is none to run.
    static func make(address: String, speaker: BGPSpeaker, kernel: KernelSync?, logger: Logger) -> (any Service)? {
        logger.warning("--metrics-address is not implemented yet", metadata: ["address": "\(address)"])
        return nil
    }
}
