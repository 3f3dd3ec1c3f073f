#!/usr/bin/env bash
# Creates .venv-test with the Modbus TCP peer the MES tests start (pymodbus, pinned)
# and scikit-learn, the reference the evaluation metrics are checked against (pinned).
# Idempotent: re-running installs only what is missing or at the wrong version.
# The Swift tests look for .venv-test/bin/python (override with LOUPE_TEST_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-test}
PYMODBUS_VERSION=3.16.1
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c "import pymodbus, sys; sys.exit(pymodbus.__version__ != '$PYMODBUS_VERSION')" 2>/dev/null; then
    "$VENV/bin/pip" install -q "pymodbus==$PYMODBUS_VERSION"
fi
SKLEARN_VERSION=1.9.1
if ! "$VENV/bin/python" -c "import sklearn, sys; sys.exit(sklearn.__version__ != '$SKLEARN_VERSION')" 2>/dev/null; then
    "$VENV/bin/pip" install -q "scikit-learn==$SKLEARN_VERSION"
fi
