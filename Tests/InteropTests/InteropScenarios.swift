// SPDX-License-Identifier: Apache-2.0
// Interop scenarios start real daemons in network namespaces (Support/Lab.swift); see HarnessSelfTests.swift for
// third-party-only scenarios, and for swiftletd SwiftletScenarioTests.swift (sessions), TransportScenarioTests.swift
// (GTSM, multihop, TCP-MD5) and RoutingScenarioTests.swift (mesh, route reflection, policy, attributes). All suites
// nest under this one so the whole module runs one scenario at a time: timing checks (hold timer + 2 s) stay
// meaningful on small CI machines.
//
// Adding a scenario:
//
//     @Test func myScenario() async throws {
//         try await withLab("my-scenario") { lab in           // cleans up even when the body throws
//             let (a, b) = try lab.pair("bird", "frr")         // 10.200.1.1/24 + fd00:200:1::1/64 ↔ …::2
//             let bird = try BirdDaemon(a, config: BirdDaemon.config(routerID: Addr.v4(1, 1), neighbors: [ … ]))
//             try await bird.start()
//             let up = await bird.waitEstablished(peer: "frr")  // bounded poll, 200 ms, ≤ 30 s
//             try #require(up, "\(bird.describe(peer: "frr"))")
//         }
//     }
import Testing

@Suite("Interop", .serialized)
enum InteropScenarios {}
