import Foundation
import XCTest
import LoupeMES
import LoupeTestSupport

func tempPath(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "loupe-mes-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/\(name)-\(UUID().uuidString.prefix(8)).sqlite"
}

func record(_ i: Int, station: String = "st-1", verdict: ResultRecord.Verdict = .pass) -> ResultRecord {
    ResultRecord(resultId: "r-\(i)", jobId: "job-1", partId: "p-\(i)", measId: "m-\(i)", station: station, modelId: "m",
                 modelSha256: String(repeating: "a", count: 64), recipeId: "R-1", processingTimesMs: ["inference": 2.0],
                 verdict: verdict, defectClass: verdict == .pass ? "good" : "crack", score: 0.25, threshold: 0.5, imageRef: "/img/\(i).png")
}

/// Collects alarms from any thread.
final class AlarmLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Alarm, Double)] = []
    var sink: @Sendable (Alarm) -> Void { { [self] a in lock.lock(); items.append((a, MonotonicClock.seconds())); lock.unlock() } }
    var all: [Alarm] { lock.lock(); defer { lock.unlock() }; return items.map(\.0) }
    func first(_ kind: Alarm.Kind) -> (Alarm, Double)? { lock.lock(); defer { lock.unlock() }; return items.first { $0.0.kind == kind } }
}

func station(port: Int, db: String, id: String = "st-1", ackMode: MESPublisher.AckMode = .puback,
             username: String? = nil, password: String? = nil, alarms: AlarmLog? = nil) throws -> MESPublisher {
    var o = MQTTLink.Options(port: port, clientId: "loupe-\(id)")
    o.username = username; o.password = password
    var c = MESPublisher.Config(mqtt: o, topics: .sparkplug(group: "test", station: id), station: id)
    c.ackMode = ackMode
    c.resendAfterS = 2
    return try MESPublisher(outbox: Outbox(config: .init(path: db)), config: c, alarm: alarms?.sink ?? { _ in })
}
