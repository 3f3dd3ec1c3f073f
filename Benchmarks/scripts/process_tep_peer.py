#!/usr/bin/env python3
"""Python peer for `loupe process monitor` on the Tennessee Eastman (TEP) benchmark.

Reads the CSV layout written by Benchmarks/scripts/process_data.py:
    DIR/tep/d00.csv       500 normal training rows
    DIR/tep/d00_te.csv    960 normal test rows (calibration + false-alarm rate)
    DIR/tep/dNN_te.csv    960 test rows, fault NN active from 0-based row 160
header xmeas_1..xmeas_41,xmv_1..xmv_11, one row per 3-minute sample.

Methods (all trained on d00 only, standardised with d00 mean and sample std):
  pca          static PCA, 9 components, T^2 and SPE
  dpca         dynamic PCA, 2 lags, components: smallest a whose cumulative variance
               fraction >= that of the 9 static components (gives 16 here)
  loupe_recipe same DPCA model; T^2 and SPE each smoothed by an EWMA (lambda 0.1,
               started at the statistic's training mean); alarm on the smoothed stats

Limits (every method the same way, only d00_te is used): with N = 960 normal rows
and A = floor(0.01 N) = 9 allowed alarms, try m = A, A-1, ..., 0; for each statistic
take the limit L_j = its (m+1)-th largest value on d00_te; stop at the first m for
which the number of rows with (T^2 > L_T2 or SPE > L_SPE) is <= A. Both statistics
thus share the same empirical quantile and the OR-combined false-alarm rate <= 1 %.

Detection rate: fraction of rows 160..959 (0-based) flagged. Delay: (first flagged
row index >= 160) - 160, in samples (x 3 min); null if never flagged.
Mean detection is over the 18 faults other than 3, 9 and 15.

Usage: process_tep_peer.py --data DIR --out FILE.json
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

TAGS = [f"xmeas_{i}" for i in range(1, 42)] + [f"xmv_{i}" for i in range(1, 12)]
FAULTS = list(range(1, 22))
UNDETECTABLE = (3, 9, 15)
DETECTABLE = [k for k in FAULTS if k not in UNDETECTABLE]
ONSET = 160            # 0-based index of the first faulty row in dNN_te
MAX_FA = 0.01
PCA_COMPONENTS = 9
DPCA_LAGS = 2
EWMA_LAMBDA = 0.1


def load(path):
    with open(path) as fh:
        header = [h.strip().strip('"').lower() for h in fh.readline().split(",")]
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    idx = [header.index(t) for t in TAGS]          # reorder by name, fail if missing
    X = data[:, idx]
    assert np.isfinite(X).all(), f"non-finite values in {path}"
    return X


def lagged(Z, h):
    """Row t -> [z_t, z_{t-1}, ..., z_{t-h}], indices before 0 clamped to row 0."""
    if h == 0:
        return Z
    P = np.vstack([np.repeat(Z[:1], h, axis=0), Z])
    n = len(Z)
    return np.hstack([P[h - j:h - j + n] for j in range(h + 1)])


def eig_desc(C):
    w, V = np.linalg.eigh(C)             # LAPACK syevd; symmetric
    order = np.argsort(w)[::-1]
    return w[order], V[:, order]


class Model:
    """PCA on (lagged) standardised training data."""

    def __init__(self, Xtr, lags, n_comp=None, var_fraction=None):
        self.mu = Xtr.mean(axis=0)
        self.sd = Xtr.std(axis=0, ddof=1)
        self.h = lags
        A = lagged(self.std(Xtr), lags)[lags:]          # drop the first h (padded) rows
        self.n_train = len(A)
        C = A.T @ A / (len(A) - 1)                       # no re-centering after lagging
        w, V = eig_desc(C)
        if n_comp is None:
            cum = np.cumsum(w) / w.sum()
            n_comp = int(np.argmax(cum >= var_fraction - 1e-12) + 1)
        self.a = n_comp
        self.eigvals = w
        self.var_fraction = float(w[:n_comp].sum() / w.sum())
        self.P = V[:, :n_comp]
        self.lam = w[:n_comp]
        t2, spe = self.stats(A, prelagged=True)
        self.train_mean = np.array([t2.mean(), spe.mean()])

    def std(self, X):
        return (X - self.mu) / self.sd

    def stats(self, X, prelagged=False):
        Z = X if prelagged else lagged(self.std(X), self.h)
        T = Z @ self.P
        t2 = (T ** 2 / self.lam).sum(axis=1)
        R = Z - T @ self.P.T
        spe = (R ** 2).sum(axis=1)
        return t2, spe

    def contributions(self, X):
        """Per original variable (52), summed over lag copies:
        T^2: c_i = z_i * (D z)_i with D = P diag(1/lam) P^T (sums exactly to T^2),
        SPE: c_i = r_i^2 with r = (I - P P^T) z (sums exactly to SPE)."""
        Z = lagged(self.std(X), self.h)
        T = Z @ self.P
        ct2 = Z * ((T / self.lam) @ self.P.T)
        cspe = (Z - T @ self.P.T) ** 2
        m = len(TAGS)
        fold = lambda c: c.reshape(len(c), self.h + 1, m).sum(axis=1)
        return fold(ct2), fold(cspe)


def ewma(S, lam, init):
    """z_0 = lam*s_0 + (1-lam)*init, z_t = lam*s_t + (1-lam)*z_{t-1} (column-wise)."""
    out = np.empty_like(S, dtype=float)
    z = np.asarray(init, dtype=float).copy()
    for t in range(len(S)):
        z = lam * S[t] + (1.0 - lam) * z
        out[t] = z
    return out


def calibrate(Sn, max_fa=MAX_FA):
    """Joint limits: same empirical quantile for each column, OR-rate <= max_fa."""
    n = len(Sn)
    allowed = int(np.floor(max_fa * n + 1e-9))
    srt = -np.sort(-Sn, axis=0)                       # descending per column
    for m in range(allowed, -1, -1):
        L = srt[m]
        if (Sn > L).any(axis=1).sum() <= allowed:
            return L, m
    raise RuntimeError("calibration failed")


class Method:
    def __init__(self, name, model, lam=None):
        self.name, self.model, self.lam = name, model, lam

    def statistics(self, X):
        t2, spe = self.model.stats(X)
        S = np.column_stack([t2, spe])
        if self.lam is not None:
            S = ewma(S, self.lam, self.model.train_mean)
        return S


def run_method(meth, Xtr, Xn, tests):
    t0 = time.perf_counter()
    Sn = meth.statistics(Xn)
    L, m = calibrate(Sn)
    alarm_n = (Sn > L).any(axis=1)
    per_fault = {}
    pre_alarms = pre_rows = 0
    for k in FAULTS:
        S = meth.statistics(tests[k])
        flags = S > L
        alarm = flags.any(axis=1)
        post = alarm[ONSET:]
        hits = np.flatnonzero(post)
        pre_alarms += int(alarm[:ONSET].sum())
        pre_rows += ONSET
        per_fault[str(k)] = {
            "detection": float(post.mean()),
            "detection_t2": float(flags[ONSET:, 0].mean()),
            "detection_spe": float(flags[ONSET:, 1].mean()),
            "delay_samples": int(hits[0]) if len(hits) else None,
            "delay_minutes": int(hits[0]) * 3 if len(hits) else None,
        }
    elapsed = time.perf_counter() - t0
    res = {
        "components": meth.model.a,
        "lags": meth.model.h,
        "variance_fraction": meth.model.var_fraction,
        "ewma_lambda": meth.lam,
        "train_stat_mean": {"t2": float(meth.model.train_mean[0]), "spe": float(meth.model.train_mean[1])},
        "eigenvalues_top": [float(v) for v in meth.model.eigvals[:meth.model.a + 1]],
        "limits": {"t2": float(L[0]), "spe": float(L[1])},
        "limit_rank_m": int(m),
        "false_alarm_d00_te": float(alarm_n.mean()),
        "false_alarm_d00_te_t2": float((Sn[:, 0] > L[0]).mean()),
        "false_alarm_d00_te_spe": float((Sn[:, 1] > L[1]).mean()),
        # independent normal data, never used for fitting or calibration
        "false_alarm_prefault_rows": pre_alarms / pre_rows,
        "mean_detection_18": float(np.mean([per_fault[str(k)]["detection"] for k in DETECTABLE])),
        "mean_detection_21": float(np.mean([per_fault[str(k)]["detection"] for k in FAULTS])),
        "median_delay_samples_18": float(np.median([
            per_fault[str(k)]["delay_samples"] if per_fault[str(k)]["delay_samples"] is not None
            else 960 - ONSET for k in DETECTABLE])),
        "faults": per_fault,
        "seconds_eval": elapsed,
    }
    if meth.lam is not None:
        # diagnosis cross-check: EWMA-smoothed per-variable contributions, averaged
        # over the faulty rows, normalised by their mean on the training rows
        ct_tr, cs_tr = meth.model.contributions(Xtr)
        norm_t, norm_s = ct_tr[meth.model.h:].mean(0), cs_tr[meth.model.h:].mean(0)
        top = {}
        for k in FAULTS:
            ct, cs = meth.model.contributions(tests[k])
            ct = ewma(ct, meth.lam, norm_t)[ONSET:].mean(0) / norm_t
            cs = ewma(cs, meth.lam, norm_s)[ONSET:].mean(0) / norm_s
            top[str(k)] = {"t2": [TAGS[i] for i in np.argsort(-ct)[:3]],
                           "spe": [TAGS[i] for i in np.argsort(-cs)[:3]]}
        res["top_contributors"] = top
    return res



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="data dir holding tep/d00.csv etc.")
    ap.add_argument("--out", required=True, help="output JSON file")
    ap.add_argument("--lambda", dest="lam", type=float, default=EWMA_LAMBDA)
    args = ap.parse_args()

    t_start = time.perf_counter()
    d = os.path.join(args.data, "tep")
    Xtr = load(os.path.join(d, "d00.csv"))
    Xn = load(os.path.join(d, "d00_te.csv"))
    tests = {k: load(os.path.join(d, f"d{k:02d}_te.csv")) for k in FAULTS}
    assert Xtr.shape == (500, 52) and Xn.shape == (960, 52), (Xtr.shape, Xn.shape)
    t_load = time.perf_counter() - t_start

    t0 = time.perf_counter()
    pca = Model(Xtr, 0, n_comp=PCA_COMPONENTS)
    dpca = Model(Xtr, DPCA_LAGS, var_fraction=pca.var_fraction)
    t_fit = time.perf_counter() - t0

    methods = [Method("pca", pca), Method("dpca", dpca), Method("loupe_recipe", dpca, args.lam)]
    out = {
        "dataset": "Tennessee Eastman (Braatz), bibmon wheel",
        "protocol": {
            "train": "d00 (500 rows), standardised with its mean and sample std (ddof=1)",
            "calibration": "d00_te (960 rows): same empirical quantile for T2 and SPE, "
                           "largest such that OR-combined alarms <= floor(0.01*960)=9 rows",
            "detection": "fraction of dNN_te rows 160..959 (0-based) flagged, T2 > L or SPE > L",
            "delay": "first flagged row index >= 160 minus 160, in samples (3 min each)",
            "mean_over": DETECTABLE,
        },
        "methods": {},
    }
    for m in methods:
        out["methods"][m.name] = run_method(m, Xtr, Xn, tests)
    out["runtime_seconds"] = {"load_csv": t_load, "fit": t_fit,
                              "total": time.perf_counter() - t_start}
    out["env"] = {"python": platform.python_version(), "numpy": np.__version__}
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)

    print(f"{'fault':>5} " + " ".join(f"{n:>20s}" for n in out["methods"]))
    for k in FAULTS:
        row = []
        for n in out["methods"]:
            f = out["methods"][n]["faults"][str(k)]
            dl = "-" if f["delay_samples"] is None else str(f["delay_samples"])
            row.append(f"{100 * f['detection']:6.1f}% d={dl:>4s}      ")
        print(f"{k:5d} " + " ".join(row))
    for n, r in out["methods"].items():
        print(f"{n}: a={r['components']} FA d00_te {100 * r['false_alarm_d00_te']:.2f}% "
              f"(pre-fault rows {100 * r['false_alarm_prefault_rows']:.2f}%) "
              f"mean18 {100 * r['mean_detection_18']:.1f}% median delay {r['median_delay_samples_18']}")
    print(f"total {out['runtime_seconds']['total']:.2f}s -> {args.out}")


if __name__ == "__main__":
    main()
