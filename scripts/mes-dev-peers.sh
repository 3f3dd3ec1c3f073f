#!/usr/bin/env bash
# Starts a local MQTT broker and a Modbus TCP PLC simulator on 127.0.0.1, to try the MES commands
# before commissioning on the real line:
#   scripts/mes-dev-peers.sh [MQTT_PORT=1883] [MODBUS_PORT=5020]
#   loupe mes test-result --broker 127.0.0.1:1883
#   loupe mes test-reject --plc 127.0.0.1:5020 --slot 4
# Ctrl-C stops both. Needs mosquitto (scripts/install-deps.sh mosquitto) and .venv-test
# (scripts/setup-test-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mqtt_port=${1:-1883}
modbus_port=${2:-5020}
dir=$(mktemp -d)
cat >"$dir/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
set_tcp_nodelay true
user $(id -un)
CONF
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$mosquitto" -c "$dir/mosquitto.conf" &
broker=$!
.venv-test/bin/python Tests/Support/Peers/mes_plc_peer.py "$modbus_port" &
plc=$!
trap 'kill $broker $plc 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
echo "mes-dev-peers: MQTT on 127.0.0.1:$mqtt_port, Modbus TCP on 127.0.0.1:$modbus_port (Ctrl-C stops)"
wait
