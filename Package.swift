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
        .executable(name: "swiftletctl", targets: ["swiftletctl"]),
        .executable(name: "BGPFuzz", targets: ["BGPFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "BGPWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "swiftletctl",
            dependencies: [
                "BGPWire",
                .product(name: "NIOCore", package: "swift-nio"),
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
                "BGPWire",
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
            exclude: ["Vectors", "FuzzRegressions"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
