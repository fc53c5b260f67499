"""Reference values for NotebookKit.Monitoring.Drift, from numpy and scipy (Debian python3-scipy).

Run with Debian's Python:  /usr/bin/python3 drift_reference.py > drift_reference.json
PSI: numpy quantile edges (linear interpolation) at k/bins, bins (e_i-1, e_i], shares floored at 1e-4,
     sum (a - e) ln(a / e).  KS: statistic from scipy.stats.ks_2samp; p-value from the asymptotic
     Kolmogorov distribution scipy.special.kolmogorov(sqrt(n m / (n + m)) D).
"""
import json
import numpy as np
from scipy import stats, special

rng = np.random.default_rng(7)
cases = []
specs = [
    ("same normal", lambda: rng.normal(0, 1, 400), lambda: rng.normal(0, 1, 300)),
    ("shifted normal", lambda: rng.normal(0, 1, 400), lambda: rng.normal(0.5, 1, 300)),
    ("scaled normal", lambda: rng.normal(0, 1, 500), lambda: rng.normal(0, 2, 200)),
    ("exponential vs normal", lambda: rng.exponential(1, 350), lambda: rng.normal(1, 1, 250)),
    ("small shift, large n", lambda: rng.normal(0, 1, 2000), lambda: rng.normal(0.1, 1, 1500)),
    ("ties (rounded)", lambda: np.round(rng.normal(0, 1, 300), 1), lambda: np.round(rng.normal(0.2, 1, 300), 1)),
    ("uniform", lambda: rng.uniform(0, 1, 600), lambda: rng.uniform(0.1, 1.1, 400)),
]
for name, a_fn, b_fn in specs:
    a = a_fn(); b = b_fn()
    bins = 10
    edges = np.unique(np.quantile(a, np.arange(1, bins) / bins))
    def shares(x):
        idx = np.searchsorted(edges, x, side="left")  # x == edge goes to the lower bin: (e_{i-1}, e_i]
        return np.bincount(idx, minlength=len(edges) + 1) / len(x)
    e = np.maximum(shares(a), 1e-4); ac = np.maximum(shares(b), 1e-4)
    psi = float(np.sum((ac - e) * np.log(ac / e)))
    d = float(stats.ks_2samp(a, b).statistic)
    en = len(a) * len(b) / (len(a) + len(b))
    p = float(special.kolmogorov(np.sqrt(en) * d))
    cases.append({"name": name, "a": [float(v) for v in a], "b": [float(v) for v in b],
                  "psi": psi, "ks_statistic": d, "ks_pvalue": p,
                  "ks_pvalue_scipy_ks_2samp": float(stats.ks_2samp(a, b).pvalue)})
lams = [0.2, 0.5, 0.8, 1.0, 1.1, 1.18, 1.2, 1.5, 2.0, 3.0]
print(json.dumps({"generator": "tests/NotebookKit.Tests/Monitoring/drift_reference.py", "cases": cases,
                  "kolmogorov": [{"lambda": l, "q": float(special.kolmogorov(l))} for l in lams]}))
