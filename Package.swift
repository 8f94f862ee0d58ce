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
        .library(name: "Node", targets: ["Node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
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
        .target(name: "Node", dependencies: ["MirrorGuardCore", "RequestParsing", "Detection", "BodyDecompression"]),
        .executableTarget(
            name: "mirrorguard",
            dependencies: ["Node", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "MirrorGuardCoreTests", dependencies: ["MirrorGuardCore"]),
        .testTarget(
            name: "RequestParsingTests",
            dependencies: ["RequestParsing", "BodyDecompression", .product(name: "CompressNIO", package: "compress-nio")]
        ),
        .testTarget(name: "DetectionTests", dependencies: ["Detection"], resources: [.copy("Golden")]),
        .testTarget(name: "NodeTests", dependencies: ["Node", "mirrorguard"]),
    ],
    swiftLanguageModes: [.v6]
)
