// swift-tools-version:6.0
//
// Loupe — machine-vision quality inspection. Linux only (V4L2 capture, glibc allocator hooks).
//
// Module graph, by layer; dependencies point down only (docs/architecture.md says what each owns):
//
//   executables   loupe (CLI)   loupe-bench   loupe-capture-bench   loupe-mes-bench
//                 loupe-station-bench   loupe-process-bench   loupe-mes-sim   loupe-v4l2-check
//   ─────────────────────────────────────────────────────────────────────────────────────────
//   station       LoupeStation
//   applications  LoupeInspection   LoupeEvaluation   LoupeCapture   LoupeMES   LoupeSynth
//                 LoupeProcess   LoupeLabelling
//   networks      LoupeInference   LoupeTraining   LoupeDataset
//   model         LoupeModel   LoupeONNX
//   compute       LoupeKernels   LoupeImaging
//   foundation    LoupeTensor
//   C shims       CLoupeSystem   CImageCodecs   CV4L2   CCaptureKernels   CGemmKernels   CMosquitto
//                 CLinearAlgebra (LAPACKE + OpenBLAS)   CXGBoost   CCrypto (libcrypto: SHA-256)
//
//   LoupeTensor ........ CLoupeSystem, CCrypto
//   LoupeKernels ....... CGemmKernels, LoupeTensor
//   LoupeImaging ....... CImageCodecs, LoupeTensor
//   LoupeModel ......... LoupeTensor
//   LoupeONNX .......... LoupeModel, SwiftProtobuf
//   LoupeInference ..... LoupeModel, LoupeKernels
//   LoupeDataset ....... LoupeImaging, LoupeModel
//   LoupeTraining ...... LoupeInference, LoupeDataset, LoupeKernels, LoupeImaging, LoupeModel
//   LoupeInspection .... LoupeInference, LoupeImaging, LoupeModel
//   LoupeEvaluation .... LoupeImaging, LoupeModel
//   LoupeCapture ....... CV4L2, CCaptureKernels, LoupeImaging
//   LoupeMES ........... CMosquitto, GRDB, LoupeTensor
//   LoupeSynth ......... LoupeImaging, LoupeTensor
//   LoupeProcess ....... CLinearAlgebra, CXGBoost, LoupeTensor
//   LoupeLabelling ..... LoupeInspection, LoupeTraining, LoupeDataset, LoupeInference, LoupeImaging, LoupeModel
//   LoupeStation ....... LoupeInspection, LoupeCapture, LoupeMES, LoupeModel, LoupeImaging,
//                        Yams, Hummingbird (HTTP API), Prometheus (metrics)
//
//   test support  CMallocCounter   LoupePeers (mosquitto, pymodbus PLC, MES stand-in)
//                 LoupeTestSupport (seeded data, assertClose, temp dirs, allocation counter, peers,
//                                   every kernel variant)
//
// Speed: the Swift SIMD code is compiled for a baseline every plant PC of the last decade has,
// x86-64 with AVX2 and FMA (`haswell`); the register tiles where the ISA matters most exist per
// ISA in C (CGemmKernels, CCaptureKernels) and are chosen at run time from CPUID
// (docs/kernels.md). Set LOUPE_TARGET_CPU to build for another baseline: `x86-64` for SSE-only
// CPUs, `native` for the building machine. Exclusivity checks are off only in the modules that
// host measured hot kernels (`kernelSpeed`); the MES adapter, the reject path and everything
// else keep them.
import PackageDescription
import Foundation

let targetCPU = ProcessInfo.processInfo.environment["LOUPE_TARGET_CPU"] ?? "haswell"
let speed: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU]), .swiftLanguageMode(.v5)]
let kernelSpeed: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU, "-enforce-exclusivity=unchecked"]), .swiftLanguageMode(.v5)]
let cSpeed: [CSetting] = [.unsafeFlags(["-O2", "-march=\(targetCPU)"])]
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Loupe",
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .executable(name: "loupe-bench", targets: ["LoupeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // ── C shims ────────────────────────────────────────────────────────────────────────
        .target(name: "CLoupeSystem"),
        .target(name: "CImageCodecs", cSettings: cSpeed,
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(name: "CV4L2"),
        // Baseline-compiled; its AVX-512 kernels have function target attributes and runtime dispatch.
        .target(name: "CCaptureKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // Per-ISA GEMM tiles (AVX2+FMA, AVX-512) and CPUID checks; baseline-compiled like the above.
        .target(name: "CGemmKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CLinearAlgebra", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),

        // ── foundation: aligned buffers, tensors, operator geometry, the clock, the RNG ──────
        .target(name: "LoupeTensor", dependencies: ["CLoupeSystem", "CCrypto"], swiftSettings: speed),

        // ── compute: SIMD kernels with scalar twins; image codecs and conversions ───────────
        .target(name: "LoupeKernels", dependencies: ["CGemmKernels", "LoupeTensor"], swiftSettings: kernelSpeed),
        .target(name: "LoupeImaging", dependencies: ["CImageCodecs", "LoupeTensor"], swiftSettings: kernelSpeed),

        // ── model: file format, the resolved graph, the verdict rule; ONNX import ───────────
        .target(name: "LoupeModel", dependencies: ["LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeONNX", dependencies: ["LoupeModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                swiftSettings: speed),

        // ── networks: compiled inference, labelled data, training ──────────────────────────
        .target(name: "LoupeInference", dependencies: ["LoupeModel", "LoupeKernels", "LoupeTensor"], swiftSettings: kernelSpeed),
        .target(name: "LoupeDataset", dependencies: ["LoupeImaging", "LoupeModel", "LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeTraining",
                dependencies: ["LoupeInference", "LoupeDataset", "LoupeKernels", "LoupeImaging", "LoupeModel", "LoupeTensor"],
                swiftSettings: kernelSpeed),

        // ── applications: inspection, evaluation, capture, MES, synthetic cells ───────────
        .target(name: "LoupeInspection", dependencies: ["LoupeInference", "LoupeImaging", "LoupeModel", "LoupeTensor"],
                swiftSettings: speed),
        .target(name: "LoupeEvaluation", dependencies: ["LoupeImaging", "LoupeModel", "LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeCapture", dependencies: ["CV4L2", "CCaptureKernels", "LoupeImaging", "LoupeTensor"],
                swiftSettings: kernelSpeed),
        .target(name: "LoupeMES", dependencies: ["CMosquitto", "LoupeTensor", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: speed),
        .target(name: "LoupeSynth", dependencies: ["LoupeImaging", "LoupeTensor"], swiftSettings: speed),
        // Process models: data profiles, key-parameter selection, models, monitoring, set-points.
        .target(name: "LoupeProcess", dependencies: ["CLinearAlgebra", "CXGBoost", "LoupeTensor"], swiftSettings: speed),
        // Batch labelling, label-error search, active learning, the review page and exports.
        .target(name: "LoupeLabelling",
                dependencies: ["LoupeInspection", "LoupeTraining", "LoupeDataset", "LoupeInference", "LoupeImaging", "LoupeModel",
                               "LoupeTensor"],
                swiftSettings: speed),

        // ── station: part tracking and the fail-safe (a pure state machine), configuration ──
        .target(name: "LoupeStation",
                dependencies: ["LoupeInspection", "LoupeCapture", "LoupeMES", "LoupeModel", "LoupeImaging", "LoupeTensor",
                               .product(name: "Yams", package: "Yams"), .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: speed),

        // ── executables: wiring only ───────────────────────────────────────────────────────
        .executableTarget(
            name: "loupe",
            dependencies: ["LoupeImaging", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeInspection", "LoupeSynth",
                           "LoupeCapture", "LoupeDataset", "LoupeTraining", "LoupeEvaluation", "LoupeMES", "LoupeStation", "LoupeProcess",
                           "LoupeLabelling", argumentParser,
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: speed),
        .executableTarget(name: "LoupeBench",
                          dependencies: ["LoupeKernels", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeImaging", "LoupeInspection",
                                         "LoupeTraining", "LoupeTensor"],
                          path: "Benchmarks/LoupeBench", swiftSettings: speed),
        // Frame → network input cost against memcpy (make bench-capture).
        .executableTarget(name: "loupe-capture-bench", dependencies: ["LoupeCapture"], path: "Benchmarks/CaptureBench",
                          swiftSettings: speed),
        // Outbox, PUBACK, reject round trip and chaos measurements (make bench-mes).
        .executableTarget(name: "loupe-mes-bench", dependencies: ["LoupeMES", "LoupePeers"], path: "Benchmarks/MESBench",
                          swiftSettings: speed),
        // Frame → decision → reject at a real PLC, at a line rate (make bench-station).
        .executableTarget(name: "loupe-station-bench", dependencies: ["LoupeStation", "LoupeInspection", "LoupeInference", "LoupeImaging", "LoupeModel", "LoupeMES", "LoupePeers"],
                          path: "Benchmarks/StationBench", swiftSettings: speed),
        // Process models on real data beside numpy, scikit-learn, SciPy and PLS (make bench-process).
        .executableTarget(name: "loupe-process-bench", dependencies: ["LoupeProcess", "LoupeTensor"], path: "Benchmarks/ProcessBench",
                          swiftSettings: speed),
        // The station process the MES chaos tests and bench SIGKILL and restart.
        .executableTarget(name: "loupe-mes-sim", dependencies: ["LoupeMES", "LoupePeers"], path: "Tests/Support/StationSim",
                          swiftSettings: speed),
        // In-guest check run by scripts/test-vivid.sh inside qemu against the vivid driver.
        .executableTarget(name: "loupe-v4l2-check", dependencies: ["LoupeCapture"], path: "Tests/V4L2Guest/Check",
                          swiftSettings: speed),

        // ── test support ───────────────────────────────────────────────────────────────────
        // Counts malloc calls (interposes the allocator in the test executable).
        .target(name: "CMallocCounter", path: "Tests/Support/CMallocCounter"),
        .target(name: "LoupePeers", dependencies: ["LoupeMES", "LoupeTensor"], path: "Tests/Support/Peers",
                exclude: ["mes_plc_peer.py"], swiftSettings: speed),
        .target(name: "LoupeTestSupport", dependencies: ["CMallocCounter", "LoupePeers", "LoupeKernels", "LoupeTensor"],
                path: "Tests/Support/TestSupport", swiftSettings: speed),

        // ── tests ──────────────────────────────────────────────────────────────────────────
        .testTarget(name: "LoupeKernelsTests", dependencies: ["LoupeKernels", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeImagingTests", dependencies: ["LoupeImaging", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeModelTests", dependencies: ["LoupeModel", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeONNXTests", dependencies: ["LoupeONNX", "LoupeInference", "LoupeModel", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeInferenceTests", dependencies: ["LoupeInference", "LoupeModel", "LoupeKernels", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeDatasetTests", dependencies: ["LoupeDataset", "LoupeImaging", "LoupeSynth", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeTrainingTests",
                    dependencies: ["LoupeTraining", "LoupeInference", "LoupeONNX", "LoupeKernels", "LoupeModel", "LoupeDataset", "LoupeSynth",
                                   "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeInspectionTests", dependencies: ["LoupeInspection", "LoupeCapture", "LoupeSynth", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeEvaluationTests", dependencies: ["LoupeEvaluation", "LoupeImaging", "LoupeModel", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeCaptureTests", dependencies: ["LoupeCapture", "LoupeImaging", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeMESTests", dependencies: ["LoupeMES", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeStationTests", dependencies: ["LoupeStation", "LoupeMES", "LoupeCapture", "LoupeInspection", "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeSynthTests", dependencies: ["LoupeSynth", "LoupeTestSupport"], swiftSettings: speed),
        .testTarget(name: "LoupeLabellingTests",
                    dependencies: ["LoupeLabelling", "LoupeDataset", "LoupeTraining", "LoupeModel", "LoupeSynth", "LoupeImaging",
                                   "LoupeTestSupport"],
                    swiftSettings: speed),
        .testTarget(name: "LoupeProcessTests", dependencies: ["LoupeProcess", "LoupeMES", "LoupeTestSupport"], swiftSettings: speed),
        // The package itself: every target in the module graph above, no work-item markers.
        .testTarget(name: "LoupeArchitectureTests", dependencies: ["LoupeTestSupport"], swiftSettings: speed),
    ]
)
