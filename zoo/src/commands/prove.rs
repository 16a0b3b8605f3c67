//! `section9 prove`: run a model, prove the run, write snarkjs-format files.

use super::ui::{seconds, Phase, Progress, Ui};
use super::{load_inputs, load_model, CliError, CliResult, RunArgs, WeightsArg};
use ark_serialize::CanonicalSerialize;
use section9::compile::{circuit_digest, compile, Compiled};
use section9::field::fr_to_decimal;
use section9::files::write_atomic_all;
use section9::graph::{nested, GraphError, Model};
use section9::prove::cache::{digest_hex, KeyCache, Provenance};
use section9::prove::snarkjs::{proof_to_json, public_to_json, vk_to_json};
use section9::prove::zkey::{read_zkey, Zkey};
use section9::prove::{prove, public_inputs, verify, Keys};
use section9::r1cs::Builder;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Prove that a model produced its output on an input; write proof.json,
/// public.json, verification_key.json (snarkjs format) and output.json into
/// the output directory, and the input into its `private/` folder.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    keys: KeyArgs,
    /// Prove with this snarkjs proving key (e.g. from a phase-2 ceremony on
    /// the `.r1cs` that `export-r1cs` writes) instead of section9's own.
    #[arg(long, conflicts_with_all = ["keys", "chunks"])]
    zkey: Option<PathBuf>,
    #[command(flatten)]
    cut: super::pieces::CutArgs,
}

/// Where section9's own keys are kept.
#[derive(clap::Args, Clone)]
pub struct KeyArgs {
    /// Key cache directory [default: $SECTION9_KEYS, else
    /// $XDG_CACHE_HOME/section9/keys, else ~/.cache/section9/keys]. A
    /// verifier only accepts proofs made with the key it was exported
    /// from: keep this directory as long as the verifier is in use.
    #[arg(long)]
    pub keys: Option<PathBuf>,
}

/// Where a proof's keys come from.
pub enum KeySource {
    /// section9's setup, cached in a directory (the default one if `None`).
    Cache(Option<PathBuf>),
    /// A snarkjs `.zkey` file.
    Zkey(PathBuf),
}

/// Where keys are cached unless `--keys` says otherwise.
fn default_key_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SECTION9_KEYS") {
        return d.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("section9").join("keys")
}

/// The folder under the output directory for files that must not be
/// published with the proof.
pub const PRIVATE: &str = "private";

/// Makes the output directory and its private folder, or says why not,
/// before any work is done.
pub fn prepare_out(out: &Path) -> Result<Made, CliError> {
    let private = out.join(PRIVATE);
    let first = private
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .last()
        .map(Path::to_path_buf);
    std::fs::create_dir_all(&private).map_err(|source| CliError::Io {
        path: if out.is_dir() { private } else { out.to_path_buf() }
            .display()
            .to_string(),
        source,
    })?;
    Ok(Made(first))
}

/// The outermost directory [`prepare_out`] created on the way to the output
/// directory, if it created any.
pub struct Made(Option<PathBuf>);

impl Made {
    /// Removes what [`prepare_out`] created, with whatever was written into
    /// it since: a command that fails leaves the disk as it found it.
    pub fn remove(&self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// How long each step of a proved run took, in seconds.
#[derive(Serialize)]
pub struct Times {
    pub witness: f64,
    /// Absent when the keys were read, not made.
    pub setup: Option<f64>,
    pub keys: f64,
    pub prove: f64,
    pub verify: f64,
}

/// What a proved run produced and how long each step took.
#[derive(Serialize)]
pub struct Proved {
    pub model: String,
    pub constraints: usize,
    pub public_values: usize,
    /// The proof's size, compressed.
    pub proof_bytes: usize,
    pub outputs: Vec<Vec<i64>>,
    pub commitment: Option<String>,
    pub input_hashes: Vec<(String, String)>,
    pub circuit: String,
    pub times: Times,
    /// The key cache file, or the `.zkey` file.
    pub keys: PathBuf,
    pub from_zkey: bool,
    /// What a verifier needs, and the outputs.
    pub written: Vec<PathBuf>,
    /// The inputs: not needed to verify, and private unless the model
    /// publishes them.
    pub private: Vec<PathBuf>,
}

/// Keys, where they came from, and the time spent making or reading them.
struct Loaded {
    keys: Keys,
    path: PathBuf,
    setup: Option<Duration>,
    read: Duration,
    from_zkey: bool,
}

/// The keys of a circuit from the cache, set up (and cached) on a miss.
fn cached_keys_timed(cs: &Builder, digest: &[u8; 32], cache: &KeyCache, ui: impl Progress) -> Result<Loaded, CliError> {
    let fail = |e: section9::prove::cache::CacheError| CliError::Other(e.to_string());
    let (found, read) = ui.phase(Phase::Keys, "reading the cached keys", || cache.load(digest));
    let path = cache.path(digest);
    if let Some(keys) = found.map_err(fail)? {
        return Ok(Loaded {
            keys,
            path,
            setup: None,
            read,
            from_zkey: false,
        });
    }
    let (made, took) = ui.phase(Phase::Setup, "setup (once per circuit; the keys are cached)", || {
        cache.load_or_setup(digest, cs, &mut rand::rngs::OsRng)
    });
    let (keys, provenance) = made.map_err(fail)?;
    let (setup, read) = match provenance {
        Provenance::Made => (Some(took), read),
        Provenance::Cached => (None, read + took),
    };
    Ok(Loaded {
        keys,
        path,
        setup,
        read,
        from_zkey: false,
    })
}

/// The keys of a circuit from the cache, set up (and cached) on a miss.
pub fn cached_keys(cs: &Builder, digest: &[u8; 32], dir: Option<PathBuf>, ui: Ui) -> Result<Keys, CliError> {
    cached_keys_timed(cs, digest, &key_cache(dir), ui).map(|l| l.keys)
}

/// The key cache in `dir`, or in the default directory.
pub fn key_cache(dir: Option<PathBuf>) -> KeyCache {
    KeyCache::new(dir.unwrap_or_else(default_key_dir))
}

/// Maps and parses a `.zkey` on another thread (points checked on their
/// curves), to be matched to the circuit once it is synthesized. Mapped,
/// not read: the parse copies every point out once, and reading the file
/// first would copy all of it again (82 MB for `s9-gan`, a quarter of the
/// time the parse waits for).
fn read_zkey_file(path: PathBuf) -> std::thread::JoinHandle<Result<Zkey, CliError>> {
    std::thread::spawn(move || {
        let io = |source| CliError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        if !file.metadata().map_err(io)?.is_file() {
            return Err(CliError::Other(format!(
                "{}: not a regular file (a .zkey is mapped, so a directory, pipe or device will not do)",
                path.display()
            )));
        }
        // SAFETY: the map is read only by `read_zkey`, which checks every
        // value it copies out. A file rewritten meanwhile gives a key that
        // fails the circuit check or a proof that fails verification, both
        // checked before anything is written; one truncated meanwhile ends
        // the process (SIGBUS), as for any program that maps its input.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(io)?;
        read_zkey(&map).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))
    })
}

/// A `.zkey`'s keys, read by [`read_zkey_file`] and checked to be made for
/// `cs`.
fn zkey_keys(
    cs: &Builder,
    path: &Path,
    reading: std::thread::JoinHandle<Result<Zkey, CliError>>,
    ui: impl Progress,
) -> Result<Loaded, CliError> {
    let (key, read) = ui.phase(Phase::Keys, "reading and checking the .zkey", || {
        let key = reading
            .join()
            .map_err(|_| CliError::Other(format!("{}: reading the .zkey failed", path.display())))??;
        key.check_circuit(cs)
            .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
        Ok::<_, CliError>(key)
    });
    let key = key?;
    let vk = key.pk.vk.clone();
    Ok(Loaded {
        keys: Keys { pk: key.pk, vk },
        path: path.to_path_buf(),
        setup: None,
        read,
        from_zkey: true,
    })
}

/// Compiles the run, sets up or loads its keys, proves, checks the proof
/// and writes the snarkjs files and `output.json` into `out`, the input
/// into `out/private`. `out` must have been made by [`prepare_out`].
///
/// The keys are read on another thread while the circuit is synthesized:
/// a `.zkey`, then matched to the circuit; with cached keys, those this
/// model compiled to last time, used if the new circuit is that one.
pub fn prove_run(
    model: &Model,
    inputs: &[Vec<i64>],
    weights: WeightsArg,
    max_constraints: usize,
    out: &Path,
    source: KeySource,
    ui: impl Progress,
) -> Result<Proved, CliError> {
    let synthesize = || {
        let (c, witness) = ui.phase(Phase::Witness, "synthesizing the circuit", || {
            compile(
                model,
                inputs,
                weights.into(),
                Builder::new().with_limit(max_constraints),
            )
        });
        c.map(|c| (circuit_digest(&c.cs), c, witness)).map_err(CliError::from)
    };
    let (digest, c, witness, loaded) = match source {
        KeySource::Zkey(path) => {
            let reading = read_zkey_file(path.clone());
            let (digest, c, witness) = synthesize()?;
            let loaded = zkey_keys(&c.cs, &path, reading, ui)?;
            (digest, c, witness, loaded)
        }
        KeySource::Cache(dir) => {
            let cache = key_cache(dir);
            let label = format!("{}\n{weights:?}", model.name);
            // Detached, so that a wrong guess is not waited for.
            let guess = cache.recall(&label).map(|digest| {
                let cache = cache.clone();
                (digest, std::thread::spawn(move || cache.load(&digest)))
            });
            let (digest, c, witness) = synthesize()?;
            let prefetched = guess.filter(|(d, _)| *d == digest).and_then(|(_, read)| {
                let (keys, waited) = ui.phase(Phase::Keys, "reading the cached keys", || read.join());
                // A failed read is left to the ordinary path to report.
                Some((keys.ok()?.ok()??, waited))
            });
            let loaded = match prefetched {
                Some((keys, read)) => Loaded {
                    keys,
                    path: cache.path(&digest),
                    setup: None,
                    read,
                    from_zkey: false,
                },
                None => cached_keys_timed(&c.cs, &digest, &cache, ui)?,
            };
            cache.remember(&label, &digest);
            (digest, c, witness, loaded)
        }
    };
    finish(model, inputs, out, c, digest, witness, loaded, ui)
}

/// Proves with the loaded keys, checks the proof and writes the files.
#[allow(clippy::too_many_arguments)]
fn finish(
    model: &Model,
    inputs: &[Vec<i64>],
    out: &Path,
    c: Compiled,
    digest: [u8; 32],
    witness: Duration,
    loaded: Loaded,
    ui: impl Progress,
) -> Result<Proved, CliError> {
    let from_zkey = loaded.from_zkey;
    let keys = &loaded.keys;
    let (proof, prove_time) = ui.phase(Phase::Prove, "proving", || {
        prove(&c.cs, &keys.pk, &mut rand::rngs::OsRng)
    });
    let proof = proof.map_err(|e| CliError::Other(e.to_string()))?;
    let public = public_inputs(&c.cs);
    let (ok, verify_time) = ui.phase(Phase::Verify, "verifying", || verify(&keys.vk, &public, &proof));
    if !ok.map_err(|e| CliError::Other(e.to_string()))? {
        // A .zkey is matched to the circuit on A and B only; its C part
        // shows here.
        return Err(CliError::Other(format!(
            "the new proof does not verify against its own key ({}): the key was made for another circuit",
            loaded.path.display()
        )));
    }
    let named: serde_json::Map<String, serde_json::Value> = model
        .outputs
        .iter()
        .zip(&c.outputs)
        .map(|(&o, v)| (model.nodes[o].name.clone(), nested(&model.nodes[o].shape, v)))
        .collect();
    let public_files = [
        ("verification_key.json", vk_to_json(&keys.vk)),
        ("proof.json", proof_to_json(&proof)),
        ("public.json", public_to_json(&public)),
        ("output.json", format!("{}\n", serde_json::Value::Object(named))),
    ]
    .map(|(name, text)| (out.join(name), text));
    let private_file = (out.join(PRIVATE).join("input.json"), model.inputs_to_json(inputs));
    let files: Vec<(&Path, &[u8])> = public_files
        .iter()
        .chain([&private_file])
        .map(|(path, text)| (path.as_path(), text.as_bytes()))
        .collect();
    write_atomic_all(&files).map_err(|e| CliError::Other(e.to_string()))?;
    let written = public_files.into_iter().map(|(path, _)| path).collect();
    let private = vec![private_file.0];
    let constraints = c.cs.num_constraints();
    // The circuit and the keys are a few hundred thousand allocations;
    // freeing them is milliseconds that nobody needs to wait for.
    let Compiled {
        cs,
        outputs,
        commitment,
        input_hashes,
        ..
    } = c;
    let Loaded {
        keys,
        path: keys_path,
        setup,
        read,
        ..
    } = loaded;
    std::thread::spawn(move || drop((cs, keys)));
    Ok(Proved {
        model: model.name.clone(),
        constraints,
        public_values: public.len(),
        proof_bytes: proof.compressed_size(),
        commitment: commitment.map(|x| fr_to_decimal(&x)),
        input_hashes: input_hashes
            .iter()
            .map(|(i, h)| (i.clone(), fr_to_decimal(h)))
            .collect(),
        outputs,
        circuit: digest_hex(&digest),
        times: Times {
            witness: seconds(witness),
            setup: setup.map(seconds),
            keys: seconds(read),
            prove: seconds(prove_time),
            verify: seconds(verify_time),
        },
        keys: keys_path,
        from_zkey,
        written,
        private,
    })
}

impl Proved {
    /// The summary both `prove` and `demo` print for a person.
    pub fn print(&self, ui: Ui) {
        let t = &self.times;
        ui.say(format!("model        {}", self.model));
        ui.say(format!("constraints  {}", self.constraints));
        ui.say(format!("public       {} values", self.public_values));
        if let Some(commitment) = &self.commitment {
            ui.say(format!("commitment   {commitment}"));
        }
        for (input, hash) in &self.input_hashes {
            ui.say(format!("input hash   {input}: {hash}"));
        }
        ui.say(format!("circuit      {}", self.circuit));
        ui.say(format!("witness      {:.2}s", t.witness));
        match t.setup {
            _ if self.from_zkey => ui.say(format!("keys         {:.2}s {}", t.keys, self.keys.display())),
            Some(s) => ui.say(format!("setup        {s:.2}s (keys cached in {})", self.keys.display())),
            None => ui.say(format!(
                "keys         {:.2}s, cached keys from {}",
                t.keys,
                self.keys.display()
            )),
        }
        ui.say(format!("prove        {:.2}s", t.prove));
        ui.say(format!("verify       {:.3}s", t.verify));
        for p in &self.written {
            ui.say(format!("wrote        {}", p.display()));
        }
        for p in &self.private {
            ui.say(format!(
                "wrote        {} (private: not needed to verify; do not publish)",
                p.display()
            ));
        }
    }
}

/// The constraint limit of a whole-model proof: `--max-constraints`, or
/// fewer when the machine's memory holds fewer by the estimate. The builder
/// refuses the first row past it, so no count runs before the proof.
struct WholeLimit {
    constraints: usize,
    /// The memory it was set by, in bytes, when that is what binds.
    memory: Option<u64>,
}

impl WholeLimit {
    fn new(max_constraints: usize) -> WholeLimit {
        let memory = section9::prove::estimate::machine_memory();
        match memory.map(section9::prove::estimate::fitting) {
            Some(fits) if fits < max_constraints => WholeLimit {
                constraints: fits,
                memory,
            },
            _ => WholeLimit {
                constraints: max_constraints,
                memory: None,
            },
        }
    }

    /// A refusal at a limit the memory set says so, and what to do instead.
    fn explain(&self, model: &Model, e: CliError) -> CliError {
        match (e, self.memory) {
            (CliError::Graph(GraphError::TooLarge { needs, .. }), Some(have)) => CliError::Usage(format!(
                "proving `{}` whole needs {needs} constraints, more than the {} that the {} MiB of this \
                 machine hold by the estimate: prove it in pieces, `--chunks auto`",
                model.name,
                self.constraints,
                have >> 20,
            )),
            (e, _) => e,
        }
    }
}

pub fn run(
    Args {
        run: a,
        keys,
        zkey,
        cut,
    }: Args,
    ui: Ui,
) -> CliResult {
    if cut.chunks.is_some() {
        return super::pieces::prove_all(&a, cut, keys, ui);
    }
    let model = load_model(&a.model)?;
    let inputs = load_inputs(&model, a.input.as_deref(), a.seed)?;
    let limit = WholeLimit::new(a.max_constraints);
    let made = prepare_out(&a.out)?;
    let source = match zkey {
        Some(path) => KeySource::Zkey(path),
        None => KeySource::Cache(keys.keys),
    };
    let proved = prove_run(&model, &inputs, a.weights, limit.constraints, &a.out, source, ui).map_err(|e| {
        made.remove();
        limit.explain(&model, e)
    })?;
    proved.print(ui);
    ui.json(&proved);
    Ok(ExitCode::SUCCESS)
}
