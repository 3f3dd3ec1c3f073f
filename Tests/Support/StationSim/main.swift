// loupe-mes-sim: the station process of the MES chaos tests and `make bench-mes`.
//
//   loupe-mes-sim station --db F --port P --count N [--rate R] [--ack-mode mes|puback]
//       Streams results sim-0 ... sim-(N-1) through the outbox and MQTT, resuming after the
//       last result already in the outbox (so a SIGKILLed station restarted with the same --db
//       continues), and exits 0 once all N are acknowledged.
import Foundation
import LoupeMES
import LoupePeers
import LoupeTensor

func runStation(_ args: [String]) throws {
    guard let db = option("--db", args), let port = option("--port", args).flatMap(Int.init), let count = option("--count", args).flatMap(Int.init) else {
        fail(program: "loupe-mes-sim", "station needs --db, --port and --count")
    }
    let rate = option("--rate", args).flatMap(Double.init) ?? 500
    let group = option("--group", args) ?? "loupe"
    let station = option("--station", args) ?? "station-1"
    let ackMode = MESPublisher.AckMode(rawValue: option("--ack-mode", args) ?? "mes") ?? .mes
    let outbox = try Outbox(config: .init(path: db))
    var mqtt = MQTTLink.Options(port: port, clientId: "loupe-\(station)")
    mqtt.reconnectMinS = 0.25
    mqtt.reconnectMaxS = 2
    var config = MESPublisher.Config(mqtt: mqtt, topics: .sparkplug(group: group, station: station), station: station)
    config.ackMode = ackMode
    config.resendAfterS = Double(option("--resend-after", args) ?? "") ?? 3
    let publisher = try MESPublisher(outbox: outbox, config: config) { a in FileHandle.standardError.write(Data("\(a)\n".utf8)) }
    try publisher.start()
    let already = try outbox.status().total
    print("station: resuming at \(already), \(outbox.replayedAtOpen) replayed", terminator: "\n")
    fflush(stdout)
    let start = MonotonicClock.seconds()
    var index = already
    while index < count {
        let due = start + Double(index - already) / rate
        let wait = due - MonotonicClock.seconds()
        if wait > 0 { usleep(UInt32(wait * 1e6)) }
        try publisher.submit(SimulatedResults.record(index: index, station: station))
        index += 1
    }
    while try !publisher.waitDrained(timeout: 1) {}
    print("station: all \(count) acknowledged")
    publisher.stop()
}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "station": try runStation(args)
    default: fail(program: "loupe-mes-sim", "usage: loupe-mes-sim station --db F --port P --count N ...")
    }
} catch {
    fail(program: "loupe-mes-sim", "\(error)")
}
