"""Checks CalmSpace ONNX exports with the ONNX library (Debian's python3-onnx 1.12).

usage: /usr/bin/python3 check_onnx.py MODEL.onnx [MODEL.onnx ...]
For each file: onnx.checker.check_model(full_check=True) (schema, opset and shape inference),
IR version 8 and default-domain opset 17, inputs features (batch, time, F) float32 and lengths
(batch) int32, outputs probabilities and logits (batch, C) float32, and metadata_props with
format, features, model, sample_rate, input_norm, config and labels (a JSON list of C names).
Exit 0 = every file passed.
"""
import json
import sys

import onnx

REQUIRED_METADATA = ["format", "labels", "features", "model", "sample_rate", "input_norm",
                     "config"]


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == 8, "ir_version %d" % model.ir_version
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets == {"": 17}, "opset_import %s" % opsets
    graph = model.graph
    inputs = {i.name: i for i in graph.input}
    assert sorted(inputs) == ["features", "lengths"], "inputs %s" % sorted(inputs)
    assert inputs["features"].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert inputs["lengths"].type.tensor_type.elem_type == onnx.TensorProto.INT32
    features = dims(inputs["features"])
    assert features[:2] == ["batch", "time"] and features[2] > 0, "features %s" % features
    assert dims(inputs["lengths"]) == ["batch"]
    outputs = {o.name: o for o in graph.output}
    assert sorted(outputs) == ["logits", "probabilities"], "outputs %s" % sorted(outputs)
    meta = {p.key: p.value for p in model.metadata_props}
    missing = [k for k in REQUIRED_METADATA if k not in meta]
    assert not missing, "metadata lacks %s" % missing
    labels = json.loads(meta["labels"])
    assert isinstance(labels, list) and all(isinstance(s, str) for s in labels)
    for name in ("probabilities", "logits"):
        assert dims(outputs[name]) == ["batch", len(labels)], "%s %s" % (name, dims(outputs[name]))
    ops = sorted({n.op_type for n in graph.node})
    return "%s: ok (%d nodes; %s; F = %d, %d labels)" % (path, len(graph.node), " ".join(ops),
                                                        features[2], len(labels))


def main():
    failed = 0
    for path in sys.argv[1:]:
        try:
            print(check(path))
        except Exception as e:  # report every file, then fail
            print("%s: FAILED %s: %s" % (path, type(e).__name__, e))
            failed += 1
    if failed or len(sys.argv) < 2:
        sys.exit(1)
    print("ok: %d models pass onnx.checker (onnx %s)" % (len(sys.argv) - 1, onnx.__version__))


if __name__ == "__main__":
    main()
