import Foundation
import LoupeTraining

/// Renders ``TrainingEvent``s: on a terminal one self-updating line per epoch
/// (`epoch 3/30 [######------] 40/61  loss 0.412  val acc 0.873  38 img/s  ETA 4:12`, validation
/// accuracy of the previous epoch) plus a summary line per
/// epoch; otherwise only the summary lines (logs stay readable).
final class ProgressBar {
    let interactive: Bool
    private var lastDraw = 0.0
    /// The previous epoch's validation accuracy, shown on the live line.
    private var validationAccuracy: Double?

    init(interactive: Bool) { self.interactive = interactive }

    func show(_ event: TrainingEvent) {
        switch event {
        case let .step(epoch, epochs, step, steps, loss, rate, eta):
            guard interactive else { return }
            let now = Date().timeIntervalSince1970
            if step != steps && now - lastDraw < 0.2 { return }
            lastDraw = now
            let bar = Self.bar(step, of: steps, width: 24)
            let val = validationAccuracy.map { "val acc \(String(format: "%.3f", $0))  " } ?? ""
            write("\r\u{1B}[2Kepoch \(epoch)/\(epochs) [\(bar)] \(step)/\(steps)  loss \(String(format: "%.4f", loss))  \(val)"
                  + "\(String(format: "%.1f", rate)) img/s  ETA \(Self.clock(eta))")
        case let .epoch(r, epochs, isBest):
            validationAccuracy = r.validationAccuracy
            if interactive { write("\r\u{1B}[2K") }
            var line = "epoch \(r.epoch)/\(epochs)  loss \(String(format: "%.4f", r.trainLoss))  train acc \(String(format: "%.3f", r.trainAccuracy))"
            if let l = r.validationLoss, let a = r.validationAccuracy, let b = r.validationBinaryAccuracy {
                line += "  val loss \(String(format: "%.4f", l))  val acc \(String(format: "%.3f", a))  val good/defective \(String(format: "%.3f", b))"
            }
            line += "  lr \(String(format: "%.2e", r.learningRate))  \(String(format: "%.1f", r.imagesPerSecond)) img/s  \(String(format: "%.0f", r.seconds)) s"
            write(line + (isBest ? "  *" : "") + "\n")
        case let .resumed(epoch):
            write("resumed after epoch \(epoch)\n")
        case let .stoppedEarly(epoch, best):
            write("early stop after epoch \(epoch): validation loss has not improved since epoch \(best)\n")
        }
    }

    func finish() { if interactive { write("\r\u{1B}[2K") } }

    /// `#########---------------`: `done` of `total` as `width` characters.
    static func bar(_ done: Int, of total: Int, width: Int) -> String {
        let filled = total > 0 ? width * min(done, total) / total : 0
        return String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
