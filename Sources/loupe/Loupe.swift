import ArgumentParser

@main
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Machine-vision quality inspection: decide good or defective for every part, on the CPU.",
        discussion: """
        Start here:
          loupe predict Images/samples          classify the bundled sample images
          loupe predict part.png --json         the same, as JSON for machines
          loupe model info Models/ElpvNet-ref   what a model is made of
          loupe train DATA --out DIR            teach a model from labelled images
          loupe eval DATA --model DIR           accuracy, escape rate, overkill, report
          loupe label FOLDER --out labels.jsonl label a folder of images (resumable)
          loupe review labels.jsonl --page r.html  review and correct labels by keyboard
          loupe import-onnx net.onnx --out DIR  bring a model trained in PyTorch
          loupe cameras                         the cameras attached, their modes
          loupe station --config station.yaml   run an inspection station
          loupe process --help                  process models: key parameters, predict, monitor, set-points

        Every command has its own --help.
        """,
        subcommands: [
            PredictCommand.self, ModelCommand.self, ImportONNXCommand.self, SynthCommand.self,
            TrainCommand.self, EvalCommand.self, LabelCommand.self, ReviewCommand.self,
            CamerasCommand.self, CaptureCommand.self,
            MESCommand.self, ResultsCommand.self,
            InspectionStationCommand.self,
            ProcessCommand.self,
        ]
    )
}
