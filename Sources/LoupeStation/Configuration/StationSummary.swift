import LoupeTensor

/// A human-readable summary of a configuration, as `loupe station check-config` prints it
/// (and the station logs at start).
/// Secrets appear only as where they come from.
public enum StationSummary {
    /// - Parameter models: a description of each point's loaded model, by point name (if checked).
    public static func lines(_ c: StationConfiguration, models: [String: String] = [:]) -> [String] {
        var lines = ["station \(c.name): outbox \(c.outbox)"]
        if let mes = c.mes {
            lines.append("  MES: MQTT \(mes.host):\(mes.port), group \(mes.group)"
                         + (mes.username.map { ", user \($0)" } ?? "") + (mes.password.map { ", password \($0)" } ?? ""))
        } else {
            lines.append("  MES: none (results stay in the local outbox)")
        }
        if let plc = c.plc {
            lines.append("  PLC: Modbus TCP \(plc.host):\(plc.port) unit \(plc.unit), reject block at register \(plc.rejectRegister)"
                         + (plc.stopLineCoil.map { ", stop-line coil \($0)" } ?? "") + ", \(plc.requestTimeoutMs) ms per request")
        } else {
            lines.append("  PLC: none (no reject commands are sent)")
        }
        lines.append("  compute: \(CPUDescription.current.summary), kernel variant \(KernelVariant.active)")
        lines.append("  API: http://\(c.api.host):\(c.api.port) " + (c.api.token.map { "(changes need the token, \($0))" } ?? "(read-only)"))
        for p in c.inspectionPoints {
            let source: String
            switch p.source {
            case let .camera(device, format, w, h, fps): source = "camera \(device) \(format) \(w)x\(h) at \(fps) fps"
            case let .folder(path, fps, loop): source = "folder \(path) at \(fps) fps" + (loop ? ", looping" : "")
            case let .image(path, fps): source = "image \(path) at \(fps) fps"
            }
            let travel = p.line.distanceToPick / p.line.conveyorSpeed
            lines.append("  point \(p.name) (slot \(p.slot), \(p.trigger.rawValue)): \(source)")
            lines.append("    model \(p.model)" + (models[p.name].map { ": \($0)" } ?? "")
                         + (p.threshold.map { "; threshold set to \($0)" } ?? "") + "; uncertainty band ±\(p.uncertaintyBand)")
            if let r = p.region { lines.append("    region \(r.width)x\(r.height) at (\(r.x), \(r.y))") }
            lines.append("    deadline \(Int((travel * 1000).rounded())) ms after detection, reject \(Int((p.line.rejectLeadTime * 1000).rounded())) ms before it")
        }
        return lines
    }
}
