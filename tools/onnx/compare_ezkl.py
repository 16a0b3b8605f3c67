"""Measures EZKL on the ONNX fixtures: accuracy and proving cost.

A reference point for section9's own circuits, not part of the test suite.
Each run takes one fixture through EZKL's documented Python flow:

  gen_settings        input private, output public, parameters "fixed"
                      (public constants baked into the circuit) or "hashed"
                      (private, a Poseidon hash of them public); batch 1
  calibrate_settings  target "resources" on calibration.npy (gan-latent.npy
                      for the generator), every sample, lookup safety margin
                      2 (EZKL's default), scale rebase multiplier 1 only
                      (EZKL's default also tries 10); the scales searched are
                      EZKL's default (11 to 13 in 23.x) for a "fixed" run,
                      and for a "hashed" run only the input and parameter
                      scales its "fixed" run chose (the JSON records whether
                      it ended on the same pair: "same_scales_as_fixed")
  compile_circuit
  get_srs             the public KZG SRS, downloaded from EZKL's server;
                      where that fails (no network), a local one from gen_srs
                      (test only: its secret is not discarded by a
                      ceremony), which gives the same setup, prove and verify
                      timings; "srs" in the JSON says which
  gen_witness         on the first --eval-limit evaluation samples (all by
                      default; accuracy, below), and mock on the first --mock
                      of them; a "hashed" run whose "fixed" run came first
                      only on the first --check samples, compared with the
                      "fixed" outputs (max_abs_diff_vs_fixed)
  setup, prove, verify
                      on the first evaluation sample, each in a child
                      process of its own so that its peak RSS is its own
                      (the child's VmHWM: the Python interpreter and the
                      ezkl module included) and --timeout applies to it;
                      the other steps run in this process, without a timeout

Accuracy compares the witness outputs (pretty_elements.rescaled_outputs,
the dequantized circuit outputs) with the float model run in onnxruntime.
For the classifiers on eval.npy / labels.npy:

  top1           share whose argmax matches labels.npy
  agreement      share whose argmax matches the float model's
  max_abs_error  largest |EZKL output - float output| over all images and
                 classes (log-probabilities for digits-mlp, logits otherwise)

digits-mlp ends in LogSoftmax, which EZKL evaluates as Ln(Softmax(x)) in
fixed point: a probability that rounds to zero gives ln(0), an out-of-range
value that the circuit cannot satisfy. Such entries are counted in
"saturated" (|value| > 1e6) and left out of max_abs_error_unsaturated. The
run "digits-mlp-logits" is the same model with the final LogSoftmax removed
(its argmax is the same), made in the work directory. digits-res
(MODEL "digits-res") runs like digits-cnn; digits-sk-mlp (a scikit-learn
export with other inputs and a label output) is not measured.

For digits-gan on gan-eval-latent.npy (pictures in [-1, 1]):

  psnr_db        10 * log10(peak^2 / MSE), peak = 2.0, MSE over all pixels
                 of all 64 pictures
  min_psnr_db    the same per picture, the worst one
  max_abs_error  largest |pixel - float pixel|

Usage: .venv-ezkl/bin/python compare_ezkl.py OUT.json [--fixtures DIR]
[--work DIR] [--runs MODEL:VIS ...] [--eval-limit N] [--check N]
[--mock N] [--timeout S] [--keep-keys] (--check: 20 by default). The venv
comes from make-ezkl-venv.sh, its packages pinned in requirements-ezkl.txt.
Prints a table and writes every number as JSON to OUT.json, rewritten
after each run (so an interrupted measurement keeps the finished runs),
with the load average before and after each run.
"""

import argparse
import asyncio
import contextlib
import inspect
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEAK = 2.0
SATURATED = 1e6
DEFAULT_RUNS = [
    "digits-cnn:fixed",
    "digits-cnn:hashed",
    "digits-mlp:fixed",
    "digits-mlp-logits:fixed",
    "digits-mlp-logits:hashed",
    "digits-gan:fixed",
]


# ---------------------------------------------------------------- helpers


def call(fn, *args, **kwargs):
    """Calls an ezkl function; some return awaitables and some need a running
    event loop, so every call runs inside one."""

    async def run():
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    return asyncio.run(run())


@contextlib.contextmanager
def quiet(log):
    """Sends file descriptors 1 and 2 (where ezkl's native code prints its
    reports) to the log file for the duration."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def peak_rss_mib():
    """This process's peak resident set since it started its program: VmHWM,
    the high-water mark of its current address space. (ru_maxrss would not
    do for a spawned child: Linux carries the parent's RSS at the fork over
    the exec into it.)"""
    try:
        with open("/proc/self/status") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        return kib / 1024.0
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def size(path):
    return os.path.getsize(path) if os.path.exists(path) else None


def machine():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal"))
            mem = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return {
        "nproc": os.cpu_count(),
        "sched_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "mem_total_gib": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def psnr(mse):
    return float("inf") if mse == 0 else float(10 * np.log10(PEAK**2 / mse))


# ------------------------------------------------ steps in child processes


def _step_worker(conn, kind, args, log):
    import ezkl

    try:
        with quiet(log):
            start = time.perf_counter()
            result = call(getattr(ezkl, kind), *args)
            seconds = time.perf_counter() - start
        ok = result is not False
        conn.send({"ok": bool(ok), "seconds": seconds, "peak_rss_mib": peak_rss_mib()})
    except Exception as e:  # noqa: BLE001 - the error is the measurement
        conn.send({"ok": False, "error": str(e)[:2000], "peak_rss_mib": peak_rss_mib()})
    finally:
        conn.close()


def step(kind, args, log, timeout):
    """Runs ezkl.<kind>(*args) in a fresh child process: its wall time, its
    own peak RSS, and whether it succeeded."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_step_worker, args=(child, kind, args, log))
    proc.start()
    child.close()
    start = time.perf_counter()
    out = None
    if parent.poll(timeout):
        try:
            out = parent.recv()
        except EOFError:
            out = None
    proc.join(5)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        if out is None:
            return {"ok": False, "error": f"timed out after {timeout} s", "seconds": time.perf_counter() - start}
    if out is None:
        out = {"ok": False, "error": f"child exited with code {proc.exitcode}"}
    return out


# ---------------------------------------------------------------- models


def float_outputs(path, data):
    """The float model in onnxruntime, one sample at a time, stacked."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: data[i : i + 1]})[0] for i in range(len(data))])


def without_log_softmax(src, dst):
    """digits-mlp with its final LogSoftmax removed: the Gemm before it
    produces the graph output under the same name."""
    import onnx

    m = onnx.load(src)
    last = m.graph.node[-1]
    assert last.op_type == "LogSoftmax", last.op_type
    out = last.output[0]
    src_name = last.input[0]
    m.graph.node.remove(last)
    for node in m.graph.node:
        for i, name in enumerate(node.output):
            if name == src_name:
                node.output[i] = out
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return dst


def write_input(path, sample):
    with open(path, "w") as f:
        json.dump({"input_data": [np.asarray(sample, dtype=np.float32).reshape(-1).tolist()]}, f)


def witness_outputs(ezkl, data_path, compiled, witness_path):
    call(ezkl.gen_witness, data_path, compiled, witness_path)
    with open(witness_path) as f:
        w = json.load(f)
    return np.array([float(v) for v in w["pretty_elements"]["rescaled_outputs"][0]], dtype=np.float64)


# ---------------------------------------------------------------- one run


class Srs:
    """One SRS file per logrows: downloaded where possible, else generated."""

    def __init__(self, work, log):
        self.work = work
        self.log = log
        self.info = {}

    def get(self, ezkl, settings, logrows):
        path = os.path.join(self.work, f"kzg{logrows}.srs")
        if logrows in self.info:
            return path, self.info[logrows]
        start = time.perf_counter()
        try:
            with quiet(self.log):
                call(ezkl.get_srs, settings, None, path)
            info = {"source": "get_srs (public SRS)", "seconds": time.perf_counter() - start}
        except Exception as e:  # noqa: BLE001
            reason = str(e)[:500]
            start = time.perf_counter()
            with quiet(self.log):
                call(ezkl.gen_srs, path, logrows)
            info = {
                "source": "gen_srs (generated locally, test only)",
                "get_srs_error": reason,
                "seconds": time.perf_counter() - start,
            }
        info["bytes"] = size(path)
        self.info[logrows] = info
        return path, info


def witnesses(ezkl, samples, mock_rows, paths, compiled, log):
    """EZKL's outputs on each sample (stacked), the first mock_rows of them
    also through ezkl.mock, and the seconds it all took."""
    x_path, w_path = paths
    outs, mock = [], {"checked": 0, "passed": 0}
    start = time.perf_counter()
    for i, sample in enumerate(samples):
        write_input(x_path, sample)
        with quiet(log):
            outs.append(witness_outputs(ezkl, x_path, compiled, w_path))
        if i < mock_rows:
            mock["checked"] += 1
            try:
                with quiet(log):
                    passed = call(ezkl.mock, w_path, compiled) is not False
            except Exception as e:  # noqa: BLE001
                passed = False
                mock.setdefault("first_error", f"sample {i}: " + str(e)[:300])
            mock["passed"] += int(passed)
    return np.stack(outs), mock, time.perf_counter() - start


def run_one(ezkl, model, visibility, paths, data, work, log, srs, args, fixed_runs):
    stem = f"{model}.{visibility}"
    onnx_path = paths[model]
    settings = os.path.join(work, f"{stem}.settings.json")
    compiled = os.path.join(work, f"{stem}.ezkl")
    row = {"model": model, "param_visibility": visibility}

    ra = ezkl.PyRunArgs()
    ra.input_visibility = "private"
    ra.output_visibility = "public"
    ra.param_visibility = visibility
    ra.variables = [("batch", 1)]
    with quiet(log):
        call(ezkl.gen_settings, onnx_path, settings, ra)

    scales = None
    if visibility != "fixed" and model in fixed_runs:
        fixed = fixed_runs[model]["settings"]
        scales = sorted({fixed["input_scale"], fixed["param_scale"]})
    cal_path = os.path.join(work, f"{model}.calibration.json")
    write_input(cal_path, data["calibration"])
    start = time.perf_counter()
    with quiet(log):
        call(ezkl.calibrate_settings, cal_path, onnx_path, settings, "resources", 2.0, scales, [1], None)
    row["calibrate"] = {
        "target": "resources",
        "samples": int(len(data["calibration"])),
        "scales_searched": scales if scales is not None else "ezkl default",
        "seconds": time.perf_counter() - start,
    }
    with quiet(log):
        call(ezkl.compile_circuit, onnx_path, compiled, settings)
    with open(settings) as f:
        s = json.load(f)
    ra_out = s["run_args"]
    row["settings"] = {
        "logrows": ra_out["logrows"],
        "num_rows": s.get("num_rows"),
        "total_assignments": s.get("total_assignments"),
        "total_const_size": s.get("total_const_size"),
        "input_scale": ra_out["input_scale"],
        "param_scale": ra_out["param_scale"],
        "lookup_range": ra_out["lookup_range"],
        "num_inner_cols": ra_out["num_inner_cols"],
        "check_mode": s.get("check_mode", ra_out.get("check_mode")),
        "scale_rebase_multiplier": ra_out.get("scale_rebase_multiplier"),
        "model_output_scales": s.get("model_output_scales"),
        "input_visibility": ra_out["input_visibility"],
        "output_visibility": ra_out["output_visibility"],
        "param_visibility": ra_out["param_visibility"],
        "module_sizes": s.get("module_sizes"),
        "required_lookups": s.get("required_lookups"),
        "required_range_checks": s.get("required_range_checks"),
        "compiled_bytes": size(compiled),
    }
    if visibility != "fixed" and model in fixed_runs:
        fixed = fixed_runs[model]["settings"]
        row["settings"]["same_scales_as_fixed"] = all(
            row["settings"][k] == fixed[k] for k in ("input_scale", "param_scale", "scale_rebase_multiplier")
        )

    # Accuracy from the witnesses.
    ref = data["reference"]
    samples = data["eval"]
    limit = len(samples) if args.eval_limit is None else min(args.eval_limit, len(samples))
    if visibility != "fixed" and model in fixed_runs:
        limit = min(limit, args.check)
    x_path = os.path.join(work, f"{stem}.input.json")
    w_path = os.path.join(work, f"{stem}.witness.json")
    got, mock, witness_seconds = witnesses(ezkl, samples[:limit], args.mock, (x_path, w_path), compiled, log)
    want = ref[:limit].reshape(limit, -1).astype(np.float64)
    acc = {"samples": limit, "witness_seconds_each": witness_seconds / max(limit, 1), "mock": mock}
    if model == "digits-gan":
        err = got - want
        per_picture = (err**2).mean(1)
        acc.update(
            {
                "psnr_db": psnr((err**2).mean()),
                "min_psnr_db": min(psnr(m) for m in per_picture),
                "max_abs_error": float(np.abs(err).max()),
            }
        )
    else:
        labels = data["labels"][:limit]
        sat = np.abs(got) > SATURATED
        acc.update(
            {
                "top1": float((got.argmax(1) == labels).mean()),
                "float_top1": float((want.argmax(1) == labels).mean()),
                "agreement": float((got.argmax(1) == want.argmax(1)).mean()),
                "max_abs_error": float(np.abs(got - want).max()),
                "saturated": int(sat.sum()),
                "max_abs_error_unsaturated": float(np.abs(got - want)[~sat].max()) if (~sat).any() else None,
            }
        )
    if visibility != "fixed" and model in fixed_runs:
        acc["max_abs_diff_vs_fixed"] = float(np.abs(got - fixed_runs[model]["_outputs"][:limit]).max())
    row["accuracy"] = acc
    row["_outputs"] = got

    # Setup, prove, verify on the first evaluation sample.
    srs_path, srs_info = srs.get(ezkl, settings, ra_out["logrows"])
    row["srs"] = {"logrows": ra_out["logrows"], "source": srs_info["source"]}
    write_input(x_path, samples[0])
    with quiet(log):
        call(ezkl.gen_witness, x_path, compiled, w_path)
    vk = os.path.join(work, f"{stem}.vk")
    pk = os.path.join(work, f"{stem}.pk")
    proof = os.path.join(work, f"{stem}.proof.json")
    row["setup"] = step("setup", (compiled, vk, pk, srs_path, None, False), log, args.timeout)
    row["setup"]["pk_bytes"] = size(pk)
    row["setup"]["vk_bytes"] = size(vk)
    if row["setup"]["ok"]:
        row["prove"] = step("prove", (w_path, compiled, pk, proof, srs_path), log, args.timeout)
        row["prove"]["proof_bytes"] = size(proof)
        if row["prove"]["ok"]:
            row["verify"] = step("verify", (proof, settings, vk, srs_path, False), log, args.timeout)
    if not args.keep_keys and os.path.exists(pk):
        os.remove(pk)
    return row


# ---------------------------------------------------------------- table


def fmt(v, spec):
    """format(v, spec), or a dash as wide as the column."""
    if v is None:
        width = spec.lstrip("<>^").split(".")[0]
        return format("-", f">{width}") if width else "-"
    return format(v, spec)


def table(results):
    head = (
        f"{'model':18} {'params':6} {'logrows':>7} {'rows':>7} {'i/p':>5} {'setup s':>8} {'prove s':>8} "
        f"{'verify s':>8} {'pk MiB':>8} {'RSS MiB':>8} {'top1':>6} {'agree':>6} {'max err':>9} {'PSNR dB':>8} mock"
    )
    lines = [head, "-" * len(head)]
    for r in results["runs"]:
        if "error" in r and "settings" not in r:
            lines.append(f"{r['model']:18} {r['param_visibility']:6} failed: {r['error'][:80]}")
            continue
        st, acc = r["settings"], r["accuracy"]
        setup, prove, verify = r.get("setup", {}), r.get("prove", {}), r.get("verify", {})
        rss = max((x.get("peak_rss_mib") or 0) for x in (setup, prove, verify)) or None
        pk = setup.get("pk_bytes")
        err = acc.get("max_abs_error_unsaturated", acc.get("max_abs_error"))
        mock = acc["mock"]
        note = f"{mock['passed']}/{mock['checked']}"
        if acc.get("saturated"):
            note += f" {acc['saturated']} saturated"
        if verify.get("ok") is False or prove.get("ok") is False or setup.get("ok") is False:
            note += " proof failed"
        elif verify.get("ok"):
            note += " verified"
        lines.append(
            f"{r['model']:18} {r['param_visibility']:6} {st['logrows']:>7} {fmt(st['num_rows'], '>7')} "
            f"{st['input_scale']:>2}/{st['param_scale']:<2} "
            f"{fmt(setup.get('seconds'), '8.1f')} {fmt(prove.get('seconds'), '8.1f')} "
            f"{fmt(verify.get('seconds'), '8.3f')} {fmt(pk / 2**20 if pk else None, '8.0f')} "
            f"{fmt(rss, '8.0f')} {fmt(acc.get('top1'), '6.4f')} {fmt(acc.get('agreement'), '6.4f')} "
            f"{fmt(err, '9.5f')} {fmt(acc.get('psnr_db'), '8.2f')} {note}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def save(results, path):
    """Writes the results so far, without the outputs kept for the hashed
    runs' comparison."""
    clean = dict(results, runs=[{k: v for k, v in r.items() if k != "_outputs"} for r in results["runs"]])
    with open(path, "w") as f:
        json.dump(clean, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", help="JSON file for the results")
    parser.add_argument(
        "--fixtures",
        default=os.path.join(HERE, "..", "..", "zoo", "tests", "onnx"),
        help="directory of the fixtures (default zoo/tests/onnx)",
    )
    parser.add_argument("--work", help="directory for EZKL's files (default a temporary one)")
    parser.add_argument("--runs", nargs="+", default=DEFAULT_RUNS, help="MODEL:VISIBILITY pairs")
    parser.add_argument("--eval-limit", type=int, help="evaluate only the first N samples")
    parser.add_argument("--check", type=int, default=20, help="samples a non-fixed run compares with its fixed run")
    parser.add_argument("--mock", type=int, default=5, help="witnesses to check with ezkl.mock")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for setup, prove or verify")
    parser.add_argument("--keep-keys", action="store_true", help="keep proving keys in the work directory")
    args = parser.parse_args()

    import ezkl
    import onnx
    import onnxruntime

    fx = args.fixtures
    results = {
        "ezkl": getattr(ezkl, "__version__", None),
        "numpy": np.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "machine": machine(),
        "flow": "gen_settings (input private, output public), calibrate_settings target resources, "
        "compile_circuit, get_srs or gen_srs, setup, gen_witness, prove, verify; batch 1; "
        "setup/prove/verify timed on eval sample 0, each in its own child process",
        "runs": [],
    }
    if results["ezkl"] is None:
        from importlib.metadata import version

        results["ezkl"] = version("ezkl")

    images = np.load(os.path.join(fx, "eval.npy"))
    classifier = {
        "calibration": np.load(os.path.join(fx, "calibration.npy")),
        "eval": images,
        "labels": np.load(os.path.join(fx, "labels.npy")),
    }
    gan = {
        "calibration": np.load(os.path.join(fx, "gan-latent.npy")),
        "eval": np.load(os.path.join(fx, "gan-eval-latent.npy")),
    }

    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.abspath(args.work or tmp)
        os.makedirs(work, exist_ok=True)
        log = os.path.join(work, "ezkl.log")
        paths = {m: os.path.join(fx, f"{m}.onnx") for m in ("digits-cnn", "digits-mlp", "digits-gan", "digits-res")}
        if any(r.startswith("digits-mlp-logits:") for r in args.runs):
            paths["digits-mlp-logits"] = without_log_softmax(
                paths["digits-mlp"], os.path.join(work, "digits-mlp-logits.onnx")
            )
        srs = Srs(work, log)
        fixed_runs = {}
        references = {}
        total = time.perf_counter()
        for spec in args.runs:
            model, visibility = spec.split(":")
            data = dict(gan if model == "digits-gan" else classifier)
            if model not in references:
                references[model] = float_outputs(paths[model], data["eval"])
            data["reference"] = references[model]
            print(f"{spec} ...", flush=True)
            load_before = os.getloadavg()
            start = time.perf_counter()
            try:
                row = run_one(ezkl, model, visibility, paths, data, work, log, srs, args, fixed_runs)
            except Exception as e:  # noqa: BLE001 - recorded, the other runs go on
                row = {"model": model, "param_visibility": visibility, "error": str(e)[:2000]}
                traceback.print_exc()
            row["total_seconds"] = time.perf_counter() - start
            row["loadavg_before"] = load_before
            row["loadavg_after"] = os.getloadavg()
            if visibility == "fixed" and "settings" in row:
                fixed_runs[model] = row
            results["runs"].append(row)
            results["total_seconds"] = time.perf_counter() - total
            results["srs"] = {str(k): v for k, v in srs.info.items()}
            save(results, args.out)
            print(f"{spec} done in {row['total_seconds']:.0f} s", flush=True)

    m = results["machine"]
    print(f"\nezkl {results['ezkl']}, {m['nproc']} x {m['cpu_model']}, {m['mem_total_gib']} GiB")
    print(table(results))


if __name__ == "__main__":
    main()
