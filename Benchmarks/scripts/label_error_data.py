#!/usr/bin/env python3
"""Label-error benchmark data: flip a seeded share of labels, then score a ranking of suspects.

    label_error_data.py flip --labels IN.csv --out OUT.csv --fraction 0.05 --seed 0 --flipped flipped.txt
    label_error_data.py recall --errors errors.jsonl --flipped flipped.txt --top 0.10 [--json out.json]

flip
    IN.csv is a Loupe labels CSV: a header naming a path column (path/file/image/filename) and a
    label column (label/class/probability), found case-insensitively as Loupe's LabelsCSV does;
    other columns are ignored; relative paths are relative to IN.csv's folder. Labels are made
    binary: a number is "defective" when > 0.5, else "good" (ELPV and `loupe synth` probabilities);
    otherwise the names good/defective (any case). Exactly k = round(fraction * N) labels
    (half up) are flipped, stratified: class c gets floor(k * n_c / N) flips, and the flips still
    missing go one each to the classes with the largest remainder (ties: good first). One
    numpy.random.default_rng(seed) permutes each class's rows (in file order, good first); the
    first k_c rows of each permutation are flipped. OUT.csv has the header `path,label` and every
    row in IN.csv's order with its absolute path and (possibly flipped) binary label; the
    flipped file lists the flipped absolute paths one per line, in IN.csv's order. The same
    input and seed always give byte-identical files.

recall
    errors.jsonl has one JSON object per line with at least `path` and `rank` (1 = most likely
    mislabelled; `errorRank`, as `loupe label --find-errors` writes it, is read too); N = number
    of such lines. The top set at fraction f is the first ceil(f * N)
    lines after sorting by rank (ties keep file order). Reports, for --top and for 5 %, 10 %,
    20 %: recall = flipped paths in the top set / flipped paths, precision = flipped paths in the
    top set / size of the top set (a random ranking expects recall f). Paths are compared after
    os.path.realpath. Prints JSON and writes it to --json.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

PATH_COLUMNS = ("path", "file", "image", "filename")
LABEL_COLUMNS = ("label", "class", "probability")
CLASSES = ("good", "defective")


def fail(message):
    print(f"label_error_data.py: {message}", file=sys.stderr)
    sys.exit(1)


def binary_label(text, where):
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        name = value.lower()
        if name not in CLASSES:
            fail(f"{where}: label {value!r} is neither a number nor one of {CLASSES}")
        return name
    if not math.isfinite(number):
        fail(f"{where}: label {value!r} is not finite")
    return "defective" if number > 0.5 else "good"


def read_labels(csv_path):
    """[(absolute path, binary label)] in file order."""
    folder = os.path.dirname(os.path.abspath(csv_path))
    try:
        lines = open(csv_path, encoding="utf-8").read().splitlines()
    except OSError as e:
        fail(f"cannot read {csv_path}: {e.strerror or e}")
    if not lines:
        fail(f"{csv_path} is empty")
    header = [h.strip().lower() for h in lines[0].split(",")]
    column = lambda names: next((i for i, h in enumerate(header) if h in names), None)  # noqa: E731
    path_col, label_col = column(PATH_COLUMNS), column(LABEL_COLUMNS)
    if path_col is None or label_col is None:
        fail(f"{csv_path}: header {header} needs a path column {PATH_COLUMNS} and a label column {LABEL_COLUMNS}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != len(header):
            fail(f"{csv_path}:{number}: {len(fields)} fields, the header has {len(header)}")
        path = fields[path_col]
        if not path:
            fail(f"{csv_path}:{number}: empty path")
        rows.append((os.path.normpath(os.path.join(folder, path)), binary_label(fields[label_col], f"{csv_path}:{number}")))
    if not rows:
        fail(f"{csv_path} has no rows")
    return rows


def flips_per_class(sizes, k):
    """Largest-remainder apportionment of k flips over classes of the given sizes."""
    total = sum(sizes)
    exact = [k * n / total for n in sizes]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:k - sum(counts)]:
        counts[i] += 1
    return counts


def flip(args):
    if not 0 <= args.fraction <= 1:
        fail("--fraction must be within 0...1")
    rows = read_labels(args.labels)
    n = len(rows)
    k = math.floor(args.fraction * n + 0.5)
    members = [[i for i, (_, label) in enumerate(rows) if label == c] for c in CLASSES]
    counts = flips_per_class([len(m) for m in members], k)
    rng = np.random.default_rng(args.seed)
    flipped = set()
    for indices, count in zip(members, counts):
        if indices:
            flipped.update(int(i) for i in rng.permutation(np.array(indices))[:count])
    other = {"good": "defective", "defective": "good"}
    for path, _ in rows:
        if "," in path or '"' in path:
            fail(f"the image path {path!r} contains a comma or quote, which Loupe's labels CSV cannot hold")
    write_atomically(args.out, "path,label\n" + "".join(
        f"{path},{other[label] if i in flipped else label}\n" for i, (path, label) in enumerate(rows)))
    write_atomically(args.flipped, "".join(f"{rows[i][0]}\n" for i in sorted(flipped)))
    print(f"{args.labels}: {n} images ({len(members[0])} good, {len(members[1])} defective); "
          f"flipped {k} (seed {args.seed}): {counts[0]} good -> defective, {counts[1]} defective -> good")
    print(f"wrote {args.out} and {args.flipped}")


def write_atomically(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(temporary, path)


def recall(args):
    if not 0 < args.top <= 1:
        fail("--top must be within (0, 1]")
    entries = []
    with open(args.errors, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                rank = obj["rank"] if "rank" in obj else obj["errorRank"]
                entries.append((float(rank), number, os.path.realpath(obj["path"])))
            except (ValueError, KeyError, TypeError) as e:
                fail(f"{args.errors}:{number}: needs a JSON object with 'path' and 'rank' or 'errorRank' ({e})")
    if not entries:
        fail(f"{args.errors} has no entries")
    with open(args.flipped, encoding="utf-8") as f:
        flipped = {os.path.realpath(line.strip()) for line in f if line.strip()}
    if not flipped:
        fail(f"{args.flipped} lists no paths")
    entries.sort()
    ranked = [path for _, _, path in entries]
    n = len(ranked)
    duplicates = n - len(set(ranked))
    missing = len(flipped - set(ranked))

    def at(fraction):
        k = math.ceil(fraction * n - 1e-9)
        hits = len(flipped.intersection(ranked[:k]))
        return {"top_fraction": fraction, "top_k": k, "hits": hits,
                "recall": hits / len(flipped), "precision": hits / k if k else 0.0}

    main = at(args.top)
    result = {
        "errors_file": args.errors,
        "images_ranked": n,
        "flipped": len(flipped),
        "flipped_not_ranked": missing,
        "duplicate_paths": duplicates,
        "top_fraction": args.top,
        "top_k": main["top_k"],
        "hits": main["hits"],
        "recall": main["recall"],
        "precision": main["precision"],
        "random_expected_recall": main["top_k"] / n,
        "recall_top05": at(0.05)["recall"], "precision_top05": at(0.05)["precision"],
        "recall_top10": at(0.10)["recall"], "precision_top10": at(0.10)["precision"],
        "recall_top20": at(0.20)["recall"], "precision_top20": at(0.20)["precision"],
    }
    print(json.dumps(result, indent=2))
    if missing:
        print(f"label_error_data.py: warning: {missing} flipped path(s) do not appear in {args.errors}", file=sys.stderr)
    if duplicates:
        print(f"label_error_data.py: warning: {duplicates} duplicate path(s) in {args.errors}", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("flip", help="flip a seeded, class-stratified share of binary labels")
    p.add_argument("--labels", required=True, help="input labels CSV")
    p.add_argument("--out", required=True, help="output CSV (path,label; absolute paths)")
    p.add_argument("--fraction", type=float, default=0.05, help="share of labels to flip (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="numpy default_rng seed (default 0)")
    p.add_argument("--flipped", required=True, help="output list of the flipped absolute paths")
    p.set_defaults(run=flip)
    r = sub.add_parser("recall", help="share of flipped labels among the top-ranked suspects")
    r.add_argument("--errors", required=True, help="JSONL with path and rank or errorRank (1 = most suspect)")
    r.add_argument("--flipped", required=True, help="the flipped paths written by flip")
    r.add_argument("--top", type=float, default=0.10, help="top fraction of the ranking (default 0.10)")
    r.add_argument("--json", help="write the result here too")
    r.set_defaults(run=recall)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
