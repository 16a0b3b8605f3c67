//! `cargo xtask bench`: every built-in model through the whole pipeline,
//! one child process per model so each peak-memory figure is its own.
//!
//! The parent rebuilds itself in release mode and runs
//! `xtask bench-model <name>` for each model; each child prints one JSON
//! line of measurements. The table goes to stdout and, with `--write`,
//! between the markers of `BENCHMARKS.md`.

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use ark_std::UniformRand;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::compile::{compile, Weights};
use section9::prove::{prove, public_inputs, setup, verify, CircomReduction, CircuitLayout};
use section9::r1cs::Builder;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// The median of `runs` timings of `f`.
pub(crate) fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The middle element of `items` ordered by `key`.
pub(crate) fn median_by<T, K: Ord>(mut items: Vec<T>, key: impl Fn(&T) -> K) -> T {
    items.sort_by_key(|i| key(i));
    items.swap_remove(items.len() / 2)
}

/// Peak resident memory of this process so far, in MiB.
pub(crate) fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Measures one model and prints one JSON line.
pub fn bench_model(name: &str, weights: &str) -> Result<(), String> {
    let model = section9_zoo::builtin(name)
        .ok_or_else(|| format!("no built-in model `{name}`"))?
        .map_err(|e| e.to_string())?;
    let mode = match weights {
        "constant" => Weights::Constant,
        "committed" => Weights::Committed,
        other => return Err(format!("weights `{other}`: expected constant or committed")),
    };
    let inputs = model.seeded_inputs(1);
    let t = Instant::now();
    let c = compile(&model, &inputs, mode, Builder::new()).map_err(|e| e.to_string())?;
    let witness = t.elapsed();
    let cs = c.cs;
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let t = Instant::now();
    let keys = setup(&cs, &mut rng).map_err(|e| e.to_string())?;
    let setup_time = t.elapsed();
    let mut proof = None;
    let prove_time = median(3, || {
        proof = Some(prove(&cs, &keys.pk, &mut rng).expect("the witness satisfies"))
    });
    let proof = proof.expect("proved at least once");
    let layout = CircuitLayout::new(&cs);
    let matrices = layout.matrices(&cs).map_err(|e| e.to_string())?;
    let assignment = layout.assignment(&cs).map_err(|e| e.to_string())?;
    let ark_time = median(3, || {
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
            &keys.pk,
            r,
            s,
            &matrices,
            layout.num_instance(),
            cs.num_constraints(),
            &assignment,
        )
        .expect("the same matrices prove");
    });
    let public = public_inputs(&cs);
    let mut ok = false;
    let verify_time = median(3, || ok = verify(&keys.vk, &public, &proof).expect("key fits"));
    if !ok {
        return Err(format!("{name}: the proof does not verify"));
    }
    let row = json!({
        "model": name,
        "weights": weights,
        "constraints": cs.num_constraints(),
        "public": public.len(),
        "witness_ms": ms(witness),
        "setup_ms": ms(setup_time),
        "prove_ms": ms(prove_time),
        "ark_prove_ms": ms(ark_time),
        "verify_ms": ms(verify_time),
        "peak_mib": peak_mib(),
        "proof_bytes": proof.compressed_size(),
    });
    println!("{row}");
    Ok(())
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    let date = Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{date}, {cpu}, {cores} cores, load average {load} at start")
}

fn table(rows: &[Value]) -> String {
    let mut t = String::from(
        "| model | weights | constraints | public inputs | witness | setup | prove | ark-groth16 alone | prove / ark | verify | peak memory | proof |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        t.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} ms | {:.0} ms | {:.1} ms | {:.1} ms | {:.2} | {:.1} ms | {:.0} MiB | {} bytes |\n",
            r["model"].as_str().unwrap_or("?"),
            r["weights"].as_str().unwrap_or("?"),
            r["constraints"],
            r["public"],
            f("witness_ms"),
            f("setup_ms"),
            f("prove_ms"),
            f("ark_prove_ms"),
            f("prove_ms") / f("ark_prove_ms"),
            f("verify_ms"),
            f("peak_mib"),
            r["proof_bytes"],
        ));
    }
    t
}

/// Runs every built-in model in its own release-mode child process.
pub fn bench(workspace: &Path, write: bool) -> Result<(), String> {
    let exe = release_xtask(workspace)?;
    let machine = machine();
    let mut rows = Vec::new();
    for b in section9_zoo::BUILTINS {
        for weights in ["constant", "committed"] {
            let out = Command::new(&exe)
                .args(["bench-model", b.name, weights])
                .output()
                .map_err(|e| format!("{}: {e}", exe.display()))?;
            if !out.status.success() {
                eprintln!(
                    "{} ({weights}): {}",
                    b.name,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                continue;
            }
            let line = String::from_utf8_lossy(&out.stdout);
            rows.push(serde_json::from_str::<Value>(line.trim()).map_err(|e| format!("{}: {e}", b.name))?);
        }
    }
    let text = format!(
        "{machine}. `section9::prove` against ark-groth16's own `create_proof_with_reduction_and_matrices` on \
         the same matrices and assignment; medians of 3 for prove and verify, one setup.\n\n{}",
        table(&rows)
    );
    println!("{text}");
    if write {
        record(workspace, BEGIN, END, &text)?;
    }
    Ok(())
}

/// Replaces what lies between two markers of `BENCHMARKS.md`.
pub(crate) fn record(workspace: &Path, begin: &str, end: &str, text: &str) -> Result<(), String> {
    let path = workspace.join("BENCHMARKS.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
        return Err(format!("{} lacks the markers {begin} ... {end}", path.display()));
    };
    let updated = format!("{}{begin}\n{text}{}", &doc[..a], &doc[b..]);
    crate::write_atomic(&path, updated)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Builds binary `bin` of `package` in release mode and returns its path.
pub(crate) fn release_binary(workspace: &Path, package: &str, bin: &str) -> Result<std::path::PathBuf, String> {
    let status = Command::new("cargo")
        .args(["build", "--release", "-q", "-p", package, "--bin", bin])
        .current_dir(workspace)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {bin} in release mode failed"));
    }
    Ok(workspace.join("target/release").join(bin))
}

/// Builds the release xtask the measuring children run.
pub(crate) fn release_xtask(workspace: &Path) -> Result<std::path::PathBuf, String> {
    release_binary(workspace, "xtask", "xtask")
}
