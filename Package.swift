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
        // BEGIN issue-4 (V4L2 capture) targets
        // END issue-4
        // BEGIN issue-5 (MES adapter) targets
        // END issue-5
        .executableTarget(
            name: "loupe",
            dependencies: [
                "LoupeImaging", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeInspection", "LoupeSynth",
                // BEGIN issue-4 loupe dependencies
                // END issue-4
                // BEGIN issue-5 loupe dependencies
                // END issue-5
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: speed
        ),
        .executableTarget(
            name: "LoupeBench",
            dependencies: ["LoupeKernels", "LoupeModel", "LoupeInference", "LoupeONNX", "LoupeImaging", "LoupeInspection"],
            path: "Benchmarks/LoupeBench",
            swiftSettings: speed
        ),
        .testTarget(name: "LoupeKernelsTests", dependencies: ["LoupeKernels"], swiftSettings: speed),
        .testTarget(name: "LoupeImagingTests", dependencies: ["LoupeImaging"], swiftSettings: speed),
        .testTarget(name: "LoupeModelTests", dependencies: ["LoupeModel"], swiftSettings: speed),
        .testTarget(name: "LoupeInferenceTests", dependencies: ["LoupeInference", "LoupeModel", "LoupeKernels", "LoupeTensor"], swiftSettings: speed),
        .testTarget(name: "LoupeInspectionTests", dependencies: ["LoupeInspection", "LoupeSynth"], swiftSettings: speed),
        .testTarget(name: "LoupeSynthTests", dependencies: ["LoupeSynth"], swiftSettings: speed),
        .testTarget(name: "LoupeONNXTests", dependencies: ["LoupeONNX", "LoupeInference", "LoupeModel"], swiftSettings: speed),
    ]
)
