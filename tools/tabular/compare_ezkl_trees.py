"""Measures EZKL proving the cancer-forest fixture: cost and label agreement.

A reference point for section9's tree-ensemble circuits, not part of the
test suite. EZKL does not read ONNX-ML tree operators
(zoo/tests/tabular/cancer-forest.onnx is a TreeEnsembleClassifier), so this
takes EZKL's documented route for tree ensembles:

  forest          the scikit-learn RandomForestClassifier of cancer-forest
                  (100 trees, depth 4), refitted here exactly as
                  make_fixtures.py fits it (same data split, seed and
                  scikit-learn version); checked: the split gives the
                  committed cancer-calibration/eval/labels.npy and the model
                  predicts cancer-forest-predictions.npy on every eval row
  hummingbird     convert(forest, "torch") to tensor operations; the tree
                  strategy is Hummingbird's default for the forest's depth
                  (perf_tree_trav for depth 4; "strategy" in the JSON, the
                  module class in "tree_module") or the one a run names
                  (gemm, tree_trav, perf_tree_trav)
  torch.onnx      the converted module, its probability output only (the
                  label is their argmax, taken outside the circuit), batch
                  1, opset 15, TorchScript exporter (dynamo=False)

then EZKL's flow as tools/onnx/compare_ezkl.py runs it (its helpers are
imported from there): gen_settings with input private, output public and
parameters "fixed" (public constants in the circuit) or "hashed" (private,
their Poseidon hash public, like section9's committed weights);
calibrate_settings target "resources" on cancer-calibration.npy (all rows
unless --calibration-rows), lookup safety margin 2, rebase multiplier 1,
EZKL's default scales for "fixed" and, for "hashed", the two scales its
"fixed" run chose; compile_circuit; gen_srs (a local SRS, test only: no
network is used; timings are the same as with the public one); gen_witness,
setup, prove and verify on eval row 0, setup/prove/verify each in a child
process of its own (its VmHWM is its peak RSS) under --timeout.

Agreement: EZKL witnesses (pretty_elements.rescaled_outputs) on the first
--eval-limit eval rows, argmax compared with the forest's predictions;
max_abs_error is the largest difference from predict_proba. A "hashed" run
whose "fixed" run came first only on --check rows (all by default); --mock
rows also go through ezkl.mock. Each exported ONNX file is also run in
onnx's reference evaluator on all eval rows, so that a disagreement is
EZKL's, not the export's. A run whose gen_settings (before calibration)
reports more rows than 2^--max-logrows is skipped, with EZKL's row count
recorded.

Usage: .venv-ezkl/bin/python compare_ezkl_trees.py [--out JSON] [--runs
STRATEGY:VIS ...] [--eval-limit N] [--check N] [--mock N]
[--calibration-rows N] [--max-logrows N] [--timeout S] [--work DIR]
[--append] (--append keeps the runs already in --out). The venv comes
from make-ezkl-venv.sh (requirements-ezkl.txt). The JSON is rewritten
after each phase, so an interrupted run keeps what finished; a failed
step records its error text.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import traceback

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "onnx"))

from compare_ezkl import call, machine, quiet, size, step, witnesses, write_input  # noqa: E402

SEED = 9
HELD_OUT = 0.3
CALIBRATION_ROWS = 512
OPSET = 15


def rebuild_forest(fx):
    """The cancer-forest RandomForestClassifier, fitted as make_fixtures.py
    fits it, with checks against the committed fixture files."""
    import sklearn
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    x = x.astype(np.float32)
    y = y.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=HELD_OUT, random_state=SEED, stratify=y)
    forest = RandomForestClassifier(n_estimators=100, max_depth=4, random_state=SEED, n_jobs=1)
    forest.fit(xtr, ytr)

    def load(name):
        return np.load(os.path.join(fx, f"cancer-{name}.npy"))

    pred = forest.predict(xte)
    proba = forest.predict_proba(xte).astype(np.float32)
    check = {
        "scikit_learn": sklearn.__version__,
        "calibration_matches": bool(np.array_equal(xtr[:CALIBRATION_ROWS], load("calibration"))),
        "eval_matches": bool(np.array_equal(xte, load("eval"))),
        "labels_match": bool(np.array_equal(yte, load("labels"))),
        "predictions_match_onnx": bool(np.array_equal(pred, load("forest-predictions").reshape(-1))),
        "max_abs_proba_diff_vs_onnx_scores": float(np.abs(proba - load("forest-scores").reshape(proba.shape)).max()),
        "float_accuracy": float((pred == yte).mean()),
    }
    if not (check["eval_matches"] and check["predictions_match_onnx"]):
        raise SystemExit(f"the refitted forest is not cancer-forest: {check}")
    return forest, load("calibration"), load("eval"), pred, proba, check


def convert(forest, strategy, xte, onnx_path):
    """Hummingbird conversion to torch, then ONNX export of the probability
    output. Returns facts about the conversion."""
    import torch
    from hummingbird.ml import convert as hb_convert
    from hummingbird.ml.operator_converters._tree_commons import get_tree_implementation_by_config_or_depth

    extra = {} if strategy == "default" else {"tree_implementation": strategy}
    depth = max(e.tree_.max_depth for e in forest.estimators_)
    chosen = get_tree_implementation_by_config_or_depth(extra, depth).name
    hb = hb_convert(forest, "torch", xte[:1], extra_config=extra)
    tree_modules = sorted({type(m).__name__ for m in hb.model.modules() if "Tree" in type(m).__name__})

    class Probabilities(torch.nn.Module):
        def __init__(self, executor):
            super().__init__()
            self.executor = executor

        def forward(self, x):
            return self.executor(x)[1]

    module = Probabilities(hb.model).eval()
    with torch.no_grad():
        probs = module(torch.from_numpy(xte)).numpy()
        torch.onnx.export(
            module,
            (torch.from_numpy(xte[:1]),),
            onnx_path,
            input_names=["input"],
            output_names=["probabilities"],
            opset_version=OPSET,
            dynamo=False,
        )
    import onnx
    from onnx.reference import ReferenceEvaluator

    reference = ReferenceEvaluator(onnx_path)
    exported = np.concatenate([reference.run(None, {"input": xte[i : i + 1]})[0] for i in range(len(xte))])
    proto = onnx.load(onnx_path)
    ops = {}
    for node in proto.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return {
        "strategy": chosen,
        "requested": strategy,
        "tree_module": tree_modules,
        "max_depth": int(depth),
        "onnx_bytes": size(onnx_path),
        "onnx_ops": dict(sorted(ops.items())),
        "_probs": probs,
        "_exported": exported,
    }


def settings_summary(path, compiled):
    with open(path) as f:
        s = json.load(f)
    ra = s["run_args"]
    return {
        "logrows": ra["logrows"],
        "num_rows": s.get("num_rows"),
        "total_assignments": s.get("total_assignments"),
        "total_const_size": s.get("total_const_size"),
        "input_scale": ra["input_scale"],
        "param_scale": ra["param_scale"],
        "scale_rebase_multiplier": ra.get("scale_rebase_multiplier"),
        "lookup_range": ra.get("lookup_range"),
        "decomp_base": ra.get("decomp_base"),
        "decomp_legs": ra.get("decomp_legs"),
        "check_mode": s.get("check_mode", ra.get("check_mode")),
        "num_dynamic_lookups": s.get("num_dynamic_lookups"),
        "total_dynamic_col_size": s.get("total_dynamic_col_size"),
        "max_dynamic_input_len": s.get("max_dynamic_input_len"),
        "num_shuffles": s.get("num_shuffles"),
        "einsum_params": s.get("einsum_params"),
        "num_inner_cols": ra.get("num_inner_cols"),
        "input_visibility": ra["input_visibility"],
        "output_visibility": ra["output_visibility"],
        "param_visibility": ra["param_visibility"],
        "model_output_scales": s.get("model_output_scales"),
        "module_sizes": s.get("module_sizes"),
        "required_lookups": s.get("required_lookups"),
        "required_range_checks": s.get("required_range_checks"),
        "compiled_bytes": size(compiled),
    }


def run_one(ezkl, row, stem, onnx_path, visibility, data, work, log, args, fixed, srs, save):
    """Fills row as it goes (the phase it is in, for a failure)."""
    settings = os.path.join(work, f"{stem}.settings.json")
    compiled = os.path.join(work, f"{stem}.ezkl")

    ra = ezkl.PyRunArgs()
    ra.input_visibility = "private"
    ra.output_visibility = "public"
    ra.param_visibility = visibility
    ra.variables = [("batch", 1)]
    row["phase"] = "gen_settings"
    with quiet(log):
        call(ezkl.gen_settings, onnx_path, settings, ra)
    with open(settings) as f:
        first = json.load(f)
    # The circuit needs at least num_rows rows: logrows >= log2(num_rows).
    needed = max(first["run_args"]["logrows"], int(np.ceil(np.log2(max(first.get("num_rows") or 1, 1)))))
    row["gen_settings"] = {
        "logrows": first["run_args"]["logrows"],
        "logrows_needed_at_least": needed,
        "num_rows": first.get("num_rows"),
        "module_sizes": first.get("module_sizes"),
        "input_scale": first["run_args"]["input_scale"],
        "param_scale": first["run_args"]["param_scale"],
    }
    if needed > args.max_logrows:
        row["skipped"] = (
            f"gen_settings reports {first.get('num_rows')} rows, logrows >= {needed} "
            f"> --max-logrows {args.max_logrows}"
        )
        del row["phase"]
        return

    scales = sorted({fixed["input_scale"], fixed["param_scale"]}) if fixed else None
    cal = data["calibration"][: args.calibration_rows]
    cal_path = os.path.join(work, f"{stem}.calibration.json")
    with open(cal_path, "w") as f:
        json.dump({"input_data": [cal.reshape(-1).tolist()]}, f)
    row["phase"] = "calibrate_settings"
    start = time.perf_counter()
    with quiet(log):
        call(ezkl.calibrate_settings, cal_path, onnx_path, settings, "resources", 2.0, scales, [1], None)
    row["calibrate"] = {
        "target": "resources",
        "rows": int(len(cal)),
        "scales_searched": scales if scales is not None else "ezkl default",
        "seconds": time.perf_counter() - start,
    }
    row["phase"] = "compile_circuit"
    with quiet(log):
        call(ezkl.compile_circuit, onnx_path, compiled, settings)
    row["settings"] = settings_summary(settings, compiled)
    if fixed:
        row["settings"]["same_scales_as_fixed"] = all(
            row["settings"][k] == fixed[k] for k in ("input_scale", "param_scale", "scale_rebase_multiplier")
        )
    save()

    logrows = row["settings"]["logrows"]
    srs_path = os.path.join(work, f"kzg{logrows}.srs")
    if logrows not in srs:
        row["phase"] = "gen_srs"
        start = time.perf_counter()
        with quiet(log):
            call(ezkl.gen_srs, srs_path, logrows)
        srs[logrows] = {"source": "gen_srs (local, test only)", "seconds": time.perf_counter() - start, "bytes": size(srs_path)}
    row["srs"] = dict(srs[logrows], logrows=logrows)

    # Setup, prove, verify on eval row 0.
    x_path = os.path.join(work, f"{stem}.input.json")
    w_path = os.path.join(work, f"{stem}.witness.json")
    write_input(x_path, data["eval"][0])
    row["phase"] = "gen_witness"
    start = time.perf_counter()
    with quiet(log):
        call(ezkl.gen_witness, x_path, compiled, w_path)
    row["witness_seconds"] = time.perf_counter() - start
    vk = os.path.join(work, f"{stem}.vk")
    pk = os.path.join(work, f"{stem}.pk")
    proof = os.path.join(work, f"{stem}.proof.json")
    row["phase"] = "setup"
    save()
    row["setup"] = step("setup", (compiled, vk, pk, srs_path, None, False), log, args.timeout)
    row["setup"]["pk_bytes"] = size(pk)
    row["setup"]["vk_bytes"] = size(vk)
    save()
    if row["setup"]["ok"]:
        row["phase"] = "prove"
        row["prove"] = step("prove", (w_path, compiled, pk, proof, srs_path), log, args.timeout)
        row["prove"]["proof_bytes"] = size(proof)
        save()
        if row["prove"]["ok"]:
            row["phase"] = "verify"
            row["verify"] = step("verify", (proof, settings, vk, srs_path, False), log, args.timeout)
            save()
    if os.path.exists(pk) and not args.keep_keys:
        os.remove(pk)

    # Agreement from witnesses.
    row["phase"] = "agreement"
    samples = data["eval"]
    limit = min(args.eval_limit, len(samples))
    if fixed:
        limit = min(limit, args.check)
    got, mock, seconds = witnesses(ezkl, samples[:limit], args.mock, (x_path, w_path), compiled, log)
    pred, proba, labels = data["pred"][:limit], data["proba"][:limit], data["labels"][:limit]
    row["agreement"] = {
        "rows": limit,
        "witness_seconds_each": seconds / max(limit, 1),
        "agreement": float((got.argmax(1) == pred).mean()),
        "top1": float((got.argmax(1) == labels).mean()),
        "float_top1": float((pred == labels).mean()),
        "max_abs_error": float(np.abs(got - proba).max()),
        # One tree's vote moves a class probability by up to 0.01: an error
        # over half of that means some tree took the other branch.
        "rows_error_over_0.005": int((np.abs(got - proba).max(1) > 0.005).sum()),
        "disagreeing_count": int((got.argmax(1) != pred).sum()),
        "disagreeing": [
            {"row": int(i), "ezkl": got[i].tolist(), "float": proba[i].tolist(), "label": int(labels[i])}
            for i in np.nonzero(got.argmax(1) != pred)[0][:10]
        ],
        "mock": mock,
    }
    if fixed:
        row["agreement"]["max_abs_diff_vs_fixed"] = float(np.abs(got - fixed["_outputs"][:limit]).max())
    row["_outputs"] = got
    del row["phase"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/ezkl-forest.json", help="JSON file for the results")
    parser.add_argument(
        "--fixtures", default=os.path.join(HERE, "..", "..", "zoo", "tests", "tabular"), help="zoo/tests/tabular"
    )
    parser.add_argument("--work", help="directory for EZKL's files (default a temporary one)")
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["default:fixed", "default:hashed", "gemm:fixed", "gemm:hashed"],
        help="STRATEGY:VISIBILITY pairs (STRATEGY: default, gemm, tree_trav, perf_tree_trav)",
    )
    parser.add_argument("--eval-limit", type=int, default=171, help="eval rows for agreement")
    parser.add_argument("--check", type=int, default=171, help="rows a hashed run compares with its fixed run")
    parser.add_argument("--mock", type=int, default=5, help="witnesses to check with ezkl.mock")
    parser.add_argument("--calibration-rows", type=int, default=None, help="calibration rows (default all)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for setup, prove or verify")
    parser.add_argument(
        "--max-logrows",
        type=int,
        default=19,
        help="skip a run whose gen_settings needs more (a hashed logrows-18 prove peaked at 6.7 GiB here)",
    )
    parser.add_argument("--append", action="store_true", help="keep the runs already in --out")
    parser.add_argument("--keep-keys", action="store_true", help="keep proving keys in the work directory")
    args = parser.parse_args()

    from importlib.metadata import version

    import ezkl

    forest, cal, xte, pred, proba, check = rebuild_forest(os.path.abspath(args.fixtures))
    results = {
        "versions": {
            p: version(p) for p in ("ezkl", "hummingbird-ml", "torch", "scikit-learn", "numpy", "onnx")
        },
        "machine": machine(),
        "model": "cancer-forest: RandomForestClassifier(100 trees, max depth 4), 30 features, 2 classes",
        "forest_check": check,
        "flow": "hummingbird convert to torch, torch.onnx.export (probabilities), gen_settings (input private, "
        "output public), calibrate_settings target resources, compile_circuit, gen_srs (local), gen_witness, "
        "setup, prove, verify; batch 1; setup/prove/verify on eval row 0, each in its own child process",
        "runs": [],
    }
    if args.append and os.path.exists(args.out):
        with open(args.out) as f:
            results["runs"] = json.load(f)["runs"]

    def save():
        clean = dict(results, runs=[{k: v for k, v in r.items() if not k.startswith("_")} for r in results["runs"]])
        with open(args.out, "w") as f:
            json.dump(clean, f, indent=2)
            f.write("\n")

    data = {"calibration": cal, "eval": xte, "pred": pred, "proba": proba, "labels": np.load(
        os.path.join(args.fixtures, "cancer-labels.npy"))}
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.abspath(args.work or tmp)
        os.makedirs(work, exist_ok=True)
        log = os.path.join(work, "ezkl.log")
        conversions, fixed_runs, srs = {}, {}, {}
        total = time.perf_counter()
        for spec in args.runs:
            strategy, visibility = spec.split(":")
            row = {"strategy_requested": strategy, "param_visibility": visibility}
            results["runs"].append(row)
            print(f"{spec} ...", flush=True)
            row["loadavg_before"] = os.getloadavg()
            start = time.perf_counter()
            try:
                onnx_path = os.path.join(work, f"cancer-forest-hb-{strategy}.onnx")
                if strategy not in conversions:
                    conv = convert(forest, strategy, xte, onnx_path)
                    conv["torch_predictions_match"] = bool(np.array_equal(conv["_probs"].argmax(1), pred))
                    conv["torch_max_abs_proba_diff"] = float(np.abs(conv["_probs"] - proba).max())
                    conv["onnx_reference_predictions_match"] = bool(np.array_equal(conv["_exported"].argmax(1), pred))
                    conv["onnx_reference_max_abs_diff_vs_torch"] = float(np.abs(conv["_exported"] - conv["_probs"]).max())
                    conversions[strategy] = conv
                row["conversion"] = {k: v for k, v in conversions[strategy].items() if not k.startswith("_")}
                save()
                fixed = fixed_runs.get(strategy) if visibility != "fixed" else None
                run_one(
                    ezkl, row, f"{strategy}.{visibility}", onnx_path, visibility, data, work, log, args,
                    dict(fixed["settings"], _outputs=fixed["_outputs"]) if fixed else None, srs, save,
                )
                if visibility == "fixed":
                    fixed_runs[strategy] = row
            except Exception as e:  # noqa: BLE001 - the error is the measurement
                row["error"] = str(e)[:3000]
                traceback.print_exc()
            row["seconds"] = time.perf_counter() - start
            row["loadavg_after"] = os.getloadavg()
            results["total_seconds"] = time.perf_counter() - total
            save()
            print(f"{spec} done in {row['seconds']:.0f} s", flush=True)
        if args.work:
            print(f"EZKL log: {log}")
    print(json.dumps(json.load(open(args.out))["runs"], indent=1)[:6000])


if __name__ == "__main__":
    main()
