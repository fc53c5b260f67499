"""scikit-learn 1.2 GridSearchCV reference for SearchCvTests (run with /usr/bin/python3).
Ridge regression on a small seeded data set with fixed 3-fold splits; the grid adds a 'solver' whose two values
give identical scores, so ranks have ties. Writes gridsearch_sklearn.json: data, folds, cv_results_ columns and values."""
import json, os
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(11)
X = rng.normal(size=(30, 2))
y = X @ np.array([1.5, -2.0]) + 0.5 + rng.normal(scale=0.7, size=30)
folds = [(tr.tolist(), te.tolist()) for tr, te in KFold(3).split(X)]
search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0, 100.0], "solver": ["cholesky", "svd"]}, cv=KFold(3), scoring="r2",
                      return_train_score=True).fit(X, y)
r = search.cv_results_
out = dict(x=X.tolist(), y=y.tolist(), folds=folds, columns=list(r.keys()),
           params=[{k: v for k, v in p.items()} for p in r["params"]],
           split_test=[[float(r[f"split{k}_test_score"][i]) for k in range(3)] for i in range(len(r["params"]))],
           mean_test=r["mean_test_score"].tolist(), std_test=r["std_test_score"].tolist(),
           rank=r["rank_test_score"].tolist(), mean_train=r["mean_train_score"].tolist(),
           best_index=int(search.best_index_), best_score=float(search.best_score_))
json.dump(out, open(os.path.join(here, "gridsearch_sklearn.json"), "w"), indent=1)
print(out["columns"], out["rank"])
