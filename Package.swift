// swift-tools-version: 6.2
import PackageDescription

// The layers, bottom to top; each target may use only the ones above it in this list:
//   DevenvPlatform  the `Platform` protocol, the C library, and both systems' parsers (pure)
//   LinuxPlatform, MacOSPlatform  its two implementations (procfs/netlink; libproc/lsof)
//   CurrentPlatform `Machine.platform`: the one place that picks between them
//   DevenvCore    errors, atomic files, locks, JSON, output, tables
//   DevenvEngine  child processes, the Engine API, compose, ssh transport, git
//   DevenvSpec    devenv.yml and the kinds: parsed and validated once
//   DevenvPlan    the project, its identity, ports, credentials and plan
//   DevenvKit     the stages (render, probes, env, seed, snapshot, branch, mirror, processes, …)
//   devenv        the command line
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

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
        // `devenv mcp` (issue 29): the Model Context Protocol's Swift SDK, only for DevenvMCP.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    ],
    targets: [
        .target(name: "DevenvPlatform", swiftSettings: swift6),
        .target(name: "LinuxPlatform", dependencies: ["DevenvPlatform"], swiftSettings: swift6),
        .target(name: "MacOSPlatform", dependencies: ["DevenvPlatform"], swiftSettings: swift6),
        .target(
            name: "CurrentPlatform",
            dependencies: [
                "DevenvPlatform",
                .target(name: "LinuxPlatform", condition: .when(platforms: [.linux])),
                .target(name: "MacOSPlatform", condition: .when(platforms: [.macOS])),
            ],
            swiftSettings: swift6
        ),
        .target(
            name: "DevenvCore",
            dependencies: ["CurrentPlatform", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swift6
        ),
        .target(
            name: "DevenvEngine",
            dependencies: ["CurrentPlatform", "DevenvCore", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swift6
        ),
        .target(
            name: "DevenvSpec",
            dependencies: ["DevenvCore", .product(name: "Yams", package: "Yams"), .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swift6,
            plugins: ["EmbedKinds"]
        ),
        // The kinds' folders (templates/services) compiled into the binary at build time.
        .executableTarget(name: "embed-kinds", swiftSettings: swift6),
        .plugin(name: "EmbedKinds", capability: .buildTool(), dependencies: ["embed-kinds"], path: "Sources/EmbedKindsPlugin"),
        .target(
            name: "DevenvPlan",
            dependencies: ["CurrentPlatform", "DevenvCore", "DevenvEngine", "DevenvSpec"],
            swiftSettings: swift6
        ),
        .target(
            name: "DevenvKit",
            dependencies: [
                "CurrentPlatform", "DevenvCore", "DevenvEngine", "DevenvSpec", "DevenvPlan",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swift6
        ),
        // `devenv mcp`: the stack's commands as MCP tools on stdio (each call runs this binary as a child).
        .target(
            name: "DevenvMCP",
            dependencies: [
                "CurrentPlatform", "DevenvCore", "DevenvEngine", "DevenvSpec", "DevenvPlan", "DevenvKit",
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "devenv",
            dependencies: [
                "CurrentPlatform", "DevenvCore", "DevenvEngine", "DevenvSpec", "DevenvPlan", "DevenvKit", "DevenvMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "DevenvKitTests",
            dependencies: ["DevenvPlatform", "LinuxPlatform", "MacOSPlatform", "CurrentPlatform",
                           "DevenvCore", "DevenvEngine", "DevenvSpec", "DevenvPlan", "DevenvKit",
                           "DevenvMCP", .product(name: "MCP", package: "swift-sdk")],
            exclude: ["Fixtures", "Ports/Fixtures", "Mirror/Fixtures"],
            swiftSettings: swift6
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CurrentPlatform", "DevenvCore", "DevenvEngine", "DevenvSpec", "DevenvPlan", "DevenvKit"],
            swiftSettings: swift6
        ),
    ]
)
