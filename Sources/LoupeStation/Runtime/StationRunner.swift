import Foundation
import LoupeCapture
import LoupeImaging
import LoupeInspection
import LoupeMES
import LoupeModel
import LoupeTensor

/// The station at work: every inspection point of a ``StationConfiguration`` on its own thread,
/// results into the local outbox (and on to the MES over MQTT when a broker is configured),
/// rejects to the PLC over Modbus TCP when one is configured.
public final class StationRunner: @unchecked Sendable {
    public typealias Point = InspectionPointRunner<StationRejectLink, OutboxResultLink>

    /// What a run did, for the closing summary.
    public struct Summary: Sendable {
        public var seconds: Double
        public var parts: Int
        public var passed: Int
        /// Rejects by reason (every reason listed, zeros included).
        public var rejects: [(RejectReason, Int)]
        public var lateVerdicts: Int
        /// Frame capture → decision over the decided parts, milliseconds.
        public var latencyP50Ms: Double?
        public var latencyP99Ms: Double?
        public var alarms: Int
        public var failedCommits: Int
        /// Rejects the PLC confirmed by read-back in time, and those it did not (nil: no PLC).
        public var rejectsConfirmed: Int?
        public var rejectsNotConfirmed: Int?
        /// Results in the outbox not yet acknowledged (by the broker or the MES) at the end; they
        /// are sent on the next start.
        public var pendingResults: Int

        public var rejected: Int { rejects.reduce(0) { $0 + $1.1 } }

        /// The `p` quantile (0...1) of `values` by rank (nil when empty): how the summary and
        /// `make bench-station` report latencies.
        public static func percentile(_ values: [Double], _ p: Double) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        public var failSafeRejects: Int { rejects.filter { $0.0.isFailSafe }.reduce(0) { $0 + $1.1 } }

        public var lines: [String] {
            let p50 = latencyP50Ms.map { String(format: "%.1f", $0) } ?? "-", p99 = latencyP99Ms.map { String(format: "%.1f", $0) } ?? "-"
            var lines = [String(format: "%d parts in %.1f s: %d passed, %d rejected (%d fail-safe); frame → decision p50 %@ ms, p99 %@ ms",
                                parts, seconds, passed, rejected, failSafeRejects, p50, p99)]
            lines.append("rejects by reason: " + rejects.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", "))
            if let confirmed = rejectsConfirmed {
                lines.append("PLC: \(confirmed) rejects confirmed in time, \(rejectsNotConfirmed ?? 0) not confirmed")
            }
            if pendingResults > 0 { lines.append("\(pendingResults) results wait in the outbox for the MES") }
            if lateVerdicts > 0 || alarms > 0 || failedCommits > 0 {
                lines.append("late verdicts \(lateVerdicts), alarms \(alarms), results not stored \(failedCommits)")
            }
            return lines
        }
    }

    /// The configuration in force (a reload updates the points' models, thresholds and bands).
    public internal(set) var configuration: StationConfiguration
    /// The file it was read from, re-read by a reload (nil: reload is refused).
    public let configurationFile: String?
    public let outbox: Outbox
    /// The image archive (nil: none configured).
    public let archive: ImageArchive?
    let inferenceThreads: Int
    let startedAt = WallClock.seconds()
    /// One change at a time (API calls and reloads).
    let changeLock = NSLock()
    let recentAlarms = RecentAlarms()
    let heatmaps = HeatmapInspectors()
    public private(set) var points: [Point] = []
    public let metrics = StationMetrics()
    /// `/metrics`, `/health`, `/ready` on `api.listen` while running.
    public let http = StationHTTPServer()
    private let publisher: MESPublisher?
    private let rejectController: RejectController?
    let log: @Sendable (String) -> Void
    private let alarmCount = SharedCount()

    /// Every alarm's one way out: counted for the summary, listed on the dashboard, and logged.
    var raise: @Sendable (String) -> Void { Self.alarmSink(count: alarmCount, recent: recentAlarms, log: log) }

    private static func alarmSink(count: SharedCount, recent: RecentAlarms,
                                  log: @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void {
        { message in
            count.add()
            recent.add(message)
            log("alarm: \(message)")
        }
    }
    private let rejectsConfirmed = SharedCount()
    private let rejectsNotConfirmed = SharedCount()
    private let rejectLatencies = RejectLatencies()
    /// PLC-triggered points' pollers, by point index.
    private var triggerPollers: [Int: PLCTriggerPoller] = [:]

    /// Frame capture → reject confirmed by the PLC (written and read back), milliseconds, per reject.
    public var frameToRejectMs: [Double] { rejectLatencies.values }

    final class RejectLatencies: @unchecked Sendable {
        private let lock = NSLock()
        private var samples: [Double] = []
        var values: [Double] { lock.lock(); defer { lock.unlock() }; return samples }
        func add(_ ms: Double) { lock.lock(); samples.append(ms); lock.unlock() }
    }

    /// Opens the outbox and the links and builds every inspection point (models as loaded by
    /// ``StationConfiguration/checkResources(file:)``).
    /// - Parameters:
    ///   - inferenceThreads: threads each point's inspector may use.
    ///   - configurationFile: where `configuration` came from; a reload reads it again.
    public init(configuration: StationConfiguration, models: [String: Model], inferenceThreads: Int = 2, configurationFile: String? = nil,
                log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.configurationFile = configurationFile
        self.inferenceThreads = inferenceThreads
        self.log = log
        let raise = Self.alarmSink(count: alarmCount, recent: recentAlarms, log: log)
        let mesAlarm: @Sendable (Alarm) -> Void = { raise("\($0)") }
        outbox = try Outbox(config: .init(path: configuration.outbox), alarm: mesAlarm)
        if let archiveConfiguration = configuration.archive {
            let largest = models.values.map { $0.spec.input.channels * $0.spec.input.height * $0.spec.input.width }.max() ?? 0
            archive = try ImageArchive(configuration: archiveConfiguration, maxInputCount: largest, outbox: outbox, alarm: raise)
        } else {
            archive = nil
        }
        if let mes = configuration.mes {
            var options = MQTTLink.Options(host: mes.host, port: mes.port, clientId: "loupe-\(configuration.name)")
            options.username = mes.username
            options.password = mes.password?.value
            var publisherConfig = MESPublisher.Config(mqtt: options, topics: .sparkplug(group: mes.group, station: configuration.name),
                                                      station: configuration.name)
            publisherConfig.ackMode = mes.acknowledge == "mes" ? .mes : .puback
            publisher = try MESPublisher(outbox: outbox, config: publisherConfig, alarm: mesAlarm)
        } else {
            publisher = nil
        }
        if let plc = configuration.plc {
            var c = RejectController.Config(plcHost: plc.host, plcPort: plc.port)
            c.unit = UInt8(plc.unit)
            c.rejectRegister = UInt16(plc.rejectRegister)
            c.stopLineCoil = plc.stopLineCoil.map(UInt16.init)
            c.requestTimeoutMs = plc.requestTimeoutMs
            c.heartbeatRegister = plc.heartbeatRegister.map(UInt16.init)
            c.heartbeatIntervalMs = plc.heartbeatIntervalMs
            let controller = RejectController(config: c, alarm: mesAlarm)
            let confirmed = rejectsConfirmed, notConfirmed = rejectsNotConfirmed, latencies = rejectLatencies
            // Travel time by PLC slot: a part's frame was captured at deadline − travel.
            let travel = Dictionary(configuration.inspectionPoints.map { (UInt16($0.slot), $0.line.geometry.travelTime) },
                                    uniquingKeysWith: { first, _ in first })
            controller.onOutcome = { outcome in
                guard outcome.reason != nil else { return }
                if outcome.confirmed {
                    confirmed.add()
                    latencies.add((outcome.atMono - (outcome.deadlineMono - (travel[outcome.slot] ?? 0))) * 1000)
                } else {
                    notConfirmed.add()
                }
            }
            rejectController = controller
        } else {
            rejectController = nil
        }
        for point in configuration.inspectionPoints {
            guard let model = models[point.name] else { throw ConfigurationError(file: "configuration", keyPath: "inspection_points.\(point.name).model",
                                                                                   found: "no loaded model", expected: "models checked by checkResources") }
            let inspector = try Inspector(model: model, threads: inferenceThreads)
            let pointMetrics = metrics.point(point.name, model: inspector.modelID)
            var results = OutboxResultLink(outbox: outbox, station: configuration.name, point: point.name, modelID: inspector.modelID,
                                           modelSHA256: inspector.modelSHA256, classes: model.spec.classes,
                                           threshold: point.threshold ?? inspector.rule.threshold) { raise("\(point.name): \($0)") }
            results.metrics = pointMetrics
            let live = PointLiveView(name: point.name, spec: inspector.input, shifts: configuration.shifts)
            results.live = live
            let rejects = rejectController.map { StationRejectLink.plc(ModbusRejectLink(controller: $0)) } ?? .none(CountingRejectLink())
            let region = point.region.map { PixelRegion(x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
            let runner = Point(name: point.name, source: try Self.source(point.source), inspector: inspector, modelPath: point.model,
                               threshold: point.threshold, line: point.line.geometry, slot: UInt16(point.slot), region: region,
                               uncertaintyBand: point.uncertaintyBand, rejects: rejects, results: results)
            runner.metrics = pointMetrics
            runner.live = live
            runner.archive = archive
            runner.archivePassedShare = configuration.archive?.keepPassed ?? 0
            if point.trigger == .plc, let plc = configuration.plc {
                runner.triggerWait = point.triggerWait
                triggerPollers[points.count] = PLCTriggerPoller(host: plc.host, port: plc.port, unit: UInt8(plc.unit),
                                                                register: UInt16(point.triggerRegister), timeoutMs: plc.requestTimeoutMs)
            }
            runner.onSourceError = raise
            points.append(runner)
        }
    }

    static func source(_ source: StationConfiguration.Source) throws -> FrameSource {
        switch source {
        case let .camera(device, format, width, height, fps):
            return try V4L2Camera(path: device, request: CameraRequest(pixelFormat: PixelFormat(fourcc: format), width: width, height: height,
                                                                      framesPerSecond: fps))
        case let .folder(path, fps, loop):
            return try FolderSource(folder: path, framesPerSecond: fps, loop: loop)
        case let .image(path, fps):
            return SingleImageSource(image: try ImageDecoder.decode(contentsOf: path), name: path, framesPerSecond: fps)
        }
    }

    /// Runs every point (capture and decision threads each) until `shouldStop()`, `maxParts`
    /// parts per point, or (a folder replayed without looping) its last frame; then settles the
    /// parts in flight, waits for the PLC to confirm the rejects, and flushes the outbox.
    /// - Parameter shouldReload: polled about ten times a second; true re-reads the configuration (SIGHUP).
    public func run(maxParts: Int? = nil, shouldReload: @escaping @Sendable () -> Bool = { false },
                    shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> Summary {
        try http.start(host: configuration.api.host, port: configuration.api.port, metrics: metrics, panel: self)
        defer { http.stop() }
        log("dashboard: http://\(configuration.api.host):\(http.port ?? configuration.api.port)/  (metrics at /metrics)")
        archive?.start()
        try publisher?.start()
        rejectController?.start()
        let start = MonotonicClock.seconds()
        let group = DispatchGroup()
        for point in points {
            try point.source.start()
            let thread = Thread {
                point.run(partLimit: maxParts, shouldStop: shouldStop)
                point.source.stop()
                group.leave()
            }
            thread.name = "loupe-\(point.name)"
            group.enter()
            thread.start()
        }
        for (index, poller) in triggerPollers {
            let point = points[index], raise = self.raise
            poller.start(onTrigger: { point.announce($0.part, at: $0.seenAt) }, onError: { raise("\(point.name): \($0)") })
        }
        http.setReady(true)
        var nextGauges = 0.0
        while group.wait(timeout: .now() + 0.1) == .timedOut {
            if MonotonicClock.seconds() >= nextGauges {
                nextGauges = MonotonicClock.seconds() + 1
                updateLinkGauges()
            }
            guard shouldReload() else { continue }
            do { log("reload: " + (try perform(.reload, who: "SIGHUP"))) } catch { log("reload refused: \(error)") }
        }
        triggerPollers.values.forEach { $0.stop() }
        http.setReady(false)
        archive?.stop()
        try outbox.flush()
        if let publisher {
            _ = try publisher.waitDrained(timeout: 10)
            publisher.stop()
        }
        if let rejectController {
            // Every reject sent must be confirmed or given up (at its deadline) before the link closes.
            let sent = points.reduce(0) { $0 + $1.tracker.counters.totalRejected }
            let giveUpAt = MonotonicClock.seconds() + 5
            while rejectsConfirmed.value + rejectsNotConfirmed.value < sent && MonotonicClock.seconds() < giveUpAt { usleep(2_000) }
            rejectController.stop()
        }
        return summary(seconds: MonotonicClock.seconds() - start, pending: publisher == nil ? 0 : try outbox.pendingCount())
    }

    /// Outbox depth and link state for `/metrics`, once a second.
    private func updateLinkGauges() {
        if let pending = try? outbox.pendingCount() { metrics.outboxPending.set(to: Double(pending)) }
        if let publisher { metrics.link("mes", up: publisher.link.isConnected) }
        if let rejectController { metrics.link("plc", up: rejectController.isPLCAnswering) }
    }

    private func summary(seconds: Double, pending: Int) -> Summary {
        var parts = 0, passed = 0, late = 0, failed = 0
        var byReason = [Int](repeating: 0, count: RejectReason.allCases.count)
        var latencies: [Double] = []
        for point in points {
            let c = point.tracker.counters
            parts += c.settled
            passed += c.passed
            late += c.lateVerdicts
            for reason in RejectReason.allCases { byReason[reason.index] += c.rejected(reason) }
            latencies += point.latenciesMs
            failed += point.tracker.results.failedCommits.value
        }
        return Summary(seconds: seconds, parts: parts, passed: passed, rejects: RejectReason.allCases.map { ($0, byReason[$0.index]) },
                       lateVerdicts: late, latencyP50Ms: Summary.percentile(latencies, 0.5), latencyP99Ms: Summary.percentile(latencies, 0.99), alarms: alarmCount.value,
                       failedCommits: failed, rejectsConfirmed: rejectController.map { _ in rejectsConfirmed.value },
                       rejectsNotConfirmed: rejectController.map { _ in rejectsNotConfirmed.value }, pendingResults: pending)
    }
}

/// The reject side a point uses: the PLC when one is configured, otherwise a counter.
public enum StationRejectLink: RejectLink {
    case plc(ModbusRejectLink)
    case none(CountingRejectLink)

    public mutating func sendReject(_ command: RejectCommand) {
        switch self {
        case var .plc(link): link.sendReject(command); self = .plc(link)
        case var .none(link): link.sendReject(command); self = .none(link)
        }
    }
}
