// SPDX-License-Identifier: Apache-2.0
// The real DeviceProgrammer: links, addresses, neighbour entries and route lookups over a NETLINK_ROUTE socket
// (NetlinkSocket, libmnl), with the pure builders of NetlinkRequest and the readers of LinkInfo,
// InterfaceAddressEntry and ResolvedNextHop. Like NetlinkRouteProgrammer it sends one sendmsg per request or batch
// and reads the answers by sequence number with a bounded wait; it has its own socket, so the two never read each
// other's answers.
//
// Idempotence. The ensure calls read first and send only what differs (a missing device, another MAC or MTU, a
// device that is down, a missing address), so calling them again with the same arguments changes nothing in the
// kernel and sends no change requests (`changeRequestsSent` counts them, for tests). A device of the right name but
// the wrong parameters is never deleted or changed: it may belong to someone else, and deleting a tunnel device
// drops every route through it.

import BGPWire

/// Programs devices, addresses and neighbour entries and resolves next hops, over rtnetlink. One owner; not
/// thread-safe. A class because it owns a socket.
public final class NetlinkDeviceProgrammer: DeviceProgrammer {
    /// How long to wait for the answer to one request (rtnetlink has normally queued it before sendmsg returns).
    public let answerTimeout: Duration
    /// The receive buffer the kernel granted (SO_RCVBUF as read back).
    public var receiveBufferBytes: Int { socket.receiveBufferBytes }
    /// The most neighbour requests in one sendmsg, chosen so that their answers fit in the receive buffer.
    public let maximumBatchCount: Int
    /// Requests that change something (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWNEIGH, RTM_DELNEIGH) sent so far; reads
    /// are not counted. A repeated ensure call leaves it unchanged.
    public private(set) var changeRequestsSent = 0

    private let socket: NetlinkSocket
    private var nextSequence: UInt32 = 1

    /// What one answer costs in the receive buffer (see NetlinkRouteProgrammer.answerCost).
    static let answerCost = 1536
    /// A dump that keeps coming back NLM_F_DUMP_INTR is given up after this many attempts.
    static let dumpAttempts = 8

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
    public convenience init(
        receiveBufferBytes: Int = 1 << 20,
        answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(receiveBufferBytes: receiveBufferBytes)
        self.init(socket: socket, answerTimeout: answerTimeout)
    }

    /// Takes over an open NETLINK_ROUTE socket, bound or not, for instance one a helper thread created inside
    /// another network namespace (a socket stays in the namespace it was created in). It is closed with the
    /// programmer, also when this initializer throws.
    public convenience init(
        adoptingSocket descriptor: Int32,
        receiveBufferBytes: Int = 1 << 20,
        answerTimeout: Duration = .seconds(5)
    ) throws(KernelCallError) {
        let socket = try NetlinkSocket(adopting: descriptor, receiveBufferBytes: receiveBufferBytes)
        self.init(socket: socket, answerTimeout: answerTimeout)
    }

    private init(socket: NetlinkSocket, answerTimeout: Duration) {
        self.socket = socket
        self.answerTimeout = answerTimeout
        self.maximumBatchCount = max(1, min(1024, socket.receiveBufferBytes / Self.answerCost))
    }

    // MARK: Reading

    public func links() throws(KernelCallError) -> [LinkInfo] {
        let messages = try dump(operation: "dump links") { NetlinkRequest.linkDump(sequence: $0) }
        var links: [LinkInfo] = []
        for message in messages where message.header.type == .newLink {
            do {
                links.append(try LinkInfo(linkMessagePayload: message.payload))
            } catch {
                throw KernelCallError(operation: "dump links", error: .badMessage, message: "\(error)")
            }
        }
        return links.sorted { $0.index < $1.index }
    }

    public func link(named name: String) throws(KernelCallError) -> LinkInfo? {
        let operation = "get link \(name)"
        let sequence = takeSequence()
        let answer = try exchange(NetlinkRequest.getLink(named: name, sequence: sequence), sequence: sequence,
                                  operation: operation)
        do {
            if answer.header.type == .error {
                let error = try NetlinkErrorMessage(answer)
                guard let errno = error.error else {
                    throw KernelCallError(operation: operation, error: .badMessage, message: "ack without the link")
                }
                if errno == .noSuchDevice { return nil }
                throw KernelCallError(operation: operation, error: errno, message: error.message)
            }
            guard answer.header.type == .newLink else {
                throw KernelCallError(operation: operation, error: .badMessage,
                                      message: "answer of type \(answer.header.type.rawValue)")
            }
            return try LinkInfo(linkMessagePayload: answer.payload)
        } catch let error as KernelCallError {
            throw error
        } catch {
            throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
        }
    }

    public func addresses() throws(KernelCallError) -> [InterfaceAddressEntry] {
        let messages = try dump(operation: "dump addresses") { NetlinkRequest.addressDump(family: nil, sequence: $0) }
        var entries: [InterfaceAddressEntry] = []
        for message in messages where message.header.type == .newAddress {
            do {
                if let entry = try InterfaceAddressEntry(addressMessagePayload: message.payload) {
                    entries.append(entry)
                }
            } catch {
                throw KernelCallError(operation: "dump addresses", error: .badMessage, message: "\(error)")
            }
        }
        return entries
    }

    public func resolve(_ address: IPAddress) throws(KernelCallError) -> ResolvedNextHop? {
        let operation = "resolve \(address)"
        let sequence = takeSequence()
        let answer = try exchange(NetlinkRequest.routeLookup(address, sequence: sequence), sequence: sequence,
                                  operation: operation)
        do {
            if answer.header.type == .error {
                let error = try NetlinkErrorMessage(answer)
                switch error.error {
                case .none:
                    throw KernelCallError(operation: operation, error: .badMessage, message: "ack without the route")
                // No route; or the route found is RTN_UNREACHABLE, RTN_BLACKHOLE or RTN_PROHIBIT, which the kernel
                // answers with that type's error (fib_props[] in net/ipv4/fib_semantics.c).
                case .networkUnreachable?, .hostUnreachable?, .invalidArgument?, .permissionDenied?:
                    return nil
                case let errno?:
                    throw KernelCallError(operation: operation, error: errno, message: error.message)
                }
            }
            guard answer.header.type == .newRoute else {
                throw KernelCallError(operation: operation, error: .badMessage,
                                      message: "answer of type \(answer.header.type.rawValue)")
            }
            return try ResolvedNextHop(routeLookupReplyPayload: answer.payload)
        } catch let error as KernelCallError {
            throw error
        } catch {
            throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
        }
    }

    // MARK: Devices

    public func ensureVXLAN(
        _ device: VXLANDevice,
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo {
        let operation = "ensure VXLAN device \(device.name)"
        var existing = try link(named: device.name)
        if existing == nil {
            let sequence = takeSequence()
            let request = NetlinkRequest.newLink(device, linkLayerAddress: linkLayerAddress, mtu: mtu,
                                                 sequence: sequence)
            if let refusal = try change(request, sequence: sequence, operation: operation),
               refusal.error != .fileExists {
                throw refusal
            }
            // EEXIST: created by someone else since our look-up (checked below), or this VNI and port are taken
            // by another device (then the name is still missing).
            existing = try link(named: device.name)
        }
        guard let link = existing else {
            throw KernelCallError(operation: operation, error: .fileExists,
                                  message: "not created: VNI \(device.vni) on port \(device.port) may be in use by "
                                      + "another device")
        }
        let differences = Self.differences(link, device)
        if !differences.isEmpty {
            throw KernelCallError(operation: operation, error: .fileExists,
                                  message: "device \(device.name) exists with " + differences.joined(separator: ", ")
                                      + "; left as it is")
        }
        return try configure(link, linkLayerAddress: linkLayerAddress, mtu: mtu, address: address,
                             operation: operation)
    }

    public func ensureIPIP(
        _ device: IPIPDevice,
        create: Bool,
        mtu: UInt32?,
        address: InterfaceAddress?
    ) throws(KernelCallError) -> LinkInfo {
        let operation = "ensure IPIP device \(device.name)"
        var existing = try link(named: device.name)
        if existing == nil {
            guard create else {
                throw KernelCallError(operation: operation, error: .noSuchDevice,
                                      message: "no device \(device.name), and creating it was not asked for")
            }
            let sequence = takeSequence()
            if let refusal = try change(NetlinkRequest.newLink(device, sequence: sequence), sequence: sequence,
                                        operation: operation) {
                switch refusal.error {
                case .fileExists: break  // created meanwhile; checked below
                // No "ipip" link kind registered: the ipip module is not built or not loadable (rtnl_newlink
                // answers EOPNOTSUPP, "Unknown device type").
                case .notSupported:
                    throw KernelCallError(operation: operation, error: .notSupported,
                                          message: "the kernel has no ipip support"
                                              + (refusal.message.map { " (\($0))" } ?? ""))
                default: throw refusal
                }
            }
            existing = try link(named: device.name)
        }
        guard let link = existing else {
            throw KernelCallError(operation: operation, error: .noSuchDevice, message: "created but not found")
        }
        guard link.kind == "ipip" else {
            throw KernelCallError(operation: operation, error: .fileExists,
                                  message: "device \(device.name) exists with kind \(link.kind ?? "none"), not ipip; "
                                      + "left as it is")
        }
        return try configure(link, linkLayerAddress: nil, mtu: mtu, address: address, operation: operation)
    }

    /// What differs between an existing device and the VXLAN device wanted, in words; empty when it matches.
    static func differences(_ link: LinkInfo, _ device: VXLANDevice) -> [String] {
        guard link.kind == "vxlan", let vxlan = link.vxlan else {
            return ["kind \(link.kind ?? "none") (want vxlan)"]
        }
        var differences: [String] = []
        if vxlan.vni != device.vni { differences.append("VNI \(vxlan.vni) (want \(device.vni))") }
        if vxlan.port != device.port { differences.append("port \(vxlan.port) (want \(device.port))") }
        if vxlan.local != device.local {
            differences.append("local \(vxlan.local.map { "\($0)" } ?? "none") (want \(device.local))")
        }
        if let parent = device.parentInterfaceIndex, vxlan.parentInterfaceIndex != parent {
            differences.append("parent \(vxlan.parentInterfaceIndex.map { "\($0)" } ?? "none") (want \(parent))")
        }
        return differences
    }

    /// Sets MAC, MTU and IFF_UP where they differ, adds the address if missing, and reads the device back.
    private func configure(
        _ link: LinkInfo,
        linkLayerAddress: LinkLayerAddress?,
        mtu: UInt32?,
        address: InterfaceAddress?,
        operation: String
    ) throws(KernelCallError) -> LinkInfo {
        let newAddress = linkLayerAddress.flatMap { $0 == link.linkLayerAddress ? nil : $0 }
        let newMTU = mtu.flatMap { $0 == link.mtu ? nil : $0 }
        if newAddress != nil || newMTU != nil || !link.isUp {
            func set(up: Bool?) throws(KernelCallError) -> KernelCallError? {
                let sequence = takeSequence()
                let down = up == false
                let request = NetlinkRequest.setLink(index: link.index, linkLayerAddress: down ? nil : newAddress,
                                                     mtu: down ? nil : newMTU, up: up, sequence: sequence)
                return try change(request, sequence: sequence, operation: operation)
            }
            var refusal = try set(up: true)
            if refusal?.error == .busy && newAddress != nil && link.isUp {
                // A running device without IFF_LIVE_ADDR_CHANGE refuses a new MAC with EBUSY
                // (eth_prepare_mac_addr_change, net/ethernet/eth.c); do_setlink applies IFLA_ADDRESS before
                // IFLA_MTU and IFF_UP, so nothing was changed. Take the device down for the change.
                if let down = try set(up: false) { throw down }
                refusal = try set(up: true)
            }
            if let refusal { throw refusal }
        }
        if let address {
            let wanted = InterfaceAddressEntry(interfaceIndex: link.index, address: address)
            if !(try addresses().contains(wanted)) {
                let sequence = takeSequence()
                let request = NetlinkRequest.replaceAddress(address, interfaceIndex: link.index, sequence: sequence)
                if let refusal = try change(request, sequence: sequence, operation: operation) { throw refusal }
            }
        }
        guard let updated = try self.link(named: link.name) else {
            throw KernelCallError(operation: operation, error: .noSuchDevice, message: "device vanished")
        }
        return updated
    }

    // MARK: Neighbours

    public func replaceNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] {
        apply(entries, build: NetlinkRequest.newNeighbour, ignoring: nil)
    }

    public func deleteNeighbours(_ entries: [NeighbourEntry]) -> [NeighbourFailure] {
        apply(entries, build: NetlinkRequest.deleteNeighbour, ignoring: .noSuchEntry)
    }

    /// Sends one request per entry, `maximumBatchCount` per sendmsg, and maps the answers back by sequence number.
    /// An answer with `ignoring` counts as success. Requests left unanswered (receive overrun, timeout) are reported
    /// with that errno and "outcome unknown".
    private func apply(
        _ entries: [NeighbourEntry],
        build: (NeighbourEntry, UInt32) -> [UInt8],
        ignoring ignored: KernelErrno?
    ) -> [NeighbourFailure] {
        var failures: [NeighbourFailure] = []
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(entries.count, start + maximumBatchCount)]
            start += chunk.count
            var bytes: [UInt8] = []
            var pending: [UInt32: Int] = [:]  // sequence -> index in entries
            var order: [UInt32] = []
            for (index, entry) in zip(chunk.indices, chunk) {
                let sequence = takeSequence()
                bytes += build(entry, sequence)
                pending[sequence] = index
                order.append(sequence)
            }
            changeRequestsSent += chunk.count
            var answers: [UInt32: NetlinkErrorMessage] = [:]
            let unknown = collectAnswers(bytes, sequences: Set(order), into: &answers)
            for sequence in order {
                let entry = entries[pending[sequence]!]
                if let answer = answers[sequence] {
                    if let error = answer.error, error != ignored {
                        failures.append(NeighbourFailure(entry: entry, error: error, message: answer.message))
                    }
                } else if let unknown {
                    failures.append(NeighbourFailure(entry: entry, error: unknown.0, message: unknown.1))
                }
            }
        }
        return failures
    }

    /// Sends a buffer of requests and reads NLMSG_ERROR answers until each sequence has one. Returns the errno and
    /// text for the requests left without an answer, or nil when all were answered.
    private func collectAnswers(
        _ bytes: [UInt8],
        sequences: Set<UInt32>,
        into answers: inout [UInt32: NetlinkErrorMessage]
    ) -> (KernelErrno, String)? {
        if let error = socket.send(bytes) { return (error, "sendmsg failed; not applied") }
        let deadline = ContinuousClock.now.advanced(by: answerTimeout)
        var overrun = false
        while answers.count < sequences.count {
            switch socket.receive(until: overrun ? .now : deadline) {
            case .messages(let messages):
                for message in messages where message.header.type == .error {
                    guard let answer = try? NetlinkErrorMessage(message) else {
                        return (.badMessage, "unreadable answer; outcome unknown")
                    }
                    if sequences.contains(answer.request.sequence) { answers[answer.request.sequence] = answer }
                }
            case .overrun:
                overrun = true
            case .timedOut:
                return overrun
                    ? (.noBufferSpace, "answer dropped (receive buffer overrun); outcome unknown")
                    : (.timedOut, "no answer within \(answerTimeout); outcome unknown")
            case .failed(let error):
                return (error, "recvmsg failed; outcome unknown")
            case .malformed(let error):
                return (.badMessage, "unreadable answer (\(error)); outcome unknown")
            }
        }
        return nil
    }

    // MARK: Plumbing

    private func takeSequence() -> UInt32 {
        let sequence = nextSequence
        nextSequence &+= 1
        return sequence
    }

    /// Sends one change request (with NLM_F_ACK) and returns the kernel's refusal as an error value, or nil when
    /// it was acknowledged. Throws when there is no readable answer.
    private func change(
        _ request: [UInt8],
        sequence: UInt32,
        operation: String
    ) throws(KernelCallError) -> KernelCallError? {
        changeRequestsSent += 1
        let answer = try exchange(request, sequence: sequence, operation: operation)
        guard answer.header.type == .error, let error = try? NetlinkErrorMessage(answer) else {
            throw KernelCallError(operation: operation, error: .badMessage, message: "no acknowledgement")
        }
        return error.error.map { KernelCallError(operation: operation, error: $0, message: error.message) }
    }

    /// Sends one request and returns the first message answering it (same sequence number): the data for a get, or
    /// an NLMSG_ERROR. Answers to earlier requests that arrive late are dropped.
    private func exchange(
        _ request: [UInt8],
        sequence: UInt32,
        operation: String
    ) throws(KernelCallError) -> NetlinkMessage {
        if let error = socket.send(request) { throw KernelCallError(operation: operation, error: error) }
        let deadline = ContinuousClock.now.advanced(by: answerTimeout)
        while true {
            switch socket.receive(until: deadline) {
            case .messages(let messages):
                if let answer = messages.first(where: { $0.header.sequence == sequence }) { return answer }
            case .overrun:
                // Answers are queued before sendmsg returns; an overrun here lost ours (a single answer fits).
                throw KernelCallError(operation: operation, error: .noBufferSpace,
                                      message: "answer dropped (receive buffer overrun)")
            case .timedOut:
                throw KernelCallError(operation: operation, error: .timedOut,
                                      message: "no answer within \(answerTimeout)")
            case .failed(let error):
                throw KernelCallError(operation: operation, error: error)
            case .malformed(let error):
                throw KernelCallError(operation: operation, error: .badMessage, message: "\(error)")
            }
        }
    }

    /// Runs a dump to its NLMSG_DONE and returns its messages; repeats it when the kernel marks it inconsistent
    /// (NLM_F_DUMP_INTR) or the receive buffer overran, up to `dumpAttempts` times.
    private func dump(
        operation: String,
        request: (UInt32) -> [UInt8]
    ) throws(KernelCallError) -> [NetlinkMessage] {
        try socket.dump(
            operation: operation, attempts: Self.dumpAttempts, answerTimeout: answerTimeout,
            makeDump: {
                let sequence = takeSequence()
                return (request(sequence), NetlinkDump(sequence: sequence))
            },
            receive: { dump, messages throws(NetlinkParseError) in try dump.receive(messages) },
            state: { ($0.isComplete, $0.wasInterrupted, $0.error) }
        ).messages
    }
}
