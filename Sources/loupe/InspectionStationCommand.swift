import ArgumentParser
import Foundation
import LoupeStation

struct InspectionStationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station",
        abstract: "The camera station: check a station.yaml (the daemon itself is not built yet).",
        discussion: """
        The configuration format, with one example per frame source, is in docs/station.md and \\
        docs/examples/station-*.yaml.
        """,
        subcommands: [StationCheckConfigCommand.self]
    )
}

struct StationCheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a station configuration and everything it names (models, folders, cameras).",
        discussion: """
        Exits 0 and prints a summary when the configuration is usable; otherwise prints one error \\
        naming the file, line, key path, what was found and what was expected, and exits 2. \\
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
