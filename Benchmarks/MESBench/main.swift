// loupe-mes-bench: the measurements behind Benchmarks/results/mes.json (`make bench-mes`).
//
//   loupe-mes-bench --repo R [--out F] [--quick] [--only outbox|puback|reject|chaos]
//
// Starts its own peers on 127.0.0.1 (mosquitto, the pymodbus PLC) and, for the chaos run,
// the station process `loupe-mes-sim` from its own build folder.
import LoupePeers

do {
    try runBench(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(program: "loupe-mes-bench", "\(error)")
}
