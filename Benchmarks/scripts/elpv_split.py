#!/usr/bin/env python3
"""Write the standard seeded 75/25 split of the ELPV solar-cell dataset as Loupe labels CSVs.

Usage:
    elpv_split.py --data DIR --out DIR [--seed 0]

Input: DIR is the `elpv_dataset/data` folder of the `elpv-dataset` wheel
(Benchmarks/scripts/setup-elpv.sh prints it). Its `labels.csv` has no header and one cell per
line, three fields separated by runs of spaces:

    images/cell0001.png  1.0                 mono

(relative image path, expert defect probability in {0.0, 0.3333333333333333,
0.6666666666666666, 1.0}, cell type mono/poly); 2,624 cells.

Output: `train.csv` and `test.csv` in --out, in Loupe's labels-CSV format: the header
`path,probability,type`, then one row per cell with the absolute image path and the
probability and type exactly as ELPV writes them, in the order of ELPV's labels.csv.

The split (Deitsch et al., Solar Energy 2019: 75/25, stratified by probability and type):
  1. Strata are the (probability, type) pairs, taken in ascending probability, then type
     order (mono before poly).
  2. Each stratum of n cells gets floor(0.75 n) training cells; the cells still missing from
     round(0.75 N) in total (N = all cells) go one each to the strata with the largest
     fractional part 0.75 n - floor(0.75 n), ties to the earlier stratum (largest remainder).
     For ELPV that is exactly 1,968 train / 656 test cells.
  3. One `numpy.random.default_rng(seed)` permutes each stratum's cells (in labels.csv order),
     strata in the order of step 1; the first cells of each permutation are the training cells.
The same data and seed always give byte-identical files. Counts per stratum are printed.
Fails (exit status 1, message on stderr) on a malformed labels.csv, a missing image, or an
ELPV-sized dataset whose split is not 1,968 / 656.
"""
import argparse
import math
import os
import sys

import numpy as np

TRAIN_FRACTION = 0.75
ELPV_CELLS, ELPV_TRAIN, ELPV_TEST = 2624, 1968, 656
PROBABILITIES = {"0.0", "0.3333333333333333", "0.6666666666666666", "1.0"}
TYPES = ("mono", "poly")


def fail(message):
    print(f"elpv_split.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_labels(data_dir):
    """Rows (absolute path, probability text, type) in labels.csv order."""
    labels = os.path.join(data_dir, "labels.csv")
    if not os.path.isfile(labels):
        fail(f"{labels} not found: --data must be the elpv_dataset/data folder (run setup-elpv.sh)")
    rows = []
    with open(labels, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 3:
                fail(f"{labels}:{number}: expected 3 whitespace-separated fields (path probability type), got {len(fields)}: {line.strip()!r}")
            relative, probability, cell_type = fields
            if probability not in PROBABILITIES:
                fail(f"{labels}:{number}: probability {probability!r} is not one of {sorted(PROBABILITIES)}")
            if cell_type not in TYPES:
                fail(f"{labels}:{number}: cell type {cell_type!r} is not one of {TYPES}")
            path = os.path.abspath(os.path.join(data_dir, relative))
            if "," in path or '"' in path:
                fail(f"{labels}:{number}: the image path {path!r} contains a comma or quote, which Loupe's labels CSV cannot hold")
            if not os.path.isfile(path):
                fail(f"{labels}:{number}: image {path} does not exist")
            rows.append((path, probability, cell_type))
    if not rows:
        fail(f"{labels} has no cells")
    return rows


def training_counts(sizes):
    """Training cells per stratum: floors, then the largest remainders (ties: earlier stratum)."""
    exact = [TRAIN_FRACTION * n for n in sizes]
    counts = [math.floor(x) for x in exact]
    missing = round(TRAIN_FRACTION * sum(sizes)) - sum(counts)
    by_remainder = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:missing]:
        counts[i] += 1
    return counts


def split(rows, seed):
    strata = sorted({(float(p), p, t) for _, p, t in rows})
    members = [[i for i, (_, p, t) in enumerate(rows) if (p, t) == (sp, st)] for _, sp, st in strata]
    counts = training_counts([len(m) for m in members])
    rng = np.random.default_rng(seed)
    train = set()
    for indices, count in zip(members, counts):
        permuted = rng.permutation(np.array(indices))
        train.update(int(i) for i in permuted[:count])
    table = [(p, t, len(m), c, len(m) - c) for (_, p, t), m, c in zip(strata, members, counts)]
    return train, table


def write_csv(path, rows):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as f:
        f.write("path,probability,type\n")
        for row in rows:
            f.write(",".join(row) + "\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the elpv_dataset/data folder (holds labels.csv and images/)")
    parser.add_argument("--out", required=True, help="folder for train.csv and test.csv (created if missing)")
    parser.add_argument("--seed", type=int, default=0, help="numpy default_rng seed (default 0)")
    args = parser.parse_args()

    rows = read_labels(os.path.abspath(args.data))
    train, table = split(rows, args.seed)
    train_rows = [r for i, r in enumerate(rows) if i in train]
    test_rows = [r for i, r in enumerate(rows) if i not in train]
    if len(rows) == ELPV_CELLS and (len(train_rows), len(test_rows)) != (ELPV_TRAIN, ELPV_TEST):
        fail(f"split gave {len(train_rows)} train / {len(test_rows)} test cells, the standard protocol has {ELPV_TRAIN} / {ELPV_TEST}")

    os.makedirs(args.out, exist_ok=True)
    train_path, test_path = os.path.join(args.out, "train.csv"), os.path.join(args.out, "test.csv")
    write_csv(train_path, train_rows)
    write_csv(test_path, test_rows)

    print(f"ELPV split, seed {args.seed}: {len(rows)} cells -> {len(train_rows)} train, {len(test_rows)} test")
    print(f"{'probability':>20} {'type':>5} {'cells':>6} {'train':>6} {'test':>5}")
    for p, t, n, tr, te in table:
        print(f"{p:>20} {t:>5} {n:>6} {tr:>6} {te:>5}")
    print(f"wrote {train_path} and {test_path}")


if __name__ == "__main__":
    main()
