// swift-tools-version:6.0
//
// Loupe — machine-vision quality inspection.
//
// Module graph (dependencies point one way):
//   CImageCodecs (C: libpng, libjpeg-turbo)   LoupeTensor (aligned buffers, tensors, SHA-256)
//        └──────────── LoupeImaging ◄──────────────┤
//                      LoupeKernels (SIMD kernels + scalar twins)
//                      LoupeModel (model file format, validation) ◄── LoupeONNX (ONNX import)
//                      LoupeInference (network compiled from a model, run on kernels)
//                      LoupeInspection (image -> preprocessed tensor -> verdict)   LoupeSynth (synthetic EL cells)
//   loupe (CLI) and loupe-bench only wire these together.
//
// Speed: the SIMD kernels need a target CPU, or the compiler emits SSE2 and no FMA
// (see README "Building for another CPU"). The default is the CPU of the building
// machine; set LOUPE_TARGET_CPU (e.g. `znver4`, `haswell`, `x86-64`) to choose another.
import PackageDescription
import Foundation

let targetCPU = ProcessInfo.processInfo.environment["LOUPE_TARGET_CPU"] ?? "native"
let speed: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", targetCPU, "-enforce-exclusivity=unchecked"]),
    .swiftLanguageMode(.v5),
]
let cSpeed: [CSetting] = [.unsafeFlags(["-O2", "-march=\(targetCPU)"])]

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .executable(name: "loupe-bench", targets: ["LoupeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // BEGIN issue-5 (MES adapter) dependencies
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // END issue-5
    ],
    targets: [
        .target(
            name: "CImageCodecs",
            cSettings: cSpeed,
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        .target(name: "CLoupeSystem"),
        .target(name: "LoupeTensor", dependencies: ["CLoupeSystem"], swiftSettings: speed),
        .target(name: "LoupeKernels", swiftSettings: speed),
        .target(name: "LoupeImaging", dependencies: ["CImageCodecs", "LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeModel", dependencies: ["LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeInference", dependencies: ["LoupeModel", "LoupeKernels", "LoupeTensor"], swiftSettings: speed),
        .target(name: "LoupeInspection", dependencies: ["LoupeImaging", "LoupeInference", "LoupeModel"], swiftSettings: speed),
        .target(name: "LoupeSynth", dependencies: ["LoupeImaging", "LoupeModel"], swiftSettings: speed),
        .target(
            name: "LoupeONNX",
            dependencies: ["LoupeModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: speed
        ),
        // BEGIN issue-3 (training) targets
        // Training: forward/backward pairs with gradient checks (docs/training.md).
        // Labelled image sets: labels CSV or class folders, stratified split, decoded-image cache.
        .target(name: "LoupeDataset", dependencies: ["LoupeImaging", "LoupeModel", "LoupeTensor"], swiftSettings: speed),
        .testTarget(name: "LoupeDatasetTests", dependencies: ["LoupeDataset", "LoupeImaging", "LoupeSynth"], swiftSettings: speed),
        .target(name: "LoupeTraining", dependencies: ["LoupeKernels", "LoupeModel", "LoupeTensor", "LoupeDataset", "LoupeInference", "LoupeImaging"],
                swiftSettings: speed),
        .testTarget(name: "LoupeTrainingTests", dependencies: ["LoupeTraining", "LoupeKernels", "LoupeModel", "CMallocCounter", "LoupeDataset", "LoupeSynth"], swiftSettings: speed),
        // Evaluation: metrics, reject-threshold calibration, HTML report (docs/evaluation.md).
        .target(name: "LoupeEvaluation", dependencies: ["LoupeImaging", "LoupeTensor"], swiftSettings: speed),
        .testTarget(name: "LoupeEvaluationTests", dependencies: ["LoupeEvaluation", "LoupeImaging", "LoupeModel"], swiftSettings: speed),
        // END issue-3
        // BEGIN issue-4 (V4L2 capture) targets
        .target(name: "CV4L2"),
        // Baseline-compiled; its AVX-512 kernel has a function target attribute and runtime dispatch.
        .target(name: "CCaptureKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "LoupeCapture", dependencies: ["CV4L2", "CCaptureKernels", "LoupeImaging", "LoupeTensor", "CImageCodecs"],
                swiftSettings: speed),
        .testTarget(name: "LoupeCaptureTests", dependencies: ["LoupeCapture", "LoupeImaging"], swiftSettings: speed),
        // In-guest check run by scripts/test-vivid.sh inside qemu against the vivid driver.
        .executableTarget(name: "loupe-v4l2-check", dependencies: ["LoupeCapture"], path: "Tests/V4L2Guest/Check", swiftSettings: speed),
        // Host benchmark of frame → network input (make bench-capture).
        .executableTarget(name: "loupe-capture-bench", dependencies: ["LoupeCapture"], path: "Tests/V4L2Guest/Bench", swiftSettings: speed),
        // END issue-4
        // BEGIN issue-5 (MES adapter) targets
        // MES adapter: CMosquitto (libmosquitto) → LoupeMES (result record, GRDB outbox, MQTT link,
        // Modbus TCP reject path, fail-safe) → loupe CLI and loupe-mes-sim (the chaos tests' station).
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .target(
            name: "LoupeMES",
            dependencies: ["CMosquitto", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: speed
        ),
        // Peers the MES tests and bench start (mosquitto, pymodbus) and a stand-in MES subscriber.
        .target(name: "LoupeMESPeers", dependencies: ["LoupeMES"], path: "Tests/MESChaos/Peers", swiftSettings: speed),
        .executableTarget(name: "loupe-mes-sim", dependencies: ["LoupeMES", "LoupeMESPeers"], path: "Tests/MESChaos/StationSim", swiftSettings: speed),
        .testTarget(name: "LoupeMESTests", dependencies: ["LoupeMES", "LoupeMESPeers"], swiftSettings: speed),
        // END issue-5
        .executableTarget(
            name: "loupe",
            dependencies: [
                "LoupeImaging", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeInspection", "LoupeSynth",
                // BEGIN issue-4 loupe dependencies
                "LoupeCapture",
                // END issue-4
                // BEGIN issue-3 loupe dependencies
                "LoupeDataset", "LoupeTraining", "LoupeEvaluation",
                // END issue-3
                // BEGIN issue-5 loupe dependencies
                "LoupeMES",
                // END issue-5
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: speed
        ),
        .executableTarget(
            name: "LoupeBench",
            dependencies: ["LoupeKernels", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeImaging", "LoupeInspection",
                           "LoupeTraining"], // issue-3 speed: `loupe-bench train`
            path: "Benchmarks/LoupeBench",
            swiftSettings: speed
        ),
        // Test-only: counts malloc calls (interposes the allocator in the test executable).
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(name: "LoupeKernelsTests", dependencies: ["LoupeKernels"], swiftSettings: speed),
        .testTarget(name: "LoupeImagingTests", dependencies: ["LoupeImaging"], swiftSettings: speed),
        .testTarget(name: "LoupeModelTests", dependencies: ["LoupeModel"], swiftSettings: speed),
        .testTarget(name: "LoupeInferenceTests", dependencies: ["LoupeInference", "LoupeModel", "LoupeKernels", "LoupeTensor", "CMallocCounter"], swiftSettings: speed),
        .testTarget(name: "LoupeInspectionTests", dependencies: ["LoupeInspection", "LoupeSynth"], swiftSettings: speed),
        .testTarget(name: "LoupeSynthTests", dependencies: ["LoupeSynth"], swiftSettings: speed),
        .testTarget(name: "LoupeONNXTests", dependencies: ["LoupeONNX", "LoupeInference", "LoupeModel"], swiftSettings: speed),
    ]
)
