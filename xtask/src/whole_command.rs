//! `cargo xtask bench --commands`: what a user waits for. The release
//! `section9` binary proves every built-in model as a person would run it
//! (committed weights, its own output folder), first with an empty key
//! cache (setup) and then with the cached keys; each run is one process,
//! timed from spawn to exit, with the CPU seconds and peak memory the
//! kernel accounts to it, beside the step times the command prints.

use crate::bench::{machine, median_by, record, release_binary};
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- cargo xtask bench --commands: begin -->";
const END: &str = "<!-- cargo xtask bench --commands: end -->";
const IMPORTS_BEGIN: &str = "<!-- cargo xtask bench --imports: begin -->";
const IMPORTS_END: &str = "<!-- cargo xtask bench --imports: end -->";

/// The committed ONNX fixtures (`zoo/tests/onnx`): model, calibration,
/// evaluation samples, and whether labels go with them.
const FIXTURES: [(&str, &str, &str, bool); 6] = [
    ("digits-mlp", "calibration.npy", "eval.npy", true),
    ("digits-cnn", "calibration.npy", "eval.npy", true),
    ("digits-res", "calibration.npy", "eval.npy", true),
    ("digits-gated", "calibration.npy", "eval.npy", true),
    ("digits-sk-mlp", "sk-calibration.npy", "sk-eval.npy", true),
    ("digits-gan", "gan-latent.npy", "gan-eval-latent.npy", false),
];
/// Cached runs per model; the row shows the median by wall time.
const RUNS: usize = 3;

/// One finished process: wall time, CPU seconds, peak memory, its JSON.
pub(crate) struct Measured {
    pub(crate) wall: Duration,
    pub(crate) cpu: f64,
    pub(crate) peak_mib: f64,
    pub(crate) summary: Value,
}

/// Runs `exe args` to its end and measures it; fails on a non-zero exit.
pub(crate) fn measure(exe: &Path, args: &[&str]) -> Result<Measured, String> {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let reader = std::thread::spawn(move || stderr.map(|mut s| s.read_to_end(&mut err).map(|_| err)));
    if let Some(mut s) = stdout {
        s.read_to_end(&mut out).map_err(|e| e.to_string())?;
    }
    let err = reader.join().ok().flatten().and_then(Result::ok).unwrap_or_default();
    let (status, usage) = wait_with_usage(child.id())?;
    let wall = started.elapsed();
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{args:?}: {}", String::from_utf8_lossy(&err).trim()));
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Ok(Measured {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        summary: match out.trim_ascii() {
            [] => Value::Null,
            json => serde_json::from_slice(json).map_err(|e| format!("{args:?}: {e}"))?,
        },
    })
}

/// Reaps the child `pid` and returns its status and resource usage (the
/// usage of this one child, not of every child so far).
fn wait_with_usage(pid: u32) -> Result<(i32, libc::rusage), String> {
    let mut status = 0;
    // SAFETY: wait4 only writes the status and the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = pid as libc::pid_t;
    if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    Ok((status, usage))
}

/// A row: a first run with an empty key cache, then the median cached run.
fn model_row(exe: &Path, scratch: &Path, verb: &str, model: &str) -> Result<Value, String> {
    let keys = scratch.join(format!("keys-{verb}-{model}"));
    let out = scratch.join(format!("out-{verb}-{model}"));
    let (keys_s, out_s) = (keys.to_string_lossy(), out.to_string_lossy());
    let args: Vec<&str> = match verb {
        "prove" => vec![
            "prove", model, "--seed", "1", "--out", &out_s, "--keys", &keys_s, "--json",
        ],
        _ => vec!["demo", "--model", model, "--out", &out_s, "--keys", &keys_s, "--json"],
    };
    let first = measure(exe, &args)?;
    let runs = (0..RUNS).map(|_| measure(exe, &args)).collect::<Result<Vec<_>, _>>()?;
    let cached = median_by(runs, |m| m.wall);
    let _ = std::fs::remove_dir_all(&keys);
    let row = |m: &Measured| {
        json!({
            "wall_s": m.wall.as_secs_f64(),
            "cpu_s": m.cpu,
            "peak_mib": m.peak_mib,
            "times": m.summary["times"],
        })
    };
    Ok(json!({
        "command": format!("{verb} {model}"),
        "constraints": cached.summary["constraints"],
        "first": row(&first),
        "cached": row(&cached),
    }))
}

fn table(rows: &[Value]) -> String {
    let mut t = String::from(
        "| command | constraints | first run: wall | CPU | peak | setup (printed) | cached: wall | CPU | peak | witness | keys read | prove (printed) | wall / prove |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let (f, c) = (&r["first"], &r["cached"]);
        let n = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        t.push_str(&format!(
            "| `{}` | {} | {:.2} s | {:.2} s | {:.0} MiB | {:.2} s | {:.2} s | {:.2} s | {:.0} MiB | {:.2} s | {:.2} s | {:.2} s | {:.2} |\n",
            r["command"].as_str().unwrap_or("?"),
            r["constraints"],
            n(&f["wall_s"]),
            n(&f["cpu_s"]),
            n(&f["peak_mib"]),
            n(&f["times"]["setup"]),
            n(&c["wall_s"]),
            n(&c["cpu_s"]),
            n(&c["peak_mib"]),
            n(&c["times"]["witness"]),
            n(&c["times"]["keys"]),
            n(&c["times"]["prove"]),
            n(&c["wall_s"]) / n(&c["times"]["prove"]),
        ));
    }
    t
}

/// Measures every built-in model's `prove` and the two generators' `demo`.
pub fn bench(workspace: &Path, write: bool) -> Result<(), String> {
    let exe = release_binary(workspace, "section9-zoo", "section9")?;
    let machine = machine();
    let scratch = std::env::temp_dir().join(format!("section9-bench-commands-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut rows = Vec::new();
    let demos = [("demo", section9_zoo::DEFAULT_GENERATOR), ("demo", "s9-gan")];
    let proves = section9_zoo::BUILTINS.iter().map(|b| ("prove", b.name));
    for (verb, model) in demos.into_iter().chain(proves) {
        rows.push(model_row(&exe, &scratch, verb, model)?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let text = format!(
        "{machine}. Each command a process of the release binary, timed from spawn to exit; CPU is user + system \
         seconds and peak the largest resident set, both as the kernel accounts them to that process. First run: an \
         empty key cache (setup). Cached: the median of {RUNS} runs by wall time. Committed weights.\n\n{}",
        table(&rows)
    );
    println!("{text}");
    if write {
        record(workspace, BEGIN, END, &text)?;
    }
    Ok(())
}

/// `cargo xtask bench --imports`: `section9 import` of every committed ONNX
/// fixture as a whole command, then `prove` of each imported model as in
/// [`bench`].
pub fn bench_imports(workspace: &Path, write: bool) -> Result<(), String> {
    let exe = release_binary(workspace, "section9-zoo", "section9")?;
    let machine = machine();
    let scratch = std::env::temp_dir().join(format!("section9-bench-imports-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let data = workspace.join("zoo/tests/onnx");
    let file = |f: &str| data.join(f).to_string_lossy().into_owned();
    let mut imports = String::from(
        "| model | import: wall | CPU | peak | agreement with float (top-1) | integer against float, held out |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let mut proves = Vec::new();
    for (name, cal, eval, labels) in FIXTURES {
        let out = scratch.join(name).to_string_lossy().into_owned();
        let (onnx, cal, eval, y) = (file(&format!("{name}.onnx")), file(cal), file(eval), file("labels.npy"));
        let mut args = vec![
            "import",
            &onnx,
            "--calibration",
            &cal,
            "--eval",
            &eval,
            "--out",
            &out,
            "--json",
        ];
        if labels {
            args.extend(["--labels", &y]);
        }
        let m = measure(&exe, &args)?;
        let r = &m.summary;
        let agreement = r["eval"]["agreement"]
            .as_f64()
            .map_or("-".into(), |a| format!("{:.2}%", 100.0 * a));
        let f = &r["fidelity_eval"];
        imports.push_str(&format!(
            "| `{name}` | {:.2} s | {:.2} s | {:.0} MiB | {agreement} | PSNR {:.1} dB, max error {:.3} (range {:.2}) |\n",
            m.wall.as_secs_f64(),
            m.cpu,
            m.peak_mib,
            f["psnr_db"].as_f64().unwrap_or(f64::NAN),
            f["max_abs_error"].as_f64().unwrap_or(f64::NAN),
            f["peak"].as_f64().unwrap_or(f64::NAN),
        ));
        let model = format!("{out}/{name}.json");
        let mut row = model_row(&exe, &scratch, "prove", &model)?;
        row["command"] = json!(format!("prove {name}"));
        proves.push(row);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let text = format!(
        "{machine}. `section9 import` of each committed fixture with its calibration and evaluation data (release \
         binary, a process each, default options: weight scales per channel), then `prove` of the imported model \
         as in the table above (committed weights; first run with setup, cached the median of {RUNS}).\n\n{imports}\n{}",
        table(&proves)
    );
    println!("{text}");
    if write {
        record(workspace, IMPORTS_BEGIN, IMPORTS_END, &text)?;
    }
    Ok(())
}
