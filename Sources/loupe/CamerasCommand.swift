import ArgumentParser
import Foundation
import LoupeCapture

struct CamerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cameras",
        abstract: "List V4L2 cameras with their formats, sizes, frame rates and controls.",
        discussion: """
        Without DEVICES, lists every /dev/video* node. Nodes that cannot capture (metadata, \\
        output) are listed with their capabilities only. Formats Loupe can convert to network \\
        input are marked with '*'. Run this first when a camera is mounted.
        """
    )

    @Argument(help: "Device nodes (default: every /dev/video*).")
    var devices: [String] = []

    @Flag(help: "Leave out controls.")
    var noControls = false

    func run() throws {
        let (lines, failures) = CameraListing.lines(nodes: devices.isEmpty ? nil : devices, controls: !noControls)
        lines.forEach { print($0) }
        for failure in failures { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}
