import Foundation
import Logging
import LoupeMES

/// The station's log through swift-log: one event per line on stderr (the journal under
/// systemd), as logfmt — `ts=… level=warning logger=loupe.station station=line-3 msg="alarm: …"` —
/// or, with `LOUPE_LOG_FORMAT=json`, as one JSON object per line; on a terminal (and with
/// `LOUPE_LOG_FORMAT=text`), as plain lines for a person. Alarms are warnings, changes and
/// reloads notices, the rest info.
enum StationLogging {
    static func logger(station: String) -> Logger {
        let format: LineLogHandler.Format
        switch ProcessInfo.processInfo.environment["LOUPE_LOG_FORMAT"] {
        case "json": format = .json
        case "logfmt": format = .logfmt
        case "text": format = .text
        default: format = isatty(STDERR_FILENO) != 0 ? .text : .logfmt
        }
        var logger = Logger(label: "loupe.station") { label in LineLogHandler(label: label, format: format) }
        logger[metadataKey: "station"] = .string(station)
        return logger
    }

    /// The station runner's log sink, sorting its lines into levels.
    static func sink(_ logger: Logger) -> @Sendable (String) -> Void {
        { line in
            if line.hasPrefix("alarm: ") {
                logger.warning("\(line)")
            } else if line.hasPrefix("change: ") || line.hasPrefix("reload") {
                logger.notice("\(line)")
            } else {
                logger.info("\(line)")
            }
        }
    }
}

/// One line per event, logfmt, JSON or plain text, to stderr.
struct LineLogHandler: LogHandler {
    enum Format { case logfmt, json, text }
    let label: String
    let format: Format
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        if format == .text {
            FileHandle.standardError.write(Data(((level >= .warning ? "\(level): " : "") + message.description + "\n").utf8))
            return
        }
        var fields: [(String, String)] = [("ts", ResultRecord.iso8601(Date())), ("level", level.rawValue), ("logger", label)]
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            fields.append((key, "\(value)"))
        }
        fields.append(("msg", message.description))
        let text: String
        if format == .json {
            let object = Dictionary(fields, uniquingKeysWith: { $1 })
            text = (try? String(decoding: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)) ?? "{}"
        } else {
            text = fields.map { key, value in
                value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || value.isEmpty
                    ? "\(key)=\"\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
                    : "\(key)=\(value)"
            }.joined(separator: " ")
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
