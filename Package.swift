// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "devenv",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "devenv", targets: ["devenv"]),
        .library(name: "DevenvKit", targets: ["DevenvKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .executableTarget(
            name: "devenv",
            dependencies: [
                "DevenvKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "DevenvKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "DevenvKitTests",
            dependencies: ["DevenvKit"],
            exclude: ["Fixtures", "Ports/Fixtures", "Mirror/Fixtures"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["DevenvKit"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
