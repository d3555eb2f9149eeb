// SPDX-License-Identifier: Apache-2.0
// Go `time.ParseDuration` syntax, as Calico's metav1.Duration fields use it, and the small value parsers beside it
// (AS numbers with RFC 5396 asdot, peerIP with ports, node addresses, selectors).

import BGPWire
import ClusterModel
import Testing

@Suite("Value parsing")
struct CalicoDurationTests {
    @Test("Durations: 90s, 2m, 1h30m, 1.5h, 500ms, 0 (Go time.ParseDuration)", arguments: [
        ("90s", Duration.seconds(90)), ("2m", .seconds(120)), ("1h30m", .seconds(5400)), ("1.5h", .seconds(5400)),
        ("500ms", .milliseconds(500)), ("0", .zero), ("0s", .zero), ("1m30s", .seconds(90)), ("2h0m0s", .seconds(7200)),
        ("100us", .microseconds(100)), ("+5s", .seconds(5)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(CalicoDuration.parse(text) == expected)
    }

    @Test("Malformed durations are refused", arguments: ["", "90", "s", "1d", "-5s", "90 s", "1h 30m", "abc", ".s"])
    func badDurations(text: String) {
        #expect(CalicoDuration.parse(text) == nil)
    }

    @Test("Timers need whole seconds")
    func wholeSeconds() {
        #expect(CalicoDuration.wholeSeconds("1h30m") == 5400)
        #expect(CalicoDuration.wholeSeconds("1500ms") == nil)
        #expect(CalicoDuration.wholeSeconds("2000ms") == 2)
    }

    @Test("AS numbers: plain, quoted, asdot (RFC 5396); 0 refused (RFC 7607)")
    func asNumbers() {
        #expect(ASNumber.parse("64512") == 64512)
        #expect(ASNumber.parse("4294967295") == 4_294_967_295)
        #expect(ASNumber.parse("1.10") == 65546)
        #expect(ASNumber.parse("0") == nil)
        #expect(ASNumber.parse("4294967296") == nil)
        #expect(ASNumber.parse("-1") == nil)
        #expect(ASNumber.parse("1.70000") == nil)
    }

    @Test("peerIP: v4, v4:port, v6, [v6]:port")
    func peerAddresses() {
        #expect(PeerAddress("10.0.0.1") == PeerAddress(address: IPAddress("10.0.0.1")!))
        #expect(PeerAddress("10.0.0.1:1790") == PeerAddress(address: IPAddress("10.0.0.1")!, port: 1790))
        #expect(PeerAddress("fd00::1") == PeerAddress(address: IPAddress("fd00::1")!))
        #expect(PeerAddress("[fd00::1]:1790") == PeerAddress(address: IPAddress("fd00::1")!, port: 1790))
        #expect(PeerAddress("[fd00::1]:1790")?.description == "[fd00::1]:1790")
        for bad in ["10.0.0.1:0", "10.0.0.1:65536", "[10.0.0.1]:179", "[fd00::1]", "fd00::1:x", "host:179", ""] {
            #expect(PeerAddress(bad) == nil, "\(bad)")
        }
    }

    @Test("Node addresses keep host bits: 10.0.0.1/24; a bare address is a host route")
    func interfaceAddresses() {
        #expect(InterfaceAddress("10.0.0.1/24")?.address == IPAddress("10.0.0.1"))
        #expect(InterfaceAddress("10.0.0.1/24")?.subnet.description == "10.0.0.0/24")
        #expect(InterfaceAddress("10.0.0.1")?.prefixLength == 32)
        #expect(InterfaceAddress("fd00::1/129") == nil)
    }

    @Test("Selectors: the supported subset, and unsupported syntax matching nothing")
    func selectors() {
        let labels = ["route-reflector": "true", "rack": "r1"]
        #expect(NodeSelector("all()").matches([:]))
        #expect(NodeSelector("route-reflector == 'true'").matches(labels))
        #expect(NodeSelector("has(rack) && rack != \"r2\"").matches(labels))
        #expect(!NodeSelector("!has(rack)").matches(labels))
        #expect(NodeSelector("rack in {'r1', 'r2'}").matches(labels))
        #expect(!NodeSelector("rack not in {'r1'}").matches(labels))
        #expect(!NodeSelector("rack == 'r1' || rack == 'r2'").isSupported)
    }
}
