"""The seeds' serving recipe, as the anchor for bench group "serving": a scikit-learn model saved with joblib and
served by Flask's /predict. Same JSON as the kit's /predict: {"rows": [{"mean radius": ..., ...}, ...]}.

  /usr/bin/python3 serving_flask.py train MODEL.joblib          fit StandardScaler + LogisticRegression on breast cancer
  NBKIT_JOBLIB=MODEL.joblib /usr/bin/python3 serving_flask.py serve PORT        Flask's own server (threaded)
  NBKIT_JOBLIB=MODEL.joblib /usr/bin/python3 -m gunicorn -w 2 -b 127.0.0.1:PORT --chdir bench/anchors serving_flask:app
Like the recipe, it does no validation: a malformed row is an HTTP 500.
"""
import os
import sys

import joblib
import numpy as np
from flask import Flask, jsonify, request

BASE = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
        "symmetry", "fractal dimension"]
FEATURES = ["mean " + b for b in BASE] + [b + " error" for b in BASE] + ["worst " + b for b in BASE]
CLASSES = ["malignant", "benign"]


def train(path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    csv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "breast_cancer.csv")
    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(data[:, :30], data[:, 30].astype(int))
    joblib.dump(model, path)


app = Flask(__name__)
model = joblib.load(os.environ["NBKIT_JOBLIB"]) if "NBKIT_JOBLIB" in os.environ else None


@app.route("/predict", methods=["POST"])
def predict():
    rows = request.get_json()["rows"]
    x = np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64)
    p = model.predict_proba(x)
    return jsonify({"predictions": [{"label": CLASSES[int(k)], "class": int(k),
                                     "probabilities": {CLASSES[0]: float(q[0]), CLASSES[1]: float(q[1])}}
                                    for k, q in zip(p.argmax(1), p)]})


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2])
    elif sys.argv[1] == "serve":
        import logging
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        app.run(host="127.0.0.1", port=int(sys.argv[2]), threaded=True)
