#!/usr/bin/python3
"""scikit-learn anchor for the "metrics" bench group: times sklearn on the files the C# side wrote.

Usage: metrics.py <dir> <repeats>   (dir holds y_true.i32, y_pred.i32, scores.f64)
Prints one JSON line: {"<benchmark>": seconds, ..., "<benchmark>/value": value}.
"""
import json
import sys
import time

import numpy as np
from sklearn import metrics

folder, repeats = sys.argv[1], int(sys.argv[2])
y = np.fromfile(f"{folder}/y_true.i32", dtype=np.int32)
yp = np.fromfile(f"{folder}/y_pred.i32", dtype=np.int32)
s = np.fromfile(f"{folder}/scores.f64", dtype=np.float64)
ymc = np.fromfile(f"{folder}/y_true_mc.i32", dtype=np.int32)
ypmc = np.fromfile(f"{folder}/y_pred_mc.i32", dtype=np.int32)

out = {}


def best(name, fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    out[name] = min(times)
    if np.isscalar(value):
        out[name + "/value"] = float(value)


best("roc_auc", lambda: metrics.roc_auc_score(y, s))
best("average_precision", lambda: metrics.average_precision_score(y, s))
best("roc_curve", lambda: len(metrics.roc_curve(y, s)[0]))
best("f1", lambda: metrics.f1_score(y, yp))
best("confusion_matrix", lambda: int(metrics.confusion_matrix(y, yp)[1, 1]))
best("f1_macro_10_classes", lambda: metrics.f1_score(ymc, ypmc, average="macro"))
print(json.dumps(out))
