// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// RIB benchmark (Adj-RIB-In + Loc-RIB on a full table), kept out of the main package so CI does not build it. Run
// with `bench/rib/run`. BGPCore is not a product of the main package, and SwiftPM rejects a target named like one of
// a dependency's (even an unused one), so instead of `.package(path: "../..")` this package compiles the main
// package's BGPWire, BGPPolicy and BGPCore sources itself, through symlinks in Sources/ to ../../Sources.
import PackageDescription

let package = Package(
    name: "RIBBench",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        .target(name: "BGPWire", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "BGPPolicy", dependencies: ["BGPWire"]),
        .target(
            name: "BGPCore",
            dependencies: [
                "BGPPolicy", "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "RIBBench",
            dependencies: [
                "BGPCore",
                "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
