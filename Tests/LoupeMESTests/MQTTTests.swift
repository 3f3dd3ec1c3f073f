import Foundation
import XCTest
import LoupeMES
import LoupeTestSupport

/// Against a real mosquitto broker started on a free port.
final class MQTTTests: XCTestCase {
    func testResultsReachTheMESAndLeaveTheOutboxOnPUBACK() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let topics = MESPublisher.Topics.sparkplug(group: "test", station: "st-1")
        let mes = try MESSubscriber(port: broker.port, topics: topics, ackResults: false)
        try mes.link.waitConnected(timeout: 5)
        let pub = try station(port: broker.port, db: tempPath("puback"))
        try pub.start()
        try pub.link.waitConnected(timeout: 5)
        for i in 0..<50 { try pub.submit(record(i)) }
        XCTAssertTrue(mes.wait(distinct: 50, timeout: 10), "MES got \(mes.distinct) of 50")
        XCTAssertTrue(try pub.waitDrained(timeout: 10), "outbox still holds \((try? pub.outbox.status().pending) ?? -1)")
        let rows = try pub.outbox.query({ var q = Outbox.Query(); q.limit = 100; return q }())
        XCTAssertEqual(rows.count, 50)
        XCTAssertTrue(rows.allSatisfy { $0.firstSentAt != nil && $0.ackedAt != nil && $0.ackedAt! >= $0.firstSentAt! && !$0.replayed })
        // Birth: the retained state says online.
        let state = mes.waitMessage(topic: topics.state, timeout: 5) { String(decoding: $0, as: UTF8.self).contains(#""online":true"#) }
        XCTAssertNotNil(state, "no birth message on \(topics.state)")
        pub.stop(); mes.stop()
    }

    func testResultsSubmittedWhileTheBrokerIsDownAreDeliveredAfterItComesUp() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        broker.stop()
        // End-to-end acks: the results must reach this MES, whichever of the two reconnects first.
        let pub = try station(port: broker.port, db: tempPath("down"), ackMode: .mes)
        try pub.start()
        for i in 0..<20 { try pub.submit(record(i)) }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try pub.outbox.status().pending, 20, "nothing leaves the outbox without an acknowledgement")
        XCTAssertEqual(try pub.outbox.status().neverSent, 20, "nothing is handed to libmosquitto while disconnected")
        try broker.start()
        let mes = try MESSubscriber(port: broker.port, topics: .sparkplug(group: "test", station: "st-1"), ackResults: true)
        // The station reconnects with back-off, then re-sends what the MES did not acknowledge.
        XCTAssertTrue(try pub.waitDrained(timeout: 15), "pending \((try? pub.outbox.status().pending) ?? -1)")
        XCTAssertEqual(mes.distinct, 20)
        pub.stop(); mes.stop()
    }

    func testEndToEndAckModeKeepsResultsUntilTheMESAcknowledges() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let topics = MESPublisher.Topics.sparkplug(group: "test", station: "st-1")
        let pub = try station(port: broker.port, db: tempPath("mesack"), ackMode: .mes)
        try pub.start()
        try pub.link.waitConnected(timeout: 5)
        // A MES that receives but does not acknowledge: results stay pending (broker PUBACK is only audited).
        let silent = try MESSubscriber(port: broker.port, topics: topics, clientId: "silent", ackResults: false)
        try silent.link.waitConnected(timeout: 5)
        for i in 0..<10 { try pub.submit(record(i)) }
        XCTAssertTrue(silent.wait(distinct: 10, timeout: 5))
        Thread.sleep(forTimeInterval: 0.3)
        let status = try pub.outbox.status()
        XCTAssertEqual(status.pending, 10)
        XCTAssertTrue(try pub.outbox.query(Outbox.Query()).allSatisfy { $0.brokerAckAt != nil && $0.ackedAt == nil })
        // Now a MES that acknowledges.
        let mes = try MESSubscriber(port: broker.port, topics: topics, clientId: "mes", ackResults: true)
        try mes.link.waitConnected(timeout: 5)
        XCTAssertTrue(try pub.waitDrained(timeout: 10), "re-sent after resendAfterS and acknowledged; pending \((try? pub.outbox.status().pending) ?? -1)")
        XCTAssertGreaterThan(pub.currentStats.republished, 0)
        pub.stop(); mes.stop(); silent.stop()
    }

    func testCommandsAreAcknowledgedAuditedAndBadOnesRejectedClearly() throws {
        let broker = try requirePeer { try MosquittoPeer() }
        let topics = MESPublisher.Topics.sparkplug(group: "test", station: "st-1")
        let pub = try station(port: broker.port, db: tempPath("cmd"))
        let handled = DurableCounter()
        pub.commandHandler = { cmd in
            handled.add(nil)
            if cmd.name == .switchModel && cmd.argument == "missing-model" { throw MESError.config("model missing-model not installed") }
            return "\(cmd.name.rawValue) \(cmd.argument ?? "") done"
        }
        try pub.start()
        try pub.link.waitConnected(timeout: 5)
        let mes = try MESSubscriber(port: broker.port, topics: topics, ackResults: false)
        try mes.link.waitConnected(timeout: 5)
        Thread.sleep(forTimeInterval: 0.2)
        func send(_ s: String) { _ = mes.link.publish(topic: topics.commands, payload: Data(s.utf8)) }
        func ack(_ id: String) throws -> CommandAck {
            let data = try XCTUnwrap(mes.waitMessage(topic: topics.commandAcks, timeout: 5) { String(decoding: $0, as: UTF8.self).contains(#""id":"\#(id)""#) }, "no ack for \(id)")
            return try JSONDecoder().decode(CommandAck.self, from: data)
        }
        send(#"{"id":"c1","command":"pause"}"#)
        XCTAssertEqual(try ack("c1").status, .done)
        send(#"{"id":"c2","command":"switch-recipe","recipeId":"R-7"}"#)
        XCTAssertEqual(try ack("c2").detail, "switch-recipe R-7 done")
        send(#"{"id":"c3","command":"launch"}"#)
        let unknown = try ack("c3")
        XCTAssertEqual(unknown.status, .rejected); XCTAssertTrue(unknown.detail.contains("unknown command \"launch\""), unknown.detail)
        send(#"{"id":"c4","command":"switch-model"}"#)
        let malformed = try ack("c4")
        XCTAssertEqual(malformed.status, .rejected); XCTAssertTrue(malformed.detail.contains("modelId"), malformed.detail)
        send(#"{"id":"c5","command":"switch-model","modelId":"missing-model"}"#)
        XCTAssertEqual(try ack("c5").status, .failed)
        send("not json at all")
        XCTAssertTrue(waitUntil(5) { (try? pub.outbox.commands().count) == 6 })
        let audit = try pub.outbox.commands()
        XCTAssertEqual(audit.map(\.outcome), ["rejected", "failed", "rejected", "rejected", "done", "done"])
        XCTAssertEqual(handled.ok, 3, "only valid commands reach the handler")
        pub.stop(); mes.stop()
    }

    func testRefusedLoginIsAClearErrorAndAlarm() throws {
        let broker = try requirePeer { try MosquittoPeer(users: ["station": "right"]) }
        let alarms = AlarmLog()
        let pub = try station(port: broker.port, db: tempPath("login"), username: "station", password: "wrong", alarms: alarms)
        try pub.start()
        XCTAssertThrowsError(try pub.link.waitConnected(timeout: 5)) { e in
            guard case .brokerRefused(let b, let code, _)? = e as? MESError else { return XCTFail("\(e)") }
            XCTAssertEqual(b, "mqtt://127.0.0.1:\(broker.port)"); XCTAssertTrue(code == 4 || code == 5, "CONNACK \(code)")
        }
        XCTAssertTrue(waitUntil(2) { alarms.first(.brokerRefused) != nil })
        pub.stop()
        let good = try station(port: broker.port, db: tempPath("login2"), username: "station", password: "right")
        try good.start()
        XCTAssertNoThrow(try good.link.waitConnected(timeout: 5))
        good.stop()
    }

    func testTLSWithTheRightCAConnectsAndPublishesAndAPlainClientDoesNot() throws {
        let broker = try requirePeer { try MosquittoPeer(tls: true) }
        var o = MQTTLink.Options(port: broker.port, clientId: "loupe-tls")
        o.tls = .init(caFile: broker.caFile)
        let c = MESPublisher.Config(mqtt: o, topics: .sparkplug(group: "test", station: "tls"), station: "tls")
        let pub = try MESPublisher(outbox: Outbox(config: .init(path: tempPath("tls"))), config: c)
        try pub.start()
        try pub.link.waitConnected(timeout: 5)
        XCTAssertEqual(pub.config.mqtt.broker, "mqtts://127.0.0.1:\(broker.port)")
        try pub.submit(record(1))
        XCTAssertTrue(try pub.waitDrained(timeout: 5), "PUBACK over TLS")
        pub.stop()
        // Plain MQTT to the TLS port never gets a CONNACK.
        let plain = try station(port: broker.port, db: tempPath("plain"), id: "plain")
        try plain.start()
        XCTAssertThrowsError(try plain.link.waitConnected(timeout: 1.5)) { e in
            guard case .brokerTimeout? = e as? MESError else { return XCTFail("\(e)") }
        }
        plain.stop()
    }
}
