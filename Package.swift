// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "muelle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "muelle", targets: ["muelle"]),
        .library(name: "MuelleEngine", targets: ["MuelleEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // 1.16: LogEvent, which the command line's escaping log handler forwards.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // The HTTP intake, the console, /metrics and /healthz (issue 13).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The PostgreSQL ledger, for several workers on one workspace (issue 14).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries: each wrapped once, by exactly one Swift file in the module that imports it.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // Debian's zint ships no .pc file: the module map links it by name.
        .systemLibrary(name: "CZint", providers: [.apt(["libzint-dev"])]),
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),

        // Pure core: values, errors, normalised records. No I/O.
        .target(name: "MuelleCore"),
        // The one thin layer over the C library's file calls (open, read, write, fsync, rename, lstat, readdir,
        // flock…): EINTR retried, errno turned into a typed `SystemError`. Other modules call libc through it.
        .target(name: "MuelleSystem"),
        // Streaming readers: CSV, JSON, XML (libxml2).
        .target(name: "MuelleReaders", dependencies: ["MuelleCore", "MuelleSystem", "CLibXML2"]),
        // The mapping language: YAML compiled once into closures; regular expressions through PCRE2, bounded.
        .target(name: "MuelleMapping", dependencies: ["MuelleCore", "MuelleReaders", "CPCRE2", "Yams"]),
        // Shipping: carrier profiles (YAML with marks), rate-card quotes, tracking numbers, shipment requests. No I/O
        // beyond reading profiles and resolving secret references.
        .target(name: "MuelleShipping", dependencies: ["MuelleCore", "MuelleMapping", "Yams"]),
        // Label and pickup-manifest PDFs (cairo, zint barcodes).
        .target(name: "MuelleLabels", dependencies: ["MuelleShipping", "MuelleCore", "CCairo", "CZint"]),
        // Intake: which inbox files are ready (stable, not temporary, not symlinks), and the inotify watcher.
        .target(name: "MuelleIntake", dependencies: ["MuelleCore", "MuelleSystem"]),
        // SFTP with partners (libssh2): pull feeds into the inbox, deliver results; the sshd_config for uploads.
        .target(name: "MuelleSFTP", dependencies: [
            "MuelleCore", "MuelleSystem", "MuelleIntake", "CLibSSH2", .product(name: "Logging", package: "swift-log"),
        ]),
        // The SQLite ledger.
        .target(name: "MuelleLedger", dependencies: [
            "MuelleCore", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The PostgreSQL ledger (postgres-nio): the same schema and protocols as the SQLite one, for several workers.
        .target(name: "MuelleLedgerPostgres", dependencies: [
            "MuelleCore", "MuelleLedger",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Adapters that touch the world: intake, pipeline, emit, commands.
        .target(name: "MuelleEngine", dependencies: [
            "MuelleCore", "MuelleSystem", "MuelleReaders", "MuelleMapping", "MuelleLedger", "MuelleLedgerPostgres", "MuelleIntake", "MuelleShipping", "MuelleLabels", "MuelleSFTP",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            "Yams",
        ]),
        // The HTTP listener (Hummingbird): pushes become inbox drops, named tokens, /metrics, /healthz, /readyz. Other
        // parts (the console) add their routes through `HTTPRouteProvider`.
        .target(name: "MuelleHTTP", dependencies: [
            "MuelleCore", "MuelleEngine", "MuelleLedger", "MuelleMapping", "MuelleIntake",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The web console: server-rendered pages (Mustache) on a Hummingbird router, behind a token, forms with CSRF tokens.
        .target(name: "MuelleConsole", dependencies: [
            "MuelleEngine", "MuelleLedger", "MuelleCore", "MuelleHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The fuzz targets' bodies (see `bench/fuzz`), shared by the libFuzzer executables and the regression tests.
        .target(name: "FuzzTargets", dependencies: ["MuelleCore", "MuelleReaders", "MuelleMapping"], path: "Fuzz/FuzzTargets"),
        .executableTarget(name: "muelle", dependencies: [
            "MuelleEngine", "MuelleLedger", "MuelleCore", "MuelleShipping", "MuelleReaders", "MuelleSFTP", "MuelleConsole", "MuelleHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The tests' throwaway PostgreSQL server (initdb + pg_ctl on a free port), shared by the suites that need one.
        .target(name: "PostgresTestCluster", path: "Tests/PostgresTestCluster"),
        .testTarget(name: "MuelleCoreTests", dependencies: ["MuelleCore"]),
        .testTarget(name: "MuelleReadersTests", dependencies: ["MuelleReaders"]),
        .testTarget(name: "MuelleIntakeTests", dependencies: ["MuelleIntake"]),
        .testTarget(name: "MuelleSFTPTests", dependencies: ["MuelleSFTP", "MuelleIntake", "MuelleCore", "MuelleEngine", "MuelleLedger",
                                                      "MuelleLedgerPostgres", "PostgresTestCluster"]),
        .testTarget(name: "MuelleMappingTests", dependencies: ["MuelleMapping"]),
        .testTarget(name: "MuelleShippingTests", dependencies: ["MuelleShipping", "MuelleMapping", "MuelleCore"]),
        .testTarget(name: "MuelleLabelsTests", dependencies: ["MuelleLabels", "MuelleShipping", "MuelleCore"]),
        .testTarget(name: "MuelleLedgerTests", dependencies: ["MuelleLedger", "MuelleLedgerPostgres", "MuelleCore", "PostgresTestCluster", .product(name: "GRDB", package: "GRDB.swift")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "MuelleEngineTests", dependencies: [
            "MuelleEngine", "MuelleLedger", "MuelleLedgerPostgres", "MuelleCore", "MuelleMapping", "PostgresTestCluster", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "MuelleConsoleTests", dependencies: [
            "MuelleConsole", "MuelleEngine", "MuelleCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz executables (libFuzzer), only when `bench/fuzz` builds them with `-sanitize=fuzzer`: libFuzzer supplies
// their `main`, so a plain `swift build` must not see them. Their bodies (`FuzzTargets`) are always built, so
// the saved findings run as regression tests.
if Context.environment["MUELLE_FUZZ"] == "1" {
    package.targets.append(.systemLibrary(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"))
    for name in ["FuzzCSV", "FuzzJSON", "FuzzXML", "FuzzMapping"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["FuzzTargets", "CFuzzDriver"], path: "Fuzz/\(name)"))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
