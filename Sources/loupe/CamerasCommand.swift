import ArgumentParser
import Foundation
import LoupeCapture

struct CamerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cameras",
        abstract: "List V4L2 cameras with their formats, sizes, frame rates and controls.",
        discussion: """
        Without DEVICES, lists every /dev/video* node. Nodes that cannot capture (metadata,
        output) are listed with their capabilities only. Formats Loupe can convert to network
        input are marked with '*'. Run this first when a camera is mounted.
        """
    )

    @Argument(help: "Device nodes (default: every /dev/video*).")
    var devices: [String] = []

    @Flag(help: "Leave out controls.")
    var noControls = false

    func run() throws {
        let nodes = devices.isEmpty ? V4L2Camera.deviceNodes() : devices
        if nodes.isEmpty {
            print("no /dev/video* devices (is the camera plugged in and its driver loaded?)")
            return
        }
        var failed = false
        for node in nodes {
            do {
                let (caps, formats, controls) = try V4L2Camera.describe(path: node)
                print("\(node)  \(caps.card)  (driver \(caps.driver), \(caps.busInfo))  [\(caps.capabilityNames)]")
                if !caps.canCapture { print("  not a capture node"); continue }
                for format in formats {
                    let mark = format.pixelFormat.isConvertible ? "*" : " "
                    print("  \(mark) \(format.pixelFormat)  \(format.description)")
                    if format.stepwise, let low = format.sizes.first, let high = format.sizes.last {
                        print("      \(low.width)x\(low.height) ... \(high.width)x\(high.height) (stepwise)")
                        continue
                    }
                    for size in format.sizes {
                        let rates = size.intervals.map(\.description).joined(separator: ", ")
                        print("      \(size.width)x\(size.height)\(rates.isEmpty ? "" : "  " + rates)")
                    }
                }
                if !noControls {
                    print("  controls:")
                    for control in controls {
                        var line = "    \(control.key.padding(toLength: 32, withPad: " ", startingAt: 0)) \(control.type)"
                        if control.type != "button" { line += "  \(control.minimum)...\(control.maximum) step \(control.step) default \(control.defaultValue)" }
                        if let value = control.value { line += "  value \(value)" }
                        if control.readOnly { line += "  (read-only)" }
                        if control.inactive { line += "  (inactive)" }
                        print(line)
                        if !control.menu.isEmpty { print("      " + control.menu.map { "\($0.index): \($0.name)" }.joined(separator: ", ")) }
                    }
                }
            } catch {
                failed = true
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        if failed { throw ExitCode(1) }
    }
}
