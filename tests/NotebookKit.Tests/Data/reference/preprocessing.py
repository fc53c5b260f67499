"""Reference values from scikit-learn for PreprocessingTests and FeatureScoringTests.
Run with Debian's python3 (python3-sklearn 1.2.1):  /usr/bin/python3 preprocessing.py > preprocessing.json
"""
import json
import numpy as np
import sklearn
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler, OneHotEncoder
from sklearn.feature_selection import f_classif

rng = np.random.default_rng(20261124)
n = 41
y = rng.integers(0, 3, size=n)
x = rng.normal(size=(n, 5)) * [1.0, 3.0, 0.5, 2.0, 1.0] + [0.0, 5.0, -1.0, 0.0, 0.0]
x[:, 2] += 1.5 * y          # a feature that separates the classes
x[:, 3] = np.round(x[:, 3] * 2) / 2   # ties, so the percentiles interpolate between equal values
x[3, 4] = 40.0              # an outlier for the robust scaler
x = x.astype(np.float32).astype(np.float64)
test = (rng.normal(size=(7, 5)) * 2).astype(np.float32).astype(np.float64)
f, p = f_classif(x, y)
cats = np.array([[3, 10], [1, 10], [3, 20], [2, 10], [1, 30]])
out = {
    "sklearn": sklearn.__version__,
    "x": x.tolist(), "y": y.tolist(), "test": test.tolist(),
    "minmax": MinMaxScaler().fit(x).transform(test).tolist(),
    "robust": RobustScaler().fit(x).transform(test).tolist(),
    "standard": StandardScaler().fit(x).transform(test).tolist(),
    "f": f.tolist(), "p": p.tolist(),
    "categories": cats.tolist(),
    "onehot": OneHotEncoder().fit(cats).transform([[2, 30], [3, 10]]).toarray().tolist(),
}
print(json.dumps(out))
