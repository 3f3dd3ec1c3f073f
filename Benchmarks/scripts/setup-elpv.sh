#!/usr/bin/env bash
# Installs the ELPV solar-cell dataset (PyPI wheel `elpv-dataset`, ~91 MB, CC BY-NC-SA 4.0: a
# benchmark installed at run time, never shipped) into the repo's .venv (or $VENV) and prints
# the data folder (holding labels.csv and images/) on stdout, e.g.
#   DATA=$(Benchmarks/scripts/setup-elpv.sh) && python Benchmarks/scripts/elpv_split.py --data "$DATA" --out ...
# Idempotent: creates the venv only if missing and installs only what is missing. Everything
# but the path goes to stderr; any failure exits non-zero with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv}
say() { echo "setup-elpv: $*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV" >&2 || { say "python3 -m venv $VENV failed (is python3-venv installed?)"; exit 1; }
fi
if ! "$VENV/bin/python" -c "import elpv_dataset, numpy" 2>/dev/null; then
    say "installing elpv-dataset and numpy into $VENV"
    "$VENV/bin/pip" install -q elpv-dataset numpy >&2 || { say "pip install elpv-dataset numpy failed"; exit 1; }
fi

data=$("$VENV/bin/python" -c "import elpv_dataset, os; print(os.path.join(os.path.dirname(os.path.abspath(elpv_dataset.__file__)), 'data'))")
labels="$data/labels.csv"
[ -f "$labels" ] || { say "$labels is missing: the elpv-dataset package in $VENV is incomplete"; exit 1; }
rows=$(grep -c . "$labels")
images=$(find "$data/images" -name 'cell*.png' | wc -l)
if [ "$rows" -ne 2624 ] || [ "$images" -ne 2624 ]; then
    say "expected 2624 labelled cells and 2624 images in $data, found $rows and $images"
    exit 1
fi
echo "$data"
