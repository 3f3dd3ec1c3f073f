import Foundation
import LoupeDataset

/// The two forms of a labels file, chosen by its extension: JSON Lines (`.jsonl`, one object per
/// image, every field) or CSV (`.csv`, one row per image, a header, RFC 4180 quoting; the
/// probabilities as one `p_<class>` column each).
public enum LabelsFileFormat: String, Sendable {
    case jsonl, csv

    /// - Throws: ``LabellingError/unsupportedLabelsFile(path:)`` for any other extension.
    public init(path: String) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "jsonl", "ndjson": self = .jsonl
        case "csv": self = .csv
        default: throw LabellingError.unsupportedLabelsFile(path: path)
        }
    }

    /// The CSV header for a model's classes.
    static func csvHeader(classes: [String]) -> [String] {
        ["path", "sha256", "verdict", "score", "class"] + classes.map { "p_" + $0 }
            + ["model", "threshold", "time", "group", "heatmap", "label", "label_source", "reviewer", "reviewed_at",
               "review_action", "review_model", "review_model_class", "previous_label", "suspicion", "error_rank", "suspected_error"]
    }

    /// One record as the text of one line (with its newline).
    func line(_ r: LabelRecord) -> String {
        switch self {
        case .jsonl: return JSONLine.encode(r)
        case .csv:
            let review = r.review
            var fields: [String] = [r.path, r.sha256, r.verdict, "\(r.score)", r.className]
            fields += r.probabilities.map { "\($0.value)" }
            fields += [r.model, "\(r.threshold)", r.time, r.group ?? "", r.heatmap ?? "", r.label ?? "", r.labelSource?.rawValue ?? ""]
            fields += [review?.reviewer ?? "", review?.at ?? "", review?.action ?? "", review?.model ?? "", review?.modelClass ?? "",
                       review?.previousLabel ?? ""]
            let suspicion: String = r.suspicion.map { "\($0)" } ?? ""
            let rank: String = r.errorRank.map { "\($0)" } ?? ""
            let suspected: String = r.suspectedError.map { $0 ? "true" : "false" } ?? ""
            fields += [suspicion, rank, suspected]
            return CSVText.line(fields)
        }
    }
}

/// A labels record as one JSON object on one line, fields in a fixed order (probabilities in the
/// model's class order), so two runs that label alike write the same bytes.
enum JSONLine {
    static func encode(_ r: LabelRecord) -> String {
        var s = "{"
        func key(_ k: String) { if s.count > 1 { s += "," }; s += string(k) + ":" }
        key("path"); s += string(r.path)
        key("sha256"); s += string(r.sha256)
        key("verdict"); s += string(r.verdict)
        key("score"); s += "\(r.score)"
        key("class"); s += string(r.className)
        key("probabilities"); s += "{" + r.probabilities.map { string($0.name) + ":\($0.value)" }.joined(separator: ",") + "}"
        key("model"); s += string(r.model)
        key("threshold"); s += "\(r.threshold)"
        key("time"); s += string(r.time)
        if let g = r.group { key("group"); s += string(g) }
        if let h = r.heatmap { key("heatmap"); s += string(h) }
        if let l = r.label { key("label"); s += string(l) }
        if let ls = r.labelSource { key("labelSource"); s += string(ls.rawValue) }
        if let v = r.review {
            key("review")
            s += "{\"reviewer\":\(string(v.reviewer)),\"at\":\(string(v.at)),\"action\":\(string(v.action)),\"model\":\(string(v.model))"
            if let m = v.modelClass { s += ",\"modelClass\":" + string(m) }
            if let p = v.previousLabel { s += ",\"previousLabel\":" + string(p) }
            s += "}"
        }
        if let x = r.suspicion { key("suspicion"); s += "\(x)" }
        if let x = r.errorRank { key("errorRank"); s += "\(x)" }
        if let x = r.suspectedError { key("suspectedError"); s += x ? "true" : "false" }
        return s + "}\n"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; other
    /// characters (non-ASCII names) as UTF-8.
    static func string(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Parses one line. - Throws: a reason (the caller adds file and line).
    static func decode(_ line: Substring) throws -> LabelRecord {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw LineProblem("not a JSON object")
        }
        func text(_ k: String) throws -> String {
            guard let v = object[k] as? String else { throw LineProblem("field '\(k)' is missing or not text") }
            return v
        }
        func number(_ k: String) throws -> Double {
            guard let v = object[k] as? NSNumber else { throw LineProblem("field '\(k)' is missing or not a number") }
            return v.doubleValue
        }
        guard let probs = object["probabilities"] as? [String: Any] else { throw LineProblem("field 'probabilities' is missing or not an object") }
        let names = LabeledDataset.orderedClasses(Set(probs.keys))
        let probabilities: [(name: String, value: Float)] = try names.map {
            guard let v = probs[$0] as? NSNumber else { throw LineProblem("probability of '\($0)' is not a number") }
            return ($0, v.floatValue)
        }
        var r = LabelRecord(path: try text("path"), sha256: try text("sha256"), verdict: try text("verdict"), score: Float(try number("score")),
                            className: try text("class"), probabilities: probabilities, model: try text("model"),
                            threshold: Float(try number("threshold")), time: try text("time"),
                            group: object["group"] as? String, heatmap: object["heatmap"] as? String)
        r.label = object["label"] as? String
        if let s = object["labelSource"] as? String {
            guard let source = LabelRecord.LabelSource(rawValue: s) else { throw LineProblem("labelSource '\(s)' is not given or human") }
            r.labelSource = source
        }
        if let v = object["review"] as? [String: Any] {
            guard let reviewer = v["reviewer"] as? String, let at = v["at"] as? String, let action = v["action"] as? String,
                  let model = v["model"] as? String else { throw LineProblem("review needs reviewer, at, action and model") }
            r.review = .init(reviewer: reviewer, at: at, action: action, model: model, modelClass: v["modelClass"] as? String,
                             previousLabel: v["previousLabel"] as? String)
        }
        r.suspicion = (object["suspicion"] as? NSNumber)?.doubleValue
        r.errorRank = (object["errorRank"] as? NSNumber)?.intValue
        r.suspectedError = object["suspectedError"] as? Bool
        return r
    }
}

/// What is wrong with one line of a labels file (the reader adds the file and line number).
struct LineProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
