"""Reference values from scikit-learn for TfidfReferenceTests (NotebookKit.Text).
Run with Debian's python3 (python3-sklearn 1.2.1):  /usr/bin/python3 tfidf_reference.py > tfidf_reference.json
Word cases use analyzer=str.split, so both sides see exactly the same tokens and the test checks the vectoriser
(document frequencies, idf, sublinear tf, norms, min_df/max_df typing, max_features); the char cases check the
character n-gram tokeniser too, on text with Chinese, accents, an emoji outside the BMP and runs of whitespace.
"""
import json
import numpy as np
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.utils import murmurhash3_32

train = [
    "free entry in a weekly competition to win cup final tickets txt now",
    "free free prize call now to claim your prize",
    "i will call you later when i get home",
    "are you coming home for dinner tonight",
    "win a free holiday txt win to claim now",
    "ok see you at home later",
    "sorry i missed your call can you call me later",
    "urgent your mobile number has won a prize call now",
]
test = [
    "call me when you get home",
    "win win win a brand new prize",
    "nothing here is in the vocabulary zzz",
]
raw = [
    "Free  entry!! Win £1000 now",
    "我们明天见面吧",
    "客服电话是多少？",
    "café  naïve\tok 😀 ok",
    "See you at 7",
]
raw_test = ["明天见 😀", "Win a café"]

def dense(m):
    return m.toarray().tolist()

split = str.split
word_cases = {
    "default": dict(),
    "sublinear_nosmooth": dict(sublinear_tf=True, smooth_idf=False, min_df=2, max_df=0.8),
    "fraction_min_count_max_l1": dict(min_df=0.2, max_df=3, norm="l1"),
    "no_idf_no_norm": dict(use_idf=False, norm=None),
    "max_features": dict(max_features=4),
}
out = {"sklearn": sklearn.__version__, "train": train, "test": test, "raw": raw, "raw_test": raw_test, "word": {}, "char": {}}
for name, kw in word_cases.items():
    v = TfidfVectorizer(analyzer=split, **kw)
    x = v.fit_transform(train)
    vocab = sorted(v.vocabulary_, key=v.vocabulary_.get)
    if "max_features" in kw:
        # The kit breaks count ties by term; scikit-learn's argsort leaves them unspecified: no tie at the cut.
        totals = sorted((sum(d.split().count(t) for d in train) for t in set(" ".join(train).split())), reverse=True)
        assert totals[kw["max_features"] - 1] != totals[kw["max_features"]], "tie at the max_features cut"
    out["word"][name] = {
        "params": kw, "vocabulary": vocab,
        "idf": v.idf_.tolist() if kw.get("use_idf", True) else None,
        "train": dense(x), "test": dense(v.transform(test)),
    }
for name, (lo, hi) in {"char_1_3": (1, 3), "char_2_4": (2, 4)}.items():
    v = TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), lowercase=False)
    x = v.fit_transform(raw)
    out["char"][name] = {
        "min_n": lo, "max_n": hi,
        "vocabulary": sorted(v.vocabulary_, key=v.vocabulary_.get),
        "train": dense(x), "test": dense(v.transform(raw_test)),
        "ngrams_of_raw0": v.build_analyzer()(raw[0]),
    }
h = HashingVectorizer(analyzer=split, n_features=16, alternate_sign=True, norm="l2")
out["hashing_signed_16"] = dense(h.transform(train + test))
h2 = HashingVectorizer(analyzer=split, n_features=64, alternate_sign=False, norm=None)
t2 = TfidfTransformer(sublinear_tf=True).fit(h2.transform(train))
out["hashing_tfidf_64"] = {"train": dense(t2.transform(h2.transform(train))), "test": dense(t2.transform(h2.transform(test)))}
tokens = ["", "a", "ab", "abc", "abcd", "abcde", "free", "prize", "我们", "😀", "café", "xxphone"]
out["murmur"] = {"tokens": tokens, "hashes": [int(murmurhash3_32(t.encode("utf-8"), seed=0, positive=False)) for t in tokens]}
print(json.dumps(out, ensure_ascii=False))
