// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// Benchmarks, kept out of the main package so CI does not build them: CodecBench (`bench/codec/run`), RIBBench
// (`bench/rib/run`), RouteBlaster (the injector/monitor of `bench/routing/run` and `bench/kernel/run`) and KernelFloor
// (the netlink floor and route watcher of `bench/kernel/run`). Release builds; allocations counted with
// ordo-one/malloc-interposer.
import PackageDescription

// A path dependency's identity is its directory name, which depends on where the repository was cloned.
let swiftlet = String(Context.packageDirectory.split(separator: "/").dropLast(1).last ?? "main")

let benchmarkDependencies: [Target.Dependency] = [
    .product(name: "BGPWire", package: swiftlet),
    .product(name: "BGPCore", package: swiftlet),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
]

let package = Package(
    name: "SwiftletBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        .target(
            name: "BenchWorkload",
            dependencies: [.product(name: "BGPWire", package: swiftlet), .product(name: "BGPCore", package: swiftlet)]
        ),
        .executableTarget(name: "CodecBench", dependencies: benchmarkDependencies + ["BenchWorkload"]),
        .executableTarget(name: "RIBBench", dependencies: benchmarkDependencies + ["BenchWorkload"]),
        // Injector / monitor / route-reflector clients for bench/routing/run (no malloc interposer: it is not measured).
        .target(name: "CEpoll"),
        .executableTarget(
            name: "RouteBlaster",
            dependencies: [
                .product(name: "BGPWire", package: swiftlet), .product(name: "BGPCore", package: swiftlet),
                .product(name: "NIOCore", package: "swift-nio"), "BenchWorkload", "CEpoll",
            ]
        ),
        // The batched-netlink floor and the kernel route watcher of bench/kernel/run (issue #5).
        .executableTarget(
            name: "KernelFloor",
            dependencies: [
                .product(name: "KernelNetlink", package: swiftlet), .product(name: "BGPWire", package: swiftlet),
            ]
        ),
        // KernelSync's own cost per route (planning, bookkeeping) with a programmer that does nothing.
        .executableTarget(
            name: "KernelSyncBench",
            dependencies: [
                .product(name: "KernelSync", package: swiftlet), .product(name: "KernelNetlink", package: swiftlet),
                .product(name: "BGPCore", package: swiftlet), .product(name: "BGPWire", package: swiftlet),
                .product(name: "ClusterModel", package: swiftlet),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
