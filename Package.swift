// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "deja",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "deja", targets: ["deja"]),
        .executable(name: "deja-sim", targets: ["deja-sim"]),
        .library(name: "DejaIndex", targets: ["DejaIndex"]),
        .library(name: "DejaEmbedding", targets: ["DejaEmbedding"]),
        .library(name: "DejaGateway", targets: ["DejaGateway"]),
        .library(name: "DejaSim", targets: ["DejaSim"]),
    ],
    traits: [
        // The OTLP trace exporter (swift-otel, OTLP/HTTP). Off by default: it adds swift-protobuf and
        // the exporter to a clean build (minutes on two cores), which CI does not need.
        .trait(name: "OTLP", description: "Export traces over OTLP/HTTP with swift-otel (OTEL_EXPORTER_OTLP_ENDPOINT)")
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Test-only: self-signed certificates for the TLS tests of DejaHTTPClient.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // System libraries: module maps only.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis"),

        // Lower layer: no HTTP server knowledge.
        // The HNSW distance kernels: AVX-512 / AVX2+FMA / portable inner products and a gathering
        // variant for a whole neighbour list (chosen at run time), plus prefetch hints.
        .target(name: "CDistance"),
        // The encoder's low-precision products: int8 and bf16 weight formats packed at load, an
        // AVX2 + FMA kernel and a portable one (chosen at run time).
        // Optimised in debug builds too: the test suite runs the model through them, and -O0 makes
        // a pass tens of times slower.
        .target(name: "CEncoderKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "DejaIndex", dependencies: ["CBLAS", "CDistance"]),
        .target(name: "DejaRedis", dependencies: ["CHiredis", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "DejaEmbedding",
            dependencies: [
                "CBLAS",
                "CEncoderKernels",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Optimised in debug builds too: the suite runs the model hundreds of times, and the
            // unspecialised SIMD code of -Onone makes a pass about a hundred times slower.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The embedder that calls an OpenAI-compatible /v1/embeddings service: the only embedder
        // that needs the HTTP client, so the others stay free of it.
        .target(
            name: "DejaRemoteEmbedding",
            dependencies: [
                "DejaEmbedding", "DejaHTTPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // The upstream HTTP/1.1 client: per-event-loop keep-alive pools, streaming bodies.
        .target(
            name: "DejaHTTPClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Server plumbing shared by the gateway and the simulator: loop-affine connection tasks.
        .target(
            name: "DejaHTTPServer",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The OpenAI wire types every layer speaks (JSON, SSE, the chat request, the limits on
        // what a client or an upstream can send); no I/O, no dependencies.
        .target(name: "DejaWire"),
        .target(
            name: "DejaProviders",
            dependencies: [
                "DejaWire",
                "DejaHTTPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // WordNet 3.0 (Debian's wordnet-base) read into compact tables: synonyms, antonyms,
        // derivations, hypernyms. Foundation only; the verifier's lexical knowledge.
        .target(name: "DejaWordNet"),
        .target(name: "DejaVerifier", dependencies: ["DejaEmbedding", "DejaWordNet"]),

        // The router: the model catalogue (a dated price table, shipped as data), the prompt
        // classifier with its learned needs-the-strong-model head, strategies and virtual models.
        // Pure computation over the wire types; the gateway feeds it embeddings and live signals.
        .target(
            name: "DejaRouting",
            dependencies: ["DejaWire", .product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("Resources/catalogue.yaml"), .embedInCode("Resources/strong-head.json")]
        ),
        // Governance: exact rate limits (GCRA) and monthly budgets with reservations. No I/O;
        // the stores and the gateway's admission step build on it.
        .target(name: "DejaGovernance", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The embedded governance store: keys, tenants, monthly spend and the usage ledger in one
        // SQLite file (WAL), through GRDB.
        .target(name: "DejaGovernanceSQLite", dependencies: ["DejaGovernance", .product(name: "GRDB", package: "GRDB.swift")]),
        // The shared governance store for several instances: the same schema in PostgreSQL,
        // through postgres-nio, with versioned migrations.
        .target(
            name: "DejaGovernancePostgres",
            dependencies: [
                "DejaGovernance", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // Fitting and judging the learned head (`deja router train`, `deja bench router`); not
        // linked into the gateway.
        .target(name: "DejaRouterTraining", dependencies: ["DejaRouting", "DejaWire"]),

        // Middle layer: the semantic cache (no HTTP) and observability.
        .target(
            name: "DejaObservability",
            dependencies: [
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "DejaCache",
            dependencies: [
                "DejaWire", "DejaIndex", "DejaEmbedding", "DejaRedis", "DejaVerifier",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "DejaReliability",
            dependencies: [
                "DejaWire", "DejaProviders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        // Upper layer: the HTTP application.
        .target(
            name: "DejaGateway",
            dependencies: [
                "DejaHTTPClient", "DejaHTTPServer", "DejaWire", "DejaProviders", "DejaReliability", "DejaRouting", "DejaRemoteEmbedding", "DejaCache", "DejaEmbedding", "DejaIndex", "DejaRedis", "DejaObservability", "DejaVerifier", "DejaGovernance", "DejaGovernanceSQLite", "DejaGovernancePostgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            // The OpenAPI description served at /openapi.yaml: a link to the repository's openapi.yaml.
            resources: [.embedInCode("Resources/openapi.yaml")]
        ),

        // The upstream simulator imports nothing of DejaProviders or DejaGateway, so a mistake in a
        // shared wire type cannot pass every test.
        .target(
            name: "DejaSim",
            dependencies: [
                "DejaHTTPServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "deja-sim",
            dependencies: [
                "DejaSim", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "deja",
            dependencies: [
                "DejaGateway", "DejaSim", "DejaIndex", "DejaEmbedding", "DejaCache", "DejaWire", "DejaProviders", "DejaVerifier", "DejaWordNet", "DejaRouting", "DejaRouterTraining",
                "DejaHTTPClient", "DejaObservability",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLP"])),
            ]
        ),

        .testTarget(name: "DejaIndexTests", dependencies: ["DejaIndex", "CDistance"]),
        .testTarget(name: "DejaEmbeddingTests", dependencies: ["DejaEmbedding", "CEncoderKernels"]),
        .testTarget(name: "DejaRemoteEmbeddingTests", dependencies: ["DejaRemoteEmbedding", "DejaEmbedding"]),
        .testTarget(
            name: "DejaGovernanceTests",
            dependencies: [
                "DejaGovernance", "DejaGovernanceSQLite", "DejaGovernancePostgres", "DejaTestSupport", "DejaIndex", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "DejaRoutingTests", dependencies: ["DejaRouting", "DejaRouterTraining", "DejaWire", "DejaEmbedding"]),
        .testTarget(name: "DejaVerifierTests", dependencies: ["DejaVerifier", "DejaEmbedding", "DejaWordNet"]),
        .testTarget(
            name: "DejaHTTPClientTests",
            dependencies: [
                "DejaHTTPClient", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "DejaProvidersTests", dependencies: ["DejaWire", "DejaProviders", "DejaHTTPClient"]),
        .testTarget(name: "DejaReliabilityTests", dependencies: ["DejaReliability", "DejaTestSupport", "DejaWire", "DejaProviders", .product(name: "Logging", package: "swift-log"), .product(name: "NIOHTTP1", package: "swift-nio")]),
        // Harnesses shared by test targets (a real redis-server on a free port); not a product.
        .target(name: "DejaTestSupport", dependencies: ["DejaReliability"], path: "Sources/DejaTestSupport"),
        .testTarget(name: "DejaRedisTests", dependencies: ["DejaRedis", "DejaTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "DejaCacheTests", dependencies: ["DejaCache", "DejaWire", "DejaEmbedding", "DejaIndex", "DejaVerifier", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "DejaSimTests",
            dependencies: [
                "DejaSim",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "DejaGatewayTests",
            dependencies: [
                "DejaGateway", "DejaSim", "DejaWire", "DejaProviders", "DejaReliability", "DejaRouting", "DejaCache", "DejaEmbedding", "DejaRemoteEmbedding", "DejaRedis", "DejaTestSupport", "DejaVerifier", "DejaGovernance", "DejaObservability", .product(name: "Yams", package: "Yams"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"), .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                "DejaHTTPServer",
            ]
        ),
    ]
)

// Settings applied once, to every target (as swift-log does).
for target in package.targets where target.type != .system && !["CDistance", "CEncoderKernels"].contains(target.name) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.swiftLanguageMode(.v6))
    target.swiftSettings = settings
}
