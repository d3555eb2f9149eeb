// SPDX-License-Identifier: Apache-2.0
// BGP messages as JSON for `swiftletctl decode`: every field, prefixes as strings, AS paths as arrays,
// communities as "a:b". Presentation lives here, not on the wire types.

import BGPWire

enum MessageJSON {
    static func message(_ decoded: DecodedMessage, offset: Int, length: Int) -> JSON {
        var members: [(String, JSON)] = [("offset", .uint(offset)), ("length", .uint(length))]
        members.append(("type", .string(decoded.message.type.description)))
        switch decoded.message {
        case .open(let open): members += self.open(open)
        case .update(let update):
            members += self.update(update)
            if !decoded.updateErrors.isEmpty {
                members.append(("rfc7606", .string(decoded.updateAction!.description)))
                members.append(("errors", .array(decoded.updateErrors.map(updateError))))
            }
        case .notification(let notification): members += self.notification(notification)
        case .keepalive: break
        case .routeRefresh(let refresh):
            members += family(refresh.family)
            let subtype: JSON =
                switch refresh.subtype {
                case RouteRefreshMessage.request: .string("request")
                case RouteRefreshMessage.beginningOfRouteRefresh: .string("BoRR")
                case RouteRefreshMessage.endOfRouteRefresh: .string("EoRR")
                default: .uint(refresh.subtype)
                }
            members.append(("subtype", subtype))
        }
        return .object(members)
    }

    /// `{"error": {...}}` for a message that could not be decoded (or framed) at `offset`.
    static func error(
        _ notification: BGPNotification?, offset: Int, length: Int?, type: UInt8?, reason: String
    ) -> JSON {
        var error: [(String, JSON)] = []
        if let notification {
            error += [
                ("code", .uint(notification.code.rawValue)), ("subcode", .uint(notification.subcode)),
                ("data", .string(notification.data.hexString)),
            ]
        }
        error += [("rfc7606", .string(UpdateErrorAction.sessionReset.description)), ("offset", .uint(offset))]
        error.append(("reason", .string(reason)))
        var members: [(String, JSON)] = [("offset", .uint(offset))]
        if let length { members.append(("length", .uint(length))) }
        if let type { members.append(("type", .string(MessageType(rawValue: type)?.description ?? "type \(type)"))) }
        members.append(("error", .object(error)))
        return .object(members)
    }

    static func updateError(_ error: UpdateError) -> JSON {
        var members: [(String, JSON)] = [
            ("code", .uint(error.notification.code.rawValue)), ("subcode", .uint(error.notification.subcode)),
            ("data", .string(error.notification.data.hexString)), ("rfc7606", .string(error.action.description)),
        ]
        if let attribute = error.attribute { members.append(("attribute", .string(attribute.name))) }
        if let family = error.family { members += self.family(family) }
        members.append(("reason", .string(error.reason)))
        return .object(members)
    }

    static func family(_ family: AddressFamily) -> [(String, JSON)] {
        [("afi", .string(family.afi.description)), ("safi", .string(family.safi.description))]
    }

    static func open(_ open: OpenMessage) -> [(String, JSON)] {
        [
            ("version", .uint(OpenMessage.version)), ("my_as", .uint(open.myAS)), ("as", .uint(open.asNumber)),
            ("hold_time", .uint(open.holdTime)), ("bgp_identifier", .string(open.bgpIdentifier.description)),
            ("optional_parameters", .array(open.optionalParameters.map { .array($0.map(capability)) })),
        ]
    }

    static func capability(_ capability: Capability) -> JSON {
        var members: [(String, JSON)] = [("code", .uint(capability.code)), ("name", .string(capability.name))]
        switch capability {
        case .multiprotocol(let f): members += family(f)
        case .routeRefresh, .extendedMessage, .enhancedRouteRefresh: break
        case .extendedNextHop(let entries):
            members.append(("entries", .array(entries.map {
                .object([
                    ("nlri_afi", .string($0.nlriAFI.description)), ("nlri_safi", .uint($0.nlriSAFI)),
                    ("next_hop_afi", .string($0.nextHopAFI.description)),
                ])
            })))
        case .gracefulRestart(let gr):
            members += [
                ("restart_flags", .uint(gr.flags)), ("restarting", .bool(gr.restarting)),
                ("notification", .bool(gr.notificationSupported)), ("restart_time", .uint(gr.restartTime)),
                ("families", .array(gr.families.map {
                    .object(family($0.family) + [("forwarding_preserved", .bool($0.forwardingPreserved))])
                })),
            ]
        case .fourOctetAS(let asn): members.append(("as", .uint(asn)))
        case .addPath(let entries):
            members.append(("families", .array(entries.map { entry in
                let mode: String =
                    switch entry.mode {
                    case 1: "receive"
                    case 2: "send"
                    case 3: "send-receive"
                    default: "mode \(entry.mode)"
                    }
                return .object(family(entry.family) + [("mode", .string(mode))])
            })))
        case .longLivedGracefulRestart(let entries):
            members.append(("families", .array(entries.map {
                .object(family($0.family) + [
                    ("forwarding_preserved", .bool($0.forwardingPreserved)), ("stale_time", .uint($0.staleTime)),
                ])
            })))
        case .fqdn(let host, let domain):
            members += [("hostname", .string(host)), ("domain", .string(domain))]
        case .unknown(_, let value): members.append(("value", .string(value.hexString)))
        }
        return .object(members)
    }

    static func nlriList(_ nlri: [NLRI]) -> JSON {
        .array(nlri.map { entry in
            guard let pathID = entry.pathID else { return .string(entry.prefix.description) }
            return .object([("prefix", .string(entry.prefix.description)), ("path_id", .uint(pathID))])
        })
    }

    static func update(_ update: UpdateMessage) -> [(String, JSON)] {
        var members: [(String, JSON)] = []
        if let family = update.endOfRIBFamily { members.append(("end_of_rib", .string(family.description))) }
        members.append(("withdrawn", nlriList(update.withdrawn)))
        members.append(("attributes", attributes(update.attributes)))
        members.append(("nlri", nlriList(update.announced)))
        return members
    }

    static func asPath(_ path: ASPath) -> JSON {
        var items: [JSON] = []
        for segment in path.segments {
            let asns = JSON.array(segment.asns.map { .uint($0) })
            switch segment.kind {
            case .sequence: items += segment.asns.map { .uint($0) }
            case .set: items.append(.object([("as_set", asns)]))
            case .confedSequence: items.append(.object([("confed_sequence", asns)]))
            case .confedSet: items.append(.object([("confed_set", asns)]))
            }
        }
        return .array(items)
    }

    static func aggregator(_ aggregator: Aggregator) -> JSON {
        .object([("as", .uint(aggregator.asn)), ("address", .string(aggregator.address.description))])
    }

    static func attributes(_ a: PathAttributes) -> JSON {
        var m: [(String, JSON)] = []
        if let v = a.origin { m.append(("origin", .string(v.description))) }
        if let v = a.asPath { m.append(("as_path", asPath(v))) }
        if let v = a.nextHop { m.append(("next_hop", .string(v.description))) }
        if let v = a.multiExitDiscriminator { m.append(("med", .uint(v))) }
        if let v = a.localPreference { m.append(("local_pref", .uint(v))) }
        if a.atomicAggregate { m.append(("atomic_aggregate", .bool(true))) }
        if let v = a.aggregator { m.append(("aggregator", aggregator(v))) }
        if let v = a.communities { m.append(("communities", .array(v.map { .string($0.description) }))) }
        if let v = a.originatorID { m.append(("originator_id", .string(v.description))) }
        if let v = a.clusterList { m.append(("cluster_list", .array(v.map { .string($0.description) }))) }
        if let v = a.mpReach {
            m.append(("mp_reach_nlri", .object(family(v.family) + [
                ("next_hops", .array(v.nextHops.map { .string($0.description) })), ("nlri", nlriList(v.nlri)),
            ])))
        }
        if let v = a.mpUnreach {
            m.append(("mp_unreach_nlri", .object(family(v.family) + [("withdrawn", nlriList(v.withdrawn))])))
        }
        if let v = a.extendedCommunities {
            m.append(("extended_communities", .array(v.map { .string($0.description) })))
        }
        if let v = a.as4Path { m.append(("as4_path", asPath(v))) }
        if let v = a.as4Aggregator { m.append(("as4_aggregator", aggregator(v))) }
        if let v = a.largeCommunities { m.append(("large_communities", .array(v.map { .string($0.description) }))) }
        if !a.unknown.isEmpty {
            m.append(("unknown", .array(a.unknown.map {
                .object([
                    ("code", .uint($0.code.rawValue)), ("flags", .string("0x" + [$0.flags.rawValue].hexString)),
                    ("optional", .bool($0.flags.contains(.optional))),
                    ("transitive", .bool($0.flags.contains(.transitive))),
                    ("partial", .bool($0.flags.contains(.partial))), ("value", .string($0.value.hexString)),
                ])
            })))
        }
        if !a.partial.isEmpty { m.append(("partial", .array(a.partial.map { .string($0.name) }))) }
        return .object(m)
    }

    static func notification(_ n: BGPNotification) -> [(String, JSON)] {
        var members: [(String, JSON)] = [
            ("code", .uint(n.code.rawValue)), ("subcode", .uint(n.subcode)), ("data", .string(n.data.hexString)),
            ("description", .string(BGPNotification.describe(code: n.code, subcode: n.subcode))),
        ]
        if let text = n.shutdownCommunication { members.append(("shutdown_communication", .string(text))) }
        return members
    }
}
