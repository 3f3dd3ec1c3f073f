import Foundation

extension StationConfiguration {
    /// Reads and validates a configuration file.
    /// - Parameter environment: where `*_env` secrets are looked up (the process environment by default).
    /// - Throws: ``ConfigurationError`` naming the file, position, key path, value and expectation.
    public static func load(contentsOf path: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StationConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, keyPath: "", found: "no readable UTF-8 file", expected: "a station.yaml")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Validates configuration text (`file` is only used in errors and to resolve relative paths).
    public static func parse(_ yaml: String, file: String = "configuration",
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StationConfiguration {
        let root = try ConfigurationReader.parse(yaml, file: file).mapping(allowing: ["station", "mes", "plc", "api", "archive", "inspection_points"])
        let station = try root["station"].mapping(allowing: ["name", "outbox", "shifts"])
        let points = try root["inspection_points"].list()
        guard !points.isEmpty else { throw root["inspection_points"].fail("an empty list", expected: "at least one inspection point") }
        var config = StationConfiguration(
            name: try station["name"].string(),
            outbox: try station["outbox"].optionalString() ?? "loupe-outbox.sqlite",
            mes: try mes(root["mes"], environment),
            plc: try plc(root["plc"]),
            api: try api(root["api"], environment),
            archive: try archive(root["archive"]),
            shifts: try shifts(station["shifts"]),
            inspectionPoints: try points.map(inspectionPoint))
        var seen: Set<String> = [], slots: [Int: String] = [:]
        for (index, point) in config.inspectionPoints.enumerated() where point.trigger == .plc && config.plc == nil {
            throw points[index]["trigger"].fail("'plc' with no plc section", expected: "a plc: section with the PLC's address")
        }
        for (index, point) in config.inspectionPoints.enumerated() {
            let reader = points[index]["name"]
            guard seen.insert(point.name).inserted else { throw reader.fail("'\(point.name)' a second time", expected: "a name used once") }
            if let other = slots[point.slot] {
                throw points[index]["slot"].fail("\(point.slot), already used by '\(other)'", expected: "one PLC slot per inspection point")
            }
            slots[point.slot] = point.name
        }
        config.outbox = resolve(config.outbox, against: file)
        if let folder = config.archive?.folder { config.archive?.folder = resolve(folder, against: file) }
        for i in config.inspectionPoints.indices {
            config.inspectionPoints[i].model = resolve(config.inspectionPoints[i].model, against: file)
            switch config.inspectionPoints[i].source {
            case let .folder(path, fps, loop): config.inspectionPoints[i].source = .folder(path: resolve(path, against: file), framesPerSecond: fps, loop: loop)
            case let .image(path, fps): config.inspectionPoints[i].source = .image(path: resolve(path, against: file), framesPerSecond: fps)
            case .camera: break
            }
        }
        return config
    }

    /// A relative path is relative to the configuration file's folder.
    static func resolve(_ path: String, against file: String) -> String {
        guard !path.hasPrefix("/"), file != "configuration" else { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : normalized((folder as NSString).appendingPathComponent(path))
    }

    /// `a/b/../c` → `a/c`, `./x` → `x` (a `..` with nothing to take back is kept).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    private static func mes(_ r: ConfigurationReader, _ environment: [String: String]) throws -> MES? {
        guard r.isPresent else { return nil }
        let m = try r.mapping(allowing: ["broker", "username", "password_file", "password_env", "group", "acknowledge"])
        let broker = try m["broker"].endpoint(defaultPort: 1883)
        return MES(host: broker.host, port: broker.port, username: try m["username"].optionalString(),
                   password: try secret(m, "password", environment), group: try m["group"].optionalString() ?? "loupe",
                   acknowledge: try m["acknowledge"].isPresent ? m["acknowledge"].choice(["broker", "mes"]) : "broker")
    }

    private static func plc(_ r: ConfigurationReader) throws -> PLC? {
        guard r.isPresent else { return nil }
        let p = try r.mapping(allowing: ["address", "unit", "reject_register", "stop_line_coil", "request_timeout_ms", "heartbeat_register",
                                         "heartbeat_ms"])
        let address = try p["address"].endpoint(defaultPort: 502)
        return PLC(host: address.host, port: address.port,
                   unit: try p["unit"].optionalInt(in: 0...255, "a Modbus unit id 0...255") ?? 1,
                   rejectRegister: try p["reject_register"].optionalInt(in: 0...65529, "a holding register 0...65529") ?? 10,
                   stopLineCoil: try p["stop_line_coil"].optionalInt(in: 0...65535, "a coil 0...65535"),
                   requestTimeoutMs: try p["request_timeout_ms"].optionalInt(in: 1...10_000, "milliseconds, 1...10000") ?? 20,
                   heartbeatRegister: try p["heartbeat_register"].optionalInt(in: 0...65535, "a holding register 0...65535"),
                   heartbeatIntervalMs: try p["heartbeat_ms"].optionalInt(in: 10...10_000, "milliseconds, 10...10000") ?? 100)
    }

    private static func api(_ r: ConfigurationReader, _ environment: [String: String]) throws -> API {
        guard r.isPresent else { return API(host: "127.0.0.1", port: 8080, token: nil) }
        let a = try r.mapping(allowing: ["listen", "token_file", "token_env"])
        let listen = try a["listen"].isPresent ? a["listen"].endpoint(defaultPort: 8080, kernelPicksPort: true) : (host: "127.0.0.1", port: 8080)
        return API(host: listen.host, port: listen.port, token: try secret(a, "token", environment))
    }

    /// `<name>_file` (the file's content, trailing newline removed) or `<name>_env`, not both.
    private static func secret(_ r: ConfigurationReader, _ name: String, _ environment: [String: String]) throws -> Secret? {
        let file = r[name + "_file"], env = r[name + "_env"]
        if file.isPresent && env.isPresent { throw env.fail("both \(name)_file and \(name)_env", expected: "one of them") }
        if file.isPresent {
            let path = try file.string()
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw file.fail("'\(path)', which cannot be read", expected: "a readable file holding the \(name)")
            }
            let value = text.trimmingCharacters(in: .newlines)
            guard !value.isEmpty else { throw file.fail("an empty file '\(path)'", expected: "a file holding the \(name)") }
            return Secret(value: value, origin: "file \(path)")
        }
        if env.isPresent {
            let variable = try env.string()
            guard let value = environment[variable], !value.isEmpty else {
                throw env.fail("'\(variable)', which is not set", expected: "an environment variable holding the \(name)")
            }
            return Secret(value: value, origin: "environment \(variable)")
        }
        return nil
    }

    private static func archive(_ r: ConfigurationReader) throws -> Archive? {
        guard r.isPresent else { return nil }
        let a = try r.mapping(allowing: ["folder", "keep_passed", "max_disk_mb", "max_days", "min_free_mb"])
        return Archive(folder: try a["folder"].string(),
                       keepPassed: try a["keep_passed"].optionalDouble(in: 0...1, "a share of passed parts, 0...1") ?? 0.01,
                       maxBytes: Int64(try a["max_disk_mb"].optionalInt(in: 1...100_000_000, "megabytes, at least 1") ?? 2048) << 20,
                       maxDays: try a["max_days"].optionalInt(in: 1...3650, "days, 1...3650") ?? 30,
                       minFreeBytes: Int64(try a["min_free_mb"].optionalInt(in: 0...100_000_000, "megabytes >= 0") ?? 1024) << 20)
    }

    /// `shifts: [{name: early, start: "06:00"}, …]`, in the order of the day.
    private static func shifts(_ r: ConfigurationReader) throws -> [Shift] {
        guard r.isPresent else { return Shift.threeEightHour }
        let items = try r.list()
        guard !items.isEmpty else { throw r.fail("an empty list", expected: "at least one shift") }
        var shifts: [Shift] = []
        for item in items {
            let s = try item.mapping(allowing: ["name", "start"])
            let start = try s["start"].string()
            let parts = start.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                throw s["start"].fail("'\(start)'", expected: "a time of day HH:MM")
            }
            let minute = parts[0] * 60 + parts[1]
            if let last = shifts.last, minute <= last.startMinute {
                throw s["start"].fail("'\(start)', not after the shift before", expected: "shifts in the order of the day")
            }
            shifts.append(Shift(name: try s["name"].string(), startMinute: minute))
        }
        return shifts
    }

    private static func inspectionPoint(_ r: ConfigurationReader) throws -> InspectionPoint {
        let p = try r.mapping(allowing: ["name", "source", "region", "model", "threshold", "uncertainty_band", "trigger", "trigger_register",
                                         "trigger_wait_ms", "line", "slot"])
        return InspectionPoint(
            name: try p["name"].string(),
            source: try source(p["source"]),
            region: try region(p["region"]),
            model: try p["model"].string(),
            threshold: try p["threshold"].optionalDouble(in: 0...1, "a threshold in 0...1").map(Float.init),
            uncertaintyBand: Float(try p["uncertainty_band"].optionalDouble(in: 0...0.5, "a band 0...0.5 around the threshold") ?? 0),
            trigger: Trigger(rawValue: try p["trigger"].isPresent ? p["trigger"].choice(["free-running", "plc"]) : "free-running")!,
            triggerRegister: try p["trigger_register"].optionalInt(in: 0...65529, "a holding register 0...65529") ?? 20,
            triggerWait: try p["trigger_wait_ms"].optionalDouble(in: 1...10_000, "milliseconds, 1...10000").map { $0 / 1000 } ?? 0.2,
            line: try line(p["line"]),
            slot: try p["slot"].optionalInt(in: 0...65535, "a PLC slot 0...65535") ?? 0)
    }

    private static func source(_ r: ConfigurationReader) throws -> Source {
        let s = try r.mapping(allowing: ["camera", "format", "size", "fps", "folder", "loop", "image"])
        let kinds = ["camera", "folder", "image"].filter { s[$0].isPresent }
        guard kinds.count == 1 else {
            throw r.fail(kinds.isEmpty ? "no frame source" : "\(kinds.joined(separator: " and "))", expected: "exactly one of camera, folder, image")
        }
        let fps = try s["fps"].optionalDouble(in: 0.01...1000, "frames per second, 0.01...1000")
        func unused(_ keys: [String]) throws {
            for key in keys where s[key].isPresent { throw s[key].fail("'\(key)' with a \(kinds[0]) source", expected: "no '\(key)' here") }
        }
        switch kinds[0] {
        case "camera":
            try unused(["loop"])
            let format = try s["format"].isPresent ? s["format"].string() : "YUYV"
            guard format.utf8.count == 4 else { throw s["format"].fail("'\(format)'", expected: "a four-character V4L2 format such as YUYV, MJPG, GREY") }
            let size = try s["size"].isPresent ? s["size"].size() : (width: 640, height: 480)
            return .camera(device: try s["camera"].string(), format: format, width: size.width, height: size.height, framesPerSecond: fps ?? 15)
        case "folder":
            try unused(["format", "size"])
            return .folder(path: try s["folder"].string(), framesPerSecond: fps ?? 10, loop: try s["loop"].optionalBool() ?? false)
        default:
            try unused(["format", "size", "loop"])
            return .image(path: try s["image"].string(), framesPerSecond: fps ?? 1)
        }
    }

    private static func region(_ r: ConfigurationReader) throws -> Region? {
        guard r.isPresent else { return nil }
        let g = try r.mapping(allowing: ["x", "y", "width", "height"])
        return Region(x: try g["x"].int(in: 0...100_000, "a pixel column >= 0"), y: try g["y"].int(in: 0...100_000, "a pixel row >= 0"),
                      width: try g["width"].int(in: 1...100_000, "a width >= 1"), height: try g["height"].int(in: 1...100_000, "a height >= 1"))
    }

    private static func line(_ r: ConfigurationReader) throws -> Line {
        guard r.isPresent else { return Line(distanceToPick: 0.5, conveyorSpeed: 0.5, rejectLeadTime: 0.03) }
        let l = try r.mapping(allowing: ["distance_to_pick_m", "conveyor_speed_m_s", "reject_lead_ms"])
        let line = Line(distanceToPick: try l["distance_to_pick_m"].double(in: 0...1000, "metres >= 0"),
                        conveyorSpeed: try l["conveyor_speed_m_s"].double(in: 0.001...100, "metres per second > 0"),
                        rejectLeadTime: try l["reject_lead_ms"].optionalDouble(in: 0...60_000, "milliseconds >= 0").map { $0 / 1000 } ?? 0.03)
        guard line.distanceToPick / line.conveyorSpeed > line.rejectLeadTime else {
            throw l["reject_lead_ms"].fail("a lead of \(line.rejectLeadTime * 1000) ms with only \(line.distanceToPick / line.conveyorSpeed * 1000) ms of travel",
                                           expected: "a lead time shorter than the travel time to the pick window")
        }
        return line
    }
}
