"""Reference folds from scikit-learn for SplittersTests (unshuffled splitters must match exactly).
Run with Debian's python3 (python3-sklearn 1.2.1):  /usr/bin/python3 cv_folds.py > cv_folds.json
"""
import json
import numpy as np
import sklearn
from sklearn.model_selection import KFold, StratifiedKFold, GroupKFold

# Imbalanced labels whose classes first appear out of sorted order (2, 0, 1) and are interleaved.
labels = [2, 0, 0, 1, 0, 2, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 1]
n = len(labels)
# Groups of distinct sizes (and ids out of order) so numpy's argsort order is unambiguous.
groups = [7, 7, 3, 3, 3, 9, 9, 9, 9, 1, 7, 7, 3, 5, 5, 5, 5, 5, 9, 9, 9, 1, 1]

def folds(splitter, *args):
    return [{"train": tr.tolist(), "test": te.tolist()} for tr, te in splitter.split(np.zeros((len(args[0]) if args else n, 1)), *args)]

out = {
    "sklearn": sklearn.__version__,
    "labels": labels,
    "groups": groups,
    "kfold_n23_k5": folds(KFold(5)),
    "kfold_n23_k3": folds(KFold(3)),
    "kfold_n10_k10": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in KFold(10).split(np.zeros((10, 1)))],
    "stratified_k3": folds(StratifiedKFold(3), labels),
    "stratified_k4": folds(StratifiedKFold(4), labels),
    "groupkfold_k3": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in GroupKFold(3).split(np.zeros((n, 1)), labels, groups)],
    "groupkfold_k2": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in GroupKFold(2).split(np.zeros((n, 1)), labels, groups)],
}
print(json.dumps(out))
