"""Peer for `make bench-mes`: the same reject write (FC16, 6 registers) + read-back (FC03) with
pymodbus's own synchronous client, paced at RATE parts/s for COUNT parts.
Usage: mes_modbus_rtt.py PORT RATE COUNT   -> prints JSON {"p50_ms": .., "p99_ms": ..}
"""
import json
import sys
import time

from pymodbus.client import ModbusTcpClient


def main() -> None:
    port, rate, count = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=1)
    client.connect()
    rtts = []
    start = time.perf_counter()
    for i in range(count):
        due = start + i / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        block = [i & 0xFFFF, i % 16, 0, i & 0xFFFF, 1, 0]
        t0 = time.perf_counter()
        client.write_registers(10, block)
        read = client.read_holding_registers(10, count=6).registers
        rtts.append((time.perf_counter() - t0) * 1000)
        assert read == block, (read, block)
    client.close()
    rtts.sort()
    print(json.dumps({"p50_ms": rtts[len(rtts) // 2], "p99_ms": rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]}))


if __name__ == "__main__":
    main()
