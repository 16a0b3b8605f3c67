//! Project tasks: `cargo xtask costs` regenerates the cost table,
//! `cargo xtask gen-circom --out DIR` writes every operator's circom
//! template into one file (`gen-circom <model> --out DIR`: a model's circom
//! project), `cargo xtask zoo-fixture` regenerates the
//! embedded `mlp-fixture` model, `cargo xtask bench [--write]` measures
//! every built-in model (and records the table in `BENCHMARKS.md`;
//! `--vs-snarkjs` against snarkjs on the same key and witness; `--commands`
//! the whole `section9` command as a user waits for it; `--imports` the
//! import of the committed ONNX fixtures and proofs of what they became),
//! `cargo xtask train <model> [--seed N]` trains and quantizes a zoo model,
//! `cargo xtask web` builds the page's WebAssembly prover (`zoo/web/pkg`).

mod bench;
mod bench_pieces;
mod scale;
mod train;
mod vs_snarkjs;
mod web;
mod whole_command;

use section9::catalogue::{examples, field_markdown, markdown};
use section9::compile::Weights;
use section9::export::circom::circom_project;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Writes a file atomically (`section9::files::write_atomic`), creating
/// its directory first.
pub(crate) fn write_atomic(path: &Path, text: impl AsRef<[u8]>) -> Result<(), String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no parent", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    section9::files::write_atomic(path, text.as_ref()).map_err(|e| e.to_string())
}

fn costs() -> Result<(), String> {
    let table = markdown().map_err(|e| e.to_string())?;
    let field = field_markdown().map_err(|e| e.to_string())?;
    let text = format!(
        "# Cost table\n\nExact constraint counts, computed from the `#[zk_op]` declarations by \
         `cargo xtask costs` (a test checks this file is current). Wiring operators and products \
         with a constant weight cost nothing; a k-bit range check costs k + 1. A model's `dense`, \
         `conv2d` or `conv_transpose2d` read only by a `requant` (directly or through a multiply by a public \
         constant per channel) is fused into `dense_requant`, `conv2d_requant` or \
         `conv_transpose2d_requant`: their rows against the layer's plus `requant`'s show the saving, and their private-weight rows \
         less their constant ones give the cost per private multiply-accumulate.\n\n{table}\n\
         ## Field operators\n\nPoseidon (`#[zk_op(field)]`, circomlib's `Poseidon(n)`) costs \
         `3 (8 t + partial rounds) - 3` with `t = n + 1`: 240 for two inputs, as circomlib's \
         optimized template. The weight commitment (`section9::commit`) enters every private \
         weight as its own bits (9 constraints for int8: eight booleans and the excluded 128), \
         packs 31 int8 weights per field element and hashes 15 elements per 16-input \
         Poseidon.\n\n{field}\n{}",
        classic_costs()?
    );
    let path = workspace().join("docs/costs.md");
    write_atomic(&path, &text)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The tree-ensemble cost formulas and each built-in classic model's total
/// in both weight modes, with its trees complete (as built in) and as they
/// are (`section9 import --trees exact`).
fn classic_costs() -> Result<String, String> {
    use section9::compile::{constraint_count, Weights, DEFAULT_MAX_CONSTRAINTS};
    use section9::graph::Model;
    use section9_zoo::import::TreeLayout;
    let mut rows = String::new();
    for (name, set) in section9_zoo::classic::CLASSIC {
        let mut cells = Vec::new();
        for trees in [TreeLayout::Complete, TreeLayout::Exact, TreeLayout::Hidden] {
            let (file, params, _) = section9_zoo::classic::import(name, set, trees).map_err(|e| e.to_string())?;
            let model = Model::new(&file, &params).map_err(|e| e.to_string())?;
            // Hidden feature indices only hide anything when committed.
            let modes: &[Weights] = match trees {
                TreeLayout::Hidden => &[Weights::Committed],
                _ => &[Weights::Constant, Weights::Committed],
            };
            for &w in modes {
                let count = constraint_count(&model, w, DEFAULT_MAX_CONSTRAINTS)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("{name} is over the limit"))?;
                cells.push(count.to_string());
            }
        }
        rows += &format!("| `{name}` | {} |\n", cells.join(" | "));
    }
    Ok(format!(
        "## Tree ensembles and classic models\n\n`tree_ensemble` proves a list of branches: every branch is \
         one sign test of `x - threshold - 1` at `max(px, pt) + 1` bits, `max(px, pt) + 2` constraints (19 \
         for 16-bit features and thresholds), and the leaf is selected from the last branch back with one \
         product per branch and score, except that a choice between two constant leaves is linear. A \
         complete tree of depth d with one score costs `(2^d - 1) * 19 + 2^(d-1) - 1` public and \
         `(2^d - 1) * 20` committed, plus the commitment to its `2^d - 1` thresholds and `2^d` leaves \
         (about 20 constraints per 16-bit weight: the range check, packing and Poseidon). A tree as it \
         is pays the same per real branch and leaf. With `--trees hidden` each branch's feature index is a \
         committed weight too, read by `take_private`: a clamp, the index's bits and about one product per \
         feature per branch (63 constraints for 30 features, 39 for 12), and the index's range check in the \
         commitment (7 and 6).\n\nThe built-in classic models \
         (`section9_zoo::classic`), whole circuits with the outputs' binding, their trees complete (as \
         built in: the shapes hidden), as they are (`--trees exact`) and complete with hidden feature \
         indices (`--trees hidden`, committed):\n\n\
         | model | complete, constant weights | complete, committed | exact, constant weights | exact, committed | hidden, committed |\n\
         |---|---:|---:|---:|---:|---:|\n{rows}"
    ))
}

fn gen_circom(out: &Path) -> Result<(), String> {
    let templates: Vec<_> = examples()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|ex| ex.op.circom_template(&[]))
        .collect();
    let path = out.join("section9.circom");
    write_atomic(&path, section9::circom::library(&templates))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Writes the circom project of a built-in model or model file.
fn gen_circom_model(model: &str, weights: Weights, out: &Path) -> Result<(), String> {
    let model = match section9_zoo::builtin(model) {
        Some(m) => m,
        None => section9::graph::load(Path::new(model)),
    }
    .map_err(|e| e.to_string())?;
    for (name, text) in circom_project(&model, weights).map_err(|e| e.to_string())? {
        let path = out.join(name);
        write_atomic(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Regenerates the embedded `mlp-fixture` files from their seeded builder.
fn zoo_fixture() -> Result<(), String> {
    let (file, params) = section9_zoo::fixture::build();
    let dir = workspace().join("zoo/models");
    let params_path = dir.join(&file.params.as_ref().ok_or("the fixture names no parameter file")?.file);
    write_atomic(&params_path, params.to_bytes())?;
    let json_path = dir.join(format!("{}.json", file.name));
    write_atomic(&json_path, file.to_json())?;
    println!("wrote {} and {}", json_path.display(), params_path.display());
    Ok(())
}

/// Imports the built-in classic models from their committed ONNX-ML
/// exports into `zoo/models`, printing each report.
fn classic() -> Result<(), String> {
    let dir = workspace().join("zoo/models");
    for (name, set) in section9_zoo::classic::CLASSIC {
        let (file, params, report) =
            section9_zoo::classic::import(name, set, section9_zoo::import::TreeLayout::Complete)
                .map_err(|e| e.to_string())?;
        write_atomic(&dir.join(format!("{name}.params")), params.to_bytes())?;
        write_atomic(&dir.join(format!("{name}.json")), file.to_json())?;
        print!("{report}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["costs"] => costs(),
        ["zoo-fixture"] => zoo_fixture(),
        ["classic"] => classic(),
        ["bench"] => bench::bench(&workspace(), false),
        ["bench", "--write"] => bench::bench(&workspace(), true),
        ["bench-model", name, weights] => bench::bench_model(name, weights),
        ["bench", "--commands"] => whole_command::bench(&workspace(), false),
        ["bench", "--commands", "--write"] => whole_command::bench(&workspace(), true),
        ["bench", "--imports"] => whole_command::bench_imports(&workspace(), false),
        ["bench", "--imports", "--write"] => whole_command::bench_imports(&workspace(), true),
        ["bench", "--pieces"] => bench_pieces::bench(&workspace(), false),
        ["bench", "--pieces", "--write"] => bench_pieces::bench(&workspace(), true),
        ["bench", "--vs-snarkjs"] => vs_snarkjs::bench(&workspace(), false),
        ["bench", "--vs-snarkjs", "--write"] => vs_snarkjs::bench(&workspace(), true),
        ["vs-snarkjs-prepare", name, dir] => vs_snarkjs::prepare(name, Path::new(dir)),
        ["vs-snarkjs-section9", name, dir] => vs_snarkjs::section9_side(name, Path::new(dir)),
        ["vs-snarkjs-snarkjs", dir] => vs_snarkjs::snarkjs_side(&workspace(), Path::new(dir)),
        ["gen-circom", "--out", dir] => gen_circom(Path::new(dir)),
        ["gen-circom", model, "--out", dir] => gen_circom_model(model, Weights::Constant, Path::new(dir)),
        ["gen-circom", model, "--out", dir, "--weights", "committed"] => {
            gen_circom_model(model, Weights::Committed, Path::new(dir))
        }
        ["web"] => web::build(&workspace()),
        ["scale-model", kind, weights, "--out", dir] => scale::scale_model(kind, weights, Path::new(dir)),
        ["train", name] => train::train(&workspace(), name, train::DEFAULT_SEED),
        ["train", name, "--seed", seed] => seed
            .parse()
            .map_err(|_| format!("--seed wants an integer, got `{seed}`"))
            .and_then(|seed| train::train(&workspace(), name, seed)),
        _ => Err(
            "usage: cargo xtask costs | gen-circom --out DIR | gen-circom MODEL --out DIR [--weights committed] | zoo-fixture | classic | web | scale-model mlp|cnn WEIGHTS --out DIR | train MODEL [--seed N] | bench [--commands | --imports | --pieces | --vs-snarkjs] [--write]"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
