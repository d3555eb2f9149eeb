// SPDX-License-Identifier: Apache-2.0
// The order of NLRI in generated UPDATEs (address, then length, as `IPPrefix` sorts) for batches large enough for the
// generator's radix sort: random addresses and lengths, shared addresses with several lengths, announced and withdrawn.

import BGPCore
import BGPWire
import NIOCore
import Testing

@Suite("NLRI order in generated UPDATEs")
struct NLRIOrderTests {
    @Test("Large batches go out sorted by address, then length, every prefix once", arguments: [64, 65, 300, 5_000])
    func sortedOrder(count: Int) throws {
        var random = SystemRandomNumberGenerator()
        var prefixes: Set<IPPrefix> = []
        while prefixes.count < count {
            let length = UInt8.random(in: 8...32, using: &random)
            // A few high octets only, so many prefixes share digits (radix passes skipped or not).
            let raw = UInt32.random(in: 0...UInt32.max, using: &random) & 0x0F0F_FFFF | 0x0A00_0000
            // Masked for one bit less, so the address is also valid with the shorter length.
            let shorter = length - 1
            let address = IPAddress(ipv4: raw & ~(UInt32.max >> shorter))
            prefixes.insert(IPPrefix(address: address, length: length))
            // The same address with another length.
            if prefixes.count < count { prefixes.insert(IPPrefix(address: address, length: shorter)) }
        }
        let set = attributeSet(PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001])))
        let changes = prefixes.shuffled().map { prefix in
            UpdateGeneratorTests.announce(Path(prefix: prefix, source: ebgpA, attributes: set, nextHop: ebgpA.peerAddress))
        }
        var (generator, id) = UpdateGeneratorTests.generator()
        let announced = try UpdateGeneratorTests.updates(try #require(generator.routesChanged(changes)[id]))
            .flatMap(\.announced).map(\.prefix)
        #expect(announced == prefixes.sorted())

        let withdrawals = prefixes.shuffled().map {
            RouteChange(prefix: $0, best: nil, ecmp: [], previousBest: nil, decidedBy: nil)
        }
        let withdrawn = try UpdateGeneratorTests.updates(try #require(generator.routesChanged(withdrawals)[id]))
            .flatMap(\.withdrawn).map(\.prefix)
        #expect(withdrawn == prefixes.sorted())
    }
}
