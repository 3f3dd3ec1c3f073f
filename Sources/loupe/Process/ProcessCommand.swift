import ArgumentParser
import Foundation
import LoupeProcess

/// `loupe process …`: the process-engineering toolkit — data reports, key parameters, models,
/// monitoring and set-point recommendations from plant CSV exports.
struct ProcessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process models: data report, key parameters, fit/predict, monitor, recommend set-points.",
        discussion: """
        Start here (docs/process.md walks through each):
          loupe process report plant.csv                          what is in the file; bad cells by line
          loupe process select plant.csv --target steam           the few tags that drive a target
          loupe process fit plant.csv --target PE --inputs AT,V,AP,RH --monotone AT=- --out pe.json [--kind trees|refined]
          loupe process predict pe.json new.csv                   predictions with uncertainty
          loupe process update pe.json recent.csv --forgetting 0.99 --out pe2.json
          loupe process monitor --normal normal.csv --data today.csv
          loupe process recommend pe.json --current AT=20,V=50,AP=1010,RH=70 --maximize --fixed AT,AP,RH --step V=5
          loupe process approve recommendation.json --by "J. Smith"
        Each writes an HTML report (--html) you can open from disk.
        """,
        subcommands: [ProcessReportCommand.self, ProcessSelectCommand.self, ProcessFitCommand.self, ProcessPredictCommand.self,
                      ProcessUpdateCommand.self, ProcessMonitorCommand.self, ProcessRecommendCommand.self, ProcessApproveCommand.self]
    )
}

/// Parsing of the NAME=VALUE lists the process commands take.
enum ProcessArguments {
    /// "A,B , C" → ["A", "B", "C"].
    static func names(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// "A=1.5,B=-2" → ["A": 1.5, "B": -2].
    static func values(_ text: String?, option: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for item in names(text) {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let v = Double(parts[1]) else {
                throw ValidationError("\(option): '\(item)' is not NAME=NUMBER")
            }
            out[parts[0]] = v
        }
        return out
    }

    /// "A=0:40,B=10:" → ranges (an empty side is open).
    static func ranges(_ text: String?, option: String) throws -> [String: (Double?, Double?)] {
        var out: [String: (Double?, Double?)] = [:]
        for item in names(text) {
            let r = try RangeLimit(parsing: item)
            out[r.tag] = (r.low, r.high)
        }
        return out
    }

    /// "A=+,B=decreasing" → monotone constraints.
    static func monotone(_ text: String?) throws -> [String: Monotonicity] {
        var out: [String: Monotonicity] = [:]
        for item in names(text) {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let m = Monotonicity(text: parts[1]) else {
                throw ValidationError("--monotone: '\(item)' is not NAME=+ or NAME=- (or increasing/decreasing)")
            }
            out[parts[0]] = m
        }
        return out
    }

    /// Writes an HTML report and says where.
    static func write(_ report: HTMLReport, to path: String?) throws {
        guard let path else { return }
        try report.write(to: path)
        print("report: \(path)")
    }
}

/// Errors from the process toolkit become one clear line and exit status 1.
func runProcessCommand(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ValidationError { throw e } catch let e as ExitCode { throw e } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct ProcessReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report",
        abstract: "Data report on a CSV: ranges, missing share, bad cells by line and column, constant tags, correlated groups (streams files of any size).")
    @Argument(help: "CSV with a header row (time column, numeric tags; ',' ';' or tab; decimal point or comma).") var data: String
    @Option(help: "HTML report path.") var html: String?
    @Option(help: "Also write the profile as JSON.") var json: String?
    @Option(help: "|r| at which tags form a correlated group.") var groupThreshold = 0.9

    func run() throws {
        try runProcessCommand {
            let profile = try DataProfile.build(path: data, groupThreshold: groupThreshold)
            let bad = profile.tags.reduce(0) { $0 + $1.bad }
            print("\(data): \(profile.rows) rows, \(profile.tags.count) numeric tags\(profile.timeColumn.map { ", time in '\($0)'" } ?? ""), "
                  + "\(bad) bad cell\(bad == 1 ? "" : "s"), \(profile.tags.filter(\.isConstant).count) constant, \(profile.correlatedGroups.count) correlated group\(profile.correlatedGroups.count == 1 ? "" : "s") "
                  + String(format: "(%.2f s, peak memory %.1f MB)", profile.seconds, peakResidentMegabytes()))
            for cell in profile.badCells.prefix(10) { print("  bad cell: \(cell)") }
            if bad > 10 { print("  … \(bad - 10) more bad cells (see the report)") }
            for t in profile.tags where t.count == 0 { print("  empty: \(t.name) has no values") }
            for g in profile.correlatedGroups.prefix(10) { print("  group: \(g.joined(separator: ", "))") }
            if let json {
                var p = profile
                p.correlation = nil
                try OutputFile.writeJSON(p, to: json, nonFinite: true)
            }
            try ProcessArguments.write(DataReportWorkflow.report(profile), to: html)
        }
    }
}

/// This process's peak resident memory so far (VmHWM; unlike getrusage's maximum it does not
/// carry over the launching process's across exec).
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return .nan }
    return kb / 1024
}
