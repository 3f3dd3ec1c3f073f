"""A PLC stand-in for the MES tests and bench: a pymodbus (pinned, scripts/setup-test-venv.sh)
Modbus TCP server on 127.0.0.1 with coils and holding registers at addresses 1..N.

Usage: mes_plc_peer.py PORT [SIZE]
Prints "ready PORT" on stdout once listening. Addresses past SIZE answer exception 2
(illegal data address), which the tests use as a real PLC exception.
pymodbus quirk (docs/mes.md): a data block starting at address 0 raises an error, so the
blocks start at 1; the server maps request address a to block address a + 1, so the station's
addresses 0..SIZE-1 are valid.
"""
import asyncio
import logging
import sys

from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusTcpServer


async def main() -> None:
    port = int(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    logging.disable(logging.CRITICAL)
    device = ModbusDeviceContext(
        co=ModbusSequentialDataBlock(1, [False] * size),
        di=ModbusSequentialDataBlock(1, [False] * size),
        hr=ModbusSequentialDataBlock(1, [0] * size),
        ir=ModbusSequentialDataBlock(1, [0] * size),
    )
    server = ModbusTcpServer(ModbusServerContext(devices=device, single=True), address=("127.0.0.1", port))
    task = asyncio.create_task(server.serve_forever())
    for _ in range(200):
        if server.transport is not None:
            break
        await asyncio.sleep(0.01)
    print(f"ready {port}", flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(main())
