// swift-tools-version: 6.1
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory: the clone's folder, whatever the user called it.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Benchmarks live in their own package so the main package stays lean (STYLE.md).
// Run with `Benchmarks/run` (release build). malloc-interposer is built for the allocation pass, which
// preloads it; the benchmark itself does not link it, so timings run on the plain allocator.
let package = Package(
    name: "mirrorguard-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
    ],
    targets: [
        .executableTarget(
            name: "mirrorguard-bench",
            dependencies: [
                .product(name: "MirrorGuardCore", package: mainPackage),
                .product(name: "RequestParsing", package: mainPackage),
                .product(name: "Detection", package: mainPackage),
                .product(name: "Discovery", package: mainPackage),
                .product(name: "BodyDecompression", package: mainPackage),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
