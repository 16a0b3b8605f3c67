//! `cargo xtask bench --pieces`: the scale table. Seeded MLPs and CNNs of
//! growing weight counts ([`crate::scale`]) proved with committed weights
//! by the release `section9`, whole (where one machine holds it) and in
//! pieces (`--chunks auto`), each a first run with an empty key cache,
//! timed as a process with the CPU seconds and peak memory the kernel
//! accounts to it, and the key cache's size.

use crate::bench::{machine, record, release_binary};
use crate::whole_command::{measure, Measured};
use serde_json::Value;
use std::path::Path;

const BEGIN: &str = "<!-- cargo xtask bench --pieces: begin -->";
const END: &str = "<!-- cargo xtask bench --pieces: end -->";

/// (kind, weights, prove whole too). The 1M-weight MLP (16 pieces, about
/// 15 minutes here) is measured by hand with the same commands, beside its
/// run on a Ray cluster (BENCHMARKS.md).
const MODELS: [(&str, usize, bool); 5] = [
    ("mlp", 10_000, true),
    ("mlp", 100_000, true),
    ("mlp", 400_000, true),
    ("cnn", 10_000, true),
    ("cnn", 100_000, false),
];

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// One proving run with a fresh key cache: its row cells.
fn run(exe: &Path, model: &Path, scratch: &Path, label: &str, extra: &[&str]) -> Result<String, String> {
    let keys = scratch.join(format!("keys-{label}"));
    let out = scratch.join(format!("out-{label}"));
    let (keys_s, out_s, model_s) = (keys.to_string_lossy(), out.to_string_lossy(), model.to_string_lossy());
    let mut args = vec![
        "--json",
        "prove",
        &model_s,
        "--out",
        &out_s,
        "--keys",
        &keys_s,
        "--max-constraints",
        "33554432",
    ];
    args.extend(extra);
    let m: Measured = measure(exe, &args)?;
    let s = &m.summary;
    let (pieces, constraints) = match s["constraints"].as_array() {
        Some(per) => (per.len(), per.iter().filter_map(Value::as_u64).collect::<Vec<_>>()),
        None => (1, vec![s["constraints"].as_u64().unwrap_or(0)]),
    };
    let total: u64 = constraints.iter().sum();
    let largest = constraints.iter().max().copied().unwrap_or(0);
    let key_mib = dir_bytes(&keys) as f64 / (1 << 20) as f64;
    let _ = std::fs::remove_dir_all(&keys);
    let _ = std::fs::remove_dir_all(&out);
    Ok(format!(
        "{pieces} | {total} | {largest} | {:.1} s | {:.1} s | {:.0} MiB | {key_mib:.0} MiB",
        m.wall.as_secs_f64(),
        m.cpu,
        m.peak_mib
    ))
}

pub fn bench(workspace: &Path, write: bool) -> Result<(), String> {
    let exe = release_binary(workspace, "section9-zoo", "section9")?;
    let machine = machine();
    let scratch = std::env::temp_dir().join(format!("section9-bench-pieces-{}", std::process::id()));
    let mut table = String::from(
        "| model | weights | proved | pieces | constraints | largest piece | wall | CPU | peak | keys |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (kind, weights, whole) in MODELS {
        let models = scratch.join(format!("{kind}-{weights}"));
        crate::scale::scale_model(kind, &weights.to_string(), &models)?;
        let model = models.join(format!(
            "{}.json",
            std::fs::read_dir(&models)
                .map_err(|e| e.to_string())?
                .flatten()
                .find_map(|e| e.file_name().to_string_lossy().strip_suffix(".json").map(String::from))
                .ok_or("the scale model was not written")?
        ));
        let mut modes: Vec<(&str, Vec<&str>)> = vec![("in pieces (auto)", vec!["--chunks", "auto"])];
        if whole {
            modes.insert(0, ("whole", vec![]));
        }
        for (how, extra) in modes {
            let label = format!("{kind}-{weights}-{}", extra.len());
            let cells = run(&exe, &model, &scratch, &label, &extra)?;
            let row = format!("| {kind} | {weights} | {how} | {cells} |\n");
            print!("{row}");
            table.push_str(&row);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let text = format!(
        "{machine}. `section9 prove MODEL --keys EMPTY [--chunks auto]`, committed weights, one process of the \
         release binary timed from spawn to exit (setup of every key included); CPU is user + system seconds, peak \
         the largest resident set; keys the size of the key cache after the run. In pieces, the pieces are proved \
         one after another in that one process. Seeded weights (`cargo xtask scale-model`).\n\n{table}"
    );
    println!("{text}");
    if write {
        record(workspace, BEGIN, END, &text)?;
    }
    Ok(())
}
