"""Reference quantisation parameters and integer values for QuantizationTests.

Independent numpy (float32) transcription of PyTorch's MinMaxObserver._calculate_qparams
(torch/ao/quantization/observer.py) and quantize_val (aten/src/ATen/native/quantized/AffineQuantizer.cpp):
  min_neg = min(min(x), 0); max_pos = max(max(x), 0)
  symmetric: scale = max(-min_neg, max_pos) / ((qmax - qmin) / 2); zp = 0 (qint8) or 128 (quint8)
  affine:    scale = (max_pos - min_neg) / (qmax - qmin); zp = clamp(qmin - round(min_neg / scale), qmin, qmax)
  scale = max(scale, float32 eps); q = clamp(zp + nearbyint(x * (1 / scale)), qmin, qmax)
Run: /usr/bin/python3 quantization.py > quantization.json
"""
import json
import numpy as np

f32 = np.float32
EPS = np.finfo(np.float32).eps
RANGES = {"int8": (-128, 127), "uint8": (0, 255)}


def qparams(lo, hi, dtype, scheme):
    qmin, qmax = RANGES[dtype]
    min_neg, max_pos = f32(min(lo, f32(0))), f32(max(hi, f32(0)))
    if scheme == "symmetric":
        scale = f32(max(-min_neg, max_pos)) / f32(f32(qmax - qmin) / f32(2))
        scale = max(f32(scale), EPS)
        zp = 128 if dtype == "uint8" else 0
    else:
        scale = max(f32(f32(max_pos - min_neg) / f32(qmax - qmin)), EPS)
        zp = int(np.clip(qmin - int(np.rint(f32(min_neg / scale))), qmin, qmax))
    return f32(scale), zp


def quantize(x, scale, zp, dtype):
    qmin, qmax = RANGES[dtype]
    inv = f32(f32(1) / scale)
    return np.clip(np.rint(x.astype(np.float32) * inv) + zp, qmin, qmax).astype(np.int64)


rng = np.random.default_rng(7)
cases = []
for i, (dtype, scheme) in enumerate([(d, s) for d in ("int8", "uint8") for s in ("symmetric", "affine")]):
    for per_channel in (False, True):
        w = (rng.normal(size=(4, 6)) * rng.uniform(0.05, 2.0, size=(4, 1)) + rng.uniform(-0.5, 0.5, size=(4, 1))).astype(np.float32)
        if per_channel:
            params = [qparams(row.min(), row.max(), dtype, scheme) for row in w]
            q = np.stack([quantize(row, s, z, dtype) for row, (s, z) in zip(w, params)])
        else:
            params = [qparams(w.min(), w.max(), dtype, scheme)]
            q = quantize(w, *params[0], dtype)
        cases.append({
            "dtype": dtype, "scheme": scheme, "per_channel": per_channel,
            "x": w.flatten().tolist(), "shape": list(w.shape),
            "scales": [float(s) for s, _ in params], "zero_points": [z for _, z in params],
            "q": q.flatten().tolist(),
        })
print(json.dumps(cases))
