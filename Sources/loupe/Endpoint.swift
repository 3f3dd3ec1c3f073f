import ArgumentParser

/// `HOST:PORT` from a command-line option, the port 1...65535; `defaultPort` lets the `:PORT`
/// be left out.
func endpoint(_ text: String, option: String, defaultPort: Int? = nil) throws -> (host: String, port: Int) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard !parts.isEmpty, !parts[0].isEmpty, parts.count <= 2 else { throw ValidationError("\(option) must be host:port, got \(text)") }
    guard parts.count == 2 else {
        guard let defaultPort else { throw ValidationError("\(option) must be host:port, got \(text)") }
        return (String(parts[0]), defaultPort)
    }
    guard let port = Int(parts[1]), (1...65535).contains(port) else { throw ValidationError("\(option) must be host:port, got \(text)") }
    return (String(parts[0]), port)
}
