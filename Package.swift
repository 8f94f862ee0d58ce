// swift-tools-version: 6.1
import PackageDescription

// Module direction (see DESIGN.md): MirrorGuardCore ← RequestParsing ← Detection ← Node ← mirrorguard.
// The pure targets (Core, RequestParsing, Detection) import the standard library only.
let package = Package(
    name: "mirrorguard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mirrorguard", targets: ["mirrorguard"]),
        .library(name: "MirrorGuardCore", targets: ["MirrorGuardCore"]),
        .library(name: "RequestParsing", targets: ["RequestParsing"]),
        .library(name: "Detection", targets: ["Detection"]),
        .library(name: "BodyDecompression", targets: ["BodyDecompression"]),
        .library(name: "Discovery", targets: ["Discovery"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Node", targets: ["Node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(name: "MirrorGuardCore"),
        .target(name: "RequestParsing", dependencies: ["MirrorGuardCore"]),
        .target(name: "Detection", dependencies: ["MirrorGuardCore", "RequestParsing"]),
        // The one place zlib enters: RequestParsing defines the `BodyDecompressor` protocol,
        // this target implements it with compress-nio so the pure targets never import NIO.
        .target(
            name: "BodyDecompression",
            dependencies: ["RequestParsing", .product(name: "CompressNIO", package: "compress-nio")]
        ),
        .target(name: "Discovery", dependencies: ["MirrorGuardCore", "RequestParsing"]),
        .target(name: "Storage", dependencies: ["MirrorGuardCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "Node",
            dependencies: [
                "MirrorGuardCore", "RequestParsing", "Detection", "Discovery", "BodyDecompression", "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "mirrorguard",
            dependencies: [
                "Node", "Discovery", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "MirrorGuardCoreTests", dependencies: ["MirrorGuardCore"]),
        .testTarget(
            name: "RequestParsingTests",
            dependencies: ["RequestParsing", "BodyDecompression", .product(name: "CompressNIO", package: "compress-nio")]
        ),
        .testTarget(name: "DetectionTests", dependencies: ["Detection"], resources: [.copy("Golden")]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery", "Detection", "RequestParsing"]),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "mirrorguard", "Storage", "RequestParsing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
