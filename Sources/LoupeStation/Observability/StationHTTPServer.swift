import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The station's HTTP endpoints (Hummingbird), started with the station and stopped with it:
/// - `/metrics` (Prometheus text), `/health` (the process answers), `/ready` (every inspection
///   point is running: 503 until then and while stopping);
/// - with a ``StationControlPanel``: the dashboard at `/`, its state at `/api/state`, live
///   updates at `/api/events` (server-sent events, one state a second), the points' images at
///   `/api/points/{name}/{last,last-reject,last-reject-heatmap}.png`, archived images at
///   `/api/archive/{day}/{file}`, and the changes (POST, ``StationAPI``).
public final class StationHTTPServer: @unchecked Sendable {
    /// The port actually bound (the configured one, or the kernel's pick for port 0).
    public private(set) var port: Int?
    private var task: Task<Void, Error>?
    private var group: ServiceGroup?
    private let ready = ReadyFlag()

    final class ReadyFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isReady: Bool { lock.lock(); defer { lock.unlock() }; return value }
        func set(_ ready: Bool) { lock.lock(); value = ready; lock.unlock() }
    }

    public init() {}

    /// Starts serving on `host:port` and returns once the socket is bound.
    /// - Throws: ``ConfigurationError`` (key `api.listen`) when the address cannot be bound.
    public func start(host: String, port: Int, metrics: StationMetrics, panel: StationControlPanel? = nil) throws {
        let router = Router()
        let ready = self.ready
        if let panel { StationAPI.addRoutes(to: router, panel: panel) }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("health") { _, _ -> String in "ok\n" }
        router.get("ready") { _, _ -> Response in
            ready.isReady ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready\n")))
        }
        let bound = DispatchSemaphore(value: 0)
        let boundPort = BoundPort()
        var logger = Logger(label: "loupe-http")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "loupe"),
                              onServerRunning: { channel in
                                  boundPort.set(channel.localAddress?.port)
                                  bound.signal()
                              }, logger: logger)
        let failure = BoundPort.Failure()
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task.detached {
            do { try await group.run() } catch {
                failure.set("\(error)")
                bound.signal()
                throw error
            }
        }
        if bound.wait(timeout: .now() + 10) == .timedOut || failure.message != nil {
            task?.cancel()
            throw ConfigurationError(file: "configuration", keyPath: "api.listen", found: "\(host):\(port), which could not be bound"
                                     + (failure.message.map { " (\($0))" } ?? ""), expected: "a free address for the station's HTTP API")
        }
        self.port = boundPort.value
    }

    /// Whether `/ready` answers 200.
    public func setReady(_ isReady: Bool) { ready.set(isReady) }

    /// Stops serving: graceful shutdown (open requests finish), then waits for it.
    public func stop() {
        ready.set(false)
        guard let group, let task else { return }
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            done.signal()
        }
        if done.wait(timeout: .now() + 5) == .timedOut { task.cancel() }
        self.group = nil
        self.task = nil
    }

    final class BoundPort: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        var value: Int? { lock.lock(); defer { lock.unlock() }; return port }
        func set(_ port: Int?) { lock.lock(); self.port = port; lock.unlock() }

        final class Failure: @unchecked Sendable {
            private let lock = NSLock()
            private var text: String?
            var message: String? { lock.lock(); defer { lock.unlock() }; return text }
            func set(_ message: String) { lock.lock(); text = message; lock.unlock() }
        }
    }
}
