// SPDX-License-Identifier: Apache-2.0

import KernelNetlink
import Testing

@Suite("Route protocol")
struct RouteProtocolTests {
    @Test("Swiftlet's routes carry BIRD's protocol number, as Calico's tooling expects")
    func birdNumber() {
        #expect(RouteProtocol.bird.rawValue == 12)
    }
}
