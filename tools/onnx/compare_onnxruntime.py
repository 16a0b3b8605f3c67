"""Measures onnxruntime's own static int8 quantization of the ONNX fixtures.

A reference point for the importer's fixed-point results, not part of the
test suite. For digits-cnn, digits-mlp, digits-res and digits-gated: each
model goes through onnxruntime.quantization.shape_inference.quant_pre_process,
then
quantize_static in QDQ format with signed int8 activations and weights
(MinMax calibration on calibration.npy), once with per-tensor and once with
per-channel weight scales. Float and int8 models run in onnxruntime on
eval.npy. Each int8 model runs twice: as onnxruntime serves it (graph
optimizations on: Q/DQ pairs fused into its integer kernels, QLinearConv,
QGemm and the like), and with graph optimizations off ("/qdq" modes:
every DequantizeLinear, float operator, QuantizeLinear runs as written, the
exact arithmetic the quantized model specifies). The two differ where the
integer kernels lose precision: on x86 without VNNI they sum pairs of 8-bit
products in 16 bits, which can saturate with full-range int8 weights
(per-channel scales especially); "cpu" in the JSON records whether the processor
has VNNI. Per model and mode it reports

  top1           share of eval.npy whose argmax matches labels.npy
  agreement      share whose argmax matches the float model's
  max_abs_error  largest |output - float output| over all images and
                 classes (log-probabilities for digits-mlp, logits otherwise)

For digits-gan (whose pre-processing skips the symbolic shape inference,
see below) the calibration set is gan-latent.npy and the pictures of
gan-eval-latent.npy are compared with the float model's (range [-1, 1]):

  psnr_db        10 * log10(peak^2 / MSE), peak = 2.0 (the width of
                 [-1, 1]), MSE the mean squared difference over all
                 pixels of all 64 pictures
  min_psnr_db    the same per picture, the worst one
  max_abs_error  largest |pixel - float pixel|

Usage: .venv/bin/python compare_onnxruntime.py OUT.json [--fixtures DIR]
[--keep DIR] (the venv of make-fixtures.sh has every package, pinned in
requirements.txt). Prints the table and writes it as JSON to OUT.json.
"""

import argparse
import json
import os
import tempfile

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSIFIERS = ["digits-cnn", "digits-mlp", "digits-res", "digits-gated"]
MODES = {"int8-per-tensor": False, "int8-per-channel": True}
PEAK = 2.0


class Samples(CalibrationDataReader):
    """Feeds the calibration set one sample at a time (the generator's
    batch is fixed at 1; the classifiers accept any batch)."""

    def __init__(self, name, data):
        self.name = name
        self.data = data
        self.i = 0

    def get_next(self):
        if self.i == len(self.data):
            return None
        self.i += 1
        return {self.name: self.data[self.i - 1 : self.i]}

    def rewind(self):
        self.i = 0


def session(path, optimize=True):
    opts = ort.SessionOptions()
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def run(path, data, optimize=True):
    """The first output for every sample, one at a time, stacked."""
    s = session(path, optimize)
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: data[i : i + 1]})[0] for i in range(len(data))])


def quantize(src, work, calibration, per_channel, symbolic=True):
    stem = os.path.splitext(os.path.basename(src))[0]
    pre = os.path.join(work, f"{stem}.pre.onnx")
    if not os.path.exists(pre):
        quant_pre_process(src, pre, skip_symbolic_shape=not symbolic)
    out = os.path.join(work, f"{stem}.{'channel' if per_channel else 'tensor'}.int8.onnx")
    name = session(pre).get_inputs()[0].name
    quantize_static(
        pre,
        out,
        Samples(name, calibration),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
    )
    return out


def cpu():
    """Whether the processor has VNNI (x86 Linux; None when unknown)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":")[1].split() for line in f if line.startswith("flags")), None)
    except OSError:
        return {"vnni": None}
    if flags is None:
        return {"vnni": None}
    return {"vnni": any(f in flags for f in ("avx512_vnni", "avx_vnni", "avx_vnni_int8"))}


def psnr(mse):
    return float("inf") if mse == 0 else float(10 * np.log10(PEAK**2 / mse))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", help="JSON file for the results")
    parser.add_argument(
        "--fixtures",
        default=os.path.join(HERE, "..", "..", "zoo", "tests", "onnx"),
        help="directory of the fixtures (default zoo/tests/onnx)",
    )
    parser.add_argument("--keep", help="directory to keep the quantized models in")
    args = parser.parse_args()
    fx = args.fixtures
    calibration = np.load(os.path.join(fx, "calibration.npy"))
    images = np.load(os.path.join(fx, "eval.npy"))
    labels = np.load(os.path.join(fx, "labels.npy"))
    results = {
        "onnxruntime": ort.__version__,
        "quantization": "quantize_static, QDQ, QInt8 activations and weights, MinMax",
        "cpu": cpu(),
        "models": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or tmp
        os.makedirs(work, exist_ok=True)
        for model in CLASSIFIERS:
            path = os.path.join(fx, f"{model}.onnx")
            ref = run(path, images)
            rows = {"float": {"top1": float((ref.argmax(1) == labels).mean())}}
            for mode, per_channel in MODES.items():
                quantized = quantize(path, work, calibration, per_channel)
                for suffix, optimize in [("", True), ("/qdq", False)]:
                    got = run(quantized, images, optimize)
                    rows[mode + suffix] = {
                        "top1": float((got.argmax(1) == labels).mean()),
                        "agreement": float((got.argmax(1) == ref.argmax(1)).mean()),
                        "max_abs_error": float(np.abs(got - ref).max()),
                    }
            results["models"][model] = rows

        path = os.path.join(fx, "digits-gan.onnx")
        latent = np.load(os.path.join(fx, "gan-latent.npy"))
        eval_latent = np.load(os.path.join(fx, "gan-eval-latent.npy"))
        ref = run(path, eval_latent)
        rows = {}
        for mode, per_channel in MODES.items():
            # The exporter writes the generator's Unflatten as a Reshape whose
            # shape is computed (Shape, Slice, Concat); onnxruntime's symbolic
            # shape inference rejects that Reshape, so only its graph
            # optimizer (which folds the shape to a constant) and ONNX shape
            # inference run before quantization.
            quantized = quantize(path, work, latent, per_channel, symbolic=False)
            for suffix, optimize in [("", True), ("/qdq", False)]:
                err = (run(quantized, eval_latent, optimize) - ref).astype(np.float64)
                per_picture = (err**2).reshape(len(err), -1).mean(1)
                rows[mode + suffix] = {
                    "psnr_db": psnr((err**2).mean()),
                    "min_psnr_db": min(psnr(m) for m in per_picture),
                    "max_abs_error": float(np.abs(err).max()),
                }
        results["models"]["digits-gan"] = rows

    print(f"onnxruntime {ort.__version__}, VNNI: {results['cpu']['vnni']}")
    for model, rows in results["models"].items():
        for mode, row in rows.items():
            cells = "  ".join(f"{k} {v:.4f}" for k, v in row.items())
            print(f"{model:11} {mode:21} {cells}")
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
