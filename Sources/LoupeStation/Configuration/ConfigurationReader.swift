import Foundation
import Yams

/// Reads a YAML document node by node with its key path, so every error says where it is,
/// what it found and what it expected, and every key not read is an error (a typo in a key
/// must not silently fall back to a default).
struct ConfigurationReader {
    let file: String
    let node: Node?
    let keyPath: String

    /// Parses `yaml`; a syntax error becomes a ``ConfigurationError`` with libyaml's position.
    static func parse(_ yaml: String, file: String) throws -> ConfigurationReader {
        do {
            let root = try Yams.compose(yaml: yaml)
            return ConfigurationReader(file: file, node: root, keyPath: "")
        } catch let error as YamlError {
            throw ConfigurationError(file: file, keyPath: "", found: "invalid YAML (\(error))", expected: "a YAML mapping")
        }
    }

    func fail(_ found: String, expected: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.mark?.line, column: node?.mark?.column, keyPath: keyPath, found: found,
                           expected: expected)
    }

    /// False for a missing key and for YAML's null (`~`, `null`, an empty value).
    var isPresent: Bool {
        guard let node else { return false }
        if case let .scalar(s) = node, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) { return false }
        return true
    }

    private var shown: String {
        switch node {
        case nil: return "nothing"
        case let .scalar(s)?: return "'\(s.string)'"
        case .mapping?: return "a mapping"
        case .sequence?: return "a list"
        case .alias?: return "an alias"
        }
    }

    // MARK: Mappings

    /// The mapping's keys, after checking that every key is one of `allowed`.
    func mapping(allowing allowed: [String]) throws -> ConfigurationReader {
        guard case let .mapping(mapping)? = node else { throw fail(shown, expected: "a mapping with keys \(allowed.joined(separator: ", "))") }
        for key in mapping.keys {
            guard let name = key.string, allowed.contains(name) else {
                let child = ConfigurationReader(file: file, node: key, keyPath: keyPath)
                throw child.fail("unknown key '\(key.string ?? "?")'", expected: "one of \(allowed.joined(separator: ", "))")
            }
        }
        return self
    }

    /// The value under `key` (absent: a reader whose node is nil).
    subscript(key: String) -> ConfigurationReader {
        let child = node?.mapping?[key]
        return ConfigurationReader(file: file, node: child, keyPath: keyPath.isEmpty ? key : keyPath + "." + key)
    }

    /// The elements of a list.
    func list() throws -> [ConfigurationReader] {
        guard case let .sequence(sequence)? = node else { throw fail(shown, expected: "a list") }
        return sequence.enumerated().map { ConfigurationReader(file: file, node: $0.element, keyPath: "\(keyPath)[\($0.offset)]") }
    }

    // MARK: Scalars

    func string() throws -> String {
        guard isPresent else { throw fail("nothing", expected: "a value") }
        guard case let .scalar(s)? = node, !s.string.isEmpty else { throw fail(shown, expected: "a text value") }
        return s.string
    }

    func optionalString() throws -> String? { isPresent ? try string() : nil }

    func double(in range: ClosedRange<Double>, _ what: String) throws -> Double {
        let text = try string()
        guard let value = Double(text), value.isFinite, range.contains(value) else { throw fail("'\(text)'", expected: what) }
        return value
    }

    func optionalDouble(in range: ClosedRange<Double>, _ what: String) throws -> Double? {
        isPresent ? try double(in: range, what) : nil
    }

    func int(in range: ClosedRange<Int>, _ what: String) throws -> Int {
        let text = try string()
        guard let value = Int(text), range.contains(value) else { throw fail("'\(text)'", expected: what) }
        return value
    }

    func optionalInt(in range: ClosedRange<Int>, _ what: String) throws -> Int? { isPresent ? try int(in: range, what) : nil }

    func bool() throws -> Bool {
        let text = try string()
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail("'\(text)'", expected: "true or false")
        }
    }

    func optionalBool() throws -> Bool? { isPresent ? try bool() : nil }

    /// One of `choices` (exact spelling).
    func choice(_ choices: [String]) throws -> String {
        let text = try string()
        guard choices.contains(text) else { throw fail("'\(text)'", expected: "one of \(choices.joined(separator: ", "))") }
        return text
    }

    /// `host:port`, port 1...65535 (0 too with `kernelPicksPort`: any free port, for tests).
    func endpoint(defaultPort: Int, kernelPicksPort: Bool = false) throws -> (host: String, port: Int) {
        let text = try string()
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { throw fail("'\(text)'", expected: "HOST or HOST:PORT") }
        guard parts.count == 2 else { return (String(parts[0]), defaultPort) }
        guard let port = Int(parts[1]), ((kernelPicksPort ? 0 : 1)...65535).contains(port) else {
            throw fail("'\(text)'", expected: "HOST:PORT with a port 1...65535")
        }
        return (String(parts[0]), port)
    }

    /// `WIDTHxHEIGHT`, both positive.
    func size() throws -> (width: Int, height: Int) {
        let text = try string()
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else {
            throw fail("'\(text)'", expected: "WIDTHxHEIGHT, e.g. 640x480")
        }
        return (w, h)
    }
}
