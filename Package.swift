// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "hotline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hotline", targets: ["hotline"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Already Hummingbird's and PostgresNIO's: named for NIOPosix's event loops as the global executor.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already Hummingbird's: named for the proactive scheduler, a service beside the server.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Test-only: a verifying HTTPS client (already a dependency of HummingbirdTesting).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Domain: no I/O. States, deadlines, tiers, roles, formulas.
        .target(
            name: "HotlineCore",
            swiftSettings: swiftSettings
        ),
        // PostgreSQL: pool, identity-scoped transactions, migrations, one store per aggregate.
        .target(
            name: "HotlineStore",
            dependencies: [
                "HotlineCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP: Hummingbird application, routes, errors, TLS.
        .target(
            name: "HotlineAPI",
            dependencies: [
                "HotlineCore",
                "HotlineStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `hotline` command: serve, migrate, demo-data, import-units.
        .executableTarget(
            name: "hotline",
            dependencies: [
                "HotlineAPI",
                "HotlineStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: throwaway databases cloned from a migrated template, test certificates.
        .target(
            name: "HotlineTestSupport",
            dependencies: [
                "HotlineCore",
                "HotlineStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HotlineTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HotlineCoreTests",
            dependencies: ["HotlineCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HotlineStoreTests",
            dependencies: ["HotlineStore", "HotlineCore", "HotlineTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HotlineAPITests",
            dependencies: [
                "HotlineAPI",
                "HotlineStore",
                "HotlineCore",
                "HotlineTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
