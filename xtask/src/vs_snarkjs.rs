//! `cargo xtask bench --vs-snarkjs`: section9 and snarkjs prove the same
//! circuit with the same proving key and the same witness.
//!
//! Per model, three release-mode children, so that each peak-memory figure
//! is one prover's own:
//! `vs-snarkjs-prepare` compiles the run (committed weights), makes
//! section9's keys and writes them as `circuit.zkey` beside `witness.wtns`;
//! `vs-snarkjs-section9` reads that `.zkey`, synthesizes the witness and
//! proves; `vs-snarkjs-snarkjs` runs `snarkjs groth16 prove` on the two
//! files and reads its peak memory from the kernel's account of children.
//! Then the release `section9` binary runs `prove --zkey` with that key as a
//! user would (synthesis, key read, proof, verification, files written),
//! timed as a whole process like snarkjs's. With `SECTION9_RAPIDSNARK`
//! naming a rapidsnark `prover` binary (built by hand: no registry this
//! project installs from has it), that prover runs on the same two files,
//! in turn with section9's whole command.

use crate::bench::{machine, median, median_by, ms, peak_mib, record, release_binary, release_xtask};
use crate::whole_command::measure;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use section9::compile::{compile, Compiled, Weights};
use section9::export::wtns_bytes;
use section9::prove::snarkjs::{proof_from_json, public_from_json, vk_from_json, vk_to_json};
use section9::prove::zkey::{read_zkey, zkey_bytes};
use section9::prove::{prove, public_inputs, setup, verify};
use section9::r1cs::Builder;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- cargo xtask bench --vs-snarkjs: begin -->";
const END: &str = "<!-- cargo xtask bench --vs-snarkjs: end -->";
const RUNS: usize = 3;

fn compiled(name: &str) -> Result<(Compiled, Duration), String> {
    let model = section9_zoo::builtin(name)
        .ok_or_else(|| format!("no built-in model `{name}`"))?
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let c = compile(&model, &model.seeded_inputs(1), Weights::Committed, Builder::new()).map_err(|e| e.to_string())?;
    Ok((c, t.elapsed()))
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    crate::write_atomic(&dir.join(name), bytes)
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Child 1: the shared key and witness.
pub fn prepare(name: &str, dir: &Path) -> Result<(), String> {
    let (c, _) = compiled(name)?;
    let keys = setup(&c.cs, &mut ChaCha20Rng::seed_from_u64(0)).map_err(|e| e.to_string())?;
    write(
        dir,
        "circuit.zkey",
        zkey_bytes(&c.cs, &keys.pk).map_err(|e| e.to_string())?,
    )?;
    write(dir, "witness.wtns", wtns_bytes(&c.cs).map_err(|e| e.to_string())?)?;
    write(dir, "verification_key.json", vk_to_json(&keys.vk))?;
    println!("{}", json!({ "constraints": c.cs.num_constraints() }));
    Ok(())
}

/// Child 2: section9 proves with the `.zkey`.
pub fn section9_side(name: &str, dir: &Path) -> Result<(), String> {
    let (c, witness) = compiled(name)?;
    let t = Instant::now();
    let path = dir.join("circuit.zkey");
    let key = section9::files::read_whole(&path)
        .map_err(|e| format!("{}: {e}", path.display()))
        .and_then(|bytes| read_zkey(&bytes).map_err(|e| e.to_string()))?;
    key.check_circuit(&c.cs).map_err(|e| e.to_string())?;
    let read_time = t.elapsed();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut proof = None;
    let prove_time = median(RUNS, || {
        proof = Some(prove(&c.cs, &key.pk, &mut rng).expect("the witness satisfies"));
    });
    let proof = proof.ok_or("no proof")?;
    if !verify(&key.pk.vk, &public_inputs(&c.cs), &proof).map_err(|e| e.to_string())? {
        return Err(format!("{name}: section9's proof does not verify"));
    }
    let row = json!({
        "witness_ms": ms(witness),
        "read_ms": ms(read_time),
        "prove_ms": ms(prove_time),
        "peak_mib": peak_mib(),
    });
    println!("{row}");
    Ok(())
}

/// Largest resident set of any child this process has waited for, in MiB.
fn children_peak_mib() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return f64::NAN;
    }
    usage.ru_maxrss as f64 / 1024.0
}

fn snarkjs_bin(workspace: &Path) -> PathBuf {
    workspace.join("tools/node_modules/.bin/snarkjs")
}

/// section9 checks another prover's proof against the shared key's
/// verifying key.
fn check_proof(dir: &Path, prover: &str, proof: &str, public: &str) -> Result<(), String> {
    let text = |f: &str| String::from_utf8(read(dir, f)?).map_err(|e| format!("{f}: {e}"));
    let vk = vk_from_json(&text("verification_key.json")?).map_err(|e| e.to_string())?;
    let proof = proof_from_json(&text(proof)?).map_err(|e| e.to_string())?;
    let public = public_from_json(&text(public)?).map_err(|e| e.to_string())?;
    if !verify(&vk, &public, &proof).map_err(|e| e.to_string())? {
        return Err(format!("{prover}'s proof does not verify under section9"));
    }
    Ok(())
}

/// Child 3: snarkjs proves with the same files; section9 checks its proof.
pub fn snarkjs_side(workspace: &Path, dir: &Path) -> Result<(), String> {
    let bin = snarkjs_bin(workspace);
    let mut failed = None;
    let time = median(RUNS, || {
        let out = Command::new(&bin)
            .args([
                "groth16",
                "prove",
                "circuit.zkey",
                "witness.wtns",
                "proof.json",
                "public.json",
            ])
            .current_dir(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => failed = Some(String::from_utf8_lossy(&o.stderr).into_owned()),
            Err(e) => failed = Some(format!("{}: {e}", bin.display())),
        }
    });
    if let Some(e) = failed {
        return Err(format!("snarkjs groth16 prove: {e}"));
    }
    check_proof(dir, "snarkjs", "proof.json", "public.json")?;
    println!(
        "{}",
        json!({ "snarkjs_ms": ms(time), "snarkjs_peak_mib": children_peak_mib() })
    );
    Ok(())
}

/// A rapidsnark `prover` binary to compare with, if one is named: it is in
/// no registry this project installs from, so it is built by hand.
const RAPIDSNARK: &str = "SECTION9_RAPIDSNARK";

/// Runs of each whole command when rapidsnark is compared: its times vary
/// more from run to run than the others'.
const RAPIDSNARK_RUNS: usize = 9;

/// The median wall time of `section9 prove NAME --zkey circuit.zkey` as a
/// process of its own into `row["whole_ms"]`; with a rapidsnark binary, its
/// `prover` on the same `.zkey` and `.wtns` too, the two run in turn, and
/// its proof checked by section9.
fn whole_commands(section9: &Path, name: &str, dir: &Path, row: &mut Value) -> Result<(), String> {
    let (zkey, out) = (dir.join("circuit.zkey"), dir.join("section9-out"));
    let (zkey, out) = (zkey.to_string_lossy(), out.to_string_lossy());
    let args = ["prove", name, "--seed", "1", "--zkey", &zkey, "--out", &out, "--json"];
    let Some(rapidsnark) = std::env::var_os(RAPIDSNARK).map(PathBuf::from) else {
        let runs = (0..RUNS)
            .map(|_| measure(section9, &args))
            .collect::<Result<Vec<_>, _>>()?;
        row["whole_ms"] = json!(ms(median_by(runs, |m| m.wall).wall));
        return Ok(());
    };
    let files = [
        "circuit.zkey",
        "witness.wtns",
        "rapidsnark-proof.json",
        "rapidsnark-public.json",
    ]
    .map(|f| dir.join(f).to_string_lossy().into_owned());
    let files = files.each_ref().map(String::as_str);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..RAPIDSNARK_RUNS {
        theirs.push(measure(&rapidsnark, &files)?);
        ours.push(measure(section9, &args)?);
    }
    check_proof(dir, "rapidsnark", "rapidsnark-proof.json", "rapidsnark-public.json")?;
    let theirs = median_by(theirs, |m| m.wall);
    row["whole_ms"] = json!(ms(median_by(ours, |m| m.wall).wall));
    row["rapidsnark_ms"] = json!(ms(theirs.wall));
    row["rapidsnark_peak_mib"] = json!(theirs.peak_mib);
    Ok(())
}

fn child(exe: &Path, args: &[&str]) -> Result<Value, String> {
    let out = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!("{args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    serde_json::from_slice(out.stdout.trim_ascii()).map_err(|e| format!("{args:?}: {e}"))
}

fn table(rows: &[(String, Value)]) -> String {
    let rapidsnark = rows.iter().any(|(_, r)| r.get("rapidsnark_ms").is_some());
    let mut t = String::from(
        "| model | constraints | section9 read .zkey | section9 prove | snarkjs prove (whole command) | snarkjs / section9 prove | snarkjs / section9 (read + prove) | section9 `prove --zkey` (whole command) | snarkjs / section9, whole commands | section9 peak | snarkjs peak |",
    );
    if rapidsnark {
        t.push_str(" rapidsnark `prover` (whole command) | rapidsnark / section9, whole commands | rapidsnark peak |");
    }
    t.push_str("\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    t.push_str(if rapidsnark { "---:|---:|---:|\n" } else { "\n" });
    for (name, r) in rows {
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        t.push_str(&format!(
            "| {name} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} | {:.1} | {:.0} ms | {:.1} | {:.0} MiB | {:.0} MiB |",
            r["constraints"],
            f("read_ms"),
            f("prove_ms"),
            f("snarkjs_ms"),
            f("snarkjs_ms") / f("prove_ms"),
            f("snarkjs_ms") / (f("read_ms") + f("prove_ms")),
            f("whole_ms"),
            f("snarkjs_ms") / f("whole_ms"),
            f("peak_mib"),
            f("snarkjs_peak_mib"),
        ));
        if rapidsnark {
            t.push_str(&format!(
                " {:.0} ms | {:.2} | {:.0} MiB |",
                f("rapidsnark_ms"),
                f("rapidsnark_ms") / f("whole_ms"),
                f("rapidsnark_peak_mib"),
            ));
        }
        t.push('\n');
    }
    t
}

/// Every built-in model, committed weights, both provers.
pub fn bench(workspace: &Path, write: bool) -> Result<(), String> {
    if !snarkjs_bin(workspace).exists() {
        let status = Command::new("bash")
            .arg(workspace.join(".ci/install-tools"))
            .arg("--skip-browser")
            .status()
            .map_err(|e| format!("install-tools: {e}"))?;
        if !status.success() {
            return Err("installing snarkjs failed".into());
        }
    }
    let exe = release_xtask(workspace)?;
    let section9 = release_binary(workspace, "section9-zoo", "section9")?;
    let machine = machine();
    let mut rows = Vec::new();
    for b in section9_zoo::BUILTINS {
        let dir = std::env::temp_dir().join(format!("section9-vs-snarkjs-{}", b.name));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let d = dir.to_str().ok_or("temporary directory is not UTF-8")?;
        let measured = child(&exe, &["vs-snarkjs-prepare", b.name, d]).and_then(|mut row| {
            for side in [&["vs-snarkjs-section9", b.name, d][..], &["vs-snarkjs-snarkjs", d]] {
                let more = child(&exe, side)?;
                if let (Some(row), Some(more)) = (row.as_object_mut(), more.as_object()) {
                    row.extend(more.clone());
                }
            }
            whole_commands(&section9, b.name, &dir, &mut row)?;
            Ok(row)
        });
        let _ = std::fs::remove_dir_all(&dir);
        match measured {
            Ok(row) => rows.push((b.name.to_string(), row)),
            Err(e) => eprintln!("{}: {e}", b.name),
        }
    }
    let text = format!(
        "{machine}. Committed weights; one section9 setup per model, written as a `.zkey` that both \
         provers read, with section9's `.wtns`. snarkjs: wall time of `snarkjs groth16 prove` (reading \
         its files included), peak resident memory of its process. section9: reading and checking the \
         `.zkey`, then `section9::prove`; peak of a process that also synthesized the witness. \
         section9's whole command: `section9 prove MODEL --zkey circuit.zkey`, spawn to exit (it also \
         synthesizes the witness from the model, verifies the proof and writes its files). Medians \
         of {RUNS}{}.\n\n{}",
        match std::env::var_os(RAPIDSNARK) {
            Some(_) => format!(
                "; rapidsnark: its `prover` on the same `.zkey` and `.wtns` (handed the witness), \
                 whole process, run in turn with section9's whole command, medians of \
                 {RAPIDSNARK_RUNS} each, every proof checked by section9"
            ),
            None => String::new(),
        },
        table(&rows)
    );
    println!("{text}");
    if write {
        record(workspace, BEGIN, END, &text)?;
    }
    Ok(())
}
