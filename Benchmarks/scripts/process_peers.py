#!/usr/bin/env python3
"""Python peers for the `loupe process` benchmarks (numpy, scikit-learn, scipy SLSQP), single-threaded.

    DATA=$(Benchmarks/scripts/setup-process-data.sh)
    .venv/bin/python Benchmarks/scripts/process_peers.py --data "$DATA" --out peers.json \
        [--quick] [--recommend-problem problem.json] [--only ccpp,tpls,recommend]

Writes one JSON file (--out) with these sections; a short summary goes to stderr:
  ccpp       5x2 CV (sheet k = 1..5: train on the first half of the rows, predict the second, and the
             reverse; 10 runs) of numpy least squares, sklearn LinearRegression, cubic polynomial,
             HistGradientBoosting default and HistGradientBoosting(max_iter=1000, learning_rate=0.05):
             mean RMSE/MAE (MW) and seconds; plus the full-data linear fit coefficients
             (intercept, AT, V, AP, RH) at full precision. --quick: sheet 1 only (2 runs).
  tpls       5-fold CV (KFold shuffle, seed 0) R^2 of PLS2 (components swept 1..N and also chosen by
             an inner 5-fold CV, the honest number), of RidgeCV and (reference) a random forest, on tpls/lots.csv features -> y_
             outputs; mean over outputs and per output. Empty cells are mean-imputed inside each
             training fold. --quick: sweep 1..5.
  recommend  only with --recommend-problem: SLSQP from every start of a loupe problem JSON (format in
             the function load_problem); objective per start, mean, best, bound/step violations
             (> 1e-9), seconds. --quick: first 50 starts.
Exit status 1 with a message on bad input (missing files, wrong columns, malformed problem).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
           "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CCPP_INPUTS = ["AT", "V", "AP", "RH"]
CCPP_TARGET = "PE"
VIOLATION_TOL = 1e-9


class PeerError(Exception):
    pass


def say(msg):
    print(f"process_peers: {msg}", file=sys.stderr, flush=True)


def read_csv(path, columns=None):
    if not os.path.isfile(path):
        raise PeerError(f"{path} is missing (run Benchmarks/scripts/setup-process-data.sh and pass its output as --data)")
    df = pd.read_csv(path)
    if columns is not None and list(df.columns) != columns:
        raise PeerError(f"{path}: columns {list(df.columns)}, expected {columns}")
    return df


# ----------------------------------------------------------------------------------------- CCPP
def ccpp(data, quick):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    class NumpyLstsq:
        def fit(self, X, y):
            A = np.column_stack([np.ones(len(X)), X])
            self.coef_, *_ = np.linalg.lstsq(A, y, rcond=None)
            return self

        def predict(self, X):
            return self.coef_[0] + X @ self.coef_[1:]

    models = {
        "numpy_lstsq_linear": lambda: NumpyLstsq(),
        "sklearn_linear_regression": lambda: LinearRegression(),
        "cubic_polynomial": lambda: make_pipeline(StandardScaler(), PolynomialFeatures(3), LinearRegression()),
        "hist_gradient_boosting_default": lambda: HistGradientBoostingRegressor(random_state=0),
        "hist_gradient_boosting_1000_lr0.05": lambda: HistGradientBoostingRegressor(
            max_iter=1000, learning_rate=0.05, random_state=0),
    }
    sheets = [1] if quick else [1, 2, 3, 4, 5]
    splits = []
    for k in sheets:
        df = read_csv(os.path.join(data, "ccpp", f"sheet{k}.csv"), CCPP_INPUTS + [CCPP_TARGET])
        X = df[CCPP_INPUTS].to_numpy(float)
        y = df[CCPP_TARGET].to_numpy(float)
        h = len(df) // 2
        a, b = slice(0, h), slice(h, len(df))
        splits.append((k, "first->second", X[a], y[a], X[b], y[b]))
        splits.append((k, "second->first", X[b], y[b], X[a], y[a]))
    out = {"protocol": "5x2 CV: sheet k, train on rows [0,n/2) predict [n/2,n) and the reverse"
                       + (" (quick: sheet 1 only)" if quick else ""),
           "runs": len(splits), "models": {}}
    for name, make in models.items():
        rmse, mae, secs = [], [], []
        for k, direction, Xtr, ytr, Xte, yte in splits:
            t0 = time.perf_counter()
            m = make().fit(Xtr, ytr)
            p = m.predict(Xte)
            secs.append(time.perf_counter() - t0)
            r = p - yte
            rmse.append(float(np.sqrt(np.mean(r * r))))
            mae.append(float(np.mean(np.abs(r))))
        out["models"][name] = {"rmse": float(np.mean(rmse)), "mae": float(np.mean(mae)),
                               "rmse_std": float(np.std(rmse, ddof=1)) if len(rmse) > 1 else 0.0,
                               "rmse_runs": rmse, "mae_runs": mae,
                               "seconds": float(np.sum(secs)), "seconds_per_run": float(np.mean(secs))}
        say(f"ccpp {name}: RMSE {np.mean(rmse):.4f} MAE {np.mean(mae):.4f} MW ({np.sum(secs):.2f} s, {len(splits)} runs)")

    # Full-data linear fit with intercept (sheet 1 holds all 9,568 rows).
    df = read_csv(os.path.join(data, "ccpp", "sheet1.csv"), CCPP_INPUTS + [CCPP_TARGET])
    X = df[CCPP_INPUTS].to_numpy(float)
    y = df[CCPP_TARGET].to_numpy(float)
    t0 = time.perf_counter()
    A = np.column_stack([np.ones(len(X)), X])
    coef, _, rank, sv = np.linalg.lstsq(A, y, rcond=None)
    secs = time.perf_counter() - t0
    # Cross-check with a centred solve (better conditioned) to show the precision of the reference.
    lr = LinearRegression().fit(X, y)
    coef_lr = np.concatenate([[lr.intercept_], lr.coef_])
    resid = y - A @ coef
    names = ["intercept"] + CCPP_INPUTS
    out["full_linear_fit"] = {
        "rows": int(len(y)), "order": names,
        "coefficients": [float(c) for c in coef],
        "coefficients_repr": {n: repr(float(c)) for n, c in zip(names, coef)},
        "sklearn_coefficients": [float(c) for c in coef_lr],
        "max_abs_diff_numpy_vs_sklearn": float(np.max(np.abs(coef - coef_lr))),
        "rmse_in_sample": float(np.sqrt(np.mean(resid ** 2))),
        "r2_in_sample": float(1 - np.sum(resid ** 2) / np.sum((y - y.mean()) ** 2)),
        "condition_number": float(sv[0] / sv[-1]), "seconds": secs,
    }
    say("ccpp full-data linear fit: " + ", ".join(f"{n} {repr(float(c))}" for n, c in zip(names, coef))
        + f" (|numpy - sklearn| <= {out['full_linear_fit']['max_abs_diff_numpy_vs_sklearn']:.1e})")
    return out


# ----------------------------------------------------------------------------------------- TPLS
def tpls(data, quick):
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    df = read_csv(os.path.join(data, "tpls", "lots.csv"))
    if "lot" not in df.columns:
        raise PeerError(f"{data}/tpls/lots.csv has no 'lot' column")
    ycols = [c for c in df.columns if c.startswith("y_")]
    xcols = [c for c in df.columns if c != "lot" and not c.startswith("y_")]
    if not ycols or not xcols:
        raise PeerError(f"{data}/tpls/lots.csv: need y_ output columns and feature columns")
    X = df[xcols].to_numpy(float)
    Y = df[ycols].to_numpy(float)
    if np.isnan(Y).any():
        raise PeerError("tpls: empty cells in y_ outputs")
    n = len(df)
    outer = KFold(5, shuffle=True, random_state=0)
    folds = list(outer.split(X))
    max_comp = 5 if quick else 10

    def pls(a):
        return Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler()),
                         ("pls", PLSRegression(n_components=a, scale=True))])

    def ridge():
        return Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler()),
                         ("ridge", RidgeCV(alphas=np.logspace(-3, 4, 36), alpha_per_target=True))])

    def cv(make):
        pred = np.zeros_like(Y)
        fold_r2 = []
        extra = []
        t0 = time.perf_counter()
        for tr, te in folds:
            m = make().fit(X[tr], Y[tr])
            pred[te] = m.predict(X[te])
            fold_r2.append(r2_score(Y[te], pred[te], multioutput="raw_values"))
            extra.append(m)
        secs = time.perf_counter() - t0
        press = np.sum((Y - pred) ** 2, axis=0)
        tss = np.sum((Y - Y.mean(axis=0)) ** 2, axis=0)
        pooled = 1 - press / tss
        fm = np.mean(fold_r2, axis=0)
        return {"r2_mean": float(np.mean(pooled)),
                "r2_per_output": {c: float(v) for c, v in zip(ycols, pooled)},
                "r2_fold_mean": float(np.mean(fm)),
                "r2_fold_mean_per_output": {c: float(v) for c, v in zip(ycols, fm)},
                "seconds": secs}, extra

    out = {"rows": n, "features": xcols, "outputs": ycols,
           "protocol": "KFold(5, shuffle=True, random_state=0); r2 = 1 - PRESS/TSS over pooled out-of-fold "
                       "predictions per output (r2_fold_mean = mean of per-fold R^2); features mean-imputed "
                       "and standardised inside each training fold",
           "pls_sweep": {}}
    best = None
    for a in range(1, max_comp + 1):
        res, _ = cv(lambda: pls(a))
        out["pls_sweep"][str(a)] = res
        if best is None or res["r2_mean"] > best[1]:
            best = (a, res["r2_mean"])
    out["pls_sweep_best"] = {"n_components": best[0], "r2_mean": best[1],
                             "note": "chosen on the outer folds themselves: optimistic; see pls_nested"}

    def pls_nested():
        inner = KFold(5, shuffle=True, random_state=1)
        return GridSearchCV(pls(1), {"pls__n_components": list(range(1, max_comp + 1))}, cv=inner, scoring="r2")

    def forest():
        return Pipeline([("impute", SimpleImputer(strategy="mean")),
                         ("rf", RandomForestRegressor(n_estimators=100 if quick else 300, min_samples_leaf=3,
                                                      random_state=0, n_jobs=1))])

    res, fitted = cv(pls_nested)
    res["n_components_chosen_per_fold"] = [int(m.best_params_["pls__n_components"]) for m in fitted]
    out["pls_nested"] = res
    res, fitted = cv(ridge)
    res["alphas_per_fold"] = [[float(a) for a in np.atleast_1d(m.named_steps["ridge"].alpha_)] for m in fitted]
    out["ridge"] = res
    res, _ = cv(forest)
    res["params"] = f"RandomForestRegressor(n_estimators={100 if quick else 300}, min_samples_leaf=3, random_state=0)"
    out["random_forest"] = res
    say(f"tpls PLS sweep (r2 mean over {len(ycols)} outputs): "
        + ", ".join(f"{a}:{out['pls_sweep'][str(a)]['r2_mean']:.3f}" for a in range(1, max_comp + 1)))
    say(f"tpls PLS nested CV: r2 mean {out['pls_nested']['r2_mean']:.4f} "
        f"(components per fold {out['pls_nested']['n_components_chosen_per_fold']}); "
        + ", ".join(f"{c} {v:.3f}" for c, v in out["pls_nested"]["r2_per_output"].items()))
    say(f"tpls RidgeCV: r2 mean {out['ridge']['r2_mean']:.4f}; "
        + ", ".join(f"{c} {v:.3f}" for c, v in out["ridge"]["r2_per_output"].items()))
    say(f"tpls random forest: r2 mean {out['random_forest']['r2_mean']:.4f}; "
        + ", ".join(f"{c} {v:.3f}" for c, v in out["random_forest"]["r2_per_output"].items()))
    return out


# ------------------------------------------------------------------------------------ recommend
TRANSFORMS = ("scaled", "flipped", "log")


def load_problem(path):
    """Problem JSON written by the Swift side:
    {"model": {"format": "loupe-process-model", "version": 1, "kind": "mechanistic", "target": "PE",
               "inputs": [{"name": "AT", "low": 1.81, "high": 37.11}, ...],
               "intercept": 450.1,
               "terms": [{"coefficient": -12.3, "factors": [{"input": 0, "transform": "scaled", "power": 1}]}, ...]},
     "sense": "maximize" | "minimize",
     "starts": [[x0, x1, ...], ...],
     "bounds": [[lo, hi], ...],          per input, hard bounds
     "step": [s0, s1, ...] | null,       max |x - start| per input (null entries = no limit)
     "fixed": [false, ...] | null}       fixed inputs stay at the start value
    prediction = intercept + sum_terms coefficient * prod_factors t(x[input])^power with t:
    scaled = (x - low)/(high - low), flipped = 1 - scaled, log = ln(x)."""
    try:
        with open(path) as fh:
            p = json.load(fh)
    except FileNotFoundError:
        raise PeerError(f"recommend problem {path} does not exist")
    except json.JSONDecodeError as e:
        raise PeerError(f"recommend problem {path}: not valid JSON ({e})")

    def need(obj, key, where):
        if not isinstance(obj, dict) or key not in obj:
            raise PeerError(f"recommend problem {path}: {where} has no '{key}'")
        return obj[key]

    def num(v, where):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise PeerError(f"recommend problem {path}: {where} must be a finite number, got {v!r}")
        return float(v)

    m = need(p, "model", "the problem")
    if m.get("format") != "loupe-process-model" or m.get("version") != 1:
        raise PeerError(f"recommend problem {path}: model format/version is {m.get('format')!r}/{m.get('version')!r}, "
                        "expected 'loupe-process-model'/1")
    inputs = need(m, "inputs", "model")
    if not isinstance(inputs, list) or not inputs:
        raise PeerError(f"recommend problem {path}: model.inputs must be a non-empty list")
    d = len(inputs)
    low = np.array([num(need(i, "low", f"model.inputs[{j}]"), f"model.inputs[{j}].low") for j, i in enumerate(inputs)])
    high = np.array([num(need(i, "high", f"model.inputs[{j}]"), f"model.inputs[{j}].high") for j, i in enumerate(inputs)])
    names = [str(i.get("name", f"x{j}")) for j, i in enumerate(inputs)]
    terms = []
    for ti, t in enumerate(need(m, "terms", "model")):
        coef = num(need(t, "coefficient", f"model.terms[{ti}]"), f"model.terms[{ti}].coefficient")
        factors = []
        for fi, f in enumerate(need(t, "factors", f"model.terms[{ti}]")):
            w = f"model.terms[{ti}].factors[{fi}]"
            j = need(f, "input", w)
            if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < d:
                raise PeerError(f"recommend problem {path}: {w}.input must be an integer in 0..{d - 1}, got {j!r}")
            tr = need(f, "transform", w)
            if tr not in TRANSFORMS:
                raise PeerError(f"recommend problem {path}: {w}.transform {tr!r} is not one of {TRANSFORMS}")
            if tr in ("scaled", "flipped") and not high[j] > low[j]:
                raise PeerError(f"recommend problem {path}: input {names[j]} has high <= low but is used '{tr}'")
            factors.append((j, tr, num(f.get("power", 1), f"{w}.power")))
        terms.append((coef, factors))
    sense = p.get("sense", "maximize")
    if sense not in ("maximize", "minimize"):
        raise PeerError(f"recommend problem {path}: sense must be 'maximize' or 'minimize', got {sense!r}")
    starts = np.array(need(p, "starts", "the problem"), dtype=float)
    if starts.ndim != 2 or starts.shape[1] != d or len(starts) == 0:
        raise PeerError(f"recommend problem {path}: starts must be a non-empty list of {d}-vectors, got shape {starts.shape}")
    if not np.isfinite(starts).all():
        raise PeerError(f"recommend problem {path}: starts contain non-finite values")
    bounds = np.array(need(p, "bounds", "the problem"), dtype=float)
    if bounds.shape != (d, 2) or np.isnan(bounds).any() or (bounds[:, 0] > bounds[:, 1]).any():
        raise PeerError(f"recommend problem {path}: bounds must be {d} pairs [lo, hi] with lo <= hi")
    step = p.get("step")
    step = np.full(d, np.inf) if step is None else np.array([np.inf if s is None else s for s in step], dtype=float)
    if step.shape != (d,) or np.isnan(step).any() or (step < 0).any():
        raise PeerError(f"recommend problem {path}: step must be {d} non-negative numbers or nulls")
    fixed = p.get("fixed")
    fixed = np.zeros(d, bool) if fixed is None else np.array(fixed, dtype=bool)
    if fixed.shape != (d,):
        raise PeerError(f"recommend problem {path}: fixed must be {d} booleans")
    return {"names": names, "low": low, "high": high, "intercept": num(m.get("intercept", 0.0), "model.intercept"),
            "terms": terms, "sense": sense, "starts": starts, "bounds": bounds, "step": step, "fixed": fixed,
            "target": m.get("target")}


def model_fn(pb):
    low, high, icpt, terms = pb["low"], pb["high"], pb["intercept"], pb["terms"]
    span = high - low

    def tval(x, j, tr):
        if tr == "scaled":
            return (x[j] - low[j]) / span[j], 1.0 / span[j]
        if tr == "flipped":
            return 1.0 - (x[j] - low[j]) / span[j], -1.0 / span[j]
        return math.log(x[j]), 1.0 / x[j]  # log: x must be > 0 (bounds are checked)

    def f_and_grad(x):
        val = icpt
        grad = np.zeros(len(x))
        for coef, factors in terms:
            vs, ds = [], []
            for j, tr, pw in factors:
                t, dt = tval(x, j, tr)
                if pw == 0:
                    vs.append(1.0)
                    ds.append(0.0)
                else:
                    vs.append(t ** pw)
                    ds.append(pw * t ** (pw - 1) * dt if pw != 1 else dt)
            prod = 1.0
            for v in vs:
                prod *= v
            val += coef * prod
            for a, (j, _, _) in enumerate(factors):
                other = 1.0
                for b, v in enumerate(vs):
                    if b != a:
                        other *= v
                grad[j] += coef * ds[a] * other
        return val, grad

    return f_and_grad


def recommend(problem_path, quick):
    from scipy.optimize import minimize
    import scipy

    pb = load_problem(problem_path)
    f = model_fn(pb)
    starts = pb["starts"][:50] if quick else pb["starts"]
    sign = -1.0 if pb["sense"] == "maximize" else 1.0
    blo, bhi, step, fixed = pb["bounds"][:, 0], pb["bounds"][:, 1], pb["step"], pb["fixed"]
    logs = sorted({j for _, fs in pb["terms"] for j, tr, _ in fs if tr == "log"})
    for j in logs:
        if blo[j] <= 0 and not fixed[j]:
            raise PeerError(f"recommend problem {problem_path}: input {pb['names'][j]} is used with 'log' but its "
                            f"lower bound {blo[j]} is not > 0")
    options = {"maxiter": 500, "ftol": 1e-10}
    objectives, xs, start_values, infeasible, failures, nits, violations = [], [], [], 0, 0, [], 0
    worst_violation = 0.0
    t0 = time.perf_counter()
    for s in starts:
        lo = np.maximum(blo, s - step)
        hi = np.minimum(bhi, s + step)
        lo[fixed] = s[fixed]
        hi[fixed] = s[fixed]
        if (lo > hi + 1e-12).any():  # start further outside the hard bounds than its step allows
            infeasible += 1
            objectives.append(None)
            xs.append(None)
            start_values.append(None)
            continue
        hi = np.maximum(hi, lo)
        x0 = np.clip(s, lo, hi)
        free = hi > lo
        start_values.append(float(f(s)[0]) if all(s[j] > 0 for j in logs) else None)
        if free.any():
            def obj(z, x0=x0, free=free):
                x = x0.copy()
                x[free] = z
                v, g = f(x)
                return sign * v, sign * g[free]

            r = minimize(obj, x0[free], jac=True, method="SLSQP", bounds=list(zip(lo[free], hi[free])),
                         options=options)
            x = x0.copy()
            x[free] = r.x
            if not r.success:
                failures += 1
            nits.append(int(r.nit))
        else:
            x = x0
            nits.append(0)
        v = float(f(x)[0])
        if not math.isfinite(v):
            raise PeerError(f"recommend: the model is not finite at {x.tolist()} (start {s.tolist()})")
        # violations of the hard bounds, the step limit and fixed inputs, measured from the start
        excess = np.concatenate([blo - x, x - bhi, np.abs(x - s) - step, np.where(fixed, np.abs(x - s), 0.0)])
        worst = float(np.max(excess[np.isfinite(excess)]))
        worst_violation = max(worst_violation, worst)
        if worst > VIOLATION_TOL:
            violations += 1
        objectives.append(v)
        xs.append([float(c) for c in x])
    secs = time.perf_counter() - t0
    ok = [v for v in objectives if v is not None]
    sv = [v for v in start_values if v is not None]
    best = (max(ok) if pb["sense"] == "maximize" else min(ok)) if ok else None
    out = {"problem": os.path.abspath(problem_path), "sense": pb["sense"], "target": pb["target"],
           "inputs": pb["names"], "starts": int(len(starts)), "infeasible_starts": infeasible,
           "method": f"scipy {scipy.__version__} minimize(method='SLSQP', jac=analytic, options={options}); "
                     "bounds = hard bounds intersected with [start - step, start + step], fixed -> [start, start]",
           "objectives": objectives, "mean": float(np.mean(ok)) if ok else None, "best": best,
           "start_objective_mean": float(np.mean(sv)) if sv else None,
           "violations": violations, "worst_violation": worst_violation, "slsqp_not_success": failures,
           "iterations_mean": float(np.mean(nits)) if nits else 0.0,
           "seconds": secs, "x": xs}
    say(f"recommend ({pb['sense']} {pb['target']}): {len(starts)} starts, mean objective "
        f"{out['mean']!r} (starts {out['start_objective_mean']!r}), best {best!r}, violations {violations}, "
        f"SLSQP not-success {failures}, infeasible starts {infeasible}, {secs:.2f} s")
    return out


# ----------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="Benchmarks/results/tmp/process", help="output folder of setup-process-data.sh")
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--quick", action="store_true", help="fewer runs/components/starts")
    ap.add_argument("--recommend-problem", help="loupe recommend problem JSON (optional)")
    ap.add_argument("--only", default="ccpp,tpls,recommend", help="comma-separated sections to run")
    args = ap.parse_args()
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - {"ccpp", "tpls", "recommend"}
    if unknown:
        say(f"error: unknown section(s) {sorted(unknown)} in --only")
        return 2
    import scipy
    import sklearn
    meta = {"quick": args.quick, "data": os.path.abspath(args.data), "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "scikit_learn": sklearn.__version__,
            "threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
            "machine": platform.machine(), "cpu_count": os.cpu_count()}
    try:
        from threadpoolctl import threadpool_info
        meta["threadpools"] = [{k: i.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
                               for i in threadpool_info()]
    except Exception:
        pass
    result = {"meta": meta}
    t0 = time.perf_counter()
    try:
        if "ccpp" in sections:
            result["ccpp"] = ccpp(args.data, args.quick)
        if "tpls" in sections:
            result["tpls"] = tpls(args.data, args.quick)
        if "recommend" in sections:
            result["recommend"] = recommend(args.recommend_problem, args.quick) if args.recommend_problem else None
    except PeerError as e:
        say(f"error: {e}")
        return 1
    meta["seconds_total"] = time.perf_counter() - t0
    d = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(d, exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(result, fh, indent=1, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, args.out)
    say(f"wrote {args.out} ({meta['seconds_total']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
