import Foundation
import LoupeImaging
import LoupeSynth
import XCTest

/// Entry points that write files on request, skipped otherwise (until `loupe synth` exists):
///
///     LOUPE_SYNTH_SAMPLES_DIR=Images/samples swift test --filter LoupeSynthTests.SampleWriter
///     LOUPE_SYNTH_SHEET=/tmp/sheet.png swift test --filter LoupeSynthTests.SampleWriter
final class SampleWriter: XCTestCase {
    /// Regenerates the bundled demo samples (``SynthDataset/demoSamples``) into the given folder.
    func testWriteDemoSamples() throws {
        guard let directory = ProcessInfo.processInfo.environment["LOUPE_SYNTH_SAMPLES_DIR"] else {
            throw XCTSkip("set LOUPE_SYNTH_SAMPLES_DIR to write the demo samples")
        }
        let entries = try SynthDataset.demoSamples.write(to: directory)
        print("wrote \(entries.count) cells and labels.csv to \(directory)")
    }

    /// Writes the demo samples side by side at half size (6 x 4) into one PNG, for eyeballing.
    func testWriteContactSheet() throws {
        guard let path = ProcessInfo.processInfo.environment["LOUPE_SYNTH_SHEET"] else {
            throw XCTSkip("set LOUPE_SYNTH_SHEET to write a contact sheet")
        }
        var dataset = SynthDataset.demoSamples
        if let seed = ProcessInfo.processInfo.environment["LOUPE_SYNTH_SHEET_SEED"].flatMap(UInt64.init) { dataset.seed = seed }
        let fullSize = ProcessInfo.processInfo.environment["LOUPE_SYNTH_SHEET_FULL"] != nil
        let first = ProcessInfo.processInfo.environment["LOUPE_SYNTH_SHEET_FROM"].flatMap(Int.init) ?? 0
        let entries = Array(dataset.plan().dropFirst(first).prefix(fullSize ? 6 : 24))
        let tile = fullSize ? dataset.size : dataset.size / 2, columns = fullSize ? 3 : 6
        let rows = (entries.count + columns - 1) / columns
        let sheetWidth = columns * (tile + 4), sheetHeight = rows * (tile + 4)
        var sheet = [UInt8](repeating: 255, count: sheetWidth * sheetHeight)
        for (k, entry) in entries.enumerated() {
            let cell = dataset.cell(for: entry)
            let ox = (k % columns) * (tile + 4), oy = (k / columns) * (tile + 4)
            let step = cell.width / tile
            for y in 0..<tile {
                for x in 0..<tile {
                    var sum = 0
                    for dy in 0..<step { for dx in 0..<step { sum += Int(cell.pixels[(y * step + dy) * cell.width + x * step + dx]) } }
                    sheet[(oy + y) * sheetWidth + ox + x] = UInt8(sum / (step * step))
                }
            }
            print(entry.csvRow)
        }
        try ImageEncoder.writePNG(try Image(width: sheetWidth, height: sheetHeight, channels: 1, pixels: sheet), to: path)
    }
}

/// Prints generation time per cell; meaningful only in release (`swift test -c release`):
///
///     LOUPE_SYNTH_TIMING=1 swift test -c release --filter LoupeSynthTests.SynthTiming
final class SynthTiming: XCTestCase {
    func testPrintGenerationTime() throws {
        guard ProcessInfo.processInfo.environment["LOUPE_SYNTH_TIMING"] != nil else {
            throw XCTSkip("set LOUPE_SYNTH_TIMING to time the generator")
        }
        let synth = CellSynthesizer(seed: 1)
        for (kind, defects) in [(CellType.mono, [DefectKind]()), (.poly, []), (.mono, [.crack, .inactiveArea]),
                                (.poly, [.crack, .fingerInterruption, .materialDefect])] {
            let count = 40
            let start = DispatchTime.now().uptimeNanoseconds
            var checksum = 0
            for index in 0..<count { checksum &+= Int(synth.make(index: index, kind: kind, defects: defects).pixels[45_150]) }
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count)
            print("300x300 \(kind) \(defects.map(\.rawValue)): \(String(format: "%.2f", milliseconds)) ms/cell (checksum \(checksum))")
        }
    }
}
