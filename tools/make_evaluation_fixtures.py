"""Oracle fixtures for thresholds and calibration (tests/DeepCoro.Tests/ThresholdTests.fs, CalibrationTests.fs).

Seeded binary datasets (ties, small n, a well separated one, a badly calibrated one) with what independent
implementations compute on them: R pROC's thresholds per rule (make_evaluation_fixtures.R; stored as the partition
they induce, positive when p >= threshold, because pROC reports midpoints), scikit-learn's brier_score_loss,
calibration_curve(strategy="uniform"), IsotonicRegression(out_of_bounds="clip") and LogisticRegression(penalty=None)
on logit p (Platt and the calibration slope; the newton-cholesky solver, as lbfgs stops 1e-5 short of the optimum); the calibration intercept (logit p as offset) by a root finder; ECE by
the product's definition (10 bins, index min(floor(10 p), 9)). A multiclass set gives the multi-class Brier score
and the temperature minimising the NLL (scipy). Usage (Debian r-cran-proc, python3-sklearn):
    /usr/bin/python3 tools/make_evaluation_fixtures.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import expit, logit, logsumexp
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "DeepCoro.Tests", "Fixtures", "stats", "evaluation")


def datasets():
    rng = np.random.default_rng(19)
    y = rng.integers(0, 2, 200)
    yield "ties_200", y, np.clip(np.round(expit(1.2 * (y - 0.5) + rng.normal(0, 1, 200)), 2), 0.01, 0.99)
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0])
    yield "small_12", y, np.array([0.2, 0.6, 0.6, 0.9, 0.3, 0.1, 0.45, 0.6, 0.3, 0.05, 0.75, 0.5])
    y = rng.integers(0, 2, 50)
    yield "separated_50", y, expit(3.0 * (y - 0.5) + rng.normal(0, 0.8, 50))
    y = (rng.random(300) < 0.3).astype(int)
    yield "overconfident_300", y, expit(3.0 * (1.5 * (y - 0.3) + rng.normal(0, 1, 300)))


def ece(y, p):
    index = np.minimum(np.floor(10 * p), 9).astype(int)
    total = 0.0
    for b in range(10):
        inside = index == b
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return total / len(y)


def thresholds(y, p):
    with tempfile.TemporaryDirectory() as tmp:
        data, out = os.path.join(tmp, "d.csv"), os.path.join(tmp, "t.csv")
        with open(data, "w") as f:
            f.write("y,p\n" + "".join(f"{a},{b!r}\n" for a, b in zip(y, p)))
        subprocess.run(["Rscript", os.path.join(HERE, "make_evaluation_fixtures.R"), data, out], check=True)
        rows = [line.strip().split(",") for line in open(out).read().splitlines()[1:]]
    result = {}
    for rule, value in rows:
        t = float(value.strip('"').replace("Inf", "inf"))
        result[rule.strip('"')] = {"proc_threshold": value.strip('"'), "positive": [int(v >= t) for v in p]}
    return result


def binary(name, y, p):
    z = logit(p)
    fit = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-12, max_iter=100000).fit(z.reshape(-1, 1), y)
    intercept = brentq(lambda a: np.sum(y - expit(a + z)), -30, 30, xtol=1e-14)
    iso = IsotonicRegression(out_of_bounds="clip").fit(p, y)
    queries = np.concatenate([[0.0, 1.0, -0.5, 1.5], np.linspace(0.001, 0.999, 37), p[:10]])
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    return {
        "name": name,
        "y": y.tolist(),
        "p": p.tolist(),
        "brier": brier_score_loss(y, p),
        "ece": ece(y, p),
        "calibration_curve": {"prob_true": prob_true.tolist(), "prob_pred": prob_pred.tolist()},
        "calibration_intercept": intercept,
        "calibration_slope": float(fit.coef_[0, 0]),
        "platt": {"intercept": float(fit.intercept_[0]), "slope": float(fit.coef_[0, 0])},
        "isotonic": {"x": queries.tolist(), "y": iso.predict(queries).tolist()},
        "thresholds": thresholds(y, p),
    }


def multiclass():
    rng = np.random.default_rng(7)
    n, k = 120, 3
    y = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k)) + 2.5 * np.eye(k)[y]
    prob = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    brier = float(np.mean(np.sum((prob - np.eye(k)[y]) ** 2, axis=1)))
    top = prob.max(axis=1)
    correct = (prob.argmax(axis=1) == y).astype(float)
    nll = lambda t: -np.mean((logits / t)[np.arange(n), y] - logsumexp(logits / t, axis=1))
    t = minimize_scalar(nll, bounds=(0.05, 20), method="bounded", options={"xatol": 1e-12}).x
    return {"y": y.tolist(), "prob": prob.tolist(), "brier": brier, "top_label_ece": ece(correct, top), "temperature": t}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, y, p in datasets():
        with open(os.path.join(OUT, f"binary_{name}.json"), "w") as f:
            json.dump(binary(name, y, p), f, indent=1)
    with open(os.path.join(OUT, "multiclass_120.json"), "w") as f:
        json.dump(multiclass(), f, indent=1)


if __name__ == "__main__":
    main()
