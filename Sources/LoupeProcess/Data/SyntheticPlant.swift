import Foundation
import LoupeTensor

/// A plant with known answers, for proving key-parameter selection: `driverCount` true drivers of
/// the target hidden among `tagCount` tags — near-copy proxies of drivers (ρ 0.90–0.99), look-alikes
/// (ρ 0.3–0.7 with a driver, no effect of their own), clusters of decoys correlated among
/// themselves, and pure noise of four shapes — in mixed units and shuffled order.
public struct SyntheticPlant: Sendable {
    public enum Role: String, Sendable { case driver, proxy, lookAlike, decoy, noise }
    public var names: [String]
    public var roles: [Role]
    /// For drivers and proxies: the driver they stand for.
    public var driverOf: [Int?]
    public var x: Matrix
    public var y: [Double]

    public static func generate(rows n: Int = 3000, tags p: Int = 1000, drivers: Int = 30, noise sigma: Double = 2.3, seed: UInt64 = 1) -> SyntheticPlant {
        var rng = SplitMix64(seed: seed)
        func u() -> Double { rng.unitDouble() }
        func normal() -> Double { rng.normalDouble() }
        func normals() -> [Double] { (0..<n).map { _ in normal() } }
        var columns: [[Double]] = [], roles: [Role] = [], driverOf: [Int?] = []
        let d = (0..<drivers).map { _ in normals() }
        for j in 0..<drivers { columns.append(d[j]); roles.append(.driver); driverOf.append(j) }
        for j in 0..<drivers {
            for _ in 0..<Int(4 * u()) {
                let rho = 0.90 + 0.09 * u()
                let e = normals()
                columns.append((0..<n).map { rho * d[j][$0] + (1 - rho * rho).squareRoot() * e[$0] }); roles.append(.proxy); driverOf.append(j)
            }
        }
        for _ in 0..<(2 * drivers) {
            let j = Int(Double(drivers) * u()), rho = 0.3 + 0.4 * u()
            let e = normals()
            columns.append((0..<n).map { rho * d[j][$0] + (1 - rho * rho).squareRoot() * e[$0] }); roles.append(.lookAlike); driverOf.append(nil)
        }
        cluster: for _ in 0..<40 {
            let f = normals()
            for _ in 0..<(4 + Int(12 * u())) {
                guard columns.count < p else { break cluster }
                let l = 0.5 + 0.49 * u()
                let e = normals()
                columns.append((0..<n).map { l * f[$0] + (1 - l * l).squareRoot() * e[$0] }); roles.append(.decoy); driverOf.append(nil)
            }
        }
        var i = 0
        while columns.count < p {
            let z = normals()
            switch i % 4 {
            case 0: columns.append(z)
            case 1: columns.append((0..<n).map { _ in (u() - 0.5) * 12.0.squareRoot() })
            case 2: columns.append(z.map { exp(0.5 * $0) })
            default:
                let a = normals(), b = normals(), c = normals()
                var t = [Double](repeating: 0, count: n)
                for r in 0..<n {
                    let chi: Double = a[r] * a[r] + b[r] * b[r] + c[r] * c[r]
                    t[r] = z[r] / (chi / 3).squareRoot()
                }
                columns.append(t)
            }
            roles.append(.noise); driverOf.append(nil)
            i += 1
        }
        var beta = [Double](repeating: 0, count: drivers)
        for j in 0..<drivers { let sign = u() < 0.5 ? -1.0 : 1.0; beta[j] = sign * (0.3 + 0.7 * u()) }
        let e = normals()
        let y = (0..<n).map { r -> Double in
            var v = 0.0
            for j in 0..<drivers { v += beta[j] * d[j][r] }
            for j in 0..<min(3, drivers) { v += 0.5 * (d[j][r] * d[j][r] - 1) }
            if drivers >= 9 { v += 0.5 * (d[3][r] * d[4][r] + d[5][r] * d[6][r] + d[7][r] * d[8][r]) }
            return 50 + 3 * (v + sigma * e[r])
        }
        // Mixed units: each tag scaled by 10^(−2…2) and offset by −1000…1000; then shuffled.
        for k in columns.indices {
            let scale = pow(10, -2 + 4 * u()), offset = -1000 + 2000 * u()
            columns[k] = columns[k].map { $0 * scale + offset }
        }
        var order = Array(columns.indices)
        order.shuffle(using: &rng)
        let names = order.indices.map { String(format: "TAG%04d", $0) }
        return SyntheticPlant(names: names, roles: order.map { roles[$0] }, driverOf: order.map { driverOf[$0] },
                              x: Matrix(columnArrays: order.map { columns[$0] }), y: y)
    }

    /// Scores a selection the way it is meant: a driver is found when a selected group holds it;
    /// a false positive is a selected group with neither a driver nor a proxy in it.
    public func score(_ result: KeyParameterSelection.Result) -> (recall: Double, falsePositiveRate: Double, falsePositives: Int) {
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let driverCount = Set(driverOf.compactMap { $0 }).count
        var found = Set<Int>()
        var falsePositives = 0, nullGroups = 0
        for g in result.groups {
            let members = g.members.map { index[$0]! }
            let informative = members.contains { roles[$0] == .driver || roles[$0] == .proxy }
            if !informative { nullGroups += 1 }
            guard g.selected else { continue }
            if !informative { falsePositives += 1 }
            for m in members where roles[m] == .driver { found.insert(driverOf[m]!) }
        }
        return (Double(found.count) / Double(driverCount), nullGroups == 0 ? 0 : Double(falsePositives) / Double(nullGroups), falsePositives)
    }
}
