// SPDX-License-Identifier: Apache-2.0
// Two BFD services back to back over loopback UDP (no root): the three-way handshake to Up, the state changes their
// client sees, and an administrative removal that the other side must not take for a forwarding failure
// (RFC 5880 §6.2, §6.8.16; RFC 5882 §3.2). Ports are shifted off 3784 so this runs beside a real daemon.

import BFD
import BFDTransport
import BGPWire
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("BFDService on loopback", .serialized)
struct BFDServiceTests {
    final class Changes: Sendable {
        private let changes = Mutex<[BFDStateChange]>([])
        func append(_ change: BFDStateChange) { changes.withLock { $0.append(change) } }
        var all: [BFDStateChange] { changes.withLock { $0 } }
    }

    static func poll(_ timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    static func peer(_ name: String, base: Int) -> BFDPeerConfiguration {
        BFDPeerConfiguration(
            name: name, remote: IPAddress("127.0.0.1")!, local: IPAddress("127.0.0.1")!, multihop: false,
            timing: .init(desiredMinTXInterval: .milliseconds(50), requiredMinRXInterval: .milliseconds(50),
                detectMultiplier: 3))
    }

    /// Two services on loopback sending to each other's ports `base`…`base + 3`.
    static func crosswise(base: Int) -> (BFDService, BFDService) {
        let a = BFDService(
            logger: Logger(label: "bfd-a"),
            ports: BFDPorts(listenSingleHop: base, listenMultihop: base + 2, destinationSingleHop: base + 1,
                destinationMultihop: base + 3))
        let b = BFDService(
            logger: Logger(label: "bfd-b"),
            ports: BFDPorts(listenSingleHop: base + 1, listenMultihop: base + 3, destinationSingleHop: base,
                destinationMultihop: base + 2))
        return (a, b)
    }

    /// Polls until both services' first session is Up.
    static func bothUp(_ a: BFDService, _ b: BFDService) async -> Bool {
        await poll {
            let sa = await a.status().first?.state
            let sb = await b.status().first?.state
            return sa == .up && sb == .up
        }
    }

    @Test("Two services reach Up; removing one sends AdminDown, which is not a forwarding failure (RFC 5882 §3.2)")
    func upThenAdminDown() async throws {
        let base = 20_000 + Int.random(in: 0..<20_000)
        let (a, b) = Self.crosswise(base: base)
        let seenByA = Changes()
        await a.observe { seenByA.append($0) }
        await a.apply([Self.peer("B", base: base)])
        await b.apply([Self.peer("A", base: base)])

        let up = await Self.bothUp(a, b)
        let (statusA, statusB) = (await a.status(), await b.status())
        try #require(up, "A: \(statusA), B: \(statusB)")
        let all = await a.status()
        let status = try #require(all.first)
        #expect(status.sourcePort.map { (49152...65535).contains($0) } == true)
        #expect(status.packetsReceived > 0 && status.packetsSent > 0)
        // After the Poll Sequence that follows Up (RFC 5880 §6.8.3) the 50 ms intervals are in force.
        let fast = await Self.poll { await a.status().first?.transmitInterval == .milliseconds(50) }
        let after = await a.status()
        #expect(fast, "\(after)")

        await b.apply([])
        let down = await Self.poll { await a.status().first?.state == .down }
        #expect(down)
        let last = try #require(seenByA.all.last)
        #expect(last.from == .up && last.to == .down)
        #expect(last.diagnostic == .neighborSignaledSessionDown)
        #expect(last.signal == .none, "AdminDown from the peer is not a failure")
        await a.shutdown()
        await b.shutdown()
    }

    @Test("A peer that goes silent is detected after the Detection Time and signalled as a forwarding failure")
    func silenceIsDetected() async throws {
        let base = 40_000 + Int.random(in: 0..<8_000)
        let (a, b) = Self.crosswise(base: base)
        let seenByA = Changes()
        await a.observe { seenByA.append($0) }
        await a.apply([Self.peer("B", base: base)])
        await b.apply([Self.peer("A", base: base)])
        let up = await Self.bothUp(a, b)
        try #require(up)
        _ = await Self.poll { await a.status().first?.detectionTime == .milliseconds(150) }

        // B now sends to a port nobody listens on: A hears nothing more, as if the link had failed.
        await b._redirectForTesting(destinationSingleHop: base + 5)
        let started = ContinuousClock.now
        let down = await Self.poll(.seconds(5)) { seenByA.all.contains { $0.signal == .forwardingFailed } }
        let elapsed = ContinuousClock.now - started
        #expect(down)
        #expect(elapsed < .milliseconds(600), "detected after \(elapsed) (Detection Time 150 ms)")
        let failure = try #require(seenByA.all.last { $0.signal == .forwardingFailed })
        #expect(failure.diagnostic == .controlDetectionTimeExpired)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("Sessions stay Up while every cooperative-pool thread is busy: BFD runs on its own event loop thread")
    func independentOfTheCooperativePool() async throws {
        let base = 50_000 + Int.random(in: 0..<8_000)
        func peer(_ name: String) -> BFDPeerConfiguration {
            BFDPeerConfiguration(
                name: name, remote: IPAddress("127.0.0.1")!, local: IPAddress("127.0.0.1")!, multihop: false,
                timing: .init(desiredMinTXInterval: .milliseconds(100), requiredMinRXInterval: .milliseconds(100),
                    detectMultiplier: 3))
        }
        let (a, b) = Self.crosswise(base: base)
        let seen = Changes()
        await a.observe { seen.append($0) }
        await b.observe { seen.append($0) }
        await a.apply([peer("B")])
        await b.apply([peer("A")])
        let up = await Self.poll {
            let sa = await a.status().first
            let sb = await b.status().first
            return sa?.state == .up && sb?.state == .up && sa?.detectionTime == .milliseconds(300)
                && sb?.detectionTime == .milliseconds(300)
        }
        try #require(up)
        let before = seen.all.count

        // Spin on more threads than the pool has, for 2 s (almost 7 Detection Times): a BFD built on Task.sleep in
        // the pool, or on an actor sharing it, would miss its transmissions.
        let end = ContinuousClock.now.advanced(by: .seconds(2))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { while ContinuousClock.now < end {} }
            }
        }
        let changes = Array(seen.all.dropFirst(before))
        #expect(changes.isEmpty, "state changes while the pool was busy: \(changes)")
        let sa = await a.status().first?.state
        #expect(sa == .up)
        await a.shutdown()
        await b.shutdown()
    }

    /// Sends `bytes` from an ephemeral port on 127.0.0.1 to `port` with IP TTL `ttl`.
    static func sendUDP(_ bytes: [UInt8], toPort port: Int, ttl: CInt) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var ttl = ttl
        setsockopt(fd, Int32(IPPROTO_IP), IP_TTL, &ttl, socklen_t(MemoryLayout<CInt>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    @Test("Single hop drops a packet received with TTL 64 in the kernel and takes the same packet with TTL 255 (RFC 5881 §5)")
    func ttlBelow255IsDropped() async throws {
        let base = 58_000 + Int.random(in: 0..<3_000)
        // The session's own packets go to a port nobody listens on; only the hand-made ones below arrive.
        let service = BFDService(
            logger: Logger(label: "bfd"),
            ports: BFDPorts(listenSingleHop: base, listenMultihop: base + 1, destinationSingleHop: base + 2,
                destinationMultihop: base + 3))
        await service.apply([Self.peer("P", base: base)])
        let open = await Self.poll { await service.status().first?.packetsSent ?? 0 > 0 }
        try #require(open)
        let packet = BFDControlPacket(
            state: .down, detectMultiplier: 3, myDiscriminator: 77, yourDiscriminator: 0,
            desiredMinTXInterval: 1_000_000, requiredMinRXInterval: 300_000)

        Self.sendUDP(packet.bytes, toPort: base, ttl: 64)
        let heardLow = await Self.poll(.milliseconds(500)) { await service.status().first?.packetsReceived ?? 0 > 0 }
        #expect(!heardLow, "a packet with TTL 64 reached the session")
        #expect(await service.serviceCounters().packetsUnmatched == 0)

        Self.sendUDP(packet.bytes, toPort: base, ttl: 255)
        let heard = await Self.poll(.seconds(5)) { await service.status().first?.packetsReceived == 1 }
        #expect(heard, "the same packet with TTL 255 is taken")
        let state = await service.status().first?.state
        #expect(state == .`init`, "Down received in Down: Init (RFC 5880 §6.8.6)")
        await service.shutdown()
    }
}
