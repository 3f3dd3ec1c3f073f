import CMosquitto
import Foundation
import LoupeTensor

/// A thin owner of one libmosquitto client (MQTT 3.1.1): connect with persistent session, last
/// will, TLS and username/password, automatic reconnect with exponential back-off (our network
/// thread driving `mosquitto_loop`). Callbacks run on that thread and must not block.
///
/// It keeps no delivery promise of its own: libmosquitto re-sends unacknowledged QoS 1 messages
/// from memory after a reconnect, but a crash loses them — the `Outbox` is what guarantees delivery.
public final class MQTTLink: @unchecked Sendable {
    public struct TLS: Sendable {
        public var caFile: String
        public var certFile: String?
        public var keyFile: String?
        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) { self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile }
    }

    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 1883
        public var clientId: String
        /// false: a persistent session, so the broker keeps our subscriptions and queued QoS 1 messages.
        public var cleanSession = false
        public var username: String? = nil
        public var password: String? = nil
        public var tls: TLS? = nil
        public var keepAliveS: Int32 = 10
        /// Last will: published by the broker when we vanish without a clean disconnect.
        public var will: (topic: String, payload: Data, retain: Bool)? = nil
        /// Reconnect back-off: first delay and cap, in seconds (doubling in between).
        public var reconnectMinS = 0.25
        public var reconnectMaxS = 8.0
        /// QoS 1 messages in flight at once in libmosquitto.
        public var maxInflight: UInt32 = 200
        public init(host: String = "127.0.0.1", port: Int = 1883, clientId: String) { self.host = host; self.port = port; self.clientId = clientId }
        public var broker: String { "\(tls == nil ? "mqtt" : "mqtts")://\(host):\(port)" }
    }

    public let options: Options
    /// Called with the CONNACK code (0 = accepted) after every connect attempt that got an answer.
    public var onConnect: ((Int32) -> Void)?
    /// Called with the reason (0 = we asked to disconnect).
    public var onDisconnect: ((Int32) -> Void)?
    /// PUBACK for the message id `publish` returned.
    public var onPublishAck: ((Int32) -> Void)?
    public var onMessage: ((String, Data) -> Void)?

    private var mosq: OpaquePointer?
    private let lock = NSCondition()
    private var connected = false
    private var refusal: Int32? = nil
    private var started = false

    private static let initOnce: Void = { mosquitto_lib_init(); return () }()

    /// - Throws: `MESError.mqtt` when the client cannot be created or configured (e.g. a bad CA file).
    public init(options: Options) throws {
        _ = Self.initOnce
        self.options = options
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        guard let m = mosquitto_new(options.clientId, options.cleanSession, userdata) else {
            throw MESError.mqtt(operation: "create client", broker: options.broker, code: -1, reason: String(cString: strerror(errno)))
        }
        mosq = m
        try check("configure", mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1))
        try check("configure", mosquitto_max_inflight_messages_set(m, options.maxInflight))
        if let user = options.username { try check("set username", mosquitto_username_pw_set(m, user, options.password)) }
        if let tls = options.tls { try check("configure TLS", mosquitto_tls_set(m, tls.caFile, nil, tls.certFile, tls.keyFile, nil)) }
        if let will = options.will {
            try check("set last will", will.payload.withUnsafeBytes { mosquitto_will_set(m, will.topic, Int32(will.payload.count), $0.baseAddress, 1, will.retain) })
        }
        mosquitto_connect_callback_set(m) { _, obj, rc in
            let link = Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue()
            link.lock.lock()
            if rc == 0 { link.connected = true; link.refusal = nil } else { link.refusal = rc }
            link.lock.broadcast(); link.lock.unlock()
            // A refused login is retried at the longest back-off (the broker's password file may get fixed).
            link.onConnect?(rc)
        }
        mosquitto_disconnect_callback_set(m) { _, obj, rc in
            let link = Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue()
            link.lock.lock(); link.connected = false; link.lock.broadcast(); link.lock.unlock()
            link.onDisconnect?(rc)
        }
        mosquitto_publish_callback_set(m) { _, obj, mid in
            Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue().onPublishAck?(mid)
        }
        mosquitto_message_callback_set(m) { _, obj, msg in
            guard let msg else { return }
            let link = Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue()
            let topic = String(cString: msg.pointee.topic)
            let payload = msg.pointee.payload.map { Data(bytes: $0, count: Int(msg.pointee.payloadlen)) } ?? Data()
            link.onMessage?(topic, payload)
        }
    }

    deinit {
        stop()
        if let mosq { mosquitto_destroy(mosq) }
    }

    private func check(_ op: String, _ rc: Int32) throws {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MESError.mqtt(operation: op, broker: options.broker, code: rc, reason: String(cString: mosquitto_strerror(rc)))
        }
    }

    /// Starts connecting in the background (the broker need not be up yet: it keeps retrying).
    public func start() throws {
        lock.lock(); defer { lock.unlock() }
        guard !started else { return }
        started = true
        loopDone = false
        // Our own network thread rather than mosquitto_loop_start: loop_forever gives up when the
        // very first connect is refused by the OS (broker not up yet), and we want one back-off policy.
        try check("configure threading", mosquitto_threaded_set(mosq, true))
        // The network thread keeps the link alive until `stop()`.
        let t = Thread { self.networkLoop() }
        t.name = "loupe-mqtt"
        t.start()
    }

    private var loopDone = true
    private var lastConnectError: String?

    private func networkLoop() {
        var delay = options.reconnectMinS
        var needConnect = true
        var first = true
        func pause(_ seconds: Double) {
            let until = MonotonicClock.seconds() + seconds
            while MonotonicClock.seconds() < until && isStarted { usleep(20_000) }
        }
        while isStarted {
            if needConnect {
                let rc = first ? mosquitto_connect(mosq, options.host, Int32(options.port), options.keepAliveS) : mosquitto_reconnect(mosq)
                first = false
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    let why = rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
                    lock.lock(); lastConnectError = why; lock.unlock()
                    pause(delay)
                    delay = min(delay * 2, options.reconnectMaxS)
                    continue
                }
                needConnect = false
            }
            let rc = mosquitto_loop(mosq, 50, 1)
            lock.lock()
            if connected { delay = options.reconnectMinS }
            if refusal != nil { delay = options.reconnectMaxS }
            lock.unlock()
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                needConnect = true
                pause(delay)
                delay = min(delay * 2, options.reconnectMaxS)
            }
        }
        // Flush a requested clean disconnect.
        _ = mosquitto_loop(mosq, 10, 1)
        lock.lock(); loopDone = true; lock.broadcast(); lock.unlock()
    }

    private var isStarted: Bool { lock.lock(); defer { lock.unlock() }; return started }

    /// Waits for the first CONNACK.
    /// - Throws: `.brokerRefused` (bad credentials, not authorised...) or `.brokerTimeout`.
    public func waitConnected(timeout: Double) throws {
        let until = Date(timeIntervalSinceNow: timeout)
        lock.lock(); defer { lock.unlock() }
        while !connected {
            if let rc = refusal {
                throw MESError.brokerRefused(broker: options.broker, code: rc, reason: String(cString: mosquitto_connack_string(rc)))
            }
            if !lock.wait(until: until) {
                if let rc = refusal { throw MESError.brokerRefused(broker: options.broker, code: rc, reason: String(cString: mosquitto_connack_string(rc))) }
                throw MESError.brokerTimeout(operation: "connect", broker: options.broker, seconds: timeout, lastError: lastConnectError)
            }
        }
    }

    public var isConnected: Bool { lock.lock(); defer { lock.unlock() }; return connected }
    /// The CONNACK refusal code, if the broker refused us.
    public var refusedCode: Int32? { lock.lock(); defer { lock.unlock() }; return refusal }

    /// Hands a message to libmosquitto. Returns the message id and libmosquitto's code.
    ///
    /// Trap (see docs/mes.md): `MOSQ_ERR_NO_CONN` still queues the message in memory and sends it
    /// after reconnect, so the caller must NOT publish it again on that code.
    public func publish(topic: String, payload: Data, qos: Int32 = 1, retain: Bool = false) -> (mid: Int32, rc: Int32) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { mosquitto_publish(mosq, &mid, topic, Int32(payload.count), $0.baseAddress, qos, retain) }
        return (mid, rc)
    }

    public func subscribe(_ topic: String, qos: Int32 = 1) throws {
        try check("subscribe \(topic)", mosquitto_subscribe(mosq, nil, topic, qos))
    }

    /// Clean disconnect (the broker does not publish the will) and stop of the network thread.
    public func stop() {
        lock.lock()
        guard started else { lock.unlock(); return }
        lock.unlock()
        mosquitto_disconnect(mosq)
        lock.lock()
        started = false
        while !loopDone { lock.wait() }
        connected = false
        lock.unlock()
    }

    public static func errorString(_ rc: Int32) -> String { String(cString: mosquitto_strerror(rc)) }
    static let errNoConn = MOSQ_ERR_NO_CONN.rawValue
    static let success = MOSQ_ERR_SUCCESS.rawValue
}
