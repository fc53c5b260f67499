"""Validates ONNX files with the ONNX project's own checker (Debian's python3-onnx), independently of ONNX Runtime.

Usage: /usr/bin/python3 onnx_check.py model.onnx [...]
For each file: onnx.checker.check_model with full_check (schema, opset, types and strict shape inference),
then prints one JSON line with the file, IR version, opsets and the inferred output shape.
"""
import json
import sys

import onnx

for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    out = inferred.graph.output[0].type.tensor_type.shape
    dims = [d.dim_param or d.dim_value for d in out.dim]
    print(json.dumps({"file": path, "ir": model.ir_version,
                      "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
                      "output": dims}))
