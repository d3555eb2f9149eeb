// SPDX-License-Identifier: Apache-2.0
// RFC 4456, one test per clause: advertisement by peer role (§6, §5 client-to-client switch), the plain iBGP rule
// (RFC 4271 §9.2), ORIGINATOR_ID and CLUSTER_LIST on reflection and their loop checks (§8), and Calico's rule that
// route reflectors of one cluster are not clients of each other.

import BGPCore
import BGPWire
import Testing

@Suite("RouteReflection")
struct RouteReflectionTests {
    typealias F = ExportFixtures
    typealias Role = RouteReflection.PeerRole

    private func targets(for source: PathSource, rr: RouteReflection = F.reflector) -> [Role: Bool] {
        var result: [Role: Bool] = [:]
        for role in [Role.external, .nonClient, .client] { result[role] = rr.mayAdvertise(from: source, to: role) }
        return result
    }

    // MARK: §6

    @Test("RFC 4456 §6 (1): a route from a non-client iBGP peer is reflected to clients only")
    func nonClientToClientsOnly() {
        #expect(targets(for: F.nonClient) == [.external: true, .nonClient: false, .client: true])
    }

    @Test("RFC 4456 §6 (2): a route from a client is reflected to non-clients and clients")
    func clientToAll() {
        #expect(targets(for: F.client) == [.external: true, .nonClient: true, .client: true])
    }

    @Test("RFC 4456 §6 (2): ... but not back to the originating client (split horizon)")
    func clientNotBackToItself() {
        let rules = ExportRules(reflection: F.reflector)
        let path = F.path(from: F.client)
        #expect(rules.decide(path, to: F.internalTarget(F.client)) == .withhold(.sourcePeer))
        #expect(rules.export(path, to: F.internalTarget(F.otherClient)) != nil)
        #expect(rules.export(path, to: F.internalTarget(F.nonClient)) != nil)
    }

    @Test("RFC 4456 §5: with client-to-client reflection off, client routes go to non-clients only")
    func clientToClientDisabled() {
        let rr = RouteReflection(localRouterID: F.routerID, clusterID: F.clusterID, clientToClientReflection: false)
        #expect(targets(for: F.client, rr: rr) == [.external: true, .nonClient: true, .client: false])
        #expect(targets(for: F.nonClient, rr: rr) == [.external: true, .nonClient: false, .client: true])
    }

    @Test("RFC 4456 §6 (3): a route from an eBGP peer is sent to all clients and non-clients")
    func externalToAll() {
        #expect(targets(for: F.tor) == [.external: true, .nonClient: true, .client: true])
        #expect(targets(for: F.tor, rr: F.meshNode) == [.external: true, .nonClient: true, .client: true])
    }

    @Test("RFC 4271 §9.2: locally originated routes go to every peer")
    func localToAll() {
        #expect(targets(for: F.local) == [.external: true, .nonClient: true, .client: true])
        #expect(targets(for: F.local, rr: F.meshNode) == [.external: true, .nonClient: true, .client: true])
    }

    @Test("RFC 4271 §9.2: a plain iBGP speaker never passes iBGP-learned routes to iBGP peers")
    func plainSpeakerNoIBGPToIBGP() {
        #expect(targets(for: F.nonClient, rr: F.meshNode) == [.external: true, .nonClient: false, .client: false])
        let rules = ExportRules(reflection: F.meshNode)
        #expect(
            rules.decide(F.path(from: F.nonClient), to: F.internalTarget(F.otherClient))
                == .withhold(.notReflected(from: .nonClient, to: .client)))
    }

    // MARK: §8 ORIGINATOR_ID and CLUSTER_LIST

    @Test("RFC 4456 §8: reflection sets ORIGINATOR_ID to the originator's BGP Identifier when absent")
    func originatorIDSet() {
        let reflected = F.reflector.reflect(F.defaultAttributes(from: F.client), source: F.client)
        #expect(reflected.originatorID == F.client.routerID)
    }

    @Test("RFC 4456 §8: an existing ORIGINATOR_ID is not overwritten")
    func originatorIDKept() {
        var attributes = F.defaultAttributes(from: F.nonClient)
        attributes.originatorID = F.ip("10.0.0.9")
        attributes.clusterList = [F.ip("10.255.0.2")]
        let reflected = F.reflector.reflect(attributes, source: F.nonClient)
        #expect(reflected.originatorID == F.ip("10.0.0.9"))
    }

    @Test("RFC 4456 §8: CLUSTER_LIST is created with our cluster ID when absent")
    func clusterListCreated() {
        let reflected = F.reflector.reflect(F.defaultAttributes(from: F.client), source: F.client)
        #expect(reflected.clusterList == [F.clusterID])
    }

    @Test("RFC 4456 §8: our cluster ID is prepended to an existing CLUSTER_LIST")
    func clusterListPrepended() {
        var attributes = F.defaultAttributes(from: F.nonClient)
        attributes.clusterList = [F.ip("10.255.0.2"), F.ip("10.255.0.3")]
        let reflected = RouteReflection.reflect(
            attributes, source: F.nonClient, clusterID: F.clusterID, localRouterID: F.routerID)
        #expect(reflected.clusterList == [F.clusterID, F.ip("10.255.0.2"), F.ip("10.255.0.3")])
    }

    @Test("RFC 4456 §8: reflected routes leave with ORIGINATOR_ID and CLUSTER_LIST; eBGP-learned ones without")
    func exportCarriesReflectionAttributes() {
        let rules = ExportRules(reflection: F.reflector)
        let reflected = rules.export(F.path(from: F.client), to: F.internalTarget(F.nonClient))
        #expect(reflected?.originatorID == F.client.routerID)
        #expect(reflected?.clusterList == [F.clusterID])
        let external = rules.export(F.path(from: F.tor), to: F.internalTarget(F.client))
        #expect(external?.originatorID == nil)
        #expect(external?.clusterList == nil)
    }

    @Test("RFC 4456 §8: a route with our BGP Identifier as ORIGINATOR_ID is ignored")
    func loopByOriginatorID() {
        var attributes = F.defaultAttributes(from: F.nonClient)
        attributes.originatorID = F.routerID
        #expect(F.reflector.loop(in: attributes) == .originatorIsSelf(F.routerID))
        #expect(F.meshNode.loop(in: attributes) == .originatorIsSelf(F.routerID))
    }

    @Test("RFC 4456 §8: a route whose CLUSTER_LIST holds our cluster ID is ignored")
    func loopByClusterList() {
        var attributes = F.defaultAttributes(from: F.nonClient)
        attributes.originatorID = F.ip("10.0.0.3")
        attributes.clusterList = [F.ip("10.255.0.2"), F.clusterID]
        #expect(F.reflector.loop(in: attributes) == .clusterListContainsSelf(F.clusterID))
        // Not a reflector: no cluster ID to find.
        #expect(F.meshNode.loop(in: attributes) == nil)
        attributes.clusterList = [F.ip("10.255.0.2")]
        #expect(F.reflector.loop(in: attributes) == nil)
    }

    // MARK: Calico: reflectors of one cluster are not clients of each other

    struct RoleCase: Sendable, CustomTestStringConvertible {
        var name: String
        var localClusterID: String?
        var peerClusterID: String?
        var peerAS: UInt32 = ExportFixtures.localAS
        var role: RouteReflection.PeerRole
        var testDescription: String { name }
    }

    static let roleCases: [RoleCase] = [
        RoleCase(name: "mesh: neither is a reflector → non-client", localClusterID: nil, peerClusterID: nil,
            role: .nonClient),
        RoleCase(name: "we reflect, peer is a plain node → client", localClusterID: "10.255.0.1", peerClusterID: nil,
            role: .client),
        RoleCase(name: "peer reflects for us → non-client", localClusterID: nil, peerClusterID: "10.255.0.1",
            role: .nonClient),
        RoleCase(name: "reflectors of one cluster → non-clients of each other", localClusterID: "10.255.0.1",
            peerClusterID: "10.255.0.1", role: .nonClient),
        RoleCase(name: "reflector of another cluster → client", localClusterID: "10.255.0.1",
            peerClusterID: "10.255.0.2", role: .client),
        RoleCase(name: "another AS → eBGP", localClusterID: "10.255.0.1", peerClusterID: nil, peerAS: 65001,
            role: .external),
    ]

    @Test("Calico: the peer role from both nodes' cluster IDs", arguments: roleCases)
    func calicoRole(_ row: RoleCase) {
        let role = RouteReflection.role(
            localAS: F.localAS, peerAS: row.peerAS, localClusterID: row.localClusterID.map(F.ip),
            peerClusterID: row.peerClusterID.map(F.ip))
        #expect(role == row.role)
    }

    @Test("RFC 4456 §8 + Calico: a client route reflected by one RR is dropped by the other RR of its cluster")
    func sameClusterReflectorsDropEachOthersReflections() {
        // RR1 (10.0.0.1) reflects a client route to RR2 (10.0.0.2), its non-client since they share the cluster.
        let rr1 = ExportRules(reflection: F.reflector)
        let rr2Role = RouteReflection.role(
            localAS: F.localAS, peerAS: F.localAS, localClusterID: F.clusterID, peerClusterID: F.clusterID)
        #expect(rr2Role == .nonClient)
        let sent = rr1.export(F.path(from: F.client), to: F.internalTarget(F.nonClient))
        let rr2 = RouteReflection(localRouterID: F.ip("10.0.0.2"), clusterID: F.clusterID)
        #expect(sent.flatMap(rr2.loop(in:)) == .clusterListContainsSelf(F.clusterID))
    }
}
