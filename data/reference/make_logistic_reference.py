"""scikit-learn 1.2 logistic-regression reference for the kit's LogisticRegression (run with /usr/bin/python3 from
Debian's python3-sklearn). Breast cancer (data/breast_cancer.csv, all 569 rows) standardised with StandardScaler;
L1 at C = 0.01, 0.1, 1 with saga (same objective as the kit: unpenalised intercept) and liblinear (which also
penalises its intercept), both solved to tol 1e-10; L2 at C = 1 and iris multinomial L2 at C = 1 with newton-cg to tol 1e-8
(lbfgs stops with a gradient of 3e-4 here, too coarse for a 1e-4 comparison).
Writes logistic_sklearn.json beside this script: coefficients, intercepts and counts of exact zeros."""
import json, os
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..")


def load(name):
    rows = np.loadtxt(os.path.join(data, name), delimiter=",", skiprows=1)
    return StandardScaler().fit_transform(rows[:, :-1]), rows[:, -1].astype(int)


def fit(x, y, **kw):
    m = LogisticRegression(max_iter=1_000_000, tol=kw.pop("tol", 1e-10), **kw).fit(x, y)
    return dict(coef=m.coef_.tolist(), intercept=m.intercept_.tolist(), zeros=int((m.coef_ == 0).sum()))


x, y = load("breast_cancer.csv")
out = dict(sklearn="1.2.1", l1=[], l2=None, iris=None)
for c in [0.01, 0.1, 1.0]:
    out["l1"].append(dict(C=c, saga=fit(x, y, C=c, penalty="l1", solver="saga"),
                          liblinear=fit(x, y, C=c, penalty="l1", solver="liblinear")))
out["l2"] = dict(C=1.0, newton_cg=fit(x, y, C=1.0, penalty="l2", solver="newton-cg", tol=1e-8))
xi, yi = load("iris.csv")
out["iris"] = dict(C=1.0, newton_cg=fit(xi, yi, C=1.0, penalty="l2", solver="newton-cg", tol=1e-8))
json.dump(out, open(os.path.join(here, "logistic_sklearn.json"), "w"), indent=1)
print([(r["C"], r["saga"]["zeros"], r["liblinear"]["zeros"]) for r in out["l1"]])
