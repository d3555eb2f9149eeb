// SPDX-License-Identifier: Apache-2.0
// Local origination with the two fields kernel-learned routes need: a LOCAL_PREF on the originated path (Calico's
// elevated priority, 2147483647 − metric, sent to internal peers only, RFC 4271 §5.1.5) and an exemption from the
// export scope (Calico's `calico_aggr` exports an elevated route inside an own block).

import BGPCore
import BGPPolicy
import BGPWire
import Testing

@Suite("Origination: LOCAL_PREF and scope exemptions")
struct OriginationTests {
    typealias Engine = RouteEngineTests

    /// Calico's scope reduced to one own block inside one pool.
    static let scope = ExportPolicy(scope: { prefix in
        if pfx("10.244.1.0/26").contains(prefix) {
            return prefix == pfx("10.244.1.0/26")
                ? ScopeVerdict(accepted: true, reason: "own block")
                : ScopeVerdict(accepted: false, reason: "inside own block 10.244.1.0/26")
        }
        return ScopeVerdict(accepted: pfx("10.244.0.0/16").contains(prefix), reason: "pool")
    })

    @Test("An originated LOCAL_PREF goes to iBGP peers as it is and never to eBGP peers (RFC 4271 §5.1.5)")
    func localPreference() throws {
        var engine = Engine.engine()
        _ = Engine.up(&engine, Engine.meshB)
        _ = Engine.up(&engine, Engine.tor)
        let out = engine.setOriginated([
            .init(prefix: pfx("10.244.2.5/32"), localPreference: 2_147_483_647 - 512),
            .init(prefix: pfx("10.244.1.0/26")),
        ])
        let internalUpdates = try Engine.sent(to: Engine.meshB.name, out)
        let elevated = try #require(internalUpdates.first { $0.announced.map(\.prefix) == [pfx("10.244.2.5/32")] })
        #expect(elevated.attributes.localPreference == 2_147_483_135)
        let block = try #require(internalUpdates.first { $0.announced.map(\.prefix) == [pfx("10.244.1.0/26")] })
        #expect(block.attributes.localPreference == BestPath.defaultLocalPreference)
        let external = try Engine.sent(to: Engine.tor.name, out)
        #expect(Set(Engine.announced(external)) == [pfx("10.244.2.5/32"), pfx("10.244.1.0/26")])
        #expect(external.allSatisfy { $0.attributes.localPreference == nil })
    }

    @Test("A scope exemption lets an origination inside an own block out; without it the scope withholds it")
    func exemption() throws {
        var engine = Engine.engine(policy: Self.scope)
        _ = Engine.up(&engine, Engine.meshB)
        let withheld = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26")), .init(prefix: pfx("10.244.1.7/32"))])
        #expect(Engine.announced(try Engine.sent(to: Engine.meshB.name, withheld)) == [pfx("10.244.1.0/26")])

        let exempt = engine.setOriginated([
            .init(prefix: pfx("10.244.1.0/26")),
            .init(prefix: pfx("10.244.1.7/32"), localPreference: 2_147_483_135, scopeExemption: "elevated priority"),
        ])
        #expect(Engine.announced(try Engine.sent(to: Engine.meshB.name, exempt)) == [pfx("10.244.1.7/32")])
        let path = try #require(engine.locRIB.best(for: pfx("10.244.1.7/32")))
        let explained = try #require(engine.explainExport(path, to: Engine.meshB.name))
        #expect(explained.advertised)
        #expect(explained.reason.contains("elevated priority"))

        // Back to the normal priority: the exemption goes with it and the /32 is withdrawn.
        let normal = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26")), .init(prefix: pfx("10.244.1.7/32"))])
        #expect(Engine.withdrawn(try Engine.sent(to: Engine.meshB.name, normal)) == [pfx("10.244.1.7/32")])
    }

    @Test("An exemption applies to our own path only: the same prefix from a peer still meets the scope")
    func exemptionIsLocal() throws {
        var engine = Engine.engine(policy: Self.scope)
        _ = Engine.up(&engine, Engine.tor)
        _ = Engine.up(&engine, Engine.monitor)
        _ = engine.setOriginated([.init(prefix: pfx("10.244.1.9/32"), scopeExemption: "elevated priority")])
        let learned = engine.received(
            Engine.update(["10.244.1.8/32"], asPath: [65001], nextHop: "192.0.2.2"), from: Engine.tor.name)
        #expect(Engine.announced(try Engine.sent(to: Engine.monitor.name, learned)).isEmpty)
        // A reload of the export policy keeps the exemptions of the current originations.
        let reloaded = engine.setExportPolicy(Self.scope)
        #expect(!Engine.withdrawn(try Engine.sent(to: Engine.monitor.name, reloaded)).contains(pfx("10.244.1.9/32")))
        let path = try #require(engine.locRIB.best(for: pfx("10.244.1.9/32")))
        #expect(engine.explainExport(path, to: Engine.monitor.name)?.advertised == true)
    }
}

extension OriginationTests {
    @Test("An origination's reason is kept for show route; a new reason alone sends nothing")
    func reason() throws {
        var engine = Engine.engine()
        _ = Engine.up(&engine, Engine.meshB)
        _ = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26"), reason: "block affinity")])
        #expect(engine.origination(for: pfx("10.244.1.0/26"))?.reason == "block affinity")
        let renamed = engine.setOriginated([.init(prefix: pfx("10.244.1.0/26"), reason: "assigned block")])
        #expect(try Engine.sent(to: Engine.meshB.name, renamed).isEmpty)
        #expect(engine.origination(for: pfx("10.244.1.0/26"))?.reason == "assigned block")
        #expect(engine.origination(for: pfx("10.244.2.0/26")) == nil)
    }
}
