#!/usr/bin/env python3
"""Prove a section9 model in pieces on a Ray cluster.

    prove.py --address HOST:PORT --section9 BINARY MODEL [INPUT] --out DIR --chunks N|auto

The driver plans the run here (`section9 pieces plan`), makes each piece's
Groth16 keys once (one Ray task per piece, on the driver's node, into the key
cache), proves each piece in a Ray task on whichever node Ray picks, and
finally checks every piece and the links between them here
(`section9 pieces gather`), which writes DIR/manifest.json.

Nothing relies on a shared filesystem: a prove task gets the bytes it needs
(plan.json, its piece's job, its key file, and the model files when MODEL is a
file), writes them into a temporary folder on its node, runs
`section9 pieces prove` there and returns the files it wrote, which the driver
writes into DIR/piece-K/. The section9 binary must be at the same path on
every node, and the nodes must run the Ray and Python of this folder's venv.

Without --address (or with --local) the same pieces are set up and proved one
after another in this process, without Ray.

Exit status: 0 success, 1 a piece or the gathering failed, 2 bad usage.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# What `section9 pieces prove` writes into piece-K/.
PIECE_FILES = ("proof.json", "public.json", "verification_key.json", "piece.json")

# Test-only: "K:MARKER" makes the first attempt of piece K's prove task kill
# its own worker process (SIGKILL), the way a lost node or the OOM killer
# ends a task; the attempt that finds MARKER already made runs normally. Used
# by zoo/tests/cluster.rs to check that Ray retries the piece. Ignored without
# Ray (it would kill the driver).
DIE_ONCE = "SECTION9_CLUSTER_DIE_ONCE"


class PieceFailed(Exception):
    """section9 refused or failed a piece: not retried, fails the run."""

    def __init__(self, piece, message):
        super().__init__(piece, message)
        self.piece = piece
        self.message = message

    def __str__(self):
        return f"piece {self.piece}: {self.message}"


class RunFailed(Exception):
    """A step on the driver failed (planning, gathering, Ray itself)."""


def section9(binary, args, piece=None):
    """Runs section9 with `--json` and returns its parsed stdout."""
    done = subprocess.run([binary, "--json", *args], capture_output=True, text=True)
    if done.returncode != 0:
        message = f"section9 {' '.join(args[:2])} exited with status {done.returncode}: {done.stderr.strip()}"
        if piece is None:
            raise RunFailed(message)
        raise PieceFailed(piece, message)
    return json.loads(done.stdout)


def here():
    """The Ray node this runs on (`local` without Ray) and the host name."""
    node = "local"
    if "ray" in sys.modules:
        import ray

        if ray.is_initialized():
            node = ray.get_runtime_context().get_node_id()
    return node, socket.gethostname()


def stage(folder, piece, plan, job, model):
    """Writes what `section9 pieces setup|prove FOLDER --piece K` reads:
    plan.json, the piece's job and, for a model file, the model's files (its
    JSON and the parameter file beside it) in FOLDER/model/, with the plan's
    `model` pointing at the copy."""
    if model is not None:
        models = folder / "model"
        models.mkdir()
        for name, data in model["files"].items():
            (models / name).write_bytes(data)
        plan = json.loads(plan)
        plan["model"] = str(models / model["json"])
        plan = json.dumps(plan).encode()
    (folder / "plan.json").write_bytes(plan)
    private = folder / f"piece-{piece}" / "private"
    private.mkdir(parents=True)
    (private / "job.json").write_bytes(job)


def setup_piece(binary, piece, plan, job, model, cache):
    """Makes (or finds in the key cache CACHE) piece K's keys.

    Returns what it did, and the key file's bytes (a separate Ray object, so
    the driver never fetches them: they go from the object store to the node
    that proves)."""
    started = time.time()
    with tempfile.TemporaryDirectory(prefix=f"section9-setup-{piece}-") as tmp:
        stage(Path(tmp), piece, plan, job, model)
        args = ["pieces", "setup", tmp, "--piece", str(piece)]
        if cache is not None:
            args += ["--keys", cache]
        made = section9(binary, args, piece)
    path = Path(made["keys"])
    key = path.read_bytes()
    node, host = here()
    info = {
        "piece": piece,
        "key": path.name,
        "key_bytes": len(key),
        "node": node,
        "host": host,
        "seconds": round(time.time() - started, 3),
    }
    return info, key


def prove_piece(binary, piece, plan, job, model, key_info, key, die_once):
    """Proves piece K in a fresh temporary folder with the shipped key;
    returns the files `section9 pieces prove` wrote, by name, and where it
    ran."""
    started = time.time()
    if die_once is not None:
        victim, marker = die_once
        if victim == piece and not os.path.exists(marker):
            Path(marker).write_text(f"piece {piece}: worker {os.getpid()} killed itself\n")
            os.kill(os.getpid(), signal.SIGKILL)
    with tempfile.TemporaryDirectory(prefix=f"section9-piece-{piece}-") as tmp:
        folder = Path(tmp)
        stage(folder, piece, plan, job, model)
        keys = folder / "keys"
        keys.mkdir()
        (keys / key_info["key"]).write_bytes(key)
        # --no-setup: a shipped key for another circuit is an error, not a
        # silent setup on the worker.
        args = ["pieces", "prove", tmp, "--piece", str(piece), "--keys", str(keys), "--no-setup"]
        section9(binary, args, piece)
        files = {name: (folder / f"piece-{piece}" / name).read_bytes() for name in PIECE_FILES}
    node, host = here()
    return {
        "piece": piece,
        "files": files,
        "node": node,
        "host": host,
        "pid": os.getpid(),
        "seconds": round(time.time() - started, 3),
    }


def builtins(binary):
    """The names of section9's built-in models (`section9 info --list`)."""
    done = subprocess.run([binary, "info", "--list"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RunFailed(f"section9 info --list exited with status {done.returncode}: {done.stderr.strip()}")
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}


def model_files(model, names):
    """None for a built-in model (every section9 has it); for a model file,
    its JSON's name and the bytes of it and of the parameter file it names."""
    if model in names:
        return None
    path = Path(model)
    text = path.read_bytes()
    files = {path.name: text}
    params = json.loads(text).get("params")
    if params is not None:
        files[params["file"]] = (path.parent / params["file"]).read_bytes()
    return {"json": path.name, "files": files}


def plan_run(args, binary, names):
    """`section9 pieces plan`; a model file is named by its absolute path, so
    the plan holds wherever the driver's later steps run."""
    model = args.model if args.model in names else os.path.abspath(args.model)
    plan = ["pieces", "plan", model]
    if args.input is not None:
        plan.append(os.path.abspath(args.input))
    plan += ["--out", args.out, "--chunks", args.chunks, "--weights", args.weights, "--seed", str(args.seed)]
    if args.piece_constraints is not None:
        plan += ["--piece-constraints", str(args.piece_constraints)]
    return section9(binary, plan)


def write_piece(out, proved):
    folder = Path(out) / f"piece-{proved['piece']}"
    for name, data in proved["files"].items():
        partial = folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(folder / name)


def run_local(binary, count, plan, jobs, model, cache, out):
    """Every piece one after another in this process."""
    setups, proofs = [], []
    started = time.time()
    for k in range(count):
        setups.append(setup_piece(binary, k, plan, jobs[k], model, cache))
    setup_time = time.time() - started
    started = time.time()
    for k in range(count):
        info, key = setups[k]
        proved = prove_piece(binary, k, plan, jobs[k], model, info, key, None)
        write_piece(out, proved)
        proofs.append(proved)
    return [info for info, _ in setups], proofs, setup_time, time.time() - started


def run_ray(args, binary, count, plan, jobs, model, cache, out):
    """Keys on the driver's node, proofs wherever Ray places them."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    ray.init(address=args.address, logging_level="WARNING", log_to_driver=False)
    try:
        plan_ref = ray.put(plan)
        model_ref = ray.put(model)
        driver_node = ray.get_runtime_context().get_node_id()

        # Keys: once per piece, on this node, so the key cache here is used.
        setup = ray.remote(setup_piece).options(
            num_returns=2,
            num_cpus=1,
            max_retries=args.retries,
            retry_exceptions=False,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=driver_node, soft=False),
        )
        started = time.time()
        setups = [setup.remote(binary, k, plan_ref, jobs[k], model_ref, cache) for k in range(count)]
        infos = wait_all([info for info, _ in setups], "setting up")
        setup_time = time.time() - started

        die_once = None
        if os.environ.get(DIE_ONCE):
            victim, marker = os.environ[DIE_ONCE].split(":", 1)
            die_once = (int(victim), marker)
        prove = ray.remote(prove_piece)
        started = time.time()
        proofs = []
        for k in range(count):
            options = {"num_cpus": args.cpus, "max_retries": args.retries, "retry_exceptions": False}
            if k in args.place:
                options["resources"] = {args.place[k]: 0.001}
            # The key travels as its own object, straight from the object
            # store to the proving node.
            key = setups[k][1]
            task = prove.options(**options)
            proofs.append(task.remote(binary, k, plan_ref, jobs[k], model_ref, infos[k], key, die_once))
        proved = wait_all(proofs, "proving", lambda p: write_piece(out, p))
        return infos, proved, setup_time, time.time() - started
    finally:
        ray.shutdown()


def wait_all(refs, doing, each=None):
    """The results of one task per piece, in piece order; the first piece
    that fails cancels the others and fails the run."""
    import ray

    results = [None] * len(refs)
    pending = {ref: k for k, ref in enumerate(refs)}
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            try:
                results[k] = ray.get(ready[0])
            except ray.exceptions.RayTaskError as e:
                # The exception the task raised, without Ray's traceback.
                if isinstance(e.cause, PieceFailed):
                    raise e.cause from None
                raise PieceFailed(k, f"{doing} failed: {e.cause!r}") from None
            except ray.exceptions.RayError as e:
                # Out of retries: the worker or its node kept dying.
                raise PieceFailed(k, f"{doing} failed: {e}") from None
            if each is not None:
                each(results[k])
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
    return results


def place(text):
    piece, sep, resource = text.partition("=")
    if not sep or not piece.isdigit() or not resource:
        raise argparse.ArgumentTypeError(f"`{text}` is not K=RESOURCE")
    return int(piece), resource


def parse(argv):
    p = argparse.ArgumentParser(
        prog="prove.py",
        description="Prove a section9 model in pieces on a Ray cluster (or locally, one piece after another).",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--address", help="the Ray cluster's head, HOST:PORT (as `ray start --head` printed it)")
    where.add_argument(
        "--local",
        action="store_true",
        help="no Ray: every piece here, one after another (the default without --address)",
    )
    p.add_argument("--section9", required=True, help="the section9 binary (at this path on every node)")
    p.add_argument("model", nargs="?", help="built-in model name or model file (its parameter file beside it)")
    p.add_argument("input", nargs="?", help="input file; without it, a seeded input")
    p.add_argument("--out", help="the run's folder (created)")
    p.add_argument("--chunks", help="`auto` or a number of pieces")
    p.add_argument(
        "--piece-constraints", type=int, help="the most constraints a piece may have with --chunks auto"
    )
    p.add_argument("--weights", default="committed", choices=["committed", "constant"])
    p.add_argument("--seed", type=int, default=0, help="seed of the generated input (without INPUT)")
    p.add_argument("--keys", help="key cache folder on the driver's node (section9's default without it)")
    p.add_argument("--plan-only", action="store_true", help="only plan: write DIR/plan.json and the jobs, and stop")
    p.add_argument(
        "--from-plan", metavar="DIR", help="prove the run DIR planned earlier (by --plan-only) instead of planning"
    )
    p.add_argument(
        "--retries", type=int, default=3, help="times Ray retries a task whose worker or node died (default 3)"
    )
    p.add_argument("--cpus", type=float, default=1, help="CPUs a prove task asks Ray for (default 1)")
    p.add_argument(
        "--place",
        type=place,
        action="append",
        default=[],
        metavar="K=RESOURCE",
        help="prove piece K on a node with the custom resource RESOURCE (`ray start --resources`); "
        "repeatable; ignored without Ray",
    )
    p.add_argument("--json", action="store_true", help="print one JSON summary on stdout")
    args = p.parse_args(argv)
    if args.from_plan is not None:
        if args.model is not None or args.out is not None or args.chunks is not None or args.plan_only:
            p.error("--from-plan DIR takes no MODEL, --out, --chunks or --plan-only")
        args.out = args.from_plan
    elif args.model is None or args.out is None or args.chunks is None:
        p.error("MODEL, --out and --chunks are required (or --from-plan DIR)")
    args.place = dict(args.place)
    args.out = os.path.abspath(args.out)
    return args


def main(argv):
    args = parse(argv)
    # Ray prints its workers' and raylets' messages on stdout: keep stdout
    # for the summary and send everything else to stderr.
    summary_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    args.summary_out = summary_out
    binary = os.path.abspath(args.section9)
    if not os.access(binary, os.X_OK):
        print(f"prove.py: {binary} is not an executable section9", file=sys.stderr)
        return 2
    cache = os.path.abspath(args.keys) if args.keys is not None else None
    begun = time.time()
    try:
        names = builtins(binary)
        started = time.time()
        if args.from_plan is None:
            plan_run(args, binary, names)
        plan_time = time.time() - started
        plan_path = Path(args.out) / "plan.json"
        if args.plan_only:
            say(args, {"plan": str(plan_path)}, f"wrote        {plan_path}")
            return 0
        plan = plan_path.read_bytes()
        model_arg = json.loads(plan)["model"]
        count = len(json.loads(plan)["pieces"])
        model = model_files(model_arg, names)
        jobs = [(Path(args.out) / f"piece-{k}" / "private" / "job.json").read_bytes() for k in range(count)]
        unknown = [k for k in args.place if k >= count]
        if unknown:
            raise RunFailed(f"--place names piece {unknown[0]}; the plan has pieces 0 to {count - 1}")
        if args.address is None:
            infos, proofs, setup_time, prove_time = run_local(binary, count, plan, jobs, model, cache, args.out)
        else:
            infos, proofs, setup_time, prove_time = run_ray(args, binary, count, plan, jobs, model, cache, args.out)
        started = time.time()
        gathered = section9(binary, ["pieces", "gather", args.out])
        gather_time = time.time() - started
    except (PieceFailed, RunFailed, OSError) as e:
        print(f"prove.py: {e}", file=sys.stderr)
        return 1
    summary = {
        "mode": "local" if args.address is None else "ray",
        "address": args.address,
        "model": gathered["model"],
        "pieces": [
            {
                "piece": p["piece"],
                "node": p["node"],
                "host": p["host"],
                "setup_node": i["node"],
                "key": i["key"],
                "key_bytes": i["key_bytes"],
                "seconds": {"setup": i["seconds"], "prove": p["seconds"]},
                "times": t,
            }
            for p, i, t in zip(proofs, infos, gathered["times"])
        ],
        "nodes": sorted({p["node"] for p in proofs}),
        "identity": gathered["identity"],
        "commitment": gathered["commitment"],
        "manifest": gathered["manifest"],
        "seconds": {
            "plan": round(plan_time, 3),
            "setup": round(setup_time, 3),
            "prove": round(prove_time, 3),
            "gather": round(gather_time, 3),
            "total": round(time.time() - begun, 3),
        },
    }
    lines = [f"model        {summary['model']} ({summary['mode']})"]
    for p in summary["pieces"]:
        lines.append(
            f"piece {p['piece']:<6} on {p['node'][:12]} ({p['host']}): setup {p['seconds']['setup']:.2f}s, "
            f"prove {p['seconds']['prove']:.2f}s"
        )
    s = summary["seconds"]
    lines.append(
        f"seconds      plan {s['plan']:.2f}, setup {s['setup']:.2f}, prove {s['prove']:.2f}, "
        f"gather {s['gather']:.2f}, total {s['total']:.2f}"
    )
    lines.append(f"identity     {summary['identity']}")
    lines.append(f"wrote        {summary['manifest']}")
    say(args, summary, "\n".join(lines))
    return 0


def say(args, summary, text):
    print(json.dumps(summary, indent=2) if args.json else text, file=args.summary_out, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
