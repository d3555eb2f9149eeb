// SPDX-License-Identifier: Apache-2.0
// Learned kernel routes as the routing engine's originations, merged with the configured ones (own blocks, service
// ranges). In calico/node's BIRD the static protocol (preference 200) beats the kernel protocol (10) for the same
// prefix; here a configured prefix simply keeps its configured origination.

import BGPCore
import BGPWire

extension LearnedRoute {
    /// The origination this route becomes: its LOCAL_PREF, its scope exemption and its reason.
    public var origination: RouteEngine.Origination {
        RouteEngine.Origination(
            prefix: prefix, localPreference: localPreference, scopeExemption: scopeExemption, reason: reason)
    }

    /// `configured` plus every learned route whose prefix the configuration does not originate, sorted by prefix.
    public static func merged(
        configured: [RouteEngine.Origination], learned: [LearnedRoute]
    ) -> [RouteEngine.Origination] {
        let own = Set(configured.map(\.prefix))
        let extra = learned.filter { !own.contains($0.prefix) }.map(\.origination)
        return (configured + extra).sorted { $0.prefix < $1.prefix }
    }
}
