import ArgumentParser
import Foundation
import LoupeModel
import LoupeStation

struct InspectionStationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station",
        abstract: "The camera station: inspect every part, report it, reject the bad and the undecided.",
        discussion: """
        Runs until SIGINT/SIGTERM, --parts, or the end of a replayed folder; SIGHUP reloads the \
        configuration (models, thresholds, bands). Each part is decided by the model or, when it cannot be decided in time, \
        rejected by the fail-safe; its result goes to the local outbox (and on to the MES over MQTT \
        when configured) and a reject to the PLC (when configured). At the end: parts, verdicts, \
        rejects by reason, and frame → decision latency. `loupe station check-config` validates a \
        configuration; the format, with one example per frame source, is in docs/station.md.
        Example:
          loupe station --config docs/examples/station-folder.yaml
        """,
        subcommands: [StationRunCommand.self, StationCheckConfigCommand.self],
        defaultSubcommand: StationRunCommand.self
    )
}

/// `loupe station [run] --config station.yaml`: the station itself (the default subcommand).
struct StationRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the station (the default: `loupe station --config station.yaml`)."
    )

    @Option(name: .shortAndLong, help: "The station configuration (YAML).") var config: String
    @Option(help: "Stop after this many parts per inspection point.") var parts: Int?
    @Option(help: "Inference threads per inspection point.") var threads: Int = 2

    func validate() throws {
        if let parts, parts < 1 { throw ValidationError("--parts must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let station: StationConfiguration
        let models: [String: Model]
        do {
            station = try StationConfiguration.load(contentsOf: config)
            models = try station.checkResources(file: config)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let log = StationLogging.sink(StationLogging.logger(station: station.name))
        let runner = try StationRunner(configuration: station, models: models, inferenceThreads: threads, configurationFile: config, log: log)
        for line in StationSummary.lines(station) { log(line) }
        StopSignal.install(reload: true)
        let summary = try runner.run(maxParts: parts, shouldReload: { StopSignal.takeReloadRequest() }, shouldStop: { StopSignal.requested })
        print("station \(station.name): " + summary.lines.joined(separator: "\n"))
        print("results: loupe results --db \(station.outbox)")
    }
}

struct StationCheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a station configuration and everything it names (models, folders, cameras).",
        discussion: """
        Exits 0 and prints a summary when the configuration is usable; otherwise prints one error \
        naming the file, line, key path, what was found and what was expected, and exits 2. \
        Secrets are shown only by where they come from.
        Example:
          loupe station check-config --config docs/examples/station-folder.yaml
        """
    )

    @Option(name: .shortAndLong, help: "The station configuration (YAML).") var config: String
    @Flag(help: "Check the file only, not the models, folders and cameras it names.") var syntaxOnly = false

    func run() throws {
        do {
            let station = try StationConfiguration.load(contentsOf: config)
            var models: [String: String] = [:]
            if !syntaxOnly {
                for (name, model) in try station.checkResources(file: config) {
                    models[name] = "\(model.spec.name), \(model.spec.classes.count) classes, threshold \(model.spec.threshold)"
                }
            }
            print(StationSummary.lines(station, models: models).joined(separator: "\n"))
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
