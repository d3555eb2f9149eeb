// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// Library layering (docs/architecture.md): BGPWire imports only the stdlib and NIOCore.
// The fuzz entry point and the CLI sit on top; test support is a plain target.
let package = Package(
    name: "Swiftlet",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "BGPCore", targets: ["BGPCore"]),
        .library(name: "KernelNetlink", targets: ["KernelNetlink"]),
        .library(name: "KernelSync", targets: ["KernelSync"]),
        .library(name: "ClusterModel", targets: ["ClusterModel"]),
        .executable(name: "swiftletd", targets: ["swiftletd"]),
        .executable(name: "swiftletctl", targets: ["swiftletctl"]),
        .executable(name: "bgp-fakepeer", targets: ["BGPFakePeer"]),
        .executable(name: "BGPFuzz", targets: ["BGPFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "BGPWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // Import/export policy as values (Calico BGPFilter); evaluation returns a verdict and the reason.
        .target(name: "BGPPolicy", dependencies: ["BGPWire"]),
        // Session FSM, negotiation, collision resolution, RIBs, best path, reflection: pure, time passed in.
        .target(
            name: "BGPCore",
            dependencies: ["BGPWire", "BGPPolicy", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // BFD (RFC 5880/5881/5883, issue #8): control packets as values and the session FSM, sans-IO, time passed in.
        .target(name: "BFD", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // BFD over UDP (RFC 5881 single hop, RFC 5883 multihop): sockets, TTL checks, the service that runs the
        // sessions on an event loop of its own and tells its client (BGP) about forwarding failures.
        .target(
            name: "BFDTransport",
            dependencies: [
                "BFD", "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Calico v3 resources as values, and what this node peers with.
        .target(name: "ClusterModel", dependencies: ["BGPWire", "BGPPolicy"]),
        // Sources of resources: the YAML config file (with file/line/field errors) and secrets.
        .target(
            name: "Datastore",
            dependencies: [
                "ClusterModel", "EtcdClient", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // etcd v3 over its JSON gateway (issue #6): KV range/put/txn/delete, leases with keepalive, watches; TLS.
        .target(
            name: "EtcdClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Linux routing netlink (issue #5): message builders and parsers as pure values, the route programmer
        // protocol, and the desired-state planner (encapsulation, CrossSubnet). The libmnl socket comes with CMnl.
        .target(name: "KernelNetlink", dependencies: ["BGPWire", "CMnl"]),
        // The kernel adapter's owner (issue #5): Loc-RIB changes + own blocks → desired kernel routes (encapsulation,
        // CrossSubnet, next-hop resolution), reconciled through a RouteProgrammer; tunnel devices and neighbours.
        .target(
            name: "KernelSync",
            dependencies: [
                "BGPCore", "BGPWire", "ClusterModel", "KernelNetlink",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libmnl, the minimal netlink library (apt libmnl-dev; scripts/test installs it).
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        // Requests and responses between swiftletctl and swiftletd over the control socket.
        .target(name: "ControlProtocol"),
        // TCP: listener, active connects, TCP-MD5, GTSM, per-connection drivers.
        .target(
            name: "BGPTransport",
            dependencies: [
                "BGPCore", "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "swiftletd",
            dependencies: [
                "BGPCore", "BGPWire", "BGPTransport", "ClusterModel", "Datastore", "ControlProtocol", "KernelSync",
                "KernelNetlink", "BFD", "BFDTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "swiftletctl",
            dependencies: [
                "BGPWire", "ControlProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A small BGP speaker for scale and misbehaviour tests: many sessions from loopback addresses.
        .executableTarget(
            name: "BGPFakePeer",
            dependencies: [
                "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "BGPFuzz",
            dependencies: ["BGPWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "BGPTestSupport",
            dependencies: [
                "BGPWire", "BGPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/BGPTestSupport"
        ),
        .testTarget(
            name: "BGPWireTests",
            dependencies: [
                "BGPWire", "BGPTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Vectors", "FuzzRegressions", "FuzzCorpus"]
        ),
        .testTarget(
            name: "BGPCoreTests",
            dependencies: [
                "BGPCore", "BGPWire", "BGPTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "BGPPolicyTests", dependencies: ["BGPPolicy", "BGPWire"]),
        .testTarget(
            name: "BFDTests",
            dependencies: ["BFD", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        // Two BFD services back to back on loopback (no root).
        .testTarget(
            name: "BFDTransportTests",
            dependencies: ["BFDTransport", "BFD", "BGPWire", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "KernelNetlinkTests", dependencies: ["KernelNetlink", "BGPWire"]),
        .testTarget(
            name: "KernelSyncTests",
            dependencies: ["KernelSync", "KernelNetlink", "BGPCore", "BGPWire", "ClusterModel"]
        ),
        .testTarget(
            name: "DatastoreTests",
            dependencies: [
                "Datastore", "ClusterModel", "BGPWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Golden/<case>/{snapshot.yaml,desired.txt}, read through #filePath like config/.
            exclude: ["Golden"]
        ),
        // A real etcd (Debian etcd-server) on loopback, started by the tests; no root needed. Skipped when no etcd
        // binary is installed, except under CI=true where its absence fails.
        .testTarget(
            name: "EtcdTests",
            dependencies: [
                "EtcdClient", "Datastore", "ClusterModel", "BGPWire", "BGPTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "BGPTestSupport"]),
        // swiftletd, swiftletctl and bgp-fakepeer as built binaries, on loopback: no root needed.
        .testTarget(name: "SwiftletdTests", dependencies: ["BGPTestSupport"]),
        // Real daemons in network namespaces; skipped unless BGP_INTEROP=1 (needs root, bird2, frr, gobgpd, exabgp).
        .testTarget(
            name: "InteropTests",
            dependencies: ["BGPTestSupport", "BGPWire"],
            exclude: ["Scenarios"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
