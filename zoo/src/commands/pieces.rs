//! Proving a model in pieces: `prove --chunks`, and the `pieces` verbs a
//! cluster driver (tools/cluster) runs one piece at a time.
//!
//! A run's folder holds `plan.json` (the model, how its weights enter,
//! the cut), `piece-K/private/job.json` (what piece K needs: private),
//! then per piece `proof.json`, `public.json`, `verification_key.json`
//! and `piece.json` (its key's digest and the places of its links), and
//! finally `manifest.json`, which `section9 verify` checks.

use super::prove::{key_cache, prepare_out, KeyArgs, PRIVATE};
use super::ui::{seconds, Ui};
use super::{load_inputs, load_model, read_text, CliError, CliResult, WeightsArg};
use ark_bn254::Bn254;
use section9::compile::{circuit_digest, compile_piece, Compiled, Ends, Piece};
use section9::field::{fr_to_decimal, Fr};
use section9::files::write_atomic;
use section9::graph::Model;
use section9::pieces::{
    combined_commitment, cut, file_digest, jobs, Chunks, Job, Manifest, ModelPart, PieceKey, PieceProof,
    MANIFEST_FORMAT, MANIFEST_VERSION,
};
use section9::prove::cache::digest_hex;
use section9::prove::snarkjs::{
    proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json,
};
use section9::prove::{prove, public_inputs, verify, Proof, VerifyingKey};
use section9::r1cs::Builder;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

/// `--chunks`: `auto` (pieces of at most `--piece-constraints`) or a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChunksArg {
    Auto,
    Count(usize),
}

impl FromStr for ChunksArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(ChunksArg::Auto),
            n => match n.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(ChunksArg::Count(n)),
                _ => Err(format!("`{s}` is neither `auto` nor a number of pieces (1 or more)")),
            },
        }
    }
}

/// The constraints a piece may have under `--chunks auto` unless told.
pub const DEFAULT_PIECE_CONSTRAINTS: usize = 1 << 20;

/// How to cut: shared by `prove --chunks` and `pieces plan`.
#[derive(clap::Args, Clone, Copy)]
pub struct CutArgs {
    /// Prove in pieces: `auto` (as few as keep each within
    /// `--piece-constraints`) or a number of pieces of about equal size.
    #[arg(long)]
    pub chunks: Option<ChunksArg>,
    /// The most constraints (estimated) a piece may have with `--chunks auto`.
    #[arg(long, default_value_t = DEFAULT_PIECE_CONSTRAINTS)]
    pub piece_constraints: usize,
}

impl CutArgs {
    fn chunks(&self) -> Chunks {
        match self.chunks {
            Some(ChunksArg::Count(n)) => Chunks::Count(n),
            Some(ChunksArg::Auto) | None => Chunks::Budget(self.piece_constraints),
        }
    }
}

/// The cut `prove --chunks` would make: each piece's nodes, exact
/// constraints (counted, not built) and estimated resources.
/// One piece of a cut as `info --chunks` shows it.
#[derive(Serialize)]
pub struct PieceRow {
    index: usize,
    first: String,
    last: String,
    /// `None` when the piece has more than `--max-constraints`.
    constraints: Option<usize>,
    peak_bytes_estimate: Option<u64>,
    key_bytes_estimate: Option<u64>,
    #[serde(skip)]
    max_constraints: usize,
}

impl std::fmt::Display for PieceRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = match self.constraints {
            Some(n) => format!("{n} constraints, {}", super::info::resources(n)),
            None => format!("more than {} constraints (`--max-constraints`)", self.max_constraints),
        };
        write!(f, "piece {:<8} {} .. {}: {size}", self.index, self.first, self.last)
    }
}

/// How `prove --chunks` would cut `model`: each piece's nodes and size.
pub fn cut_rows(
    model: &Model,
    weights: WeightsArg,
    c: CutArgs,
    max_constraints: usize,
) -> Result<Vec<PieceRow>, CliError> {
    let pieces = cut(model, weights.into(), c.chunks())?;
    let sizes = section9::pieces::piece_sizes(model, &pieces, weights.into(), max_constraints)?;
    Ok(pieces
        .iter()
        .zip(sizes)
        .map(|(p, constraints)| {
            let (first, last) = first_last(model, p);
            let e = constraints.map(section9::prove::estimate::estimate);
            PieceRow {
                index: p.index,
                first,
                last,
                constraints,
                peak_bytes_estimate: e.as_ref().map(|e| e.peak_bytes),
                key_bytes_estimate: e.as_ref().map(|e| e.key_bytes),
                max_constraints,
            }
        })
        .collect())
}

/// What `pieces plan` decided, for the other verbs (`plan.json`).
#[derive(Serialize, Deserialize)]
struct Plan {
    /// The model as given: a built-in name or a model file's path.
    model: String,
    weights: WeightsArg,
    chunks: Chunks,
    max_constraints: usize,
    /// The first and last node of each piece, to tell a changed model.
    pieces: Vec<(String, String)>,
}

/// What `pieces prove` records beside a piece's proof (`piece.json`).
#[derive(Serialize, Deserialize)]
struct Proved {
    key: PieceKey,
    constraints: usize,
    times: Times,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
struct Times {
    witness: f64,
    keys: f64,
    prove: f64,
}

fn piece_dir(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("piece-{k}"))
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    write_atomic(path, text.as_bytes()).map_err(|e| CliError::Other(e.to_string()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, CliError> {
    serde_json::from_str(&read_text(path)?).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))
}

fn first_last(model: &Model, piece: &Piece) -> (String, String) {
    let name = |at: Option<&usize>| at.map_or_else(String::new, |&at| model.nodes[at].name.clone());
    let own: Vec<&usize> = piece
        .nodes
        .iter()
        .filter(|&&at| !model.nodes[at].inputs.is_empty())
        .collect();
    (name(own.first().copied()), name(own.last().copied()))
}

/// Cuts the model, runs it once and writes the plan and every piece's job.
fn plan(
    model_arg: &str,
    model: &Model,
    inputs: &[Vec<i64>],
    weights: WeightsArg,
    chunks: Chunks,
    max_constraints: usize,
    dir: &Path,
) -> Result<(Plan, Vec<Piece>), CliError> {
    let pieces = cut(model, weights.into(), chunks)?;
    let jobs = jobs(model, &pieces, inputs, &mut rand::rngs::OsRng)?;
    for job in &jobs {
        let private = piece_dir(dir, job.piece).join(PRIVATE);
        prepare_out(&piece_dir(dir, job.piece))?;
        let text = serde_json::to_string(job).expect("plain data");
        write(&private.join("job.json"), &text)?;
    }
    let plan = Plan {
        model: model_arg.to_string(),
        weights,
        chunks,
        max_constraints,
        pieces: pieces.iter().map(|p| first_last(model, p)).collect(),
    };
    write(
        &dir.join("plan.json"),
        &serde_json::to_string_pretty(&plan).expect("plain data"),
    )?;
    Ok((plan, pieces))
}

/// The run's model and inputs, planned into its output folder.
fn plan_run(run: &super::RunArgs, c: CutArgs) -> Result<(Plan, Model, Vec<Piece>), CliError> {
    let model = load_model(&run.model)?;
    let inputs = load_inputs(&model, run.input.as_deref(), run.seed)?;
    prepare_out(&run.out)?;
    let chunks = c.chunks();
    let (plan, pieces) = plan(
        &run.model,
        &model,
        &inputs,
        run.weights,
        chunks,
        run.max_constraints,
        &run.out,
    )?;
    Ok((plan, model, pieces))
}

/// The plan in `dir`, its model and its cut, checked to still agree.
fn load_plan(dir: &Path) -> Result<(Plan, Model, Vec<Piece>), CliError> {
    let plan: Plan = read_json(&dir.join("plan.json"))?;
    let model = load_model(&plan.model)?;
    let pieces = cut(&model, plan.weights.into(), plan.chunks)?;
    let now: Vec<(String, String)> = pieces.iter().map(|p| first_last(&model, p)).collect();
    if now != plan.pieces {
        return Err(CliError::Other(format!(
            "{}: the model `{}` no longer cuts into the planned pieces (was it changed?)",
            dir.join("plan.json").display(),
            plan.model
        )));
    }
    Ok((plan, model, pieces))
}

fn piece_of(pieces: &[Piece], k: usize) -> Result<&Piece, CliError> {
    pieces
        .get(k)
        .ok_or_else(|| CliError::Usage(format!("piece {k}: the plan has pieces 0 to {}", pieces.len() - 1)))
}

/// Synthesizes piece `k` from its job.
fn synthesize(plan: &Plan, model: &Model, piece: &Piece, dir: &Path, ui: Ui) -> Result<(Compiled, f64), CliError> {
    let job: Job = read_json(&piece_dir(dir, piece.index).join(PRIVATE).join("job.json"))?;
    if job.piece != piece.index {
        return Err(CliError::Other(format!(
            "piece {}: its job is piece {}'s",
            piece.index, job.piece
        )));
    }
    let ends = Ends {
        inputs: &job.inputs,
        link_in: &job.link_in,
        salt_in: job.salt_in,
        salt_out: job.salt_out,
    };
    let what = format!("piece {}: synthesizing", piece.index);
    let (c, took) = ui.step(&what, || {
        compile_piece(
            model,
            piece,
            &ends,
            plan.weights.into(),
            Builder::new().with_limit(plan.max_constraints),
        )
    });
    Ok((
        c.map_err(|e| CliError::Other(format!("piece {}: {e}", piece.index)))?,
        seconds(took),
    ))
}

/// Makes (or finds) piece `k`'s keys in the cache; returns the key file.
fn setup_piece(
    plan: &Plan,
    model: &Model,
    piece: &Piece,
    dir: &Path,
    keys: KeyArgs,
    ui: Ui,
) -> Result<PathBuf, CliError> {
    let (c, _) = synthesize(plan, model, piece, dir, ui)?;
    let digest = circuit_digest(&c.cs);
    let cache = key_cache(keys.keys);
    let what = format!("piece {}: setup (once per piece; the keys are cached)", piece.index);
    let (made, _) = ui.step(&what, || cache.load_or_setup(&digest, &c.cs, &mut rand::rngs::OsRng));
    made.map_err(|e| CliError::Other(format!("piece {}: {e}", piece.index)))?;
    Ok(cache.path(&digest))
}

/// Proves piece `k` and writes its files; returns what `piece.json` says.
fn prove_piece(
    plan: &Plan,
    model: &Model,
    piece: &Piece,
    dir: &Path,
    keys: KeyArgs,
    may_setup: bool,
    ui: Ui,
) -> Result<Proved, CliError> {
    let fail = |e: String| CliError::Other(format!("piece {}: {e}", piece.index));
    let (c, witness) = synthesize(plan, model, piece, dir, ui)?;
    let digest = circuit_digest(&c.cs);
    let cache = key_cache(keys.keys);
    let started = Instant::now();
    let what = format!("piece {}: keys", piece.index);
    let loaded = ui.step(&what, || match may_setup {
        true => cache
            .load_or_setup(&digest, &c.cs, &mut rand::rngs::OsRng)
            .map(|(k, _)| Some(k)),
        false => cache.load(&digest),
    });
    let keys = loaded.0.map_err(|e| fail(e.to_string()))?.ok_or_else(|| {
        fail(format!(
            "{} has no keys for this piece's circuit {} (and --no-setup)",
            cache.dir().display(),
            digest_hex(&digest)
        ))
    })?;
    let keys_time = seconds(started.elapsed());
    let what = format!("piece {}: proving", piece.index);
    let (proof, prove_time) = ui.step(&what, || prove(&c.cs, &keys.pk, &mut rand::rngs::OsRng));
    let proof = proof.map_err(|e| fail(e.to_string()))?;
    let public = public_inputs(&c.cs);
    if !verify(&keys.vk, &public, &proof).map_err(|e| fail(e.to_string()))? {
        return Err(fail("the new proof does not verify against its own key".into()));
    }
    let out = piece_dir(dir, piece.index);
    let vk_json = vk_to_json(&keys.vk);
    write(&out.join("verification_key.json"), &vk_json)?;
    write(&out.join("proof.json"), &proof_to_json(&proof))?;
    write(&out.join("public.json"), &public_to_json(&public))?;
    let last = piece.index + 1 == piece.count;
    let (first, last_node) = first_last(model, piece);
    let proved = Proved {
        key: PieceKey {
            first,
            last: last_node,
            circuit: digest_hex(&digest),
            verification_key_sha256: file_digest(vk_json.as_bytes()),
            verification_key: format!("piece-{}/verification_key.json", piece.index),
            public_values: public.len(),
            link_out: (!last).then_some(0),
            // The link in comes right after the outputs (or the link out).
            link_in: (piece.index > 0).then_some(c.output_wires.len()),
            commitment: c.commitment.map(|_| public.len() - 1),
            weights: c.commitment.map(|x| fr_to_decimal(&x)),
        },
        constraints: c.cs.num_constraints(),
        times: Times {
            witness,
            keys: keys_time,
            prove: seconds(prove_time),
        },
    };
    write(
        &out.join("piece.json"),
        &serde_json::to_string_pretty(&proved).expect("plain data"),
    )?;
    Ok(proved)
}

/// Checks every piece's proof and the links between them, and writes
/// `manifest.json`.
fn gather(plan: &Plan, pieces: &[Piece], dir: &Path) -> Result<Manifest, CliError> {
    let proved: Vec<Proved> = (0..pieces.len())
        .map(|k| read_json(&piece_dir(dir, k).join("piece.json")))
        .collect::<Result<_, _>>()?;
    let mut commitments = Vec::with_capacity(pieces.len());
    for (k, p) in proved.iter().enumerate() {
        let public = read_public(&piece_dir(dir, k).join("public.json"))?;
        commitments.push(p.key.commitment.and_then(|at| public.get(at).copied()));
    }
    let committed = plan.weights == WeightsArg::Committed;
    let model = ModelPart {
        name: load_model(&plan.model)?.name,
        weights: if committed { "committed" } else { "constant" }.into(),
        commitment: committed.then(|| fr_to_decimal(&combined_commitment(&commitments))),
        pieces: proved.into_iter().map(|p| p.key).collect(),
    };
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        version: MANIFEST_VERSION,
        identity: model.identity(),
        model,
        proofs: (0..pieces.len())
            .map(|k| PieceProof {
                proof: format!("piece-{k}/proof.json"),
                public: format!("piece-{k}/public.json"),
            })
            .collect(),
    };
    let path = dir.join("manifest.json");
    check_manifest(&manifest, dir)?.map_err(CliError::Other)?;
    write(&path, &serde_json::to_string_pretty(&manifest).expect("plain data"))?;
    Ok(manifest)
}

fn read_public(path: &Path) -> Result<Vec<Fr>, CliError> {
    public_from_json(&read_text(path)?).map_err(super::malformed(path))
}

/// A path the manifest names, which must stay inside its folder.
fn inside(dir: &Path, name: &str) -> Result<PathBuf, CliError> {
    let path = Path::new(name);
    if path.is_absolute() || path.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(CliError::Other(format!(
            "the manifest names `{name}`, outside its folder"
        )));
    }
    Ok(dir.join(path))
}

/// The manifest at `path` and the folder its paths are relative to.
pub fn read_manifest(path: &Path) -> Result<(Manifest, PathBuf), CliError> {
    let manifest = read_json(path)?;
    Ok((manifest, path.parent().unwrap_or(Path::new(".")).to_path_buf()))
}

/// Every piece's verifying key, each checked against the digest the
/// manifest names for it.
pub fn piece_keys(manifest: &Manifest, dir: &Path) -> Result<Vec<VerifyingKey<Bn254>>, CliError> {
    manifest
        .model
        .pieces
        .iter()
        .enumerate()
        .map(|(k, key)| {
            let path = inside(dir, &key.verification_key)?;
            let text = read_text(&path)?;
            if file_digest(text.as_bytes()) != key.verification_key_sha256 {
                return Err(CliError::Other(format!(
                    "piece {k}: {} is not the key the manifest names",
                    path.display()
                )));
            }
            vk_from_json(&text).map_err(super::malformed(&path))
        })
        .collect()
}

/// A piece's proof and its public values.
pub type ProvedPiece = (Proof<Bn254>, Vec<Fr>);

/// Every piece's proof and public values, as the manifest lists them.
pub fn piece_proofs(manifest: &Manifest, dir: &Path) -> Result<Vec<ProvedPiece>, CliError> {
    manifest
        .proofs
        .iter()
        .map(|files| {
            let path = inside(dir, &files.proof)?;
            let proof = proof_from_json(&read_text(&path)?).map_err(super::malformed(&path))?;
            Ok((proof, read_public(&inside(dir, &files.public)?)?))
        })
        .collect()
}

/// Checks every piece's key digest and proof, then the links and the
/// combined commitment. `Ok(false)` when a proof does not verify or a
/// link does not hold; an error for a malformed file.
pub fn check_manifest(manifest: &Manifest, dir: &Path) -> Result<Result<(), String>, CliError> {
    if manifest.format != MANIFEST_FORMAT || manifest.version != MANIFEST_VERSION {
        return Err(CliError::Other(format!(
            "not a {MANIFEST_FORMAT} manifest of version {MANIFEST_VERSION} (format {:?}, version {})",
            manifest.format, manifest.version
        )));
    }
    let mut publics = Vec::with_capacity(manifest.proofs.len());
    for (k, (key, files)) in manifest.model.pieces.iter().zip(&manifest.proofs).enumerate() {
        let vk_path = inside(dir, &key.verification_key)?;
        let vk_text = read_text(&vk_path)?;
        if file_digest(vk_text.as_bytes()) != key.verification_key_sha256 {
            return Ok(Err(format!(
                "piece {k}: {} is not the key the manifest names",
                vk_path.display()
            )));
        }
        let proof_path = inside(dir, &files.proof)?;
        let public_path = inside(dir, &files.public)?;
        let vk = vk_from_json(&vk_text).map_err(super::malformed(&vk_path))?;
        let proof = proof_from_json(&read_text(&proof_path)?).map_err(super::malformed(&proof_path))?;
        let public = read_public(&public_path)?;
        match verify(&vk, &public, &proof) {
            Ok(true) => {}
            Ok(false) => return Ok(Err(format!("piece {k}: the proof does not verify"))),
            Err(e) => return Ok(Err(format!("piece {k}: {e}"))),
        }
        publics.push(public);
    }
    Ok(section9::pieces::check_links(manifest, &publics).map_err(|e| e.to_string()))
}

/// What a run in pieces produced (`--json` summary of `prove --chunks`
/// and `pieces gather`).
#[derive(Serialize)]
struct Summary {
    model: String,
    pieces: usize,
    identity: String,
    commitment: Option<String>,
    manifest: PathBuf,
    constraints: Vec<usize>,
    /// Seconds per piece: witness, keys (read or set up), prove.
    times: Vec<Times>,
}

fn summarize(dir: &Path, manifest: &Manifest) -> Result<Summary, CliError> {
    let proved: Vec<Proved> = (0..manifest.model.pieces.len())
        .map(|k| read_json(&piece_dir(dir, k).join("piece.json")))
        .collect::<Result<_, _>>()?;
    Ok(Summary {
        model: manifest.model.name.clone(),
        pieces: manifest.model.pieces.len(),
        identity: manifest.identity.clone(),
        commitment: manifest.model.commitment.clone(),
        manifest: dir.join("manifest.json"),
        constraints: proved.iter().map(|p| p.constraints).collect(),
        times: proved.iter().map(|p| p.times).collect(),
    })
}

fn print(summary: &Summary, ui: Ui) {
    ui.say(format!("model        {}", summary.model));
    for (k, (n, t)) in summary.constraints.iter().zip(&summary.times).enumerate() {
        ui.say(format!(
            "piece {k:<6} {n} constraints, witness {:.2}s, keys {:.2}s, prove {:.2}s",
            t.witness, t.keys, t.prove
        ));
    }
    if let Some(c) = &summary.commitment {
        ui.say(format!("commitment   {c} (all pieces' weights)"));
    }
    ui.say(format!("identity     {}", summary.identity));
    ui.say(format!("wrote        {}", summary.manifest.display()));
    ui.json(summary);
}

/// `section9 prove MODEL --chunks ...`: every piece in this process, one
/// after another.
pub fn prove_all(run: &super::RunArgs, cut_args: CutArgs, keys: KeyArgs, ui: Ui) -> CliResult {
    let (plan, model, pieces) = plan_run(run, cut_args)?;
    for piece in &pieces {
        prove_piece(&plan, &model, piece, &run.out, keys.clone(), true, ui)?;
    }
    let manifest = gather(&plan, &pieces, &run.out)?;
    print(&summarize(&run.out, &manifest)?, ui);
    Ok(ExitCode::SUCCESS)
}

/// Prove a model in pieces, one verb per step, for a driver that spreads
/// the pieces over machines (tools/cluster): `plan`, then `setup` and
/// `prove` of each piece anywhere the folder is, then `gather`.
#[derive(clap::Subcommand)]
pub enum Args {
    /// Cut the model, run it once and write plan.json and each piece's job.
    Plan {
        #[command(flatten)]
        run: super::RunArgs,
        #[command(flatten)]
        cut: CutArgs,
    },
    /// Make one piece's keys (cached); prints the key file.
    Setup(PieceArgs),
    /// Prove one piece with its cached keys (made if missing).
    Prove {
        #[command(flatten)]
        piece: PieceArgs,
        /// Refuse to make the keys when the cache lacks them (a driver that
        /// ships keys to workers: a key of another circuit is then an error).
        #[arg(long)]
        no_setup: bool,
    },
    /// Check every piece and write manifest.json.
    Gather {
        /// The run's folder (as `plan --out` made it).
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct PieceArgs {
    /// The run's folder (as `plan --out` made it).
    dir: PathBuf,
    /// Which piece, from 0.
    #[arg(long)]
    piece: usize,
    #[command(flatten)]
    keys: KeyArgs,
}

pub fn run(args: Args, ui: Ui) -> CliResult {
    match args {
        Args::Plan { run, cut: c } => {
            let (_, _, pieces) = plan_run(&run, c)?;
            ui.say(format!("pieces       {}", pieces.len()));
            ui.say(format!("wrote        {}", run.out.join("plan.json").display()));
            ui.json(&serde_json::json!({ "pieces": pieces.len(), "plan": run.out.join("plan.json") }));
        }
        Args::Setup(a) => {
            let (plan, model, pieces) = load_plan(&a.dir)?;
            let path = setup_piece(&plan, &model, piece_of(&pieces, a.piece)?, &a.dir, a.keys, ui)?;
            ui.say(format!("keys         {}", path.display()));
            ui.json(&serde_json::json!({ "piece": a.piece, "keys": path }));
        }
        Args::Prove { piece: a, no_setup } => {
            let (plan, model, pieces) = load_plan(&a.dir)?;
            let proved = prove_piece(
                &plan,
                &model,
                piece_of(&pieces, a.piece)?,
                &a.dir,
                a.keys,
                !no_setup,
                ui,
            )?;
            ui.say(format!(
                "piece {}      {} constraints, proved",
                a.piece, proved.constraints
            ));
            ui.json(&proved);
        }
        Args::Gather { dir } => {
            let (plan, _, pieces) = load_plan(&dir)?;
            let manifest = gather(&plan, &pieces, &dir)?;
            print(&summarize(&dir, &manifest)?, ui);
        }
    }
    Ok(ExitCode::SUCCESS)
}
