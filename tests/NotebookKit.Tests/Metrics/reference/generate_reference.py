#!/usr/bin/python3
"""Reference values for NotebookKit.Metrics from scikit-learn (Debian python3-sklearn 1.2.1).

Run with Debian's Python:  /usr/bin/python3 generate_reference.py > sklearn_reference.json
Every case names a kit function (fn), its arguments and scikit-learn's answer. Data are seeded and include ties,
sample weights (some zero), absent classes (zero division) and label subsets.
"""
import json
import math
import sys

import numpy as np
import sklearn
from sklearn import metrics
from sklearn.calibration import calibration_curve

rng = np.random.default_rng(20261124)
cases = []


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return "NaN" if math.isnan(v) else v
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def add(fn, expected, **args):
    cases.append({"name": f"{fn}#{len(cases)}", "fn": fn, "args": clean(args), "expected": clean(expected)})


# ------------------------------------------------------------------ data
n = 240
y_bin = rng.integers(0, 2, n)
score_cont = np.clip(0.35 * y_bin + rng.normal(0.35, 0.22, n), 0, 1)
score_ties = np.round(score_cont, 1)                      # many ties
w = rng.uniform(0, 2, n)
w[rng.choice(n, 12, replace=False)] = 0.0                 # some zero weights
w_int = rng.integers(1, 4, n).astype(float)
pred_bin = (score_cont >= 0.5).astype(int)

m = 300
y_mc = rng.integers(0, 4, m)
noise = rng.integers(0, 4, m)
pred_mc = np.where(rng.random(m) < 0.6, y_mc, noise)
pred_mc_missing = np.where(pred_mc == 2, 1, pred_mc)       # class 2 never predicted -> zero division
w_mc = rng.uniform(0.1, 3, m)
logits = rng.normal(0, 1, (m, 4)) + 1.5 * np.eye(4)[y_mc]
proba_mc = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
y_odd = np.where(y_bin == 1, 7, 3)                         # binary labels {3, 7}

bin_sets = [("ties", score_ties), ("cont", score_cont)]

# ------------------------------------------------------------------ classification
for (yt, yp, name) in [(y_bin, pred_bin, "bin"), (y_mc, pred_mc, "mc"), (y_mc, pred_mc_missing, "mcmissing")]:
    ww = w if len(yt) == n else w_mc
    for sw in [None, ww]:
        add("accuracy", metrics.accuracy_score(yt, yp, sample_weight=sw), y_true=yt, y_pred=yp, sample_weight=sw)
        add("accuracy_count", metrics.accuracy_score(yt, yp, sample_weight=sw, normalize=False), y_true=yt, y_pred=yp, sample_weight=sw)
        add("hamming_loss", metrics.hamming_loss(yt, yp, sample_weight=sw), y_true=yt, y_pred=yp, sample_weight=sw)
        for adjusted in [False, True]:
            add("balanced_accuracy", metrics.balanced_accuracy_score(yt, yp, sample_weight=sw, adjusted=adjusted), y_true=yt, y_pred=yp, sample_weight=sw, adjusted=adjusted)
        add("matthews_corrcoef", metrics.matthews_corrcoef(yt, yp, sample_weight=sw), y_true=yt, y_pred=yp, sample_weight=sw)
        for weights in [None, "linear", "quadratic"]:
            add("cohen_kappa", metrics.cohen_kappa_score(yt, yp, weights=weights, sample_weight=sw), y_true=yt, y_pred=yp, sample_weight=sw, weights=weights)
        averages = ["binary", "micro", "macro", "weighted", None] if name == "bin" else ["micro", "macro", "weighted", None]
        for average in averages:
            for zd in [0, 1]:
                for beta in [1.0, 0.5, 2.0]:
                    p, r, f, s = metrics.precision_recall_fscore_support(yt, yp, beta=beta, average=average, sample_weight=sw, zero_division=zd)
                    add("prfs", {"p": p, "r": r, "f": f, "support": s}, y_true=yt, y_pred=yp, sample_weight=sw, average=average, zero_division=zd, beta=beta)
                add("jaccard", metrics.jaccard_score(yt, yp, average=average, sample_weight=sw, zero_division=zd), y_true=yt, y_pred=yp, sample_weight=sw, average=average, zero_division=zd)
        for normalize in [None, "true", "pred", "all"]:
            add("confusion_matrix", metrics.confusion_matrix(yt, yp, sample_weight=sw, normalize=normalize), y_true=yt, y_pred=yp, sample_weight=sw, normalize=normalize, labels=None)
        rep = metrics.classification_report(yt, yp, sample_weight=sw, output_dict=True, zero_division=0)
        add("classification_report", rep, y_true=yt, y_pred=yp, sample_weight=sw)

# label subsets and orders, absent labels
for labels in [[2, 0], [0, 1, 2, 3, 5], [3]]:
    add("confusion_matrix", metrics.confusion_matrix(y_mc, pred_mc, labels=labels), y_true=y_mc, y_pred=pred_mc, sample_weight=None, normalize=None, labels=labels)
    for average in ["micro", "macro", "weighted", None]:
        p, r, f, s = metrics.precision_recall_fscore_support(y_mc, pred_mc, labels=labels, average=average, zero_division=0)
        add("prfs_labels", {"p": p, "r": r, "f": f, "support": s}, y_true=y_mc, y_pred=pred_mc, labels=labels, average=average)
rep = metrics.classification_report(y_mc, pred_mc, labels=[0, 1], output_dict=True, zero_division=0)
add("classification_report_labels", rep, y_true=y_mc, y_pred=pred_mc, labels=[0, 1])

# wide and negative label values (the kit maps them through a table or a dictionary)
wide = np.array([-7, 10, 1000, 5000])
yw_true, yw_pred = wide[y_mc], wide[pred_mc]
add("confusion_matrix", metrics.confusion_matrix(yw_true, yw_pred), y_true=yw_true, y_pred=yw_pred, sample_weight=None, normalize=None, labels=None)
huge = np.array([-2000000000, 3, 2000000000, 17])
yh_true, yh_pred = huge[y_mc], huge[pred_mc]
for average in ["micro", "macro", "weighted", None]:
    p, r, f, s = metrics.precision_recall_fscore_support(yh_true, yh_pred, average=average, sample_weight=w_mc, zero_division=0)
    add("prfs", {"p": p, "r": r, "f": f, "support": s}, y_true=yh_true, y_pred=yh_pred, sample_weight=w_mc, average=average, zero_division=0, beta=1.0)
add("matthews_corrcoef", metrics.matthews_corrcoef(yw_true, yw_pred), y_true=yw_true, y_pred=yw_pred, sample_weight=None)

# zero division extremes: nothing predicted positive; no positives at all
yz = np.array([0, 0, 0, 0, 1, 1]); pz = np.zeros(6, dtype=int)
for zd in [0, 1]:
    for average in ["binary", "macro", "weighted", "micro"]:
        p, r, f, s = metrics.precision_recall_fscore_support(yz, pz, average=average, zero_division=zd)
        add("prfs", {"p": p, "r": r, "f": f, "support": s}, y_true=yz, y_pred=pz, sample_weight=None, average=average, zero_division=zd, beta=1.0)
    yn = np.zeros(6, dtype=int)
    p, r, f, s = metrics.precision_recall_fscore_support(yn, pz, average="binary", zero_division=zd)
    add("prfs", {"p": p, "r": r, "f": f, "support": s}, y_true=yn, y_pred=pz, sample_weight=None, average="binary", zero_division=zd, beta=1.0)
# binary labels {3, 7} with pos_label 7
add("prfs_pos", {"f": metrics.f1_score(y_odd, np.where(pred_bin == 1, 7, 3), pos_label=7)}, y_true=y_odd, y_pred=np.where(pred_bin == 1, 7, 3), pos_label=7)

# top-k and probabilistic losses
for k in [1, 2, 3]:
    for sw in [None, w_mc]:
        add("top_k", metrics.top_k_accuracy_score(y_mc, proba_mc, k=k, sample_weight=sw), y_true=y_mc, y_score=proba_mc, k=k, sample_weight=sw)
tied = np.round(proba_mc, 1)
add("top_k", metrics.top_k_accuracy_score(y_mc, tied, k=2), y_true=y_mc, y_score=tied, k=2, sample_weight=None)
for sw in [None, w_mc]:
    add("log_loss_mc", metrics.log_loss(y_mc, proba_mc, sample_weight=sw), y_true=y_mc, y_prob=proba_mc, sample_weight=sw)
unnormalised = proba_mc * 1.3
add("log_loss_mc", metrics.log_loss(y_mc, unnormalised), y_true=y_mc, y_prob=unnormalised, sample_weight=None)
for sw in [None, w]:
    add("log_loss_bin", metrics.log_loss(y_bin, score_cont, sample_weight=sw), y_true=y_bin, y_prob=score_cont, sample_weight=sw)
    add("brier", metrics.brier_score_loss(y_bin, score_cont, sample_weight=sw), y_true=y_bin, y_prob=score_cont, sample_weight=sw)
extreme = score_ties.copy(); extreme[:5] = [0, 1, 0, 1, 0]
add("log_loss_bin", metrics.log_loss(y_bin, extreme), y_true=y_bin, y_prob=extreme, sample_weight=None)

# ------------------------------------------------------------------ ranking
for sname, sc in bin_sets:
    for sw in [None, w, w_int]:
        for drop in [True, False]:
            fpr, tpr, th = metrics.roc_curve(y_bin, sc, sample_weight=sw, drop_intermediate=drop)
            add("roc_curve", {"fpr": fpr, "tpr": tpr, "thresholds": th}, y_true=y_bin, y_score=sc, sample_weight=sw, drop_intermediate=drop)
        add("roc_auc", metrics.roc_auc_score(y_bin, sc, sample_weight=sw), y_true=y_bin, y_score=sc, sample_weight=sw)
        p, r, th = metrics.precision_recall_curve(y_bin, sc, sample_weight=sw)
        add("pr_curve", {"precision": p, "recall": r, "thresholds": th}, y_true=y_bin, y_score=sc, sample_weight=sw)
        add("average_precision", metrics.average_precision_score(y_bin, sc, sample_weight=sw), y_true=y_bin, y_score=sc, sample_weight=sw)
        fpr, fnr, th = metrics.det_curve(y_bin, sc, sample_weight=sw)
        add("det_curve", {"fpr": fpr, "fnr": fnr, "thresholds": th}, y_true=y_bin, y_score=sc, sample_weight=sw)
# labels {3, 7}: roc_auc's positive class is the larger label; curves take pos_label
add("roc_auc", metrics.roc_auc_score(y_odd, score_ties), y_true=y_odd, y_score=score_ties, sample_weight=None)
fpr, tpr, th = metrics.roc_curve(y_odd, score_ties, pos_label=7)
add("roc_curve_pos", {"fpr": fpr, "tpr": tpr, "thresholds": th}, y_true=y_odd, y_score=score_ties, pos_label=7)
add("average_precision_pos", metrics.average_precision_score(y_odd, score_ties, pos_label=3), y_true=y_odd, y_score=score_ties, pos_label=3)
# negative and large scores (decision-function style), and all-tied scores
dec = rng.normal(0, 3, n) + 2 * y_bin
add("roc_auc", metrics.roc_auc_score(y_bin, dec), y_true=y_bin, y_score=dec, sample_weight=None)
add("average_precision", metrics.average_precision_score(y_bin, dec), y_true=y_bin, y_score=dec, sample_weight=None)
flat = np.full(n, 0.3)
add("roc_auc", metrics.roc_auc_score(y_bin, flat), y_true=y_bin, y_score=flat, sample_weight=None)
add("average_precision", metrics.average_precision_score(y_bin, flat), y_true=y_bin, y_score=flat, sample_weight=None)
# multiclass AUC
for mc in ["ovr", "ovo"]:
    for average in ["macro", "weighted"]:
        add("roc_auc_mc", metrics.roc_auc_score(y_mc, proba_mc, multi_class=mc, average=average), y_true=y_mc, y_score=proba_mc, multi_class=mc, average=average, sample_weight=None)
for average in ["macro", "weighted"]:
    add("roc_auc_mc", metrics.roc_auc_score(y_mc, proba_mc, multi_class="ovr", average=average, sample_weight=w_mc), y_true=y_mc, y_score=proba_mc, multi_class="ovr", average=average, sample_weight=w_mc)
add("roc_auc_mc_none", metrics.roc_auc_score(y_mc, proba_mc, multi_class="ovr", average=None), y_true=y_mc, y_score=proba_mc)

# ------------------------------------------------------------------ regression
yr = rng.normal(100, 30, 150)
pr = yr + rng.normal(0, 12, 150)
pos_t = np.abs(yr); pos_p = np.abs(pr)
wr = rng.uniform(0, 2, 150)
for sw in [None, wr]:
    add("mse", metrics.mean_squared_error(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("rmse", metrics.mean_squared_error(yr, pr, sample_weight=sw, squared=False), y_true=yr, y_pred=pr, sample_weight=sw)
    add("mae", metrics.mean_absolute_error(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("median_ae", metrics.median_absolute_error(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("mape", metrics.mean_absolute_percentage_error(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("r2", metrics.r2_score(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("explained_variance", metrics.explained_variance_score(yr, pr, sample_weight=sw), y_true=yr, y_pred=pr, sample_weight=sw)
    add("msle", metrics.mean_squared_log_error(pos_t, pos_p, sample_weight=sw), y_true=pos_t, y_pred=pos_p, sample_weight=sw)
add("max_error", metrics.max_error(yr, pr), y_true=yr, y_pred=pr, sample_weight=None)
add("median_ae", metrics.median_absolute_error(yr[:-1], pr[:-1]), y_true=yr[:-1], y_pred=pr[:-1], sample_weight=None)
const = np.full(10, 3.0)
add("r2", metrics.r2_score(const, const), y_true=const, y_pred=const, sample_weight=None)
add("r2", metrics.r2_score(const, const + 1), y_true=const, y_pred=const + 1, sample_weight=None)
add("explained_variance", metrics.explained_variance_score(const, const + 1), y_true=const, y_pred=const + 1, sample_weight=None)
zeros_t = np.array([0.0, 1.0, 2.0]); zeros_p = np.array([0.5, 1.0, 1.0])
add("mape", metrics.mean_absolute_percentage_error(zeros_t, zeros_p), y_true=zeros_t, y_pred=zeros_p, sample_weight=None)

# ------------------------------------------------------------------ calibration and thresholds
for strategy in ["uniform", "quantile"]:
    for bins in [5, 10]:
        for sc in [score_cont, score_ties]:
            pt, pp = calibration_curve(y_bin, sc, n_bins=bins, strategy=strategy)
            # ECE over the same bins: counts per non-empty bin from the same edges scikit-learn uses
            if strategy == "uniform":
                edges = np.linspace(0.0, 1.0, bins + 1)
            else:
                edges = np.percentile(sc, np.linspace(0, 1, bins + 1) * 100)
            ids = np.searchsorted(edges[1:-1], sc)
            counts = np.bincount(ids, minlength=len(edges))
            counts = counts[counts != 0]
            ece = float(np.sum(counts / counts.sum() * np.abs(pt - pp)))
            add("calibration_curve", {"prob_true": pt, "prob_pred": pp, "counts": counts, "ece": ece}, y_true=y_bin, y_prob=sc, n_bins=bins, strategy=strategy)

for sc in [score_cont, score_ties]:
    fpr, tpr, th = metrics.roc_curve(y_bin, sc, drop_intermediate=False)
    j = tpr[1:] - fpr[1:]
    youden = th[1:][int(np.argmax(j))]
    p, r, th_pr = metrics.precision_recall_curve(y_bin, sc)
    p, r = p[:-1], r[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(p + r == 0, 0, 2 * p * r / (p + r))
    # ties go to the highest threshold: argmax over the reversed (decreasing-threshold) arrays
    best_f1 = th_pr[::-1][int(np.argmax(f1[::-1]))]
    ok = p >= 0.8
    rec_ok = np.where(ok, r, -1)
    for_precision = th_pr[::-1][int(np.argmax(rec_ok[::-1]))]
    for_recall = th_pr[::-1][int(np.argmax((r >= 0.9)[::-1]))]
    add("thresholds", {"youden": youden, "best_f1": best_f1, "precision_0.8": for_precision, "recall_0.9": for_recall}, y_true=y_bin, y_score=sc)

# numpy's linear percentile, used for bootstrap intervals
vals = rng.normal(0, 1, 37)
add("percentile", np.percentile(vals, [2.5, 97.5, 50, 0, 100, 33.3]), values=vals, q=[2.5, 97.5, 50, 0, 100, 33.3])

json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, sys.stdout)
print(file=sys.stderr, end=f"{len(cases)} cases\n")
