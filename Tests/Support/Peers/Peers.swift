import Foundation
import LoupeMES
#if canImport(Glibc)
import Glibc
#endif
import LoupeTensor

/// Peers for the MES tests and the bench, all on 127.0.0.1 with free ports: a real `mosquitto`
/// broker, a real Modbus TCP server (pymodbus) and a stand-in MES that subscribes to results.
public enum PeerError: Error, CustomStringConvertible {
    case missing(String)
    case notReady(String)
    public var description: String {
        switch self {
        case let .missing(s): return "peer missing: \(s)"
        case let .notReady(s): return "peer not ready: \(s)"
        }
    }
}

/// Binds TCP socket `fd` to 127.0.0.1 on a port the kernel picks, and returns that port.
public func bindLoopback(_ fd: Int32) -> Int {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A TCP port that was free a moment ago.
public func freePort() -> Int {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(s) }
    return bindLoopback(s)
}

/// Starts `executable` with `arguments` (in `directory`, if given), its output discarded.
public func launchQuietly(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Starts `executable` (output discarded) and waits until it accepts connections on 127.0.0.1:`port`.
/// - Throws: ``PeerError/notReady(_:)`` (after killing it) when it does not listen within `timeout` seconds.
public func startListening(_ executable: String, _ arguments: [String], port: Int, timeout: Double, name: String) throws -> Process {
    let process = try launchQuietly(executable, arguments)
    guard waitListening(port: port, timeout: timeout) else {
        Glibc.kill(process.processIdentifier, SIGKILL)
        throw PeerError.notReady("\(name) on port \(port)")
    }
    return process
}

/// True once something accepts TCP connections on 127.0.0.1:port.
public func waitListening(port: Int, timeout: Double) -> Bool {
    let until = MonotonicClock.seconds() + timeout
    while MonotonicClock.seconds() < until {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        close(s)
        if rc == 0 { return true }
        usleep(5_000)
    }
    return false
}

/// A `mosquitto` broker with persistence in its own folder; can be killed and restarted on the same port.
public final class MosquittoPeer {
    public let port: Int
    public let dir: String
    public private(set) var process: Process?
    public static let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// CA certificate clients must trust when the broker was started with `tls: true`.
    public var caFile: String { dir + "/ca.crt" }

    /// Started as root, mosquitto drops to user `mosquitto`, which cannot read our files: stay who we are.
    static var userName: String { getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root" }

    /// - Parameters:
    ///   - users: when given, anonymous login is refused and only these user/password pairs are accepted.
    ///   - tls: listen with TLS only, with a throw-away CA and a server certificate for 127.0.0.1 (openssl).
    public init(users: [String: String]? = nil, tls: Bool = false) throws {
        guard Self.binary != nil else { throw PeerError.missing("mosquitto (apt-get install mosquitto)") }
        port = freePort()
        dir = NSTemporaryDirectory() + "loupe-mosquitto-\(getpid())-\(port)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var conf = """
            listener \(port) 127.0.0.1
            persistence true
            persistence_location \(dir)/
            autosave_interval 1
            max_queued_messages 100000
            max_inflight_messages 0
            set_tcp_nodelay true
            log_dest file \(dir)/mosquitto.log
            user \(Self.userName)

            """
        if tls {
            try Self.makeCertificates(in: dir)
            conf += "cafile \(dir)/ca.crt\ncertfile \(dir)/server.crt\nkeyfile \(dir)/server.key\n"
        }
        if let users {
            guard let passwd = ["/usr/bin/mosquitto_passwd", "/usr/sbin/mosquitto_passwd"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw PeerError.missing("mosquitto_passwd")
            }
            let file = dir + "/passwd"
            FileManager.default.createFile(atPath: file, contents: Data())
            for (u, p) in users {
                let proc = Process()
                proc.executableURL = URL(fileURLWithPath: passwd)
                proc.arguments = ["-b", file, u, p]
                try proc.run(); proc.waitUntilExit()
            }
            conf += "allow_anonymous false\npassword_file \(file)\n"
        } else {
            conf += "allow_anonymous true\n"
        }
        try conf.write(toFile: dir + "/mosquitto.conf", atomically: true, encoding: .utf8)
        try start()
    }

    static func makeCertificates(in dir: String) throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw PeerError.missing("openssl (to make the TLS test certificates)")
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: dir + "/san.ext", atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=loupe-test-ca", "-keyout", "ca.key", "-out", "ca.crt"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", "server.crt", "-extfile", "san.ext"],
        ]
        for args in steps {
            let p = try launchQuietly(openssl, args, in: dir)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw PeerError.notReady("openssl \(args.prefix(2).joined(separator: " ")) failed (\(p.terminationStatus))") }
        }
    }

    public func start() throws {
        process = try startListening(Self.binary!, ["-c", dir + "/mosquitto.conf"], port: port, timeout: 5,
                                     name: "mosquitto (log: \(dir)/mosquitto.log)")
    }

    /// SIGKILL (no chance to save state) or SIGTERM, then wait for the exit.
    public func stop(kill: Bool = true) {
        guard let p = process, p.isRunning else { process = nil; return }
        Glibc.kill(p.processIdentifier, kill ? SIGKILL : SIGTERM)
        p.waitUntilExit()
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A Modbus TCP server (pymodbus in the test venv) standing in for the PLC.
public final class PLCPeer {
    public let port: Int
    public let process: Process

    /// The venv python: $LOUPE_TEST_PYTHON, else <repo>/.venv-test/bin/python.
    public static func python(repo: String) -> String? {
        let p = ProcessInfo.processInfo.environment["LOUPE_TEST_PYTHON"] ?? repo + "/.venv-test/bin/python"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    public init(repo: String) throws {
        guard let python = Self.python(repo: repo) else {
            let tried = ProcessInfo.processInfo.environment["LOUPE_TEST_PYTHON"] ?? "\(repo)/.venv-test/bin/python"
            throw PeerError.missing("\(tried) (python with pymodbus) — run scripts/setup-test-venv.sh")
        }
        port = freePort()
        process = try startListening(python, [repo + "/Tests/Support/Peers/mes_plc_peer.py", String(port)], port: port,
                                     timeout: 15, name: "pymodbus peer")
    }

    /// Freezes the PLC (SIGSTOP): connections stay open, nothing answers.
    public func freeze() { Glibc.kill(process.processIdentifier, SIGSTOP) }
    public func thaw() { Glibc.kill(process.processIdentifier, SIGCONT) }

    deinit {
        Glibc.kill(process.processIdentifier, SIGCONT)
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A stand-in MES: a persistent-session subscriber that records every result id it receives
/// (counting duplicates) and, in `ackResults` mode, acknowledges each on the station's ack topic.
public final class MESSubscriber: @unchecked Sendable {
    public let link: MQTTLink
    private let topics: MESPublisher.Topics
    private let ackResults: Bool
    private let lock = NSLock()
    private var seen: [String: Int] = [:]
    private var replayedIds: Set<String> = []
    private var other: [(String, Data)] = []
    public var onResult: ((ResultRecord) -> Void)?

    private let ackDelay: Double

    /// - Parameter ackDelay: seconds between receiving a result and acknowledging it — a slow MES,
    ///   so that a crash or a broker kill always finds results unacknowledged.
    public init(port: Int, topics: MESPublisher.Topics, clientId: String = "mes-sim", ackResults: Bool, ackDelay: Double = 0) throws {
        self.topics = topics
        self.ackResults = ackResults
        self.ackDelay = ackDelay
        var o = MQTTLink.Options(port: port, clientId: clientId)
        o.reconnectMinS = 0.25
        o.reconnectMaxS = 2
        link = try MQTTLink(options: o)
        link.onConnect = { [weak self] rc in
            guard rc == 0, let self else { return }
            try? self.link.subscribe(topics.results)
            try? self.link.subscribe(topics.commandAcks)
            try? self.link.subscribe(topics.state)
        }
        link.onMessage = { [weak self] topic, payload in self?.received(topic, payload) }
        try link.start()
    }

    private func received(_ topic: String, _ payload: Data) {
        guard topic == topics.results else { lock.lock(); other.append((topic, payload)); lock.unlock(); return }
        guard let r = try? ResultRecord.decode(payload, source: topic) else { return }
        lock.lock()
        seen[r.resultId, default: 0] += 1
        if r.replayed { replayedIds.insert(r.resultId) }
        lock.unlock()
        onResult?(r)
        if ackResults {
            let ack = Data(#"{"resultIds":["\#(r.resultId)"]}"#.utf8)
            if ackDelay > 0 {
                DispatchQueue.global().asyncAfter(deadline: .now() + ackDelay) { [weak self] in
                    guard let self else { return }
                    _ = self.link.publish(topic: self.topics.resultAcks, payload: ack)
                }
            } else {
                _ = link.publish(topic: topics.resultAcks, payload: ack)
            }
        }
    }

    /// Distinct result ids received.
    public var distinct: Int { lock.lock(); defer { lock.unlock() }; return seen.count }
    /// Deliveries beyond the first, summed over ids.
    public var duplicates: Int { lock.lock(); defer { lock.unlock() }; return seen.values.reduce(0) { $0 + $1 - 1 } }
    public var ids: Set<String> { lock.lock(); defer { lock.unlock() }; return Set(seen.keys) }
    public var replayed: Set<String> { lock.lock(); defer { lock.unlock() }; return replayedIds }
    /// Messages on other topics (state, command acks), in arrival order.
    public var messages: [(String, Data)] { lock.lock(); defer { lock.unlock() }; return other }

    /// Waits until `count` distinct ids arrived; true if they did.
    public func wait(distinct count: Int, timeout: Double) -> Bool {
        let until = MonotonicClock.seconds() + timeout
        while MonotonicClock.seconds() < until { if distinct >= count { return true }; usleep(10_000) }
        return distinct >= count
    }

    public func waitMessage(topic: String, timeout: Double, where match: (Data) -> Bool = { _ in true }) -> Data? {
        let until = MonotonicClock.seconds() + timeout
        while MonotonicClock.seconds() < until {
            if let m = messages.last(where: { $0.0 == topic && match($0.1) }) { return m.1 }
            usleep(10_000)
        }
        return nil
    }

    public func stop() { link.stop() }
}

/// A real Prometheus server (Debian's `prometheus`) on 127.0.0.1 scraping `targets` every
/// second, with its own data folder; stopped (SIGKILL) when released.
public final class PrometheusPeer {
    public let port: Int
    public let dir: String
    private let process: Process
    public static let binary = ["/usr/bin/prometheus", "/usr/sbin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }

    public init(targets: [String]) throws {
        guard let binary = Self.binary else { throw PeerError.missing("prometheus (Debian package `prometheus`) — `make test` installs it") }
        port = freePort()
        dir = NSTemporaryDirectory() + "loupe-prometheus-\(getpid())-\(port)"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let config = """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
        scrape_configs:
          - job_name: loupe
            static_configs:
              - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
        """
        try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        process = try startListening(binary, ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                                              "--web.listen-address=127.0.0.1:\(port)", "--log.level=error"],
                                     port: port, timeout: 20, name: "prometheus")
    }

    deinit {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
