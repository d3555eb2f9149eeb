// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// Codec throughput benchmark, kept out of the main package so CI does not build it. Run with `bench/codec/run`.
import PackageDescription

// A path dependency's identity is its directory name, which depends on where the repository was cloned.
let swiftlet = String(Context.packageDirectory.split(separator: "/").dropLast(2).last ?? "main")

let package = Package(
    name: "CodecBench",
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        .executableTarget(
            name: "CodecBench",
            dependencies: [
                .product(name: "BGPWire", package: swiftlet),
                .product(name: "BGPCore", package: swiftlet),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
